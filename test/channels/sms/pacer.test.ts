import { describe, expect, it } from 'vitest';
import { SendPacer, type PacerClock } from '../../../src/channels/twilio/pacer.js';

/** Virtual time: sleepers wake in time order when `run` moves the clock; records each wake-up time. */
function virtualClock(): PacerClock & { wakes: number[]; run(stall?: { at: number; ms: number }): Promise<void>; advance(ms: number): void } {
  let now = 0;
  const wakes: number[] = [];
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    wakes,
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    advance: (ms) => void (now += ms),
    /** Wake every sleeper in time order; with `stall`, time jumps `ms` at `at` (a busy event loop), and whoever was due in between wakes late. */
    async run(stall?: { at: number; ms: number }) {
      for (await settle(); sleepers.length; await settle()) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers.shift()!;
        if (stall && next.at >= stall.at) {
          now = Math.max(now, stall.at + stall.ms);
          stall = undefined;
        }
        now = Math.max(now, next.at);
        wakes.push(now);
        next.wake();
      }
    },
  };
}

/** Most of `times` within any 1,000 ms. */
const busiestSecond = (times: number[]) => Math.max(...times.map((from) => times.filter((t) => t >= from && t < from + 1000).length));

describe('SendPacer', () => {
  it('lets the first send through at once and spaces concurrent ones by 1/rate, in call order', async () => {
    const clock = virtualClock();
    const pacer = new SendPacer(2, clock);
    const order: number[] = [];
    const all = Promise.all([0, 1, 2].map((i) => pacer.take('+15005550006').then(() => order.push(i))));
    await clock.run();
    await all;
    // Two a second: the third waits until the first is a second old, and 25 ms more for the way to Twilio.
    expect(clock.wakes).toEqual([500, 1025]);
    expect(order).toEqual([0, 1, 2]);
  });

  it('paces each sender on its own', async () => {
    const clock = virtualClock();
    const pacer = new SendPacer(1, clock);
    const sentAt: Record<string, number[]> = { A: [], B: [] };
    const all = Promise.all(['A', 'B', 'A', 'B'].map((s) => pacer.take(s).then(() => sentAt[s]!.push(clock.now()))));
    await clock.run();
    await all;
    // One a second each, and a second as Twilio counts it has 25 ms to spare.
    expect(sentAt).toEqual({ A: [0, 1025], B: [0, 1025] });
  });

  it('does not bank sends while idle: a send after a pause goes at once, the next waits again', async () => {
    const clock = virtualClock();
    const pacer = new SendPacer(1, clock);
    await pacer.take('A');
    clock.advance(10_000);
    await pacer.take('A');
    const third = pacer.take('A');
    await clock.run();
    await third;
    expect(clock.wakes).toEqual([11_025]);
  });

  it('never lets more than the rate through any one second, even when late timers bunch the sends', async () => {
    const clock = virtualClock();
    const pacer = new SendPacer(100, clock);
    const sentAt: number[] = [];
    const all = Promise.all(Array.from({ length: 300 }, () => pacer.take('A').then(() => sentAt.push(clock.now()))));
    // Half a second in, the event loop is busy for 40 ms: the sends due meanwhile are late.
    await clock.run({ at: 500, ms: 40 });
    await all;
    expect(sentAt).toHaveLength(300);
    expect(busiestSecond(sentAt)).toBeLessThanOrEqual(100);
  });

  it('never exceeds the rate on the real clock, queueing rather than dropping', async () => {
    const pacer = new SendPacer(20);
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 5 }, () => pacer.take('A').then(() => times.push(performance.now() - started))));
    expect(times).toHaveLength(5);
    // The k-th send never starts before k intervals (50 ms) have passed; timers may fire ~1 ms early.
    times.sort((a, b) => a - b).forEach((t, k) => expect(t).toBeGreaterThanOrEqual(k * 50 - 2));
  });

  it('with shared slots, takes a send that opens a connection as cold: its lane’s next turn is held and left unused', async () => {
    const heldAfter = async (opensConnection?: () => boolean) => {
      const clock = virtualClock();
      const held = new Set<number>();
      const claims = {
        claim: async (_sender: string, from: number, count: number) => {
          const won = Array.from({ length: count }, (_, i) => from + i).filter((slot) => !held.has(slot));
          for (const slot of won) held.add(slot);
          return won;
        },
      };
      const pacer = new SendPacer(10, clock, claims, opensConnection);
      // One at a time, past the warm-up (two sends at 10 a second).
      const run = (async () => {
        for (let i = 0; i < 8; i++) await pacer.take('A');
      })();
      await clock.run();
      await run;
      return held.size;
    };
    // Two cold sends (the warm-up), each holding its own slot and its lane's next turn.
    expect(await heldAfter()).toBe(8 + 2);
    expect(await heldAfter(() => false)).toBe(8 + 2);
    // Every send opening a connection: every one holds its lane's next turn.
    expect(await heldAfter(() => true)).toBe(8 + 8);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new SendPacer(0)).toThrow(RangeError);
  });
});
