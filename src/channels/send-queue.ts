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
 * Room between a send being let go and the provider counting it (the request still has to be
 * written, and a busy event loop delays some writes more than others): a window is this much longer
 * than the provider's second.
 */
export const providerJitterMs = 25;

export interface SendQueueOptions {
  /** At most this many sends in any `windowMs`. */
  limit: number;
  windowMs: number;
  /** At least this long between two sends (0: a burst of `limit` may go at once). */
  spacingMs?: number;
  clock?: PacerClock;
}

/**
 * Sends let go one at a time, in call order: no two closer than `spacingMs`, and never more than
 * `limit` in any `windowMs`, counted at the moment each send is let go. A token bucket does neither:
 * a full bucket of 30 plus the 30 it refilled within the same second let 59 Telegram messages
 * through one second of a campaign, and SMS spaced by timers reached 102 in a second at 100/s once
 * a busy event loop fired several late timers together. (p-throttle's strict mode reserves each
 * call's time when it is made, so late timers still bunch; and it cannot take the test clock.)
 */
export class SendQueue {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly spacingMs: number;
  private readonly clock: PacerClock;
  /** When the last `limit` sends were let go, oldest first. */
  private readonly sent: number[] = [];
  private tail: Promise<void> = Promise.resolve();

  constructor(options: SendQueueOptions) {
    if (!(options.limit >= 1) || !(options.windowMs > 0)) throw new RangeError('a send queue needs a limit of at least 1 and a positive window');
    this.limit = Math.floor(options.limit);
    this.windowMs = options.windowMs;
    this.spacingMs = options.spacingMs ?? 0;
    this.clock = options.clock ?? systemClock;
  }

  /** Resolves when one more send may go; the caller sends at once. */
  take(): Promise<void> {
    const turn = this.tail.then(() => this.turn());
    this.tail = turn;
    return turn;
  }

  /** How long a send at `now` would have to wait (0: it may go). */
  private waitAt(now: number): number {
    const last = this.sent.at(-1);
    const spaced = last === undefined ? 0 : last + this.spacingMs - now;
    const windowed = this.sent.length < this.limit ? 0 : this.sent[0]! + this.windowMs - now;
    return Math.max(spaced, windowed);
  }

  private async turn(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const wait = this.waitAt(now);
      if (wait <= 0) {
        this.sent.push(now);
        if (this.sent.length > this.limit) this.sent.shift();
        return;
      }
      await this.clock.sleep(wait);
    }
  }
}
