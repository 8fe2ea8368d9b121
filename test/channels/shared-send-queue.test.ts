import { describe, expect, it } from 'vitest';
import { SharedSendQueue, slotLatenessMs, type SlotClaims } from '../../src/channels/shared-send-queue.js';
import { busiestWindow } from '../helpers/send-rate.js';

/** Slots held in memory (the database's unique `_id`, as one map): what the instances share. */
function memoryClaims(): SlotClaims & { held: Set<string> } {
  const held = new Set<string>();
  return {
    held,
    async claim(sender, from, count) {
      await Promise.resolve();
      const won: number[] = [];
      for (let slot = from; slot < from + count; slot++) {
        if (held.has(`${sender}:${slot}`)) continue;
        held.add(`${sender}:${slot}`);
        won.push(slot);
      }
      return won;
    },
  };
}

/** A virtual clock: sleeps end in time order when `run` advances it; `stall` delays the next wake-ups. */
function virtualClock(start: number) {
  let now = start;
  let extra = 0;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    stall: (ms: number) => (extra = ms),
    async run(until: number) {
      for (;;) {
        for (let i = 0; i < 20; i++) await Promise.resolve();
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (!next || next.at > until) return;
        sleepers.shift();
        now = Math.max(now, next.at) + extra;
        extra = 0;
        next.wake();
      }
    },
  };
}

describe('shared send queue', () => {
  it('lets three instances together send no more than the limit in any second, at nearly the limit', async () => {
    const claims = memoryClaims();
    const clock = virtualClock(1_000_000);
    const queues = [0, 1, 2].map(() => new SharedSendQueue({ sender: 's', perSecond: 20, claims, clock }));
    const sent: number[] = [];
    const all = Array.from({ length: 120 }, (_, i) => queues[i % 3]!.take().then(() => sent.push(clock.now())));
    await clock.run(1_000_000 + 10_000);
    await Promise.all(all);
    expect(sent).toHaveLength(120);
    expect(busiestWindow(sent)).toBe(20);
    const rate = (sent.length - 1) / ((Math.max(...sent) - Math.min(...sent)) / 1000);
    expect(rate).toBeGreaterThan(0.97 * 20);
  });

  it('leaves unused a slot let go too late and sends in a new one', async () => {
    const claims = memoryClaims();
    const clock = virtualClock(2_000_000);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 10, claims, clock });
    const first = queue.take();
    clock.stall(slotLatenessMs + 1); // the first slot's timer fires 11 ms late
    await clock.run(2_000_000 + 5_000);
    await first;
    const sentAt = clock.now();
    // Slots 0 and 1 were claimed; the send went in the second one, on time.
    expect(claims.held.size).toBe(2);
    expect(sentAt % queue.slotMs).toBeLessThanOrEqual(slotLatenessMs);
  });
});
