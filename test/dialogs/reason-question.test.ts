import { describe, expect, it } from 'vitest';
import { currentQuestion, isOpen, startDialog, step } from '../../src/dialogs/index.js';
import { parseReason } from '../../src/dialogs/parse-reason.js';
import type { DialogInput, DialogPolicy, DialogSession, Locale } from '../../src/dialogs/index.js';
import { numberedText, withButtonsOn } from '../../src/domain/channels.js';
import type { ReasonQuestion } from '../../src/domain/reasons.js';
import { at, minute, policy, t0, text, vars } from './fixtures.js';

const reasonQuestion: ReasonQuestion = {
  enabled: true,
  skipPromoters: false,
  choices: [
    { key: 'delivery', labels: { en: 'Delivery', es: 'Entrega' } },
    { key: 'price', labels: { en: 'Price', es: 'Precio' } },
    { key: 'quality', labels: { en: 'Quality', es: 'Calidad' } },
    { key: 'staff', labels: { en: 'Staff', es: 'Atención' } },
  ],
};
const withReason = { ...policy, reasonQuestion };
const tap = (value: string): DialogInput => ({ type: 'choice', value });
const skip: DialogInput = { type: 'keyword', keyword: 'skip' };

function scoredWith(score: number, locale: Locale = 'en', p: DialogPolicy = withReason): DialogSession {
  const invited = startDialog({ kind: 'nps', locale, vars, now: t0 }).session;
  return step(invited, text(String(score)), at(minute), p).session;
}

