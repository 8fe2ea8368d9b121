/**
 * Writes that arrive while one is under way go together in the next: one round trip for however
 * many came meanwhile, and none waits for a timer (a lone write goes at once). Each caller's promise
 * settles with the write that carried its items.
 */
export class WriteBatches<T> {
  private waiting: Array<{ items: readonly T[]; done: (err?: unknown) => void }> = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  add(items: readonly T[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, done: (err) => (err === undefined ? resolve() : reject(err as Error)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.write(batch.flatMap((b) => b.items));
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err ?? new Error('batched write failed'));
      }
    }
    this.writing = false;
  }
}
