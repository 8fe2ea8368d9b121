/**
 * Property-based fuzzing (fast-check) of the score parser, the keyword and command parsers, the
 * classifier and the dialog engine: 10,000 runs each of unicode, right-to-left text, emoji, control
 * characters and 10 kB texts. Nothing throws, every result is one the callers handle, the dialog's
 * state is always valid, and a comment is stored as it was sent after the clean-up the dialog does
 * (trimmed, cut at 2,000 code points); then 100 comments go through the web chat and the database.
 *   fuzz (score parser): runs 10000, failures 0
 * FUZZ_SEED=<n> repeats a run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/inbound/classify.js';
import { cleanText, commentOf, detectKeyword, isOpen, maxCommentLength, parseChoice, parseScore, scaleOf, startDialog, step } from '../../src/dialogs/index.js';
import { commentJoinMs } from '../../src/dialogs/survey-dialog.js';
import type { DialogInput, DialogSession, Keyword, SurveyKind } from '../../src/dialogs/types.js';
import { channelNames, type Inbound } from '../../src/domain/channels.js';
import { languageCodes } from '../../src/dialogs/languages.js';
import { surveyKinds } from '../../src/domain/surveys.js';
import { parseCommand } from '../../src/staff/parse-command.js';
import { figure } from './figures.js';
import { startRig, type Rig } from './rig.js';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
const numRuns = 10_000;

/* Texts people and attackers send. */
const pools = {
  rtl: [...'ابپتثجچحخدذرزسشصضطظعغفقکگلمنوهیےۓ٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹אבגדהוזחטיכלמנסעפצקרשת'],
  bidi: ['\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u061c'],
  emoji: ['😀', '👍🏽', '👨‍👩‍👧', '🏳️‍🌈', '9️⃣', '🔟', '⭐', '★', '🌟', '❤️', '🇵🇰', '\ufe0f', '\u20e3', '\u200d'],
  control: Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).concat(['\u007f', '\u0085', '\u00a0', '\u2028', '\u2029', '\ufeff', '\ufffd']),
  scoreish: ['0', '1', '5', '7', '9', '10', '11', '-1', '/', '/10', ' out of ', ' de ', 'nine', 'nueve', 'نو', 'دس', 'میں', 'سے', '９', '½', '²', '.', ',', '7-8', '١٠'],
  words: ['stop', 'STOP', 'start', 'help', 'skip', 'omitir', 'بند', 'مدد', 'yes', 'sí', '/survey', '/reply', '/stats', '/claim', '/start', '@bot', 'nps', 'sms:', '+14155550100'],
};
const fragment = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  ...Object.values(pools).map((pool) => fc.constantFrom(...pool)),
  fc.constantFrom(' ', '  ', '\n', '\t'),
);
const shortText = fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(''));
/** About 10 kB: a short text repeated. */
const longText = fc.tuple(fc.array(fragment, { minLength: 1, maxLength: 6 }), fc.integer({ min: 9_000, max: 10_240 })).map(([parts, size]) => {
  const unit = parts.join('') || 'x';
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
});
const text = fc.oneof({ arbitrary: shortText, weight: 9 }, { arbitrary: longText, weight: 1 });
const kind = fc.constantFrom(...surveyKinds);
const keywords: Keyword[] = ['stop', 'start', 'help', 'skip'];

/** Runs a property, prints its figure line, and fails with the counterexample if any. */
async function fuzz(name: string, property: fc.IRawProperty<unknown>, runs = numRuns): Promise<void> {
  const result = await fc.check(property, { numRuns: runs, seed });
  figure(`fuzz (${name}): runs ${result.numRuns}, failures ${result.failed ? 1 : 0}`);
  if (result.failed) {
    figure(`  seed ${seed} (FUZZ_SEED=${seed} repeats it); counterexample ${JSON.stringify(result.counterexample).slice(0, 400)}`);
    figure(`  ${String(result.errorInstance).slice(0, 400)}`);
  }
  expect(result.failed, `${name}: ${String(result.errorInstance)}`).toBe(false);
}

