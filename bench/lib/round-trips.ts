/**
 * Database round trips per reply, counted on the wire (a proxy between the server and the
 * database), one reply at a time, with whatever the reply set going in the background (receipts,
 * owner alerts) included. The commands of one reply per channel, kind and band are kept, so the
 * floor can replay exactly them for other customers.
 */
import { BSON, ObjectId, type Document } from 'mongodb';
import { httpRequest, is2xx } from '../../test/faults/http.js';
import { bands, replyRequest, type Band, type Channel, type Customer, type ReplyKind } from './customers.js';
import type { WireProxy } from '../../test/helpers/wire-proxy.js';

export interface RecordedReply {
  customer: Customer;
  messageId: string;
  commands: Document[];
}

export interface RoundTrips {
  /** Mean commands per reply over every band, and per band. */
  perReply: number;
  perBand: Record<Band, number>;
  /** The command names of one reply of each band, in order. */
  sequence: Record<Band, string[]>;
  /** Replies whose first command did not name their customer (another reply's late work counted in): must be 0. */
  suspect: number;
}

const templateKey = (channel: Channel, kind: ReplyKind, band: Band) => `${channel}:${kind}:${band}`;

export async function countReplies(
  serverUrl: string,
  proxy: WireProxy,
  customers: Customer[],
  kind: ReplyKind,
  serviceUrl: string,
  recorded: Map<string, RecordedReply>,
): Promise<RoundTrips> {
  const perBand = new Map<Band, number[]>();
  const sequence = {} as Record<Band, string[]>;
  let suspect = 0;
  proxy.recording(true);
  for (const customer of customers) {
    const request = replyRequest(customer, kind, serviceUrl);
    await proxy.quiet(150);
    proxy.take();
    // Generous: on FerretDB beside 10,000 stored surveys one reply takes seconds (its lookups scan).
    const res = await httpRequest('POST', `${serverUrl}${request.path}`, { headers: request.headers, body: request.body, timeoutMs: 180_000 });
    if (!is2xx(res)) throw new Error(`${customer.channel} ${kind} reply: ${JSON.stringify(res).slice(0, 300)}`);
    // What the reply set going after its answer (a receipt, owner alerts) belongs to it too: wait
    // until nothing more arrives for a while (owner alerts run after the answer, on a busy machine late).
    await proxy.quiet(150);
    const commands = proxy.take();
    if (!commands[0] || !JSON.stringify(BSON.EJSON.serialize(commands[0].doc ?? {})).includes(customer.address)) suspect++;
    perBand.set(customer.band, [...(perBand.get(customer.band) ?? []), commands.length]);
    sequence[customer.band] = commands.map((c) => c.name);
    // The last of each band is the steady state (counters exist): the one the floor replays.
    recorded.set(templateKey(customer.channel, kind, customer.band), { customer, messageId: request.messageId, commands: commands.map((c) => c.doc!) });
  }
  proxy.recording(false);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const all = [...perBand.values()].flat();
  return {
    perReply: mean(all),
    perBand: Object.fromEntries(bands.map(({ band }) => [band, mean(perBand.get(band) ?? [])])) as Record<Band, number>,
    sequence,
    suspect,
  };
}

/** Session and routing fields the driver adds to every command; the replaying driver adds its own. */
const driverFields = new Set(['lsid', '$db', '$clusterTime', 'txnNumber', '$readPreference', 'autocommit', 'startTransaction', 'apiVersion', 'apiStrict', 'apiDeprecationErrors']);

function swap(value: unknown, strings: Array<[string, string]>, ids: Map<string, string>, freshIds: boolean): unknown {
  if (typeof value === 'string') return strings.reduce((s, [from, to]) => (s.includes(from) ? s.split(from).join(to) : s), value);
  if (value instanceof ObjectId) {
    const mapped = ids.get(value.toHexString());
    if (mapped) return new ObjectId(mapped);
    return freshIds ? new ObjectId() : value;
  }
  if (Array.isArray(value)) return value.map((v) => swap(v, strings, ids, freshIds));
  if (value && typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v, strings, ids, freshIds)]));
  }
  return value;
}

/**
 * The recorded commands of a reply, rewritten for another customer: its survey, customer, address
 * and message id instead of the recorded one's; documents an `insert` creates get new ids.
 */
export function commandsFor(recorded: Map<string, RecordedReply>, target: Customer, kind: ReplyKind, messageId: string): Document[] {
  const template = recorded.get(templateKey(target.channel, kind, target.band));
  if (!template) throw new Error(`no recorded ${kind} reply of a ${target.band} on ${target.channel}`);
  const from = template.customer;
  const strings: Array<[string, string]> = [
    [from.surveyId, target.surveyId],
    [from.customerId, target.customerId],
    [from.address, target.address],
    [template.messageId, messageId],
  ];
  if (from.channel === 'teams') strings.push([from.address.replace(/-/g, ''), target.address.replace(/-/g, '')], [from.teamsUserId!, target.teamsUserId!]);
  const ids = new Map([
    [from.surveyId, target.surveyId],
    [from.customerId, target.customerId],
  ]);
  return template.commands.map((command) => {
    const name = Object.keys(command)[0]!;
    const kept = Object.fromEntries(Object.entries(command).filter(([k]) => !driverFields.has(k)));
    return swap(kept, strings, ids, name === 'insert') as Document;
  });
}
