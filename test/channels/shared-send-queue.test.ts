import { describe, expect, it } from 'vitest';
import { horizonMs, idleMs, rescueMs, SharedSendQueue, slotLatenessMs, warmUpSeconds, type SlotClaims, type SlotLoss } from '../../src/channels/shared-send-queue.js';
import { sendsUnderWay } from '../../src/domain/channels.js';
import { busiestWindow } from '../helpers/send-rate.js';

/** Slots held in memory (the database's unique `_id`, as one map): what the instances share; each claim takes `roundTripMs`. */
function memoryClaims(clock?: { sleep(ms: number): Promise<void> }, roundTripMs = 0): SlotClaims & { held: Map<string, number>; calls: number; lost: SlotLoss[] } {
  const held = new Map<string, number>();
  let instance = 0;
  return {
    held,
    calls: 0,
    lost: [],
    givenUp(_sender, reason) {
      this.lost.push(reason);
    },
    async claim(sender, from, count) {
      this.calls++;
      const who = ++instance;
      if (clock && roundTripMs) await clock.sleep(roundTripMs);
      else await Promise.resolve();
      const won: number[] = [];
      for (let slot = from; slot < from + count; slot++) {
        if (held.has(`${sender}:${slot}`)) continue;
        held.set(`${sender}:${slot}`, who);
        won.push(slot);
      }
      return won;
    },
  };
}

/**
 * A virtual clock: sleeps end in time order when `run` advances it. `stall` delays the next wake-up;
 * `late(at)` (a busy event loop) is when a timer due at `at` fires instead.
 */
function virtualClock(start: number, late: (at: number) => number = (at) => at) {
  let now = start;
  let extra = 0;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: late(now + ms), wake })),
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

/**
 * A loaded event loop: stalls of 5–45 ms begin every 200 ms on average (an eighth of the time
 * stalled), and a timer due in one fires when it ends; any timer fires up to 3 ms late besides.
 */
function busyLoop(seed: number, from: number): (at: number) => number {
  const draw = random(seed);
  const stalls: Array<[number, number]> = [];
  for (let t = from; t < from + 600_000; ) {
    t += draw() * 400;
    const length = 5 + draw() * 40;
    stalls.push([t, t + length]);
    t += length;
  }
  return (at) => {
    const stall = stalls.find(([a, b]) => a <= at && at < b);
    return (stall ? stall[1] : at) + draw() * 3;
  };
}

/** A fixed sequence of pseudo-random numbers in [0, 1) (the same every run). */
function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

/** Sends per second from the first to the last. */
const rateOf = (sent: number[]) => (sent.length - 1) / ((Math.max(...sent) - Math.min(...sent)) / 1000);

/**
 * Three instances sharing `claims`, each taking a third of `sends`; the times the sends were let go.
 * `warmUpSends`: as in the queue's options (0: instances already warm, for the pace they keep after).
 * `startsMs`: when each instance begins, after the first.
 */
async function campaign(clock: ReturnType<typeof virtualClock>, claims: SlotClaims, perSecond: number, sends: number, options: { warmUpSends?: number; startsMs?: number[] } = {}): Promise<number[]> {
  const warmUp = options.warmUpSends === undefined ? {} : { warmUpSends: options.warmUpSends };
  const queues = [0, 1, 2].map(() => new SharedSendQueue({ sender: 's', perSecond, claims, clock, ...warmUp }));
  const sent: number[] = [];
  // Each instance keeps as many sends under way as the outbox's send lines do at this pace.
  let left = sends;
  const worker = async (queue: SharedSendQueue, startMs: number) => {
    if (startMs) await clock.sleep(startMs);
    while (left > 0) {
      left--;
      await queue.take();
      sent.push(clock.now());
    }
  };
  const all = queues.flatMap((queue, i) => Array.from({ length: sendsUnderWay(perSecond) }, () => worker(queue, i ? (options.startsMs?.[i - 1] ?? 0) : 0)));
  await clock.run(clock.now() + (sends / perSecond) * 3_000);
  await Promise.all(all);
  return sent;
}

