import { providerJitterMs, type PacerClock } from './send-queue.js';

/** Where the instances of a deployment claim send slots (the database: `store.sendSlots`). */
export interface SlotClaims {
  /**
   * Of the `count` slots from `from` on, those nobody held yet for `sender`, now held by the caller,
   * in order. Slot n begins at n × slotMs ms of the Unix epoch.
   */
  claim(sender: string, from: number, count: number, slotMs: number): Promise<number[]>;
  /** Told of each slot this instance held and gave up unused, and why (for the metrics). */
  givenUp?(sender: string, reason: SlotLoss): void;
}

/**
 * Why a held slot went unused. `cold`: a cold send's lane's next turn, left unused on purpose (see
 * `warmUpSeconds`). `late`: its send was let go more than `rescueMs` after the slot began (the event
 * loop or the claim's round trip was slow). `lane`: its send was late or cold and the lane's next
 * turn was another instance's (or could not be claimed). `expired`: held, and begun before a send
 * took it.
 */
export type SlotLoss = 'cold' | 'late' | 'lane' | 'expired';

export interface SharedSendQueueOptions {
  /** The provider's sender, as every instance names it (a number, a messaging service, a bot's hash). */
  sender: string;
  /** At most this many sends in any second, across all instances. */
  perSecond: number;
  claims: SlotClaims;
  /** Wall-clock milliseconds (slots are epoch times, the same on every instance). */
  clock?: PacerClock;
  /**
   * A claim for a lone send also holds the slots right after its own for the sends this instance's
   * pace (the last second's sends) expects within this many ms, so a steady stream of single sends
   * (replies to webhooks) claims once for several. 0 or absent: a claim holds only the slots of the
   * sends waiting.
   */
  aheadMs?: number;
  /**
   * How many of its first sends (and of its first after `idleMs` without one) an instance takes as
   * cold (see `warmUpSeconds`); default: `warmUpSeconds` of sends at `perSecond`.
   */
  warmUpSends?: number;
  /**
   * Whether a send let go now would open a new connection to the provider (none is kept open idle):
   * such a send is cold too, whatever `warmUpSends` says. Absent: only the first sends are.
   */
  opensConnection?: () => boolean;
}

const wallClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A slot is let go at most this late on its own; later, it needs its lane's next slot held as well. */
export const slotLatenessMs = 10;
/** A send let go later than this after its slot began is not rescued: it takes another slot. */
export const rescueMs = 100;
/** The longest a claim is asked to reach ahead of now for its round trip. */
const maxLeadMs = 250;
/** One claim holds at most this share of a second's slots. */
const batchSeconds = 0.5;
/**
 * An instance holds no slot beginning more than this long after now plus its claim's lead (besides
 * its own sends' lanes' next turns, which no other instance's send needs). Without
 * it, an instance that wins a third of each claim (three instances asking at once) claims again at
 * once past its last range, and its slots reach more than a second ahead: a late or cold send of
 * another instance then finds its lane's next turn taken and loses its slot. With it, what anyone
 * holds ends before any late send's lane's next turn begins (leadMs + horizon + rescueMs < a lane's
 * gap), and sends beyond the horizon wait in line without holding slots.
 */
export const horizonMs = batchSeconds * 1000;
/**
 * An instance's first sends travel slowly: the HTTP client's code runs for the first time and its
 * sockets are opened (with a TLS handshake, at a real provider). In figure 4b's three-instance
 * campaign at 100 a second, the first ten sends of a fresh server reached the provider up to 157 ms
 * after they were let go, where later ones took a few ms, and ten of the eleven lane turns that
 * arrived less than a second apart began with one of a server's first eleven sends. An instance
 * takes this long of sends at its pace as cold: 16 at 100 a second, one at up to 6 a second.
 */
export const warmUpSeconds = 0.16;
/** How many sends an instance takes as cold at a pace: `warmUpSeconds` of them, rounded up. */
export const coldSendsAt = (perSecond: number): number => Math.ceil(perSecond * warmUpSeconds);
/** After this long without a send an instance is cold again (its idle sockets may have been closed). */
export const idleMs = 30_000;

