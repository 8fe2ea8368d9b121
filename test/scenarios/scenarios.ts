import type { Locale, SurveyKind } from '../../src/dialogs/types.js';

export type ScenarioStep =
  /** The customer types this. */
  | { say: string; id?: string }
  /** The customer taps the button with this value (channels without buttons type it). */
  | { tap: string; id?: string }
  /** The provider delivers an earlier message again (at-least-once delivery). */
  | { replay: string }
  /** Time passes (hours) and the sweeper runs. */
  | { wait: number }
  /** The last message the bot sent matches. */
  | { expectLast: RegExp }
  /** The bot has sent exactly this many messages so far (invitation included). */
  | { expectCount: number };

export interface Scenario {
  name: string;
  kind: SurveyKind;
  locale?: Locale;
  steps: ScenarioStep[];
  stored: {
    state: 'invited' | 'awaiting_comment' | 'completed' | 'expired' | 'opted_out';
    score?: number;
    band?: 'detractor' | 'passive' | 'promoter';
    comment?: string | null;
    abandonedAt?: 'score' | 'comment' | null;
    optedOut?: boolean;
  };
}

export const scenarios: Scenario[] = [
  {
    name: 'NPS promoter, typed in words',
    kind: 'nps',
    steps: [{ expectLast: /recommend/i }, { say: 'nine' }, { expectLast: /like most/i }, { say: 'fast delivery' }, { expectCount: 3 }],
    stored: { state: 'completed', score: 9, band: 'promoter', comment: 'fast delivery', abandonedAt: null },
  },
  {
    name: 'NPS passive, tapped',
    kind: 'nps',
    steps: [{ tap: '7' }, { expectLast: /make it a 10/i }, { say: 'cheaper shipping' }],
    stored: { state: 'completed', score: 7, band: 'passive', comment: 'cheaper shipping' },
  },
  {
    name: 'NPS detractor',
    kind: 'nps',
    steps: [{ say: '3' }, { expectLast: /done better/i }, { say: 'the parcel was late' }],
    stored: { state: 'completed', score: 3, band: 'detractor', comment: 'the parcel was late' },
  },
  {
    name: 'CSAT satisfied, tapped',
    kind: 'csat',
    steps: [{ expectLast: /satisfied/i }, { tap: '5' }, { say: 'friendly staff' }],
    stored: { state: 'completed', score: 5, band: 'promoter', comment: 'friendly staff' },
  },
  {
    name: 'CSAT neutral',
    kind: 'csat',
    steps: [{ say: '3 out of 5' }, { say: 'ok I guess' }],
    stored: { state: 'completed', score: 3, band: 'passive', comment: 'ok I guess' },
  },
  {
    name: 'CSAT dissatisfied with one star',
    kind: 'csat',
    steps: [{ say: '⭐' }, { say: 'nobody answered the phone' }],
    stored: { state: 'completed', score: 1, band: 'detractor', comment: 'nobody answered the phone' },
  },
  {
    name: 'CES easy, tapped',
    kind: 'ces',
    steps: [{ expectLast: /easy/i }, { tap: '6' }, { say: 'one call fixed it' }],
    stored: { state: 'completed', score: 6, band: 'promoter', comment: 'one call fixed it' },
  },
  {
    name: 'CES neutral',
    kind: 'ces',
    steps: [{ say: '4' }, { say: 'took two emails' }],
    stored: { state: 'completed', score: 4, band: 'passive', comment: 'took two emails' },
  },
  {
    name: 'CES hard',
    kind: 'ces',
    steps: [{ say: "I'd say 2" }, { say: 'transferred three times' }],
    stored: { state: 'completed', score: 2, band: 'detractor', comment: 'transferred three times' },
  },
  {
    name: 'one re-prompt, then a score',
    kind: 'nps',
    steps: [{ say: 'what is this?' }, { expectLast: /number from 0 to 10/i }, { expectCount: 2 }, { say: '8' }, { say: 'good' }],
    stored: { state: 'completed', score: 8, band: 'passive', comment: 'good' },
  },
  {
    name: 'two unparseable replies end the survey politely',
    kind: 'nps',
    steps: [{ say: 'hmm' }, { say: 'no idea' }, { expectLast: /thanks for your time/i }, { expectCount: 3 }, { say: '9' }, { expectCount: 3 }],
    stored: { state: 'expired', abandonedAt: 'score' },
  },
  {
    name: 'STOP opts out: no reminder follows; START opts back in',
    kind: 'nps',
    steps: [
      { say: 'STOP' },
      { expectLast: /unsubscribed/i },
      { expectCount: 2 },
      { wait: 30 },
      { expectCount: 2 },
      { say: 'hello?' },
      { expectCount: 2 },
      { say: 'START' },
      { expectLast: /subscribed/i },
      { expectCount: 3 },
    ],
    stored: { state: 'opted_out', abandonedAt: 'score', optedOut: false },
  },
  {
    name: 'STOP stays in force',
    kind: 'csat',
    steps: [{ say: 'stop' }, { wait: 80 }, { expectCount: 2 }],
    stored: { state: 'opted_out', optedOut: true },
  },
  {
    name: 'HELP explains and repeats the question',
    kind: 'nps',
    steps: [{ say: 'HELP' }, { expectLast: /recommend/i }, { say: '10' }, { say: 'great coffee' }],
    stored: { state: 'completed', score: 10, band: 'promoter', comment: 'great coffee' },
  },
  {
    name: 'SKIP the comment',
    kind: 'nps',
    steps: [{ say: '9' }, { say: 'skip' }, { expectLast: /thank/i }, { expectCount: 3 }],
    stored: { state: 'completed', score: 9, comment: null, abandonedAt: null },
  },
  {
    name: 'Urdu digits in an Urdu survey',
    kind: 'nps',
    locale: 'ur',
    steps: [{ expectLast: /۱۰/ }, { say: '۹' }, { say: 'بہت اچھا' }],
    stored: { state: 'completed', score: 9, band: 'promoter', comment: 'بہت اچھا' },
  },
  {
    name: 'Spanish number words',
    kind: 'csat',
    locale: 'es',
    steps: [{ say: 'cuatro' }, { say: 'todo bien' }],
    stored: { state: 'completed', score: 4, band: 'promoter', comment: 'todo bien' },
  },
  {
    name: 'a duplicate delivery changes nothing',
    kind: 'nps',
    steps: [{ say: '6', id: 'first' }, { expectCount: 2 }, { replay: 'first' }, { expectCount: 2 }, { say: 'too slow' }, { replay: 'first' }, { expectCount: 3 }],
    stored: { state: 'completed', score: 6, band: 'detractor', comment: 'too slow' },
  },
  {
    name: 'one reminder after a day of silence, then an answer',
    kind: 'nps',
    steps: [{ wait: 25 }, { expectCount: 2 }, { expectLast: /reminder/i }, { wait: 25 }, { expectCount: 2 }, { say: '10' }, { say: 'all good' }],
    stored: { state: 'completed', score: 10, comment: 'all good' },
  },
  {
    name: 'silence until expiry',
    kind: 'ces',
    steps: [{ wait: 25 }, { expectLast: /reminder/i }, { wait: 48 }, { expectCount: 2 }, { say: '5' }, { expectCount: 2 }],
    stored: { state: 'expired', abandonedAt: 'score' },
  },
  {
    name: 'a score without a comment counts as completed at expiry',
    kind: 'csat',
    steps: [{ say: '2' }, { wait: 73 }, { expectCount: 2 }],
    stored: { state: 'completed', score: 2, band: 'detractor', comment: null, abandonedAt: 'comment' },
  },
];
