import { providerJitterMs, type PacerClock } from './send-queue.js';

/** Where the instances of a deployment claim send slots (the database: `store.sendSlots`). */
export interface SlotClaims {
  /** The first slot at or after `from` nobody holds for `sender`, now held; slot n begins at n × slotMs (epoch ms). */
  claim(sender: string, from: number, slotMs: number): Promise<number>;
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

/**
 * The send queue of a sender that several instances share: each send goes in a slot it claimed from
 * the database. Slots are (1000 + providerJitterMs) / perSecond apart on the wall clock, so any
 * second holds at most `perSecond` of them, and the 25 ms leave room for a send to be let go late
 * (at most `slotLatenessMs`) and to travel to the provider. The instances together send at up to
 * 1000 / 1025 ≈ 97.6 % of the limit. Slots are claimed in call order, so sends go in call order,
 * except one let go too late (a stalled event loop), which claims a new slot.
 */
export class SharedSendQueue {
  readonly slotMs: number;
  private readonly clock: PacerClock;
  /** Slots before this are behind us (ours or past). */
  private next = 0;
  /** How far ahead of now the next claim starts, so its round trip does not make it late. */
  private leadMs = 2;
  private claims: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SharedSendQueueOptions) {
    if (!(options.perSecond > 0)) throw new RangeError('a shared send queue needs a positive rate');
    this.slotMs = (1000 + providerJitterMs) / options.perSecond;
    this.clock = options.clock ?? wallClock;
  }

  /** Resolves when one more send may go; the caller sends at once. Rejects when the database cannot be reached. */
  async take(): Promise<void> {
    // Claims are made one at a time, in call order, without waiting for the slots already claimed:
    // a claim's round trip overlaps the wait for the slots before it.
    for (let slot = await this.claimNext(); ; slot = await this.claimNext()) {
      const at = slot * this.slotMs;
      const now = this.clock.now();
      if (at > now) await this.clock.sleep(at - now);
      const late = this.clock.now() - at;
      if (late <= slotLatenessMs) return;
      // Let go too late (a busy event loop): the slot stays held and unused, and this send claims another.
    }
  }

  private claimNext(): Promise<number> {
    const claimed = this.claims.then(async () => {
      const before = this.clock.now();
      const from = Math.max(this.next, Math.ceil((before + this.leadMs) / this.slotMs));
      const slot = await this.options.claims.claim(this.options.sender, from, this.slotMs);
      const after = this.clock.now();
      this.leadMs = Math.min(maxLeadMs, 0.8 * this.leadMs + 0.2 * 2 * (after - before));
      this.next = slot + 1;
      return slot;
    });
    this.claims = claimed.catch(() => {}); // a failed claim fails that send only
    return claimed;
  }
}