/**
 * The send queue of a sender that several instances share: each send goes in a slot its instance
 * claimed from the database. Slots are (1000 + providerJitterMs) / perSecond apart on the wall
 * clock; a send is let go at most `slotLatenessMs` after its slot begins, and the rest of the 25 ms
 * is the send's travel to the provider: any second then holds at most ⌈perSecond⌉ sends, and the
 * instances together send at up to 1000 / 1025 ≈ 97.6 % of the limit.
 *
 * Lanes: slot j and slot j + lanes (lanes = ⌈perSecond⌉) are one lane's turns, at least
 * `laneGapMs` apart when both go in time, and that gap is what bounds every second. A send whose
 * timer fires late (a busy event loop) keeps its slot when its instance also holds the lane's next
 * turn (claimed then, if nobody has it): that turn then waits until `laneGapMs` after the late send,
 * so the lane's gap holds exactly and no slot is lost. A send later than `rescueMs`, or whose lane's
 * next turn another instance holds, leaves its slot unused and takes another.
 *
 * An instance claims, in one round trip, as many slots as it has sends waiting (up to half a
 * second's), one claim at a time; sends take the held slots in call order. A claim that comes back
 * after its first slot began reaches further ahead the next time. With `aheadMs`, a lone send's
 * claim also holds the next slots for the sends its instance's pace expects soon; a slot so held
 * that has begun before any send came for it is left unused (never rescued), so held slots cost a
 * send at most one slot's wait, and the bound holds as before.
 *
 * Warm-up: a cold send (see `warmUpSeconds`) may travel far longer than 15 ms. It goes only when its
 * instance holds its lane's next turn (claimed then; if another instance holds it, the send takes
 * another slot), and that turn is left unused: the lane's next arrival is then two turns on, so a
 * cold send may arrive up to a second late without meeting it. Each costs one slot, so an instance
 * that starts sending gives up `warmUpSeconds` of its sender's pace. With `opensConnection`, a send
 * that has to open a connection is cold as well (later in a campaign, when more sends are under way
 * than ever before, or after the provider closed the connections kept idle): in figure 4b, most of
 * the sends that travelled longer than 15 ms opened one.
 */
export class SharedSendQueue {
  readonly slotMs: number;
  /** Slots a lane's turns are apart. */
  readonly lanes: number;
  /** The least time between two turns of a lane. */
  readonly laneGapMs: number;
  private readonly clock: PacerClock;
  private readonly batch: number;
  private readonly warmUpSends: number;
  /** Slots before this are behind us (ours or past). */
  private next = 0;
  /** Slots held and not yet given to a send, in order. */
  private held: number[] = [];
  /** Held slots that may not go before a time (the lane's previous turn went late): slot → time. */
  private readonly notBefore = new Map<number, number>();
  /** Every slot held and not yet used or given up (for a late turn's rescue). */
  private readonly mine = new Set<number>();
  /** Sends waiting for a slot. */
  private asking = 0;
  /** How far ahead of now a claim starts, so its round trip does not make it late. */
  private leadMs = 2;
  private chain: Promise<unknown> = Promise.resolve();
  /** Held slots claimed ahead, with no send waiting for them when claimed. */
  private readonly ahead = new Set<number>();
  /** With `aheadMs`: when the sends of the last second were let go, oldest first. */
  private readonly recent: number[] = [];
  /** Lane turns behind a cold send, never sent in. */
  private readonly barred = new Set<number>();
  /** Sends let go since this instance was last cold, and when the last went. */
  private warmSends = 0;
  private lastSentAt = -Infinity;
  /** Sends given a slot while cold whose lane's next turn was claimed ahead, not yet let go. */
  private coldAhead = 0;

  constructor(private readonly options: SharedSendQueueOptions) {
    if (!(options.perSecond > 0)) throw new RangeError('a shared send queue needs a positive rate');
    this.slotMs = (1000 + providerJitterMs) / options.perSecond;
    this.lanes = Math.ceil(options.perSecond);
    this.laneGapMs = this.lanes * this.slotMs - slotLatenessMs;
    this.batch = Math.max(1, Math.floor(options.perSecond * batchSeconds));
    this.warmUpSends = options.warmUpSends ?? coldSendsAt(options.perSecond);
    this.clock = options.clock ?? wallClock;
  }