const scoreReasons = ['empty', 'no_number', 'out_of_range', 'ambiguous'];
function validScoreResult(k: SurveyKind, r: ReturnType<typeof parseScore>): boolean {
  const { min, max } = scaleOf(k);
  return r.ok ? Number.isInteger(r.score) && r.score >= min && r.score <= max : scoreReasons.includes(r.reason);
}

describe('fuzzing', () => {
  it('the score parser never throws and answers a score in range or a known reason', async () => {
    await fuzz(
      'score parser',
      fc.property(kind, text, (k, t) => {
        const r = parseScore(k, t);
        if (!validScoreResult(k, r)) throw new Error(`invalid result ${JSON.stringify(r)}`);
        // The same text padded with spaces reads the same.
        expect(parseScore(k, ` ${t}\n`)).toEqual(r);
        const c = parseChoice(k, t);
        if (!validScoreResult(k, c)) throw new Error(`invalid choice result ${JSON.stringify(c)}`);
      }),
    );
  });

  it('the keyword parser never throws, and finds a keyword however it is padded', async () => {
    const words = { stop: ['stop', 'STOP', 'Unsubscribe', 'baja', 'بند'], start: ['start', 'unstop', 'شروع'], help: ['help', 'INFO', 'ayuda', 'مدد'], skip: ['skip', 'Omitir', 'چھوڑیں'] };
    const padding = fc.array(fc.constantFrom(' ', '\n', '!', '.', '?', '…', '\u200f', '\u200e', '\ufeff', '*', '"'), { maxLength: 4 }).map((p) => p.join(''));
    await fuzz(
      'keyword parser',
      fc.property(text, fc.constantFrom(...keywords), padding, padding, fc.nat(), (t, k, before, after, i) => {
        const found = detectKeyword(t);
        if (found !== null && !keywords.includes(found)) throw new Error(`unknown keyword ${String(found)}`);
        const word = words[k][i % words[k].length]!;
        if (detectKeyword(before + word + after) !== k) throw new Error(`${JSON.stringify(before + word + after)} is not ${k}`);
      }),
    );
  });

  it('the command parser never throws, and reads the commands it is given', async () => {
    const id = fc.stringMatching(/^[a-f0-9]{24}$/);
    const command = fc.oneof(
      fc.tuple(fc.constantFrom('7d', '30d', '90d', '7', '30')).map(([p]) => ({ text: `/stats ${p}`, name: 'stats' })),
      fc.tuple(id, shortText.filter((t) => cleanText(t.normalize('NFKC')).length > 0 && !/^\s/.test(t))).map(([i, t]) => ({ text: `/reply ${i} ${t}`, name: 'reply', reply: t })),
      fc.tuple(kind, fc.constantFrom('+14155550100', 'telegram:12345', 'web:v_1')).map(([k, who]) => ({ text: `/survey ${k} ${who}`, name: 'survey' })),
      fc.constant({ text: '/help', name: 'help' }),
      fc.constant({ text: '/digest', name: 'digest' }),
    );
    await fuzz(
      'command parser',
      fc.property(text, command, fc.boolean(), fc.constantFrom('', '@SurveyBot'), (t, c, slashOptional, mention) => {
        for (const raw of [t, `/${t}`, `/survey ${t}`, `/reply ${'a'.repeat(24)} ${t}`]) {
          const r = parseCommand(raw, { slashOptional, country: 'US' });
          if (!['none', 'command', 'invalid'].includes(r.type)) throw new Error(`unknown result ${JSON.stringify(r)}`);
          if (r.type === 'command' && r.command.name === 'reply' && (!/^[a-f0-9]{24}$/.test(r.command.surveyId) || !r.command.text)) throw new Error('a reply without id or text');
          if (r.type === 'command' && r.command.name === 'survey' && (r.command.context?.length ?? 0) > 200) throw new Error('context over 200');
        }
        const withMention = c.text.replace(/^(\/\w+)/, `$1${mention}`);
        const r = parseCommand(withMention, { slashOptional, country: 'US' });
        if (r.type !== 'command' || r.command.name !== c.name) throw new Error(`${JSON.stringify(withMention)} read as ${JSON.stringify(r)}`);
        if (r.command.name === 'reply' && r.command.text !== ('reply' in c ? cleanText((c.reply as string).normalize('NFKC')) : '')) throw new Error(`reply text changed: ${JSON.stringify(r.command.text)}`);
      }),
    );
  });

  it('the classifier never throws and sorts every message into one kind', async () => {
    await fuzz(
      'classifier',
      fc.property(text, fc.constantFrom(...channelNames), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), fc.boolean(), (t, channel, choice, asChoice) => {
        const inbound: Inbound = { channel, address: 'a', providerMessageId: 'm', receivedAt: new Date(0), ...(asChoice && choice !== undefined ? { choice } : { text: t }) };
        const c = classify(inbound, { country: 'US' });
        if (!['deep_link', 'command', 'customer'].includes(c.type)) throw new Error(`unknown ${c.type}`);
      }),
    );
  });

  it('the dialog engine keeps a valid state through any inputs, and stores the comment as sent after its clean-up', async () => {
    const policy = { reminderAfterMs: 24 * 3_600_000, ttlMs: 72 * 3_600_000 };
    const input: fc.Arbitrary<DialogInput> = fc.oneof(
      { arbitrary: text.map((t) => ({ type: 'text' as const, text: t })), weight: 5 },
      { arbitrary: fc.oneof(fc.integer({ min: -2, max: 12 }).map(String), fc.string({ maxLength: 8 })).map((v) => ({ type: 'choice' as const, value: v })), weight: 2 },
      { arbitrary: fc.constantFrom(...keywords).map((k) => ({ type: 'keyword' as const, keyword: k })), weight: 1 },
      { arbitrary: fc.constantFrom('remind', 'expire').map((t) => ({ type: 'timer' as const, timer: t as 'remind' | 'expire' })), weight: 1 },
    );
    const states = ['invited', 'awaiting_comment', 'completed', 'expired', 'opted_out'];
    const check = (s: DialogSession, was: DialogSession, sent: DialogInput, outbound: ReturnType<typeof step>['outbound'], now: Date) => {
      const { min, max } = scaleOf(s.kind);
      const inScale = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n >= min && n <= max;
      if (!states.includes(s.state)) throw new Error(`state ${s.state}`);
      if (s.kind !== was.kind || s.locale !== was.locale) throw new Error('kind or locale changed');
      // The one move of a closed survey: a text within seconds of the long comment that completed it is
      // more of that comment (a client split a long paste), joined on a new line and cut at the cap.
      const joined =
        was.state === 'completed' && sent.type === 'text' && was.comment !== undefined && was.completedAt !== undefined &&
        now.getTime() - new Date(was.completedAt).getTime() <= commentJoinMs &&
        JSON.stringify({ ...s, comment: was.comment }) === JSON.stringify(was) &&
        s.comment === commentOf(`${was.comment}\n${commentOf(sent.text).comment}`).comment;
      if (!isOpen(was.state) && !joined && (JSON.stringify(s) !== JSON.stringify(was) || outbound.length)) throw new Error('a closed survey moved or spoke');
      if ((s.state === 'awaiting_comment' || s.state === 'completed') && !inScale(s.score)) throw new Error(`score ${s.score} in ${s.state}`);
      if (s.score !== undefined && !inScale(s.score)) throw new Error(`score ${s.score} out of scale`);
      if (s.reprompts < 0 || s.reprompts > 2) throw new Error(`reprompts ${s.reprompts}`);
      if (s.comment !== undefined && (s.state !== 'completed' || s.comment === '' || Array.from(s.comment).length > maxCommentLength)) throw new Error('bad comment');
      if (s.comment !== was.comment && !joined) {
        // The documented clean-up (README): controls and bidi overrides out, trimmed, cut at the cap (never inside a character).
        const expected = sent.type === 'text' ? commentOf(sent.text).comment : undefined;
        if (s.comment !== expected) throw new Error(`comment stored as ${JSON.stringify(s.comment?.slice(0, 40))}`);
      }
      for (const m of outbound) {
        if (typeof m.text !== 'string' || m.text.trim() === '') throw new Error('an empty message');
        for (const c of m.choices ?? []) if (!inScale(Number(c.value))) throw new Error(`button ${c.value}`);
      }
    };
    await fuzz(
      'dialog engine',
      fc.property(kind, fc.constantFrom(...languageCodes()), fc.array(fc.tuple(input, fc.integer({ min: 0, max: 30 * 3_600_000 })), { maxLength: 8 }), (k, locale, inputs) => {
        const start = new Date('2026-03-10T15:00:00Z');
        let { session } = startDialog({ kind: k, locale, vars: { business: 'Our shop', customerName: 'Ada' }, now: start });
        let at = start.getTime();
        for (const [sent, later] of inputs) {
          at += later;
          const frozen = structuredClone(session);
          const result = step(session, sent, new Date(at), policy);
          if (JSON.stringify(session) !== JSON.stringify(frozen)) throw new Error('step changed its input');
          check(result.session, session, sent, result.outbound, new Date(at));
          session = result.session;
        }
      }),
    );
    // Every message is formatted from the ICU catalogs: 10,000 runs of up to 8 steps need more than the default on a loaded machine.
  }, 60_000);
});