describe('shared send queue', () => {
  it('lets three instances together send no more than the limit in any second, at nearly the limit', async () => {
    const clock = virtualClock(1_000_000);
    const sent = await campaign(clock, memoryClaims(), 20, 120, { warmUpSends: 0 });
    expect(sent).toHaveLength(120);
    expect(busiestWindow(sent)).toBe(20);
    expect(rateOf(sent)).toBeGreaterThan(0.97 * 20);
  });

  it('keeps the limit exactly and reaches 95 % of it while the event loop stalls for up to 45 ms and claims take 5 ms', async () => {
    const clock = virtualClock(3_000_000, busyLoop(29, 3_000_000));
    const claims = memoryClaims(clock, 5);
    const sent = await campaign(clock, claims, 100, 1_500, { warmUpSends: 0 });
    expect(sent).toHaveLength(1_500);
    // Any window of 1015 ms (a second and the 15 ms a send may take to travel) holds at most the limit.
    expect(busiestWindow(sent, 1_015)).toBeLessThanOrEqual(100);
    expect(rateOf(sent)).toBeGreaterThanOrEqual(95);
  });

  it('keeps the limit at the provider when each instance’s first sends travel 150 ms and later ones up to 15 ms, for one slot a cold send', async () => {
    const perSecond = 100;
    const run = async (warmUpSends?: number) => {
      const clock = virtualClock(9_000_000, busyLoop(11, 9_000_000));
      const claims = memoryClaims(clock, 5);
      const queues = [0, 1, 2].map(() => new SharedSendQueue({ sender: 's', perSecond, claims, clock, ...(warmUpSends === undefined ? {} : { warmUpSends }) }));
      const arrived: number[] = [];
      const travel = random(5);
      let left = 3_000;
      const worker = async (queue: SharedSendQueue, startMs: number, count: { sent: number }) => {
        await clock.sleep(startMs);
        while (left > 0) {
          left--;
          await queue.take();
          // A fresh instance's first sends: code run for the first time, sockets opened.
          arrived.push(clock.now() + (count.sent++ < 11 ? 150 : travel() * 15));
        }
      };
      // The instances start one after another, each while the others already send at the limit.
      const all = queues.flatMap((queue, i) => {
        const count = { sent: 0 };
        return Array.from({ length: sendsUnderWay(perSecond) }, () => worker(queue, 1 + i * 3_000, count));
      });
      await clock.run(9_000_000 + 120_000);
      await Promise.all(all);
      return arrived;
    };
    const guarded = await run();
    expect(guarded).toHaveLength(3_000);
    expect(busiestWindow(guarded)).toBeLessThanOrEqual(perSecond);
    // Without the warm-up, a fresh instance's first sends meet their lanes' next turns.
    expect(busiestWindow(await run(0))).toBeGreaterThan(perSecond);
    // The cost: one slot a cold send, 16 a fresh instance at 100 a second.
    expect(Math.ceil(perSecond * warmUpSeconds)).toBe(16);
    expect(rateOf(guarded)).toBeGreaterThan(0.93 * perSecond);
  });

  it('keeps the limit at the provider when the sends that open a connection travel 150 ms, for one slot each, when told which they are', async () => {
    const perSecond = 100;
    const start = 15_000_000;
    const run = async (told: boolean) => {
      const clock = virtualClock(start, busyLoop(17, start));
      const claims = memoryClaims(clock, 5);
      // Each instance's connections kept open idle; none at first. Instances warm by the time rule
      // (warmUpSends 0): only the connections tell a cold send here.
      const instances = [0, 1, 2].map(() => {
        const pool = { idle: 0 };
        const queue = new SharedSendQueue({ sender: 's', perSecond, claims, clock, warmUpSends: 0, ...(told ? { opensConnection: () => pool.idle === 0 } : {}) });
        return { pool, queue };
      });
      const arrived: number[] = [];
      const travel = random(23);
      let opened = 0;
      let left = 3_000;
      const worker = async ({ pool, queue }: (typeof instances)[number]) => {
        while (left > 0) {
          left--;
          await queue.take();
          const fresh = pool.idle === 0;
          if (fresh) opened++;
          else pool.idle--;
          const at = clock.now() + (fresh ? 150 : travel() * 15);
          arrived.push(at);
          await clock.sleep(at - clock.now()); // answered on arrival: the connection is idle again
          pool.idle++;
        }
      };
      // Every 10 s the provider closes the connections kept idle, so the next sends open new ones (a
      // few dozen: while the first new ones travel, the sends after them find none idle either).
      const closing = (async () => {
        while (left > 0) {
          await clock.sleep(10_000);
          for (const { pool } of instances) pool.idle = 0;
        }
      })();
      const all = instances.flatMap((instance) => Array.from({ length: sendsUnderWay(perSecond) }, () => worker(instance)));
      await clock.run(start + 120_000);
      await Promise.all([...all, closing]);
      return { arrived, opened };
    };
    const guarded = await run(true);
    expect(guarded.arrived).toHaveLength(3_000);
    expect(guarded.opened).toBeGreaterThanOrEqual(30);
    expect(busiestWindow(guarded.arrived)).toBeLessThanOrEqual(perSecond);
    expect(rateOf(guarded.arrived)).toBeGreaterThan(0.93 * perSecond);
    // Not told, the sends that open a connection meet their lanes' next turns.
    expect(busiestWindow((await run(false)).arrived)).toBeGreaterThan(perSecond);
  });

  it('an instance idle for longer than idleMs takes its next sends as cold again: each claims its lane’s next turn and leaves it unused', async () => {
    const clock = virtualClock(10_000_000);
    const claims = memoryClaims();
    // 5 a second: one cold send (0.16 s of the pace, rounded up), then warm.
    expect(Math.ceil(5 * warmUpSeconds)).toBe(1);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 5, claims, clock });
    const sent: number[] = [];
    const first = stream(queue, clock, 2, 0, sent);
    await clock.run(10_000_000 + 5_000);
    await first;
    expect(claims.held.size).toBe(3);
    const later = clock.sleep(idleMs + 1_000).then(() => stream(queue, clock, 2, 0, sent));
    await clock.run(10_000_000 + 5_000 + idleMs + 5_000);
    await later;
    expect(claims.held.size).toBe(6);
    const sentSlots = sent.map((t) => Math.floor(t / queue.slotMs));
    const unused = [...claims.held.keys()].map((key) => Number(key.split(':')[1])).filter((slot) => !sentSlots.includes(slot));
    expect(unused.sort((a, b) => a - b)).toEqual([sentSlots[0]! + queue.lanes, sentSlots[2]! + queue.lanes]);
    // Each unused turn is counted as given up for a cold send, when it was barred.
    expect(claims.lost).toEqual(['cold', 'cold']);
  });

  it('at one a second, the send after a cold one claims past the turn the cold one left unused, in one claim', async () => {
    const clock = virtualClock(11_000_000);
    const claims = memoryClaims();
    const queue = new SharedSendQueue({ sender: 's', perSecond: 1, claims, clock });
    const sent: number[] = [];
    const done = stream(queue, clock, 2, 0, sent);
    await clock.run(11_000_000 + 10_000);
    await done;
    // The cold send's own slot, its lane's next turn, then the warm send's slot: three claims.
    expect(claims.calls).toBe(3);
    expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(2 * queue.slotMs - slotLatenessMs);
  });

  it('holds no slot beyond the horizon however many sends wait, and claims a quarter second’s at a time', async () => {
    const clock = virtualClock(12_000_000);
    const claims = memoryClaims(clock, 2);
    const reach: number[] = [];
    const sizes: number[] = [];
    const watched: SlotClaims = {
      claim: async (sender, from, count, slotMs) => {
        reach.push((from + count) * slotMs - clock.now());
        sizes.push(count);
        return claims.claim(sender, from, count, slotMs);
      },
    };
    const queue = new SharedSendQueue({ sender: 's', perSecond: 100, claims: watched, clock, warmUpSends: 0 });
    const sent: number[] = [];
    // 200 sends waiting at once: two seconds of the pace.
    const all = Array.from({ length: 200 }, () => queue.take().then(() => sent.push(clock.now())));
    await clock.run(12_000_000 + 10_000);
    await Promise.all(all);
    expect(sent).toHaveLength(200);
    expect(busiestWindow(sent, 1_015)).toBeLessThanOrEqual(100);
    // The last slot any claim asked for begins within the horizon (half a second) and the claim's lead (a few ms here).
    expect(horizonMs).toBe(500);
    expect(Math.max(...reach)).toBeLessThanOrEqual(520);
    // Past the first claim, each asks for about a quarter second's slots: a few claims, not one a slot.
    expect(sizes.slice(1, -1).every((n) => n >= 20)).toBe(true);
    expect(claims.calls).toBeLessThanOrEqual(10);
  });

  it('a cold send claims its lane’s next turn while it waits for its slot, so a late timer adds no round trip', async () => {
    const start = 13_000_000;
    const slotMs = 1025 / 10;
    const firstSlot = Math.ceil((start + 2) / slotMs); // the first claim's lead is 2 ms
    // The first slot's timer fires 60 ms late; each claim takes 50 ms.
    const clock = virtualClock(start, (at) => (at === firstSlot * slotMs ? at + 60 : at));
    const claims = memoryClaims(clock, 50);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 10, claims, clock });
    const first = queue.take();
    await clock.run(start + 5_000);
    await first;
    // Let go 60 ms late in its own slot. Claiming its lane's next turn after the timer, it went 110 ms
    // late, past rescueMs, and lost the slot.
    expect(clock.now() - firstSlot * slotMs).toBe(60);
    expect([...claims.held.keys()].sort()).toEqual([`s:${firstSlot}`, `s:${firstSlot + queue.lanes}`].sort());
  });

  it('keeps a slot let go late when its instance takes its lane’s next turn, which then waits a lane’s gap', async () => {
    const claims = memoryClaims();
    const clock = virtualClock(2_000_000);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 10, claims, clock });
    const first = queue.take();
    clock.stall(slotLatenessMs + 20); // the first slot's timer fires 30 ms late
    await clock.run(2_000_000 + 5_000);
    await first;
    const firstAt = clock.now();
    const firstSlot = Math.ceil(2_000_000 / queue.slotMs); // no lead yet: the first slot from now
    // The queue waits in whole milliseconds: its timer was due at the millisecond the slot begins in.
    expect(firstAt - Math.ceil(firstSlot * queue.slotMs)).toBe(slotLatenessMs + 20);
    // It claimed its lane's next turn; a send in that turn waits until a lane's gap after the late one.
    expect([...claims.held.keys()].sort()).toEqual([`s:${firstSlot}`, `s:${firstSlot + queue.lanes}`].sort());
    const sends: number[] = [];
    const more = Array.from({ length: queue.lanes + 1 }, () => queue.take().then(() => sends.push(clock.now())));
    await clock.run(2_000_000 + 10_000);
    await Promise.all(more);
    expect(sends[sends.length - 1]! - firstAt).toBeGreaterThanOrEqual(queue.laneGapMs);
    expect(busiestWindow([firstAt, ...sends], 1_015)).toBeLessThanOrEqual(10);
  });

  it('leaves unused a slot let go late when another instance holds its lane’s next turn, and sends in a new one', async () => {
    const claims = memoryClaims();
    const clock = virtualClock(4_000_000);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 10, claims, clock });
    const firstSlot = Math.ceil(4_000_000 / queue.slotMs);
    await claims.claim('s', firstSlot + queue.lanes, 1, queue.slotMs); // another instance's
    const first = queue.take();
    clock.stall(slotLatenessMs + 1);
    await clock.run(4_000_000 + 5_000);
    await first;
    const sentAt = clock.now();
    expect(sentAt % queue.slotMs).toBeLessThanOrEqual(slotLatenessMs);
    expect(Math.round(sentAt / queue.slotMs)).toBeGreaterThan(firstSlot);
    // Its first slot lost to the other instance's turn; then, still cold (a first send), it leaves its new slot's lane's next turn unused.
    expect(claims.lost).toEqual(['lane', 'cold']);
  });

  it('gives up a slot let go later than the rescue allows', async () => {
    const claims = memoryClaims();
    const clock = virtualClock(5_000_000);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 10, claims, clock, warmUpSends: 0 }); // warm: a cold send claims its lane's next turn ahead
    const firstSlot = Math.ceil(5_000_000 / queue.slotMs);
    const first = queue.take();
    clock.stall(rescueMs + 1);
    await clock.run(5_000_000 + 5_000);
    await first;
    expect(clock.now() % queue.slotMs).toBeLessThanOrEqual(slotLatenessMs);
    expect(claims.held.has(`s:${firstSlot + queue.lanes}`)).toBe(false);
    expect(claims.lost).toEqual(['late']);
  });

  /** Single sends one after another (each waits for the one before, then `gapMs`), as replies to webhooks come; their times. */
  async function stream(queue: SharedSendQueue, clock: ReturnType<typeof virtualClock>, sends: number, gapMs: number, sent: number[]): Promise<void> {
    for (let i = 0; i < sends; i++) {
      await queue.take();
      sent.push(clock.now());
      await clock.sleep(gapMs);
    }
  }

  it('with aheadMs, a steady stream of single sends claims once for several, within the limit', async () => {
    const clock = virtualClock(6_000_000);
    const claims = memoryClaims(clock, 2);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 30, claims, clock, aheadMs: 250 });
    const sent: number[] = [];
    const done = stream(queue, clock, 90, 5, sent);
    await clock.run(6_000_000 + 60_000);
    await done;
    expect(sent).toHaveLength(90);
    expect(busiestWindow(sent, 1_015)).toBeLessThanOrEqual(30);
    // Without claiming ahead, each of the 90 sends claims for itself.
    expect(claims.calls).toBeLessThanOrEqual(30);
    // A held slot costs a send at most one slot's wait: the stream keeps close to the limit.
    expect(rateOf(sent)).toBeGreaterThan(25);
  });

  it('waits in whole milliseconds, so a send waits for one timer, not a second one for the fraction', async () => {
    const clock = virtualClock(6_200_000);
    const asked: number[] = [];
    const timed = { now: clock.now, sleep: (ms: number) => (asked.push(ms), clock.sleep(ms)) };
    const claims = memoryClaims(clock, 2);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 30, claims, clock: timed, aheadMs: 250 });
    const sent: number[] = [];
    // Several sends waiting at once, as a bot's webhooks do at its limit.
    const done = Promise.all(Array.from({ length: 8 }, () => stream(queue, clock, 10, 0, sent)));
    await clock.run(6_200_000 + 60_000);
    await done;
    expect(sent).toHaveLength(80);
    expect(busiestWindow(sent, 1_015)).toBeLessThanOrEqual(30);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.filter((ms) => !Number.isInteger(ms))).toEqual([]);
  });

  it('with aheadMs, the slots held ahead that began before a send came are counted as given up (expired)', async () => {
    const clock = virtualClock(6_500_000);
    const claims = memoryClaims(clock, 2);
    const queue = new SharedSendQueue({ sender: 's', perSecond: 30, claims, clock, aheadMs: 250 });
    const sent: number[] = [];
    // Replies 60 ms apart, slower than the 34 ms slots the pace holds ahead for them; then one after a pause, which clears what is left.
    const done = stream(queue, clock, 60, 60, sent).then(() => clock.sleep(2_000)).then(() => stream(queue, clock, 1, 0, sent));
    await clock.run(6_500_000 + 60_000);
    await done;
    expect(sent).toHaveLength(61);
    expect(claims.lost.filter((r) => r === 'expired').length).toBeGreaterThan(10);
    // Every slot held was sent in, or given up and counted: the cold sends' turns and the expired ones.
    expect(claims.held.size).toBe(sent.length + claims.lost.length);
  });

  it('with aheadMs, two instances whose streams together ask more than the limit keep it', async () => {
    const clock = virtualClock(7_000_000, busyLoop(7, 7_000_000));
    const claims = memoryClaims(clock, 3);
    const sent: number[] = [];
    const queues = [0, 1].map(() => new SharedSendQueue({ sender: 's', perSecond: 30, claims, clock, aheadMs: 250 }));
    const done = Promise.all(queues.map((queue) => stream(queue, clock, 120, 20, sent)));
    await clock.run(7_000_000 + 120_000);
    await done;
    expect(sent).toHaveLength(240);
    expect(busiestWindow(sent, 1_015)).toBeLessThanOrEqual(30);
    expect(claims.calls).toBeLessThan(240);
  });

  it('without aheadMs, a lone send claims only its own slot', async () => {
    const clock = virtualClock(8_000_000);
    const claims = memoryClaims();
    const queue = new SharedSendQueue({ sender: 's', perSecond: 30, claims, clock, warmUpSends: 0 });
    const sent: number[] = [];
    const done = stream(queue, clock, 10, 5, sent);
    await clock.run(8_000_000 + 10_000);
    await done;
    expect(claims.calls).toBe(10);
    expect(claims.held.size).toBe(10);
  });
});
