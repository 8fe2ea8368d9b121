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
  /** No send before this (the spacing). */
  private nextSlot = -Infinity;
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
    this.tail = turn.catch(() => {}); // a failed turn (a clock that threw) must not stop the queue
    return turn;
  }

  /** When the window has room for one more send. */
  private windowFree(): number {
    return this.sent.length < this.limit ? -Infinity : this.sent[0]! + this.windowMs;
  }

  private async turn(): Promise<void> {
    // Only the queue's head waits, so nothing moves the target while it sleeps.
    const now = this.clock.now();
    const target = Math.max(this.nextSlot, this.windowFree());
    if (target > now) await this.clock.sleep(target - now);
    // Counted when it goes: later than planned if the timer fired late (never earlier than planned).
    this.sent.push(Math.max(this.clock.now(), target));
    if (this.sent.length > this.limit) this.sent.shift();
    // After a wait the spacing runs from the time waited for, so a timer that fired late does not
    // slow every later send down; a send that found the way free starts it afresh (no banking).
    this.nextSlot = (target > now ? target : now) + this.spacingMs;
  }
}
