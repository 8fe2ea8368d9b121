import { providerJitterMs, type PacerClock } from './send-queue.js';

/** Where the instances of a deployment claim send slots (the database: `store.sendSlots`). */
export interface SlotClaims {
  /**
   * Of the `count` slots from `from` on, those nobody held yet for `sender`, now held by the caller,
   * in order. Slot n begins at n × slotMs ms of the Unix epoch.
   */
  claim(sender: string, from: number, count: number, slotMs: number): Promise<number[]>;
}

export interface SharedSendQueueOptions {
  /** The provider's sender, as every instance names it (a number, a messaging service, a bot's hash). */
  sender: string;
  /** At most this many sends in any second, across all instances. */
  perSecond: number;
  claims: SlotClaims;
  /** Wall-clock milliseconds (slots are epoch times, the same on every instance). */
  clock?: PacerClock;
}

const wallClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A slot is let go at most this late; a later one is left unused (it would crowd the next second). */
export const slotLatenessMs = 10;
/** The longest a claim is asked to reach ahead of now for its round trip. */
const maxLeadMs = 250;
/** One claim holds at most this share of a second's slots. */
const batchSeconds = 0.5;

/**
 * The send queue of a sender that several instances share: each send goes in a slot its instance
 * claimed from the database. Slots are (1000 + providerJitterMs) / perSecond apart on the wall
 * clock, so any second holds at most `perSecond` of them, and the 25 ms leave room for a send to be
 * let go late (at most `slotLatenessMs`) and to travel to the provider: the instances together send
 * at up to 1000 / 1025 ≈ 97.6 % of the limit. An instance claims, in one round trip, as many slots
 * as it has sends waiting (up to half a second's), one claim at a time; sends take the held slots in
 * call order. A slot let go too late (a stalled event loop) is left unused and its send takes the
 * next one, so a send may then go after one that called later.
 */
export class SharedSendQueue {
  readonly slotMs: number;
  private readonly clock: PacerClock;
  private readonly batch: number;
  /** Slots before this are behind us (ours or past). */
  private next = 0;
  /** Slots held and not yet given to a send, in order. */
  private held: number[] = [];
  /** Sends waiting for a slot. */
  private asking = 0;
  /** How far ahead of now a claim starts, so its round trip does not make it late. */
  private leadMs = 2;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SharedSendQueueOptions) {
    if (!(options.perSecond > 0)) throw new RangeError('a shared send queue needs a positive rate');
    this.slotMs = (1000 + providerJitterMs) / options.perSecond;
    this.batch = Math.max(1, Math.floor(options.perSecond * batchSeconds));
    this.clock = options.clock ?? wallClock;
  }

  /** Resolves when one more send may go; the caller sends at once. Rejects when the database cannot be reached. */
  async take(): Promise<void> {
    for (;;) {
      const at = (await this.slot()) * this.slotMs;
      const now = this.clock.now();
      if (at > now) await this.clock.sleep(at - now);
      if (this.clock.now() - at <= slotLatenessMs) return;
      // Let go too late: the slot stays held and unused, and this send takes another.
    }
  }

  /** The next held slot still in time, claimed with the slots of the sends waiting behind it. */
  private slot(): Promise<number> {
    this.asking++;
    const given = this.chain.then(async () => {
      try {
        for (;;) {
          const now = this.clock.now();
          while (this.held.length && this.held[0]! * this.slotMs + slotLatenessMs < now) this.held.shift();
          if (this.held.length) return this.held.shift()!;
          const from = Math.max(this.next, Math.ceil((now + this.leadMs) / this.slotMs));
          const count = Math.min(this.asking, this.batch);
          const won = await this.options.claims.claim(this.options.sender, from, count, this.slotMs);
          const after = this.clock.now();
          this.leadMs = Math.min(maxLeadMs, 0.8 * this.leadMs + 0.2 * 2 * (after - now));
          this.next = from + count;
          this.held.push(...won);
        }
      } finally {
        this.asking--;
      }
    });
    this.chain = given.catch(() => {}); // a failed claim fails that send only
    return given;
  }
}