describe('comments through the web chat and the database', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ logLevel: 'silent' });
  });
  afterAll(async () => rig?.close());

  it('are stored as sent after the clean-up', { timeout: 60_000 }, async () => {
    const runs = 100;
    // What the web chat takes (2,000 UTF-16 units), and is a comment: not a keyword or a slash command.
    const comment = shortText.filter((t) => commentOf(t).comment !== '' && t.length <= 2000 && detectKeyword(t) === null && !t.trim().startsWith('/') && classify({ channel: 'web', address: 'a', providerMessageId: 'm', receivedAt: new Date(0), text: t }, { country: 'US' }).type === 'customer');
    let mismatched = 0;
    const result = await fc.check(
      fc.asyncProperty(comment, async (t) => {
        const started = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
        const { visitorId } = started.json() as { visitorId: string };
        const post = (messageId: string, body: object) => rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId, ...body } });
        expect((await post('score', { choice: '9' })).statusCode).toBe(200);
        const res = await post('comment', { text: t });
        if (res.statusCode !== 200) throw new Error(`web chat answered ${res.statusCode}: ${res.body}`);
        const stored = await rig.app.store.surveys.latest('default', 'web', visitorId);
        const expected = commentOf(t).comment;
        if (stored[0]?.comment !== expected) {
          mismatched++;
          throw new Error(`stored ${JSON.stringify(stored[0]?.comment)} for ${JSON.stringify(t)}`);
        }
      }),
      { numRuns: runs, seed },
    );
    figure(`fuzz (comments stored through the web chat): runs ${result.numRuns}, stored differently ${mismatched}`);
    if (result.failed) figure(`  seed ${seed}; ${String(result.errorInstance).slice(0, 400)}`);
    expect(result.failed, String(result.errorInstance)).toBe(false);
  });

  it('with invalid UTF-16 (a lone surrogate, which JSON can carry) are stored as sent after the clean-up', async () => {
    // The database stores UTF-8; the clean-up turns a lone surrogate into U+FFFD first, so what is stored is what it says.
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    const comment = fc.tuple(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }), surrogate, fc.string({ unit: 'grapheme-ascii', maxLength: 20 })).map(([a, b, c]) => `x${a}${b}${c}`);
    const samples = fc.sample(comment, { numRuns: 20, seed });
    let differently = 0;
    for (const t of samples) {
      const started = await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
      const { visitorId } = started.json() as { visitorId: string };
      const post = (messageId: string, body: object) => rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId, ...body } });
      await post('score', { choice: '9' });
      await post('comment', { text: t });
      const stored = await rig.app.store.surveys.latest('default', 'web', visitorId);
      if (stored[0]?.comment !== commentOf(t).comment) differently++;
    }
    figure(`fuzz (comments with a lone surrogate through the web chat): runs ${samples.length}, stored differently ${differently}`);
    expect(differently).toBe(0);
  });
});
