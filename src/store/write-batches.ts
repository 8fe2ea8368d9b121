/**
 * Writes (or reads) that arrive while one is under way go together in the next: one round trip for
 * however many came meanwhile, and none waits for a timer (a lone one goes at once). Each caller's
 * promise settles with the round trip that carried its items, and gets its result.
 */
export class Batches<T, R = void> {
  private waiting: Array<{ items: readonly T[]; done: (result: R | undefined, err?: unknown) => void }> = [];
  private running = false;

  constructor(private readonly run: (items: T[]) => Promise<R>) {}

  add(items: readonly T[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ items, done: (result, err) => (err === undefined ? resolve(result as R) : reject(err as Error)) });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.waiting.length) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const result = await this.run(batch.flatMap((b) => b.items));
        for (const b of batch) b.done(result);
      } catch (err) {
        for (const b of batch) b.done(undefined, err ?? new Error('batched round trip failed'));
      }
    }
    this.running = false;
  }
}

/**
 * Reads by id gathered as `Batches` gathers writes: one `$in` read for the calls that came while one
 * was under way. Each caller gets what was there when its batch was read, never older than its call.
 */
export class ReadBatches<V> {
  private readonly batches: Batches<string, Map<string, V>>;

  constructor(read: (ids: string[]) => Promise<Map<string, V>>) {
    this.batches = new Batches((ids) => read([...new Set(ids)]));
  }

  async get(id: string): Promise<V | undefined> {
    return (await this.batches.add([id])).get(id);
  }
}
