import { describe, expect, it } from 'vitest';
import { SendPacer, type PacerClock } from '../../../src/channels/sms/pacer.js';

/** A clock that only moves when someone sleeps, recording when each sleeper wakes. */
function fakeClock(): PacerClock & { wakes: number[] } {
  const now = 0;
  const wakes: number[] = [];
  return {
    wakes,
    now: () => now,
    sleep: async (ms) => {
      wakes.push(now + ms);
    },
  };
}

describe('SendPacer', () => {
  it('lets the first send through at once and spaces concurrent ones by 1/rate', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(2, clock);
    await Promise.all([pacer.take('+15005550006'), pacer.take('+15005550006'), pacer.take('+15005550006')]);
    expect(clock.wakes).toEqual([500, 1000]);
  });

  it('paces each sender on its own', async () => {
    const clock = fakeClock();
    const pacer = new SendPacer(1, clock);
    await Promise.all([pacer.take('A'), pacer.take('B'), pacer.take('A'), pacer.take('B')]);
    expect(clock.wakes).toEqual([1000, 1000]);
  });

  it('does not bank tokens while idle: a send after a pause goes at once, the next waits again', async () => {
    let now = 0;
    const wakes: number[] = [];
    const pacer = new SendPacer(1, { now: () => now, sleep: async (ms) => void wakes.push(now + ms) });
    await pacer.take('A');
    now = 10_000;
    await pacer.take('A');
    await pacer.take('A');
    expect(wakes).toEqual([11_000]);
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

  it('refuses a rate that is not positive', () => {
    expect(() => new SendPacer(0)).toThrow(RangeError);
  });
});