  /** Resolves when one more send may go; the caller sends at once. Rejects when the database cannot be reached. */
  async take(): Promise<void> {
    for (;;) {
      const slot = await this.slot();
      // Claimed while the send waits for its slot, not after.
      const ahead = this.laneAheadIfCold(slot);
      // Whole milliseconds: a slot begins at a fraction of one, and a timer for the fraction fires
      // with the clock still short of it, so a second timer followed (about one a send at 30/s).
      for (let at = this.earliest(slot), now = this.clock.now(); at > now; at = this.earliest(slot), now = this.clock.now()) await this.clock.sleep(Math.ceil(at - now));
      const claimedAhead = await ahead;
      const sent = await this.letGo(slot);
      if (claimedAhead) this.coldAhead--;
      if (sent) {
        const now = this.clock.now();
        if (this.options.aheadMs) this.paced(now);
        this.warmSends = now - this.lastSentAt > idleMs ? 1 : this.warmSends + 1;
        this.lastSentAt = now;
        return;
      }
      // Barred; let go too late; or late or cold, and the lane's next turn is not ours: the slot stays unused.
    }
  }

  /**
   * A send given its slot while its instance is cold claims the slot's lane's next turn at once,
   * while it waits for the slot, so that letting it go needs no round trip of its own (a cold send
   * whose timer fired late, then waited for that round trip, lost its slot past `rescueMs`). At most
   * `warmUpSends` such claims wait at a time; a send that turns out warm leaves the turn held, and a
   * later send goes in it.
   */
  private async laneAheadIfCold(slot: number): Promise<boolean> {
    const successor = slot + this.lanes;
    if (this.mine.has(successor) || this.coldAhead >= this.warmUpSends || !this.cold(this.clock.now())) return false;
    this.coldAhead++;
    await this.holdLaneTurn(successor);
    return true;
  }

  /**
   * Hold `slot` (a lane's next turn) for this instance: claimed unless already held. Whether it is
   * held now; a failed claim (another instance has it, or the database is unreachable) is no.
   */
  private async holdLaneTurn(slot: number): Promise<boolean> {
    if (this.mine.has(slot)) return true;
    const won = await this.options.claims.claim(this.options.sender, slot, 1, this.slotMs).catch((): number[] => []);
    if (!won.includes(slot)) return false;
    this.mine.add(slot);
    this.hold(slot);
    return true;
  }

  /** How many slots a lone send's claim holds beyond its own: the sends the last second's pace expects within `aheadMs`. */
  private aheadCount(now: number): number {
    if (!this.options.aheadMs) return 0;
    this.paced(now, false);
    return Math.min(this.batch - 1, Math.floor((this.recent.length * this.options.aheadMs) / 1000));
  }

  /** Forget the sends let go more than a second before `now` (and note one let go now when `sent`). */
  private paced(now: number, sent = true): void {
    while (this.recent.length && this.recent[0]! <= now - 1000) this.recent.shift();
    if (sent) this.recent.push(now);
  }

  /** When a held slot may go: its beginning, or later when its lane's previous turn went late. */
  private earliest(slot: number): number {
    return Math.max(slot * this.slotMs, this.notBefore.get(slot) ?? -Infinity);
  }

  /** Whether this instance's next send is one of its first (or its first after a pause): see `warmUpSeconds`. */
  private cold(now: number): boolean {
    return this.warmUpSends > 0 && (now - this.lastSentAt > idleMs || this.warmSends < this.warmUpSends);
  }

  /**
   * Whether the send in `slot` may go now. Barred (a cold send's lane's next turn): no. In time and
   * warm: yes. Late (but within `rescueMs`), or cold: yes when this instance holds the lane's next turn
   * (claimed now if nobody has it), which then waits `laneGapMs` after a late send, and is barred
   * after a cold one.
   */
  private async letGo(slot: number): Promise<boolean> {
    // Counted as given up when it was barred.
    if (this.barred.delete(slot)) return this.used(slot, false);
    const begins = slot * this.slotMs;
    const at = this.clock.now();
    const late = at - begins;
    const cold = this.cold(at) || this.opensConnection();
    if (late <= slotLatenessMs && !cold) return this.used(slot);
    const successor = slot + this.lanes;
    if (late > rescueMs) return this.used(slot, false, 'late');
    if (!(await this.holdLaneTurn(successor))) return this.used(slot, false, 'lane');
    const now = this.clock.now();
    if (now - begins > rescueMs) return this.used(slot, false, 'late');
    // Asked again: the connections kept idle may have been taken or closed during the claim.
    if (cold || this.opensConnection()) {
      // Nothing goes in the successor: it stays ours (not claimed again) and is given to no send.
      this.barred.add(successor);
      this.gaveUp('cold');
      const index = this.held.indexOf(successor);
      if (index >= 0) this.held.splice(index, 1);
    } else {
      // The successor may not go before laneGapMs after now.
      this.notBefore.set(successor, Math.max(this.notBefore.get(successor) ?? -Infinity, now + this.laneGapMs));
    }
    // The send goes at once.
    return this.used(slot);
  }

