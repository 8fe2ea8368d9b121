import type { CommandStartedEvent, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

/** A filter branch's fields: compared for equality, or bounded by a range. */
interface Branch {
  equal: string[];
  range: string[];
}

const rangeOperators = new Set(['$gt', '$gte', '$lt', '$lte']);

function branchesOf(filter: Document): Branch[] {
  const fields = (f: Document): Branch => {
    const equal: string[] = [];
    const range: string[] = [];
    for (const [k, v] of Object.entries(f)) {
      if (k.startsWith('$')) continue;
      const ops = v && typeof v === 'object' && !(v instanceof Date) ? Object.keys(v as Document) : [];
      if (ops.length && ops.every((o) => rangeOperators.has(o))) range.push(k);
      else equal.push(k);
    }
    return { equal, range };
  };
  const top = fields(filter);
  const or = (filter.$or as Document[] | undefined) ?? [];
  if (!or.length) return [top];
  return or.map((b) => {
    const own = fields(b);
    return { equal: [...top.equal, ...own.equal], range: [...top.range, ...own.range] };
  });
}

/**
 * Bounded by an index: the fields the branch names are the first keys of one declared index (in any
 * order), so the server bounds the read on each of them and reads no other keys: not the rows of
 * other cohorts of the same weeks, which grow with a business's products, places and events.
 */
function bounded(branch: Branch, indexes: string[][]): boolean {
  const named = new Set([...branch.equal, ...branch.range]);
  return indexes.some((keys) => keys.length >= named.size && keys.slice(0, named.size).every((k) => named.has(k)));
}

describe('counter reads of a cohort family are bounded by an index', () => {
  let server: TestServer;
  const filters: Document[] = [];

  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', API_RATE_LIMIT: '100000' }, { monitorCommands: true });
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'find' && e.command.find === 'week_counts') filters.push(e.command.filter as Document);
    });
  }, 60_000);
  afterAll(() => server?.close());

  it('metrics by tag, /stats and the trend read only the cohorts and weeks they ask for', async () => {
    const { app } = server;
    const visitorId = (await app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } })).json().visitorId as string;
    await app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId: 'm1', text: '9' } });
    for (const path of ['/metrics/cohorts?kind=nps&by=tag&from=2026-01-05&to=2026-03-29', '/stats?period=90d']) {
      expect((await v1(app, envKey, 'GET', path)).statusCode, path).toBe(200);
    }
    // The reads that ask for some cohorts (a prefix, or 'all' alone), not for every cohort of the weeks.
    const chosen = filters.filter((f) => f.$or || f.cohort !== undefined);
    expect(chosen.length).toBeGreaterThanOrEqual(2);
    const model = Object.values(app.db.models).find((m) => m.collection.collectionName === 'week_counts')!;
    const indexes = model.schema.indexes().map(([keys]) => Object.keys(keys));
    const unbounded = chosen.flatMap(branchesOf).filter((b) => !bounded(b, indexes));
    expect(unbounded).toEqual([]);
  });
});
