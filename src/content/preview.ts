import { currentQuestion, startDialog, step, type DialogSession, type PromptVars, type Wording } from '../dialogs/index.js';
import { numberedText, rowsOf, type CommentBox, type Outbound } from '../domain/channels.js';
import type { ReasonQuestion } from '../domain/reasons.js';
import { countSegments } from '../domain/sms-segments.js';
import { bandOf, bands, scaleOf, type Locale, type SurveyKind } from '../domain/surveys.js';

/**
 * A message longer than this many SMS segments is flagged: three is what a long question in Urdu or
 * Spanish takes with a long business name, and a fourth part costs more than the answer is worth.
 */
export const maxSmsSegments = 3;

export interface ChannelPreview {
  sms: { text: string; encoding: 'GSM-7' | 'UCS-2'; segments: number; characters: number };
  telegram: { text: string; keyboard: string[][] };
  teams: { text: string; buttons: string[]; commentBox: CommentBox | null };
  web: { text: string; buttons: string[]; dir: 'ltr' | 'rtl' };
}

export interface MessagePreview {
  key: string;
  channels: ChannelPreview;
  /** Why this message should be looked at before it goes out (too many SMS segments). */
  flags: string[];
}

const policyOf = (wording: Wording | undefined) => ({ reminderAfterMs: 1, ttlMs: 1_000_000, ...(wording ? { wording } : {}) });

function channelsOf(m: Outbound): ChannelPreview {
  const labels = (m.choices ?? []).map((c) => c.label);
  // SMS carries the text alone (a scale's question says how to answer; word choices are listed numbered), as the SMS channel sends it.
  const smsText = m.numbered && m.choices?.length ? numberedText(m.text, m.choices) : m.text;
  const { encoding, segments, characters } = countSegments(smsText);
  return {
    sms: { text: smsText, encoding, segments, characters },
    telegram: { text: m.text, keyboard: rowsOf(m.choices ?? []).map((row) => row.map((c) => c.label)) },
    teams: { text: m.text, buttons: labels, commentBox: m.comment ?? null },
    web: { text: m.text, buttons: labels, dir: m.dir ?? 'ltr' },
  };
}

function previewOf(key: string, m: Outbound | undefined): MessagePreview[] {
  if (!m) return [];
  const channels = channelsOf(m);
  const { segments, encoding } = channels.sms;
  const flags = segments > maxSmsSegments ? [`SMS: ${segments} segments (${encoding}), over the limit of ${maxSmsSegments}`] : [];
  return [{ key, channels, flags }];
}

/** The first score of each band on the kind's scale: what the preview answers to reach its follow-up. */
function scoreIn(kind: SurveyKind, band: (typeof bands)[number]): number {
  const { min, max } = scaleOf(kind);
  for (let s = min; s <= max; s++) if (bandOf(kind, s) === band) return s;
  return min;
}

/**
 * Every message a business may word, rendered by the dialog itself as each channel would show it,
 * with the SMS encoding and segments counted by the same code the SMS channel's test checks.
 */
/** The reason question's choices when a business has none yet: its messages are previewed all the same. */
const sampleReasons: ReasonQuestion = {
  enabled: true,
  skipPromoters: false,
  choices: [
    { key: 'delivery', labels: { en: 'Delivery', es: 'Entrega', pt: 'Entrega', ar: 'التوصيل', ur: 'ڈیلیوری' } },
    { key: 'price', labels: { en: 'Price', es: 'Precio', pt: 'Preço', ar: 'السعر', ur: 'قیمت' } },
    { key: 'quality', labels: { en: 'Quality', es: 'Calidad', pt: 'Qualidade', ar: 'الجودة', ur: 'معیار' } },
  ],
};

export function previewWording(kind: SurveyKind, locale: Locale, vars: PromptVars, wording: Wording | undefined, reasonQuestion?: ReasonQuestion): MessagePreview[] {
  const now = new Date(0);
  const policy = policyOf(wording);
  const started = startDialog({ kind, locale, vars, now, ...(wording ? { wording } : {}) });
  const session: DialogSession = started.session;
  const reminded = step(session, { type: 'timer', timer: 'remind' }, new Date(1), policy);
  const reprompted = step(session, { type: 'text', text: '…' }, now, policy);
  const closed = step(reprompted.session, { type: 'text', text: '…' }, now, policy);
  const out: MessagePreview[] = [
    ...previewOf('invitation', started.outbound[0]),
    ...previewOf('question', currentQuestion(session, wording)),
    ...previewOf('reminder', reminded.outbound[0]),
  ];
  for (const band of bands) {
    const scored = step(session, { type: 'choice', value: String(scoreIn(kind, band)) }, now, policy);
    out.push(...previewOf(`followUp.${band}`, scored.outbound[0]));
    const thanked = step(scored.session, { type: 'keyword', keyword: 'skip' }, now, policy);
    out.push(...previewOf(`thankYou.${band}`, thanked.outbound[0]));
  }
  out.push(...previewOf('reprompt', reprompted.outbound[0]), ...previewOf('closing', closed.outbound[0]));
  // The reason question with the business's choices (or sample ones), as a detractor is asked it.
  const reasons = { ...policy, reasonQuestion: reasonQuestion?.choices.length ? { ...reasonQuestion, enabled: true, skipPromoters: false } : sampleReasons };
  const asked = step(session, { type: 'choice', value: String(scoreIn(kind, 'detractor')) }, now, reasons);
  const unread = step(asked.session, { type: 'text', text: '…' }, now, reasons);
  out.push(...previewOf('reason.question', asked.outbound[0]), ...previewOf('reason.reprompt', unread.outbound[0]));
  return out;
}
