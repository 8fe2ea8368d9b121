import { describe, expect, it } from 'vitest';
import { step } from '../../src/dialogs/index.js';
import type { DialogInput, DialogSession } from '../../src/dialogs/index.js';
import { at, hour, minute, policy, scored, start, text } from './fixtures.js';

describe('keywords during a survey', () => {
  // Typed keywords ("Stop!") are recognised before the dialog, by the inbound pipeline's classifier.
  it.each<[string, DialogInput]>([['keyword input', { type: 'keyword', keyword: 'stop' }]])('STOP before a score opts out (%s)', (_, input) => {
    const result = step(start(), input, at(minute), policy);
    expect(result.session).toMatchObject({ state: 'opted_out', endedAt: at(minute), abandonedAt: 'score' });
    expect(result.events).toEqual([{ type: 'opted_out' }, { type: 'abandoned', at: 'score', reason: 'opted_out' }]);
    expect(result.outbound).toEqual([{ text: "You're unsubscribed from Acme Coffee surveys. Reply START to resubscribe." }]);
  });

  it('STOP after a score abandons at the comment', () => {
    const result = step(scored('nps', 5), { type: 'keyword', keyword: 'stop' }, at(2 * minute), policy);
    expect(result.session).toMatchObject({ state: 'opted_out', score: 5, abandonedAt: 'comment' });
    expect(result.events).toEqual([{ type: 'opted_out' }, { type: 'abandoned', at: 'comment', reason: 'opted_out' }]);
  });

  it('HELP explains and asks the current question again', () => {
    const session = start();
    const result = step(session, { type: 'keyword', keyword: 'help' }, at(minute), policy);
    expect(result.session).toEqual(session);
    expect(result.events).toEqual([{ type: 'help' }]);
    expect(result.outbound).toHaveLength(2);
    expect(result.outbound[0]?.text).toMatch(/STOP to opt out/);
    expect(result.outbound[1]?.text).toMatch(/^About order 1042: how likely/);
    expect(result.outbound[1]?.choices).toHaveLength(11);
  });

  it('HELP in the comment step repeats the follow-up', () => {
    const result = step(scored('nps', 7), { type: 'keyword', keyword: 'help' }, at(2 * minute), policy);
    expect(result.session.state).toBe('awaiting_comment');
    expect(result.outbound[1]?.text).toBe('Thanks! What one thing would make it a 10? Reply SKIP to skip.');
  });

  it('SKIP in the comment step completes without a comment', () => {
    const result = step(scored('csat', 2), { type: 'keyword', keyword: 'skip' }, at(2 * minute), policy);
    expect(result.session).toMatchObject({ state: 'completed', score: 2, completedAt: at(2 * minute) });
    expect(result.session.comment).toBeUndefined();
    expect(result.session.abandonedAt).toBeUndefined();
    expect(result.events).toEqual([{ type: 'completed', withComment: false }]);
    expect(result.outbound[0]?.text).toMatch(/^Thank you, Ana, for telling us/);
  });

  it('SKIP before a score asks the question again', () => {
    const session = start();
    const result = step(session, { type: 'keyword', keyword: 'skip' }, at(minute), policy);
    expect(result.session).toEqual(session);
    expect(result.events).toEqual([]);
    expect(result.outbound).toHaveLength(1);
    expect(result.outbound[0]?.choices).toHaveLength(11);
  });

  it('START confirms the subscription and asks the current question again', () => {
    const session = start();
    const result = step(session, { type: 'keyword', keyword: 'start' }, at(minute), policy);
    expect(result.session).toEqual(session);
    expect(result.outbound.map((o) => o.text)).toEqual([
      "You're subscribed again to Acme Coffee surveys. Reply STOP to opt out.",
      expect.stringMatching(/^About order 1042: how likely/),
    ]);
  });
});

describe('timers', () => {
  it('reminds once, after the delay', () => {
    const session = start();
    expect(step(session, { type: 'timer', timer: 'remind' }, at(23 * hour), policy)).toEqual({
      session,
      outbound: [],
      events: [],
    });
    const reminded = step(session, { type: 'timer', timer: 'remind' }, at(24 * hour), policy);
    expect(reminded.session.remindedAt).toEqual(at(24 * hour));
    expect(reminded.events).toEqual([{ type: 'reminded' }]);
    expect(reminded.outbound[0]?.text).toMatch(/^Just a reminder: How likely/);
    expect(reminded.outbound[0]?.choices).toHaveLength(11);

    const again = step(reminded.session, { type: 'timer', timer: 'remind' }, at(30 * hour), policy);
    expect(again).toEqual({ session: reminded.session, outbound: [], events: [] });
  });

  it('does not remind after a score or past the expiry', () => {
    expect(step(scored('nps', 9), { type: 'timer', timer: 'remind' }, at(25 * hour), policy).outbound).toEqual([]);
    expect(step(start(), { type: 'timer', timer: 'remind' }, at(73 * hour), policy).outbound).toEqual([]);
  });

  it('does nothing before the expiry', () => {
    const session = start();
    const result = step(session, { type: 'timer', timer: 'expire' }, at(71 * hour), policy);
    expect(result).toEqual({ session, outbound: [], events: [] });
  });

  it('expires an unanswered survey', () => {
    const result = step(start(), { type: 'timer', timer: 'expire' }, at(72 * hour), policy);
    expect(result.session).toMatchObject({ state: 'expired', abandonedAt: 'score', endedAt: at(72 * hour) });
    expect(result.events).toEqual([{ type: 'expired' }, { type: 'abandoned', at: 'score', reason: 'expired' }]);
    expect(result.outbound).toEqual([]);
  });

  it('completes a scored survey without its comment', () => {
    const result = step(scored('nps', 9), { type: 'timer', timer: 'expire' }, at(72 * hour), policy);
    expect(result.session).toMatchObject({
      state: 'completed',
      score: 9,
      abandonedAt: 'comment',
      completedAt: at(72 * hour),
    });
    expect(result.session.comment).toBeUndefined();
    expect(result.events).toEqual([
      { type: 'completed', withComment: false },
      { type: 'abandoned', at: 'comment', reason: 'expired' },
    ]);
    expect(result.outbound).toEqual([]);
  });
});

describe('purity', () => {
  const closed: [string, DialogSession][] = [
    ['completed', step(scored('nps', 9), text('great'), at(2 * minute), policy).session],
    ['expired', step(start(), { type: 'timer', timer: 'expire' }, at(72 * hour), policy).session],
    ['opted_out', step(start(), { type: 'keyword', keyword: 'stop' }, at(minute), policy).session],
  ];
  const inputs: DialogInput[] = [
    text('9'),
    text('hello'),
    { type: 'choice', value: '9' },
    { type: 'keyword', keyword: 'stop' },
    { type: 'keyword', keyword: 'help' },
    { type: 'timer', timer: 'remind' },
    { type: 'timer', timer: 'expire' },
  ];

  it.each(closed)('a %s survey ignores every input', (_, session) => {
    for (const input of inputs) {
      const result = step(session, input, at(100 * hour), policy);
      expect(result).toEqual({ session, outbound: [], events: [] });
    }
  });

  it('never mutates the input session', () => {
    const sessions = [start(), scored('nps', 5), step(start(), text('?'), at(minute), policy).session];
    for (const session of sessions) {
      const before = structuredClone(session);
      Object.freeze(session);
      Object.freeze(session.vars);
      for (const input of inputs) {
        const result = step(session, input, at(80 * hour), policy);
        expect(result.session).not.toBe(session);
      }
      expect(session).toEqual(before);
    }
  });
});
