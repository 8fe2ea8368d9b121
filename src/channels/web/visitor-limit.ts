import { createHash } from 'node:crypto';
import { localParts } from '../../domain/calendar.js';

/**
 * How many web chat visitors one network address may start an hour. Each visitor is a customer, a
 * survey and a `sent` count, and anyone can make one: without a limit, one client made 400 in two
 * seconds and their answers moved the business's score. A fixed window per address, in this
 * process's memory (a second instance keeps its own count; the limit is per instance).
 */
export class VisitorLimit {
  private readonly windows = new Map<string, { since: number; count: number }>();
  private static readonly hour = 3_600_000;
  /** Addresses remembered before old windows are dropped: memory stays bounded under a flood of addresses. */
  private static readonly pruneAt = 10_000;

  constructor(private readonly perHour: number) {}

  /** Counts one new visitor from `address`; when over the limit, how many seconds until the next is allowed. */
  take(address: string, now: Date): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const at = now.getTime();
    let window = this.windows.get(address);
    if (!window || at - window.since >= VisitorLimit.hour) {
      if (this.windows.size >= VisitorLimit.pruneAt) this.prune(at);
      window = { since: at, count: 0 };
      this.windows.set(address, window);
    }
    if (window.count >= this.perHour) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.since + VisitorLimit.hour - at) / 1000)) };
    window.count++;
    return { ok: true };
  }

  private prune(at: number): void {
    for (const [address, w] of this.windows) if (at - w.since >= VisitorLimit.hour) this.windows.delete(address);
  }
}

/** The store's counts of web answers (src/store/answer-limits.ts), shared by every instance. */
export interface AnswerCounts {
  take(k: { businessId: string; entry: string; day: string }, by: 'device' | 'network', who: string, max: number, expiresAt: Date): Promise<boolean>;
  giveBack(k: { businessId: string; entry: string; day: string }, by: 'device' | 'network', who: string): Promise<void>;
  refused(k: { businessId: string; entry: string; day: string }, expiresAt: Date): Promise<void>;
}

/** A value kept only as a digest, salted with the business (a device id, a network address). */
export const digestOf = (businessId: string, value: string): string => createHash('sha256').update(`${businessId}:${value}`).digest('hex').slice(0, 32);

/** The business's local day, YYYY-MM-DD. */
const dayOf = (at: Date, timeZone: string): string => {
  const { year, month, day } = localParts(at, timeZone);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
};

/**
 * How many web surveys one device and one network address may answer per entry point (`web`,
 * `widget`, `link:<code>`) per business per local day. Where {@link VisitorLimit} bounds the chats
 * one address opens in this process, this bounds the answers that count, across instances: each
 * count is one conditioned write in the store. A refused answer is counted too, never stored.
 */
export class AnswerLimit {
  constructor(
    private readonly counts: AnswerCounts,
    private readonly business: { id: string; timeZone: string },
    readonly perDevice: number,
    readonly perNetwork: number,
  ) {}

  async take(input: { entry: string; device?: string; network: string; at: Date }): Promise<{ ok: true } | { ok: false; by: 'device' | 'network' }> {
    const key = { businessId: this.business.id, entry: input.entry, day: dayOf(input.at, this.business.timeZone) };
    // Kept past the day's end in every time zone, then removed by the sweeper.
    const expiresAt = new Date(input.at.getTime() + 2 * 86_400_000);
    const network = digestOf(this.business.id, input.network);
    if (input.device && !(await this.counts.take(key, 'device', input.device, this.perDevice, expiresAt))) {
      await this.counts.refused(key, expiresAt);
      return { ok: false, by: 'device' };
    }
    if (!(await this.counts.take(key, 'network', network, this.perNetwork, expiresAt))) {
      if (input.device) await this.counts.giveBack(key, 'device', input.device);
      await this.counts.refused(key, expiresAt);
      return { ok: false, by: 'network' };
    }
    return { ok: true };
  }
}
