import { providerJitterMs, SendQueue, systemClock, type PacerClock } from '../send-queue.js';
import { SharedSendQueue, type SlotClaims } from '../shared-send-queue.js';

export { systemClock, type PacerClock } from '../send-queue.js';

/**
 * One send queue per sender number, `ratePerSecond` apart and never more than that in any second as
 * Twilio counts it (a long-code number takes 1 message a second; Twilio queues the excess and
 * eventually fails it with 30001 when the queue is too long). Concurrent sends go in call order.
 * With `claims` (the database) the limit holds for every instance together: each send takes a slot
 * the instances share; without, for this process alone.
 */
export class SendPacer {
  private readonly queues = new Map<string, { take(): Promise<void> }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: PacerClock = systemClock,
    private readonly claims?: SlotClaims,
    /** Whether a send let go now would open a connection to Twilio: such a send is paced as cold. */
    private readonly opensConnection?: () => boolean,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
  }

  /** Resolves when `sender` may send one message. */
  take(sender: string): Promise<void> {
    let queue = this.queues.get(sender);
    if (!queue) {
      const limit = Math.max(1, Math.floor(this.ratePerSecond));
      queue = this.claims
        ? new SharedSendQueue({ sender: `twilio:${sender}`, perSecond: this.ratePerSecond, claims: this.claims, ...(this.opensConnection ? { opensConnection: this.opensConnection } : {}), ...(this.clock === systemClock ? {} : { clock: this.clock }) })
        : new SendQueue({ limit, windowMs: (limit * 1000) / this.ratePerSecond + providerJitterMs, spacingMs: 1000 / this.ratePerSecond, clock: this.clock });
      this.queues.set(sender, queue);
    }
    return queue.take();
  }
}