describe('the reason question', () => {
  it('is asked after the score and before the comment, with a button per choice', () => {
    const invited = startDialog({ kind: 'nps', locale: 'en', vars, now: t0 }).session;
    const r = step(invited, text('4'), at(minute), withReason);
    expect(r.session.state).toBe('awaiting_reason');
    expect(isOpen(r.session.state)).toBe(true);
    expect(r.outbound[0]?.text).toBe('What was it mostly about? Reply SKIP to skip.');
    expect(r.outbound[0]?.choices).toEqual([
      { label: 'Delivery', value: 'reason:delivery' },
      { label: 'Price', value: 'reason:price' },
      { label: 'Quality', value: 'reason:quality' },
      { label: 'Staff', value: 'reason:staff' },
    ]);
    expect(r.outbound[0]?.numbered).toBe(true);
  });

  it('is not asked when off, and promoters skip it when the business says so', () => {
    expect(scoredWith(4, 'en', { ...policy, reasonQuestion: { ...reasonQuestion, enabled: false } }).state).toBe('awaiting_comment');
    expect(scoredWith(4, 'en', policy).state).toBe('awaiting_comment');
    const promoterSkips = { ...policy, reasonQuestion: { ...reasonQuestion, skipPromoters: true } };
    expect(scoredWith(10, 'en', promoterSkips).state).toBe('awaiting_comment');
    expect(scoredWith(8, 'en', promoterSkips).state).toBe('awaiting_reason');
  });

  it.each<[string, DialogInput, string]>([
    ['a tap', tap('reason:price'), 'price'],
    ['a number', text('2'), 'price'],
    ['an Urdu digit', text('۳'), 'quality'],
    ['a label in any case', text('DELIVERY'), 'delivery'],
    ['a key', text('staff'), 'staff'],
    ['a label inside a sentence', text('mostly the price!'), 'price'],
  ])('is answered by %s, then the comment is asked (three steps in all)', (_, input, key) => {
    const r = step(scoredWith(4), input, at(2 * minute), withReason);
    expect(r.session).toMatchObject({ state: 'awaiting_comment', reason: key, score: 4 });
    expect(r.events).toEqual([{ type: 'reasoned', reason: key }]);
    expect(r.outbound[0]?.text).toBe('Sorry to hear that. What should we have done better? Reply SKIP to skip.');
    const done = step(r.session, text('late again'), at(3 * minute), withReason);
    expect(done.session).toMatchObject({ state: 'completed', reason: key, comment: 'late again' });
  });

  it('reads a label accent-insensitively in the business language', () => {
    const r = step(scoredWith(3, 'es'), text('atencion'), at(2 * minute), withReason);
    expect(r.session.reason).toBe('staff');
    const asked = step(startDialog({ kind: 'nps', locale: 'es', vars, now: t0 }).session, text('3'), at(minute), withReason).outbound[0];
    expect(asked?.choices?.map((c) => c.label)).toEqual(['Entrega', 'Precio', 'Calidad', 'Atención']);
  });

  it('re-prompts an unreadable answer once, then goes on to the comment without a reason', () => {
    const first = step(scoredWith(4), text('hmm'), at(2 * minute), withReason);
    expect(first.session).toMatchObject({ state: 'awaiting_reason', reprompts: 1 });
    expect(first.outbound[0]?.text).toMatch(/^Sorry, I didn't catch that\. .*What was it mostly about\?/);
    expect(first.outbound[0]?.choices).toHaveLength(4);
    const second = step(first.session, text('9'), at(3 * minute), withReason);
    expect(second.session.state).toBe('awaiting_comment');
    expect(second.session.reason).toBeUndefined();
    expect(second.session.reprompts).toBe(0);
    expect(second.events).toEqual([]);
    expect(second.outbound[0]?.text).toMatch(/What should we have done better/);
  });

  it('SKIP goes on to the comment', () => {
    const r = step(scoredWith(4), skip, at(2 * minute), withReason);
    expect(r.session.state).toBe('awaiting_comment');
    expect(r.session.reason).toBeUndefined();
    expect(r.outbound[0]?.text).toMatch(/What should we have done better/);
  });

  it('a tap on the old score keyboard asks the reason again, and changes nothing', () => {
    const s = scoredWith(4);
    const r = step(s, tap('9'), at(2 * minute), withReason);
    expect(r.session).toEqual(s);
    expect(r.outbound[0]?.text).toBe('What was it mostly about? Reply SKIP to skip.');
    expect(currentQuestion(s, undefined, reasonQuestion).choices?.[0]?.value).toBe('reason:delivery');
  });

  it('a survey waiting for its reason completes on expiry, counted as scored without a comment', () => {
    const r = step(scoredWith(4), { type: 'timer', timer: 'expire' }, at(policy.ttlMs + minute), withReason);
    expect(r.session).toMatchObject({ state: 'completed', abandonedAt: 'comment' });
  });

  it('when the business turns the question off mid-survey, the reply is the comment', () => {
    const r = step(scoredWith(4), text('the courier was rude'), at(2 * minute), policy);
    expect(r.session).toMatchObject({ state: 'completed', comment: 'the courier was rude' });
  });
});

describe('parseReason', () => {
  it.each<[string, string | undefined]>([
    ['1', 'delivery'], ['4.', 'staff'], ['5', undefined], ['0', undefined], ['Precio', 'price'], ['CALIDAD', 'quality'],
    ['price and delivery', undefined], ['', undefined], ['🙂', undefined],
  ])('%j → %s', (reply, key) => expect(parseReason(reply, reasonQuestion.choices)).toBe(key));
});

describe('rendering on a channel without buttons', () => {
  it('lists the choices numbered under the text; a score question keeps its text alone', () => {
    const asked = step(startDialog({ kind: 'nps', locale: 'en', vars, now: t0 }).session, text('4'), at(minute), withReason).outbound[0]!;
    expect(withButtonsOn('sms', asked)).toEqual({ text: 'What was it mostly about? Reply SKIP to skip.\n1. Delivery\n2. Price\n3. Quality\n4. Staff' });
    expect(withButtonsOn('telegram', asked)).toBe(asked);
    const invite = startDialog({ kind: 'nps', locale: 'en', vars, now: t0 }).outbound[0]!;
    expect(withButtonsOn('sms', invite).text).toBe(invite.text);
    expect(numberedText('Q', [{ label: 'A', value: 'a' }])).toBe('Q\n1. A');
  });
});
