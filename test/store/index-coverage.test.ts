import type { CommandStartedEvent, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

/** Collections that grow with use: every query on them must be served by a declared index. */
const growing = new Set(['surveys', 'customers', 'outbox', 'inbound', 'events', 'webhook_deliveries', 'web_transcripts', 'week_counts', 'week_analyses', 'digests', 'invitations', 'teams_conversations', 'web_sessions', 'answer_limits', 'survey_links', 'media']);

interface Shape {
  collection: string;
  command: string;
  filter: string[];
  sort: string[];
  /** A query with a limit reads its first documents in sort order: only an index that holds the whole sort finds them without reading every match. */
  limited: boolean;
}

// The driver passes a sort as a Map.
const keysOf = (sort: Document | Map<string, unknown> | undefined) => (sort instanceof Map ? [...sort.keys()] : Object.keys(sort ?? {}));

/** The fields a filter constrains, one list per `$or` branch (each branch must be served on its own). */
function branches(filter: Document | undefined): string[][] {
  const top = Object.keys(filter ?? {}).filter((k) => !k.startsWith('$'));
  const or = (filter?.$or as Document[] | undefined) ?? [];
  return or.length ? or.map((b) => [...top, ...branches(b).flat()]) : [top];
}

/** The query shapes of one command (find, aggregate's `$match`, each update or delete, findAndModify, count). */
function shapesOf(e: CommandStartedEvent): Shape[] {
  const c = e.command;
  const collection = String(c[e.commandName]);
  const shape = (filter: Document | undefined, sort?: Document, limited = false) => branches(filter).map((f) => ({ collection, command: e.commandName, filter: [...new Set(f)], sort: keysOf(sort), limited }));
  switch (e.commandName) {
    case 'find':
      return shape(c.filter, c.sort, c.limit !== undefined && c.limit !== 0);
    case 'aggregate':
      return shape((c.pipeline as Document[])[0]?.$match);
    case 'count':
      return shape(c.query);
    case 'findAndModify':
      return shape(c.query, c.sort);
    case 'update':
      return (c.updates as Document[]).flatMap((u) => shape(u.q));
    case 'delete':
      return (c.deletes as Document[]).flatMap((d) => shape(d.q));
    default:
      return [];
  }
}

interface DeclaredIndex {
  keys: string[];
  unique: boolean;
}

/**
 * Served: the filter names `_id` or every key of a unique index (one document at most), or some
 * index's first keys are all filter fields and, when the query sorts, its sort keys come in that
 * index right after some of those first keys (a trailing `_id` tie-break aside, unless the query
 * has a limit), so neither the match nor the sort reads the whole collection.
 */
function served(shape: Shape, indexes: DeclaredIndex[]): boolean {
  if (shape.filter.includes('_id') && !shape.sort.length) return true;
  if (indexes.some((i) => i.unique && i.keys.every((k) => shape.filter.includes(k)))) return true;
  const sort = !shape.limited && shape.sort.length > 1 && shape.sort.at(-1) === '_id' ? shape.sort.slice(0, -1) : shape.sort;
  return indexes.some(({ keys }) => {
    let prefix = 0;
    while (prefix < keys.length && shape.filter.includes(keys[prefix]!)) prefix++;
    if (!sort.length) return prefix > 0;
    for (let at = 0; at <= prefix; at++) if (sort.every((k, i) => keys[at + i] === k)) return true;
    return false;
  });
}

describe('every query on a growing collection is served by a declared index', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  const shapes = new Map<string, Shape>();

  beforeAll(async () => {
    const env = { WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', API_RATE_LIMIT: '100000', OWNER_ADDRESSES: 'web:v_owner' };
    server = await buildTestServer(env, { now: clock.now, monitorCommands: true });
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      for (const s of shapesOf(e)) if (growing.has(s.collection)) shapes.set(`${s.collection} ${s.command} {${s.filter.join(', ')}} sort {${s.sort.join(', ')}}`, s);
    });
  }, 60_000);
  afterAll(() => server?.close());

  it('through a week of surveys, reports, exports, erasure and the sweeps', { timeout: 120_000 }, async () => {
    const { app } = server;
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });
    await v1(app, envKey, 'POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['survey.scored', 'survey.completed', 'customer.opted_out', 'detractor.alert'] });
    const visitors: string[] = [];
    for (const [i, answer] of ['3', '9', 'STOP', '7'].entries()) {
      const visitorId = (await post('/chat/api/visitors', { kind: 'nps' })).json().visitorId as string;
      visitors.push(visitorId);
      await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: `m${i}a`, text: answer });
      if (answer !== 'STOP') await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: `m${i}b`, text: 'the kettle was slow to arrive' });
      await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: `m${i}a`, text: answer }); // a redelivery
    }
    await v1(app, envKey, 'POST', '/surveys', { kind: 'csat', channel: 'web', address: 'v_unanswered', tags: ['vip'] });
    // A survey link: made, opened, answered through, listed with its numbers, paused and deleted.
    const { code } = (await v1(app, envKey, 'POST', '/links', { kind: 'nps', location: 'Main Street' })).json();
    await app.inject(`/s/${code}`);
    const linkVisitor = (await post('/chat/api/visitors', { link: code })).json().visitorId as string;
    await post(`/chat/api/visitors/${linkVisitor}/messages`, { messageId: 'l1', text: '8' });
    for (const path of ['/links', `/links/${code}`]) expect((await v1(app, envKey, 'GET', path)).statusCode, path).toBe(200);
    await v1(app, envKey, 'PATCH', `/links/${code}`, { paused: true });
    await v1(app, envKey, 'DELETE', `/links/${code}`);
    await v1(app, envKey, 'POST', '/events', [{ type: 'purchase', externalId: 'c-1', at: '2026-03-09', product: 'Kettle', amount: 20 }]);
    const customerId = (await app.store.surveys.latest('default', 'web', visitors[0]!))[0]!.customerId;
    for (const path of ['/surveys?limit=5', '/stats?period=30d', '/metrics?kind=nps', '/metrics/cohorts?kind=nps&by=tag&from=2026-02-01&to=2026-03-10', '/insights/drops?from=2026-01-01&to=2026-03-11', '/insights/themes?from=2026-01-01&to=2026-03-11', `/customers/${customerId}/timeline`, '/surveys/export?format=csv']) {
      expect((await v1(app, envKey, 'GET', path)).statusCode, path).toBe(200);
    }
    // The drops report's second page (its answers read after the first page's last).
    const firstPage = (await v1(app, envKey, 'GET', '/insights/drops?from=2026-01-01&to=2026-03-11&limit=1')).json();
    expect((await v1(app, envKey, 'GET', `/insights/drops?from=2026-01-01&to=2026-03-11&limit=1&after=${firstPage.page.next}`)).statusCode).toBe(200);
    await app.sweeper.sweep();
    clock.advance(25 * 3_600_000); // reminders
    await app.sweeper.sweep();
    clock.advance(2 * 86_400_000 + 15 * 3_600_000); // expiries, Monday's digest
    await app.sweeper.sweep();
    clock.advance(14 * 86_400_000); // the week closes
    await app.sweeper.sweep();
    expect((await app.inject({ method: 'GET', url: `/api/v1/customers/${customerId}/export`, headers: { 'x-api-key': envKey } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/customers/${customerId}`, headers: { 'x-api-key': envKey } })).statusCode).toBe(200);
    await app.sweeper.sweep();
    // An upload: its customers read by their addresses and upserted a group at a time, its surveys and invitations.
    const uploaded = await v1(app, envKey, 'POST', '/surveys', [visitors[2], 'v_upload_1', 'v_upload_2'].map((address) => ({ kind: 'nps', channel: 'web', address })));
    expect(uploaded.json().results.map((r: { ok: boolean; status?: string }) => r.status ?? r.ok)).toEqual(['opted_out', 'queued', 'queued']);

    const indexes = new Map<string, DeclaredIndex[]>();
    for (const model of Object.values(app.db.models)) indexes.set(model.collection.collectionName, model.schema.indexes().map(([keys, options]) => ({ keys: Object.keys(keys), unique: options?.unique === true })));
    const checked = [...shapes].sort(([a], [b]) => a.localeCompare(b));
    const unserved = checked.filter(([, s]) => !served(s, indexes.get(s.collection) ?? [])).map(([name]) => name);
    console.log(`query shapes checked (${checked.length}):\n${checked.map(([name]) => `  ${name}`).join('\n')}`);
    expect(checked.length).toBeGreaterThan(30);
    expect(unserved).toEqual([]);
  });
});
