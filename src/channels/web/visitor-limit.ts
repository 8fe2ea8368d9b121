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
