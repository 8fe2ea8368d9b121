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

/**
 * Reads by id that arrive while one is under way go together in the next: one `$in` read for
 * however many came meanwhile (a lone read goes at once). Each caller gets what was there when its
 * batch was read, never older than its own call.
 */
export class ReadBatches<V> {
  private waiting: Array<{ id: string; done: (value: V | undefined, err?: unknown) => void }> = [];
  private reading = false;

  constructor(private readonly read: (ids: string[]) => Promise<Map<string, V>>) {}

  get(id: string): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      this.waiting.push({ id, done: (value, err) => (err === undefined ? resolve(value) : reject(err as Error)) });
      if (!this.reading) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.reading = true;
    while (this.waiting.length) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const found = await this.read([...new Set(batch.map((b) => b.id))]);
        for (const b of batch) b.done(found.get(b.id));
      } catch (err) {
        for (const b of batch) b.done(undefined, err ?? new Error('batched read failed'));
      }
    }
    this.reading = false;
  }
}
