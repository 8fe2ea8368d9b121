import { describe, expect, it } from 'vitest';
import { isOpen, promptsFor, startDialog, step } from '../../src/dialogs/index.js';
import { bandOf } from '../../src/domain/surveys.js';
import type { Band, DialogState, SurveyKind } from '../../src/dialogs/index.js';
import { at, hour, minute, policy, scored, start, t0, text, vars } from './fixtures.js';

describe('bandOf', () => {
  it.each<[SurveyKind, number, Band]>([
    ['nps', 0, 'detractor'], ['nps', 6, 'detractor'], ['nps', 7, 'passive'], ['nps', 8, 'passive'],
    ['nps', 9, 'promoter'], ['nps', 10, 'promoter'],
    ['csat', 1, 'detractor'], ['csat', 2, 'detractor'], ['csat', 3, 'passive'], ['csat', 4, 'promoter'],
    ['csat', 5, 'promoter'],
    ['ces', 1, 'detractor'], ['ces', 3, 'detractor'], ['ces', 4, 'passive'], ['ces', 5, 'promoter'],
    ['ces', 7, 'promoter'],
  ])('%s %i → %s', (kind, score, band) => {
    expect(bandOf(kind, score)).toBe(band);
  });
});

describe('isOpen', () => {
  it.each<[DialogState, boolean]>([
    ['invited', true], ['awaiting_comment', true], ['completed', false], ['expired', false], ['opted_out', false],
  ])('%s → %s', (state, open) => expect(isOpen(state)).toBe(open));
});

