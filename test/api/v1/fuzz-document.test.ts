import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployment, operatorScope, type KeyScope } from '../../../src/store/index.js';
import type { TestServer } from '../../helpers/build.js';
import { buildV1Server, makeKey } from './v1-server.js';

const run = promisify(execFile);

/**
 * Where the server refuses a request the document calls valid, for a rule JSON Schema cannot say:
 * a phone number that is no real number of its country, a time zone that is not in the IANA
 * database, a text that is blank once trimmed, a webhook URL that is not https to a public host, a CSV text that does not parse,
 * a survey message that is no valid ICU MessageFormat or names an unknown placeholder, and
 * rules across fields (`from` before `to`, the longest period). Each answers 400 naming the field.
 */
const semanticRefusals: Array<[method: string, path: string]> = [
  ['POST', '/api/v1/surveys'],
  ['POST', '/api/v1/staff'],
  ['POST', '/api/v1/invitations'],
  ['POST', '/api/v1/events'],
  ['PATCH', '/api/v1/business'],
  ['POST', '/api/v1/webhooks'],
  ['GET', '/api/v1/metrics'],
  ['GET', '/api/v1/metrics/cohorts'],
  ['GET', '/api/v1/metrics/refused-answers'],
  ['GET', '/api/v1/insights/drops'],
  ['GET', '/api/v1/insights/themes'],
  ['GET', '/api/v1/insights/segments'],
  ['DELETE', '/api/v1/staff/{channel}/{address}'],
  ['POST', '/api/v1/api-keys'],
  ['POST', '/api/v1/surveys/import'],
  ['PUT', '/api/v1/content/{kind}/{locale}'],
  ['POST', '/api/v1/content/{kind}/{locale}/preview'],
  // A business's time zone and send window, its Teams app's rules; an id taken (409) or none stored (404).
  ['POST', '/api/v1/businesses'],
  ['PATCH', '/api/v1/businesses/{id}'],
];

interface Report {
  test_cases: { generated: number; with_failures: number };
  failures: Array<{ code: string; title: string; count: number; operations: string[] }>;
  errors: Array<{ title: string; count: number }>;
  operations: { total: number; tested: number };
}

/**
 * Schemathesis (property-based, from the served document) against the API on loopback, with every
 * check: no 5xx, every response as documented (status, content type, headers, body schema),
 * schema-valid requests accepted and invalid ones refused, 405 with `Allow` for undocumented
 * methods, auth never ignored. Each operation is called with a key of the scope its description
 * names; admin operations on the second business, so a key they revoke is never one the others use.
 */
describe('the OpenAPI document against the server (Schemathesis)', () => {
  let server: TestServer;
  let dir: string;
  let st: string;
  let base: string;
  const keys = {} as Record<KeyScope, string>;

  beforeAll(async () => {
    st = (await run('bash', ['test/helpers/install-schemathesis.sh'], { timeout: 280_000 })).stdout.trim();
    server = await buildV1Server({ API_RATE_LIMIT: '1000000' });
    for (const scope of ['surveys:read', 'surveys:write', 'export'] as const) keys[scope] = await makeKey(server.app, 'default', [scope], `fuzz ${scope}`);
    keys.admin = await makeKey(server.app, 'second', ['admin'], 'fuzz admin');
    keys.operator = await makeKey(server.app, deployment, [operatorScope], 'fuzz operator');
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'schemathesis-'));
  });
  afterAll(async () => {
    await server?.close();
    // FUZZ_REPORT=1 keeps the reports (with a HAR of every request) and prints where.
    if (dir && !process.env.FUZZ_REPORT) await rm(dir, { recursive: true, force: true });
    else if (dir) console.log(`Schemathesis reports: ${dir}`);
  });

  it('finds no server error and no response unlike its document', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as { paths: Record<string, Record<string, { description?: string }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), scope: /Scope: ([\w:]+)\./.exec(op.description ?? '')?.[1] as KeyScope | undefined })));
    expect(operations.filter((o) => !o.scope || !keys[o.scope])).toEqual([]);
    // One survey and its customer, started as a client would, so the reads of one record answer 200 too.
    const seeded = await server.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': keys['surveys:write'] }, payload: { kind: 'nps', channel: 'web', address: 'v_fuzz', name: 'Ana' } });
    const surveyId = seeded.json().surveyId as string;
    const read = await server.app.inject({ method: 'GET', url: `/api/v1/surveys/${surveyId}`, headers: { 'x-api-key': keys['surveys:read'] } });
    const ids: Record<string, string> = { 'GET /api/v1/surveys/{id}': surveyId };
    for (const op of ['GET /api/v1/customers/{id}', 'PATCH /api/v1/customers/{id}', 'GET /api/v1/customers/{id}/export', 'GET /api/v1/customers/{id}/timeline']) ids[op] = read.json().customerId as string;
    const toml = operations.map(({ path, method, scope }) => {
      // One filter (several are alternatives): the operation's name.
      const lines = ['[[operations]]', `include-name = "${method} ${path}"`, `headers = { "x-api-key" = "${keys[scope!]}" }`];
      if (ids[`${method} ${path}`]) lines.push(`parameters = { "path.id" = "${ids[`${method} ${path}`]}" }`);
      if (semanticRefusals.some(([m, p]) => m === method && p === path)) lines.push('checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "429"]');
      // Revoking the ids other answers showed would revoke the keys this run calls with: random ids only.
      if (method === 'DELETE' && path === '/api/v1/api-keys/{id}') lines.push('phases.stateful.enabled = false', 'phases.fuzzing.extra-data-sources.responses = false');
      return lines.join('\n');
    });
    await writeFile(join(dir, 'schemathesis.toml'), `${toml.join('\n\n')}\n`);

    const args = ['--config-file', join(dir, 'schemathesis.toml'), 'run', `${base}/api/docs/json`, '--url', base, '--checks', 'all', '--max-examples', '8', '--workers', '1', '--seed', process.env.FUZZ_SEED ?? '20261205', '--generation-with-security-parameters', 'false', '--generation-database', 'none', '--no-color', '--report', process.env.FUZZ_REPORT ? 'json,har' : 'json', '--report-dir', dir];
    const started = Date.now();
    const result = await run(st, args, { cwd: dir, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, out: `${err.stdout ?? ''}\n${err.stderr ?? ''}` }),
    );
    const reportFile = (await readdir(dir)).find((f) => f.startsWith('json-'));
    expect(reportFile, result.out.slice(-3000)).toBeDefined();
    const report = JSON.parse(await readFile(join(dir, reportFile!), 'utf8')) as Report;
    const failures = report.failures.map((f) => `${f.code} ${f.title} ×${f.count}: ${f.operations.join(', ')}`);
    console.log(`OpenAPI fuzzing: operations ${report.operations.tested} of ${report.operations.total}, requests ${report.test_cases.generated}, failing ${report.test_cases.with_failures}, errors ${report.errors.length}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(failures, result.out.slice(-6000)).toEqual([]);
    expect(report.errors, result.out.slice(-6000)).toEqual([]);
    expect(report.operations.tested).toBe(operations.length);
    expect(result.code, result.out.slice(-3000)).toBe(0);
  }, 300_000);
});
