import type { FastifyBaseLogger } from 'fastify';

interface Line {
  waiting: Array<readonly string[]>;
  running: number;
}

/**
 * Queued sends delivered after the request that queued them has been answered: per line (one
 * business's channel, whose sender is paced), up to the line's width at a time, in the order they
 * came. Each entry is one survey's messages, sent in order. Only the sends under way are taken from
 * the outbox, so a crash fails at most those; what still waits stays pending there, and the sweeper
 * sends it.
 */
export class SendLines {
  private readonly lines = new Map<string, Line>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deliver: (ids: readonly string[]) => Promise<unknown>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Send these (one survey's messages, in order) when the line has room: at most `width` of its entries at once. */
  push(key: string, ids: readonly string[], width: number): void {
    if (this.closed || ids.length === 0) return;
    let line = this.lines.get(key);
    if (!line) this.lines.set(key, (line = { waiting: [], running: 0 }));
    line.waiting.push(ids);
    if (line.running < width) this.work(key, line);
  }

  private work(key: string, line: Line): void {
    line.running++;
    const run = (async () => {
      for (let ids = line.waiting.shift(); ids; ids = this.closed ? undefined : line.waiting.shift()) {
        // The items stay in the outbox: what a failure leaves pending, the sweeper sends.
        await this.deliver(ids).catch((err: unknown) => this.log.error({ error: err instanceof Error ? err.name : 'unknown' }, 'a queued send failed; the sweeper will try it'));
      }
      // In the same turn as the last look at the line, so an entry pushed later starts a worker.
      line.running--;
      if (line.running === 0) this.lines.delete(key);
    })().finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Start no more sends, and wait for those under way (what waits stays pending in the outbox). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running.size) await Promise.all([...this.running]);
  }
}
