import { Types } from 'mongoose';
import type { AnyModel } from './model.js';
import type { WriteGuard } from './write-guard.js';
import { Batches } from './write-batches.js';

interface Receipt {
  id: string;
  messageId: string;
}

/**
 * Reply receipts (a survey's `pendingReply` cleared once the adapter delivered the replies to that
 * message), written through the driver's collection: no mongoose casting on the hot path. On
 * MongoDB the receipts that arrive while one write is under way go together in the next, one bulk
 * write (one round trip for however many replies were answered meanwhile); each caller still waits
 * for its own. The FerretDB guard writes one document at a time, so there each goes on its own.
 */
export class ReplyReceipts {
  private readonly batches = new Batches<Receipt>((receipts) => this.write(receipts));

  constructor(
    private readonly model: AnyModel,
    private readonly guard: WriteGuard,
  ) {}

  confirm(id: string, messageId: string): Promise<void> {
    if (this.guard.server !== 'mongodb') return this.guard.single({ collection: 'surveys', id }, () => this.write([{ id, messageId }]));
    return this.batches.add([{ id, messageId }]);
  }

  private async write(receipts: readonly Receipt[]): Promise<void> {
    const filter = (r: Receipt) => ({ _id: new Types.ObjectId(r.id), 'pendingReply.messageId': r.messageId });
    if (receipts.length === 1) await this.model.collection.updateOne(filter(receipts[0]!), { $unset: { pendingReply: 1 } });
    else await this.model.collection.bulkWrite(receipts.map((r) => ({ updateOne: { filter: filter(r), update: { $unset: { pendingReply: 1 } } } })), { ordered: false });
  }
}
