export interface PacerClock {
  /** Milliseconds, monotonic enough for spacing sends. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket of one token per sender, refilled `ratePerSecond` times a second: each caller
 * reserves the next free slot synchronously, so concurrent sends queue in call order and never
 * exceed the rate (a long-code number takes 1 message a second; Twilio queues the excess and
 * eventually fails it with 30001 when the queue is too long).
 */
export class SendPacer {
  private readonly intervalMs: number;
  private readonly nextSlot = new Map<string, number>();

  constructor(
    ratePerSecond: number,
    private readonly clock: PacerClock = systemClock,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.intervalMs = 1000 / ratePerSecond;
  }

  /** Resolves when `sender` may send one message. */
  async take(sender: string): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot.get(sender) ?? now);
    this.nextSlot.set(sender, slot + this.intervalMs);
    if (slot > now) await this.clock.sleep(slot - now);
  }
}
