import { Types } from 'mongoose';
import type { AnyModel } from './model.js';
import type { WriteGuard } from './write-guard.js';

/**
 * Reply receipts (a survey's `pendingReply` cleared once the adapter delivered the replies to that
 * message), written through the driver's collection: no mongoose casting on the hot path. On
 * MongoDB the receipts that arrive while one write is under way go together in the next, one bulk
 * write (one round trip for however many replies were answered meanwhile); each caller still waits
 * for its own. The FerretDB guard writes one document at a time, so there each goes on its own.
 */
export class ReplyReceipts {
  private waiting: Array<{ id: string; messageId: string; done: (err?: unknown) => void }> = [];
  private writing = false;

  constructor(
    private readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  confirm(id: string, messageId: string): Promise<void> {
    if (this.guard.server !== 'mongodb') return this.guard.single({ collection: 'surveys', id }, () => this.write([{ id, messageId }]));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ id, messageId, done: (err) => (err === undefined ? resolve() : reject(err as Error)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.write(batch);
        for (const r of batch) r.done();
      } catch (err) {
        for (const r of batch) r.done(err ?? new Error('reply receipt not written'));
      }
    }
    this.writing = false;
  }

  private async write(receipts: ReadonlyArray<{ id: string; messageId: string }>): Promise<void> {
    const filter = (r: { id: string; messageId: string }) => ({ _id: new Types.ObjectId(r.id), 'pendingReply.messageId': r.messageId });
    if (receipts.length === 1) await this.model.collection.updateOne(filter(receipts[0]!), { $unset: { pendingReply: 1 } });
    else await this.model.collection.bulkWrite(receipts.map((r) => ({ updateOne: { filter: filter(r), update: { $unset: { pendingReply: 1 } } } })), { ordered: false });
  }
}