  /** Whether a send let go now would open a connection (see `opensConnection`). */
  private opensConnection(): boolean {
    return this.options.opensConnection?.() === true;
  }

  /** Tell the claims (the metrics) that a held slot goes unused, and why. */
  private gaveUp(reason: SlotLoss): void {
    this.options.claims.givenUp?.(this.options.sender, reason);
  }

  /** The slot is done with (sent in, or given up, and why when that is to be counted); returns `sent`. */
  private used(slot: number, sent = true, lost?: SlotLoss): boolean {
    if (lost) this.gaveUp(lost);
    this.mine.delete(slot);
    this.ahead.delete(slot);
    this.notBefore.delete(slot);
    return sent;
  }

  /** Keep a slot held for a later send, in time order. */
  private hold(slot: number): void {
    let i = this.held.length;
    while (i > 0 && this.held[i - 1]! > slot) i--;
    if (this.held[i - 1] !== slot) this.held.splice(i, 0, slot);
  }

  /** The next held slot still in time, claimed with the slots of the sends waiting behind it. */
  private slot(): Promise<number> {
    this.asking++;
    const given = this.chain.then(async () => {
      try {
        for (;;) {
          const now = this.clock.now();
          // Too late to rescue; or held ahead and begun before a send came for it (no rescue: a slot's wait at most).
          const gone = (slot: number) => this.earliest(slot) + (this.ahead.has(slot) ? slotLatenessMs : rescueMs) < now;
          while (this.held.length && gone(this.held[0]!)) this.used(this.held.shift()!, false, 'expired');
          for (const slot of this.barred) {
            if (!gone(slot)) continue;
            this.barred.delete(slot);
            this.used(slot, false);
          }
          // A lane's next turn held ahead (for a late send) waits until the claims reach it.
          if (this.held.length && (this.held[0]! < this.next || this.earliest(this.held[0]!) <= now + this.leadMs)) return this.held.shift()!;
          let from = Math.max(this.next, Math.ceil((now + this.leadMs) / this.slotMs));
          // A lane's next turn this instance already holds (behind a late or cold send) is not claimed again.
          while (this.mine.has(from)) from++;
          // Past half the horizon, a claim waits until half is free again, so that claims come a
          // quarter second's at a time, not a slot at a time as time moves on.
          const reach = now + this.leadMs;
          if (from * this.slotMs > reach + horizonMs / 2) {
            await this.clock.sleep(Math.max(1, Math.ceil(from * this.slotMs - (reach + horizonMs / 2))));
            continue;
          }
          // The slots from `from` to the last one within the horizon.
          const room = Math.floor((reach + horizonMs) / this.slotMs) - from + 1;
          const waiting = Math.min(this.asking, this.batch, room);
          const count = Math.min(waiting + (waiting === 1 ? this.aheadCount(now) : 0), room);
          const won = await this.options.claims.claim(this.options.sender, from, count, this.slotMs);
          const after = this.clock.now();
          this.leadMs = Math.min(maxLeadMs, 0.8 * this.leadMs + 0.2 * 2 * (after - now));
          // Came back after its first slot began: reach further ahead next time.
          if (after > from * this.slotMs) this.leadMs = Math.min(maxLeadMs, Math.max(this.leadMs, 2 * (after - now)));
          this.next = from + count;
          for (const slot of won) {
            this.mine.add(slot);
            if (slot >= from + waiting) this.ahead.add(slot);
            this.hold(slot);
          }
        }
      } finally {
        this.asking--;
      }
    });
    this.chain = given.catch(() => {}); // a failed claim fails that send only
    return given;
  }
}