describe('startDialog', () => {
  it('invites with a greeting, the context and buttons for the scale', () => {
    const { session, outbound, events } = startDialog({ kind: 'nps', locale: 'en', vars, now: t0 });
    expect(session).toEqual({ kind: 'nps', state: 'invited', locale: 'en', vars, reprompts: 0, invitedAt: t0 });
    expect(events).toEqual([]);
    expect(outbound).toHaveLength(1);
    expect(outbound[0]?.text).toMatch(/^Hi Ana! About order 1042: how likely are you to recommend Acme Coffee/);
    expect(outbound[0]?.choices?.map((c) => c.value)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(outbound[0]?.surveyId).toBeUndefined();
  });

  it.each<[SurveyKind, string[], string[], RegExp]>([
    ['csat', ['1', '2', '3', '4', '5'], ['1 😠', '2 🙁', '3 😐', '4 🙂', '5 😄'], /How satisfied were you with order 1042 at Acme Coffee\? Reply 1-5/],
    ['ces', ['1', '2', '3', '4', '5', '6', '7'], ['1', '2', '3', '4', '5', '6', '7'], /"Acme Coffee made it easy to handle my issue\." Reply 1/],
  ])('asks %s on its own scale', (kind, values, labels, question) => {
    const [invite] = startDialog({ kind, locale: 'en', vars, now: t0 }).outbound;
    expect(invite?.choices?.map((c) => c.value)).toEqual(values);
    expect(invite?.choices?.map((c) => c.label)).toEqual(labels);
    expect(invite?.text).toMatch(question);
  });

  it('greets without a name and asks about the business without context', () => {
    const [invite] = startDialog({ kind: 'csat', locale: 'en', vars: { business: 'Acme' }, now: t0 }).outbound;
    expect(invite?.text).toBe('Hi! How satisfied were you with Acme? Reply 1-5 (1 = very dissatisfied, 5 = very satisfied)');
  });
});

describe('a full walk', () => {
  it.each<[SurveyKind, string, number, Band, string]>([
    ['nps', '3', 3, 'detractor', 'Sorry to hear that. What should we have done better? Reply SKIP to skip.'],
    ['nps', 'eight', 8, 'passive', 'Thanks! What one thing would make it a 10? Reply SKIP to skip.'],
    ['nps', '10/10', 10, 'promoter', 'Great to hear! What did you like most? Reply SKIP to skip.'],
    ['csat', '1', 1, 'detractor', 'Sorry to hear that. What went wrong? Reply SKIP to skip.'],
    ['csat', '3', 3, 'passive', 'Thanks! What could we have done better? Reply SKIP to skip.'],
    ['csat', '⭐⭐⭐⭐⭐', 5, 'promoter', 'Great to hear! What did you like most? Reply SKIP to skip.'],
    ['ces', '2', 2, 'detractor', "Sorry it wasn't easy. What made it hard? Reply SKIP to skip."],
    ['ces', '4', 4, 'passive', 'Thanks! What would have made it easier? Reply SKIP to skip.'],
    ['ces', '7', 7, 'promoter', 'Glad it was easy! What helped most? Reply SKIP to skip.'],
  ])('%s: %j → %s', (kind, reply, score, band, followUp) => {
    const first = step(start(kind), text(reply), at(minute), policy);
    expect(first.session).toMatchObject({ state: 'awaiting_comment', score, answeredAt: at(minute), reprompts: 0 });
    expect(first.events).toEqual([{ type: 'scored', score, band }]);
    expect(first.outbound).toEqual([{ text: followUp, comment: { placeholder: 'Type your answer', send: 'Send', skip: 'Skip' } }]);

    const second = step(first.session, text('  The barista was lovely.  '), at(2 * minute), policy);
    expect(second.session).toMatchObject({
      state: 'completed',
      score,
      comment: 'The barista was lovely.',
      completedAt: at(2 * minute),
    });
    expect(second.session.abandonedAt).toBeUndefined();
    expect(second.events).toEqual([
      { type: 'commented', comment: 'The barista was lovely.' },
      { type: 'completed', withComment: true },
    ]);
    expect(second.outbound).toHaveLength(1);
    expect(second.outbound[0]?.text).toMatch(/^Thank you, Ana/);
  });

  it('accepts a tapped button', () => {
    const result = step(start('csat'), { type: 'choice', value: '4' }, at(minute), policy);
    expect(result.session).toMatchObject({ state: 'awaiting_comment', score: 4 });
    expect(result.events).toEqual([{ type: 'scored', score: 4, band: 'promoter' }]);
  });

  it('takes a number in the comment step as a comment', () => {
    const result = step(scored('nps', 9), text('10'), at(2 * minute), policy);
    expect(result.session).toMatchObject({ state: 'completed', score: 9, comment: '10' });
  });

  it('keeps a 2,500-character comment whole (the cap is 5,000)', () => {
    const result = step(scored('nps', 9), text('a'.repeat(2500)), at(2 * minute), policy);
    expect(result.session.comment).toHaveLength(2500);
  });

  it('ignores an empty comment', () => {
    const session = scored('nps', 9);
    expect(step(session, text('   '), at(2 * minute), policy)).toEqual({ session, outbound: [], events: [] });
  });

  it('asks for the comment again when an old score button is tapped', () => {
    const session = scored('nps', 9);
    const result = step(session, { type: 'choice', value: '3' }, at(2 * minute), policy);
    expect(result.session).toEqual(session);
    expect(result.outbound).toEqual([{ text: 'Great to hear! What did you like most? Reply SKIP to skip.', comment: promptsFor('en').commentBox }]);
    expect(result.events).toEqual([]);
  });
});

describe('text', () => {
  it('is always an answer: keywords are recognised before the dialog and arrive as keyword inputs', () => {
    const asKeyword = step(start('ces'), { type: 'keyword', keyword: 'start' }, at(minute), policy);
    expect(asKeyword.outbound[0]?.text).toMatch(/subscribed again/);
    const asAnswer = step(start('ces'), text('yes'), at(minute), policy);
    expect(asAnswer.session.reprompts).toBe(1);
    expect(asAnswer.outbound[0]?.text).toBe('Sorry, I didn\'t catch that. Please reply with a number from 1 to 7.');
    const comment = step(scored('ces', 6), text('Yes'), at(2 * minute), policy);
    expect(comment.session).toMatchObject({ state: 'completed', comment: 'Yes' });
  });
});

describe('unparseable replies', () => {
  it('re-prompts once, then accepts a score', () => {
    const first = step(start(), text('pretty good'), at(minute), policy);
    expect(first.session).toMatchObject({ state: 'invited', reprompts: 1 });
    expect(first.events).toEqual([{ type: 'reprompted' }]);
    expect(first.outbound).toHaveLength(1);
    expect(first.outbound[0]?.text).toBe("Sorry, I didn't catch that. Please reply with a number from 0 to 10.");
    expect(first.outbound[0]?.choices).toHaveLength(11);

    const second = step(first.session, text('9'), at(2 * minute), policy);
    expect(second.session).toMatchObject({ state: 'awaiting_comment', score: 9, reprompts: 0 });
    expect(second.events).toEqual([{ type: 'scored', score: 9, band: 'promoter' }]);
  });

  it('repeats the scale of the survey kind', () => {
    const { outbound } = step(start('ces'), text('11'), at(minute), policy);
    expect(outbound[0]?.text).toBe("Sorry, I didn't catch that. Please reply with a number from 1 to 7.");
  });

  it('ends the survey politely after a second failure', () => {
    const first = step(start(), text('7 or 8'), at(minute), policy);
    const second = step(first.session, text('dunno'), at(2 * minute), policy);
    expect(second.session).toMatchObject({ state: 'expired', abandonedAt: 'score', endedAt: at(2 * minute) });
    expect(second.events).toEqual([{ type: 'abandoned', at: 'score', reason: 'unparseable' }]);
    expect(second.outbound).toEqual([{ text: 'No problem, thanks for your time.' }]);
  });

  it('treats an invalid button value the same way', () => {
    const first = step(start('csat'), { type: 'choice', value: '9' }, at(minute), policy);
    expect(first.events).toEqual([{ type: 'reprompted' }]);
    const second = step(first.session, { type: 'choice', value: 'x' }, at(2 * minute), policy);
    expect(second.session.state).toBe('expired');
    expect(second.events).toEqual([{ type: 'abandoned', at: 'score', reason: 'unparseable' }]);
  });
});

describe('expiry while waiting for the comment', () => {
  const expire = { type: 'timer', timer: 'expire' } as const;
  const scoredAt = (ms: number, ttlMs = policy.ttlMs) => step(start(), text('9'), at(ms), { ...policy, ttlMs }).session;

  it('waits 15 minutes after a score given just before the time-to-live, then completes without a comment', () => {
    const s = scoredAt(72 * hour - 10_000);
    expect(step(s, expire, at(72 * hour + 14 * minute), policy).session.state).toBe('awaiting_comment');
    expect(step(s, expire, at(72 * hour + 15 * minute), policy).session).toMatchObject({ state: 'completed', abandonedAt: 'comment' });
  });

  it('waits a tenth of a short time-to-live instead', () => {
    const ttlMs = 40_000;
    const s = scoredAt(37_000, ttlMs);
    expect(step(s, expire, at(40_000), { ...policy, ttlMs }).session.state).toBe('awaiting_comment');
    expect(step(s, expire, at(41_500), { ...policy, ttlMs }).session.state).toBe('completed');
  });
});
