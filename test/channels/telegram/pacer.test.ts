import { describe, expect, it } from 'vitest';
import { createPacer } from '../../../src/channels/telegram/pacer.js';

/** A clock that only moves when the pacer sleeps, recording each wait. */
function fakeClock() {
  let t = 1_000_000;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    advance: (ms: number) => void (t += ms),
    waits,
  };
}

describe('send pacing', () => {
  it('lets a short burst through to one chat, then one message a second', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ chatPerSecond: 1, chatBurst: 3, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 3; i++) await pacer.acquire('42');
    expect(clock.waits).toEqual([]);
    await pacer.acquire('42');
    await pacer.acquire('42');
    expect(clock.waits).toEqual([1000, 1000]);
  });

  it('does not slow one chat down for another', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ chatBurst: 1, now: clock.now, sleep: clock.sleep });
    await pacer.acquire('1');
    await pacer.acquire('2');
    await pacer.acquire('3');
    expect(clock.waits).toEqual([]);
  });

  it('keeps the whole bot under 30 messages a second', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ botPerSecond: 30, now: clock.now, sleep: clock.sleep });
    for (let chat = 0; chat < 30; chat++) await pacer.acquire(String(chat));
    expect(clock.waits).toEqual([]);
    await pacer.acquire('30');
    // Until the first of the 30 is a second old (and 25 ms more for the way to Telegram).
    expect(clock.waits).toEqual([1025]);
  });

  it('never lets more than 30 through any one second, however the sends come', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ botPerSecond: 30, chatBurst: 100, now: clock.now, sleep: clock.sleep });
    const sentAt: number[] = [];
    const send = async (chat: string) => {
      await pacer.acquire(chat);
      sentAt.push(clock.now());
    };
    // A burst, a pause of half a second, another burst (a token bucket let 45 through here), then a trickle.
    for (let i = 0; i < 30; i++) await send(`a${i}`);
    clock.advance(500);
    for (let i = 0; i < 30; i++) await send(`b${i}`);
    for (let i = 0; i < 40; i++) {
      clock.advance(7);
      await send(`c${i}`);
    }
    const busiest = Math.max(...sentAt.map((from) => sentAt.filter((t) => t >= from && t < from + 1000).length));
    expect(sentAt).toHaveLength(100);
    expect(busiest).toBe(30);
  });

  it('refills with time', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ chatPerSecond: 1, chatBurst: 2, now: clock.now, sleep: clock.sleep });
    await pacer.acquire('7');
    await pacer.acquire('7');
    clock.advance(2_000);
    await pacer.acquire('7');
    await pacer.acquire('7');
    expect(clock.waits).toEqual([]);
  });

  it('holds a chat for retry_after seconds after a 429', async () => {
    const clock = fakeClock();
    const pacer = createPacer({ now: clock.now, sleep: clock.sleep });
    pacer.pause('42', 3);
    await pacer.acquire('42');
    await pacer.acquire('43');
    expect(clock.waits).toEqual([3000]);
  });
});
