import { describe, expect, it } from 'vitest';
import { createPacer, type PacerOptions } from '../../../src/channels/telegram/pacer.js';

/** A clock that only moves when the pacer sleeps (or the test advances it). */
function fakeClock() {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: async (ms: number) => void (t += ms),
    advance: (ms: number) => void (t += ms),
  };
}

/** A pacer on the fake clock, and `send`, which resolves with when the message went (ms from the start). */
function paced(options: PacerOptions = {}) {
  const clock = fakeClock();
  const start = clock.now();
  const pacer = createPacer({ ...options, now: clock.now, sleep: clock.sleep });
  const send = async (chat: string) => {
    await pacer.acquire(chat);
    return clock.now() - start;
  };
  return { clock, pacer, send };
}

describe('send pacing', () => {
  it('lets a short burst through to one chat, then one message a second', async () => {
    // A fast bot (1,000/s), so only the chat's own pacing shows.
    const { send } = paced({ botPerSecond: 1000, chatPerSecond: 1, chatBurst: 3 });
    const at: number[] = [];
    for (let i = 0; i < 5; i++) at.push(await send('42'));
    expect(at[2]!).toBeLessThan(5);
    expect(at[3]!).toBeGreaterThan(990);
    expect(at[4]! - at[3]!).toBeGreaterThan(990);
  });

  it('does not slow one chat down for another', async () => {
    const { send } = paced({ botPerSecond: 1000, chatBurst: 1 });
    const at = [await send('1'), await send('2'), await send('3')];
    expect(at[2]!).toBeLessThan(5);
  });

  it('keeps the whole bot under 30 messages a second, spaced evenly', async () => {
    const { send } = paced({ botPerSecond: 30 });
    const at: number[] = [];
    for (let chat = 0; chat < 31; chat++) at.push(await send(String(chat)));
    at.slice(1).forEach((t, i) => expect(t - at[i]!).toBeGreaterThanOrEqual(1000 / 30 - 0.001));
    // The 31st waits until the first is a second old, and 25 ms more for the way to Telegram.
    expect(at[30]! - at[0]!).toBeGreaterThanOrEqual(1025);
  });

  it('never lets more than 30 through any one second, however the sends come', async () => {
    const { clock, send } = paced({ botPerSecond: 30, chatBurst: 100 });
    const at: number[] = [];
    // A burst, a pause of half a second, another burst (a token bucket let 45 through here), then a trickle.
    for (let i = 0; i < 30; i++) at.push(await send(`a${i}`));
    clock.advance(500);
    for (let i = 0; i < 30; i++) at.push(await send(`b${i}`));
    for (let i = 0; i < 40; i++) {
      clock.advance(7);
      at.push(await send(`c${i}`));
    }
    const busiest = Math.max(...at.map((from) => at.filter((t) => t >= from && t < from + 1000).length));
    expect(at).toHaveLength(100);
    expect(busiest).toBe(30);
  });

  it('refills with time', async () => {
    const { clock, send } = paced({ botPerSecond: 1000, chatPerSecond: 1, chatBurst: 2 });
    await send('7');
    await send('7');
    clock.advance(2_000);
    const at = [await send('7'), await send('7')];
    expect(at[1]! - at[0]!).toBeLessThan(5);
  });

  it('holds a chat for retry_after seconds after a 429, and only that chat', async () => {
    const { pacer, send } = paced();
    pacer.pause('42', 3);
    expect(await send('43')).toBeLessThan(50);
    expect(await send('42')).toBeGreaterThanOrEqual(3000);
  });

  it('with shared send slots, replies one after another claim once for several, and 30 a second at most', async () => {
    let claims = 0;
    const taken = new Set<number>();
    const shared = {
      sender: 'telegram:bot',
      claims: {
        async claim(_sender: string, from: number, count: number) {
          claims++;
          const won = Array.from({ length: count }, (_, i) => from + i).filter((slot) => !taken.has(slot));
          for (const slot of won) taken.add(slot);
          return won;
        },
      },
    };
    const { send, clock } = paced({ shared });
    const at: number[] = [];
    for (let chat = 0; chat < 90; chat++) {
      at.push(await send(String(chat)));
      clock.advance(5); // the next webhook's reply comes a little after
    }
    expect(claims).toBeLessThanOrEqual(30);
    const perSecond = Math.max(...at.map((t) => at.filter((u) => u >= t && u < t + 1000).length));
    expect(perSecond).toBeLessThanOrEqual(30);
  });
});
