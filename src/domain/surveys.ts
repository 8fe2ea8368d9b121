/** The survey vocabulary every layer shares: kinds, their scales, bands and the customer's languages. */

export const surveyKinds = ['nps', 'csat', 'ces'] as const;

/**
 * The longest comment kept, in characters: room for a real complaint. Every place a comment is typed
 * (the Teams comment card, the web chat box) and the dialog that stores it use this one number.
 */
export const maxCommentLength = 5_000;
export type SurveyKind = (typeof surveyKinds)[number];

/** A language's code (`en`, `ar`, `pt`…): the languages are data, registered at start (src/dialogs/languages.ts). */
export type Locale = string;

/** How people write the kinds: NPS, CSAT, CES. */
export const kindLabel: Readonly<Record<SurveyKind, string>> = { nps: 'NPS', csat: 'CSAT', ces: 'CES' };

/** Score band, the same three names for every kind (NPS 0-6/7-8/9-10, CSAT 1-2/3/4-5, CES 1-3/4/5-7). */
export const bands = ['detractor', 'passive', 'promoter'] as const;
export type Band = (typeof bands)[number];

export interface Scale {
  min: number;
  max: number;
}

const scales: Readonly<Record<SurveyKind, Scale>> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

/** Lowest score in each band: [passive, promoter]; below the first is a detractor. */
const bandStarts: Readonly<Record<SurveyKind, readonly [number, number]>> = {
  nps: [7, 9], // 0-6 detractor, 7-8 passive, 9-10 promoter
  csat: [3, 4], // 1-2 detractor (unsatisfied), 3 passive, 4-5 promoter (satisfied)
  ces: [4, 5], // 1-3 detractor (hard), 4 passive, 5-7 promoter (easy)
};

/** The inclusive score range of a survey kind. */
export function scaleOf(kind: SurveyKind): Scale {
  return { ...scales[kind] };
}

export function isScore(kind: SurveyKind, score: number): boolean {
  const { min, max } = scales[kind];
  return Number.isInteger(score) && score >= min && score <= max;
}

export function bandOf(kind: SurveyKind, score: number): Band {
  if (!isScore(kind, score)) throw new RangeError(`${kind} score ${score} is not an integer in ${scales[kind].min}-${scales[kind].max}`);
  const [passiveFrom, promoterFrom] = bandStarts[kind];
  if (score >= promoterFrom) return 'promoter';
  if (score >= passiveFrom) return 'passive';
  return 'detractor';
}

/**
 * What started a survey. `web` is a web chat visitor asking for one (a trigger, named after the page
 * it comes from; the channel's facts are in channel-facts.ts), `import` an answer from another system.
 */
export const surveyTriggers = ['api', 'command', 'web', 'schedule', 'link', 'import'] as const;
export type SurveyTrigger = (typeof surveyTriggers)[number];

/**
 * Per trigger: the person asked this very moment (sent at once, outside the send window too), and
 * the person is anonymous (counted apart, in the cohort `identity:anonymous`).
 */
export const triggerFacts: Readonly<Record<SurveyTrigger, { askedNow: boolean; anonymous: boolean }>> = {
  api: { askedNow: false, anonymous: false },
  command: { askedNow: false, anonymous: false },
  web: { askedNow: true, anonymous: true },
  schedule: { askedNow: false, anonymous: false },
  link: { askedNow: true, anonymous: false },
  import: { askedNow: false, anonymous: false },
};
