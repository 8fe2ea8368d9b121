import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import type { TestServer } from '../helpers/build.js';
import { buildV1Server, envKey, makeKey, v1 } from '../api/v1/v1-server.js';

const clock = new TestClock('2026-03-10T12:00:00Z');
const publicUrl = 'https://survey.example.test';
let server: TestServer;

beforeAll(async () => {
  server = await buildV1Server({ PUBLIC_URL: publicUrl }, clock);
});
afterAll(() => server?.close());

const counter = { kind: 'nps', locale: 'es', label: 'Counter, Main Street', location: 'Main Street', staff: 'Ana', product: 'Coffee', campaign: 'spring' };
const make = async (body: object = counter, key = envKey) => v1(server.app, key, 'POST', '/links', body);
const open = (code: string) => server.app.inject(`/s/${code}`);
const startVisitor = (business: string, link: string) => server.app.inject({ method: 'POST', url: `/b/${business}/chat/api/visitors`, payload: { link } });
const answer = (visitorId: string, messageId: string, text: string) => server.app.inject({ method: 'POST', url: `/b/default/chat/api/visitors/${visitorId}/messages`, payload: { messageId, text } });
const cohorts = async (by: string) => (await v1(server.app, envKey, 'GET', `/metrics/cohorts?kind=nps&by=${by}&from=2026-03-09&to=2026-03-15`)).json().periods[0].groups.map((g: { group: string; n: number; score: number }) => [g.group, g.n, g.score]);

describe('survey links through /api/v1/links and /s/<code>', () => {
  it('makes an unguessable link with an admin key only, and refuses bad input with the field named', async () => {
    const res = await make();
    expect(res.statusCode, res.body).toBe(201);
    const link = res.json();
    expect(link.code).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(link).toMatchObject({ url: `${publicUrl}/s/${link.code}`, qr: { png: `${publicUrl}/s/${link.code}/qr.png` }, state: 'active', kind: 'nps', locale: 'es', location: 'Main Street', staff: 'Ana', numbers: { opened: 0, started: 0, answered: 0, score: null } });
    // Codes are drawn at random: no two alike, no sequence.
    const codes = new Set(await Promise.all(Array.from({ length: 20 }, async () => (await make({ kind: 'csat' })).json().code)));
    expect(codes.size).toBe(20);

    const reader = await makeKey(server.app, 'default', ['surveys:read']);
    expect((await make(counter, reader)).statusCode).toBe(403);
    expect((await v1(server.app, reader, 'GET', `/links/${link.code}`)).statusCode).toBe(200);
    const bad = await make({ kind: 'stars', shop: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['kind', 'shop']);
    expect((await make({ kind: 'nps', location: { $gt: '' } })).statusCode).toBe(400);
    // A moment is an ISO 8601 string, as the document says; nothing else is read as a date.
    for (const expiresAt of [{}, 0, 'tomorrow']) expect((await make({ kind: 'nps', expiresAt })).json().errors, JSON.stringify(expiresAt)).toEqual([{ field: 'expiresAt', message: expect.stringContaining('ISO 8601') }]);
    expect((await make({ kind: 'nps', expiresAt: '2026-06-30' })).json().expiresAt).toBe('2026-06-30T00:00:00.000Z');
  });

  it("opens the web chat with the link's context: counted opened with no survey stored, then the answer counts under its location, staff member, campaign and link", async () => {
    const { code } = (await make()).json();
    const page = await open(code);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-link="${code}"`);
    expect(page.body).toContain('<base href="/b/default/">');
    expect(page.headers['cache-control']).toBe('no-store');
    await open(code);
    expect(await server.app.store.surveys.model.countDocuments({ 'context.link': code })).toBe(0);
    expect((await v1(server.app, envKey, 'GET', `/links/${code}`)).json().numbers).toMatchObject({ opened: 2, started: 0 });

    const started = await startVisitor('default', code);
    expect(started.statusCode, started.body).toBe(201);
    const { visitorId } = started.json();
    // The chat is open with the link's question; the survey starts at the first answer.
    expect(await server.app.store.surveys.model.countDocuments({ address: visitorId })).toBe(0);
    clock.advance(60_000);
    expect((await answer(visitorId, 'a', '9')).statusCode).toBe(200);
    const survey = await server.app.store.surveys.model.findOne({ address: visitorId }).lean();
    expect(survey).toMatchObject({ kind: 'nps', locale: 'es', trigger: 'web', tags: ['spring'], context: { location: 'Main Street', staff: 'Ana', product: 'Coffee', link: code } });

    expect(await cohorts('location')).toContainEqual(['Main Street', 1, 100]);
    expect(await cohorts('staff')).toContainEqual(['Ana', 1, 100]);
    expect(await cohorts('product')).toContainEqual(['Coffee', 1, 100]);
    expect(await cohorts('tag')).toContainEqual(['spring', 1, 100]);
    expect(await cohorts('link')).toContainEqual([code, 1, 100]);
    const numbers = (await v1(server.app, envKey, 'GET', `/links/${code}`)).json().numbers;
    expect(numbers).toEqual({ opened: 2, started: 1, answered: 1, score: 100, marginOfError: expect.any(Number), averageScore: 9 });
    // The list gives the same numbers.
    const listed = (await v1(server.app, envKey, 'GET', '/links')).json().items.find((l: { code: string }) => l.code === code);
    expect(listed.numbers).toEqual(numbers);
  });

  it('pauses, resumes, expires and deletes a link: a friendly page with 410 or 404, and no survey starts through it', async () => {
    const { code } = (await make()).json();
    // An empty change reads the link as it is (the document allows it).
    expect((await v1(server.app, envKey, 'PATCH', `/links/${code}`, {})).json()).toMatchObject({ code, state: 'active' });
    const paused = await v1(server.app, envKey, 'PATCH', `/links/${code}`, { paused: true });
    expect(paused.json().state).toBe('paused');
    const page = await open(code);
    expect(page.statusCode).toBe(410);
    // In the link's language (Spanish), as its chat would be.
    expect(page.body).toMatch(/<html lang="es" dir="ltr">[\s\S]*Encuesta en pausa/);
    expect((await startVisitor('default', code)).statusCode).toBe(410);

    expect((await v1(server.app, envKey, 'PATCH', `/links/${code}`, { paused: false })).json().state).toBe('active');
    expect((await open(code)).statusCode).toBe(200);

    await v1(server.app, envKey, 'PATCH', `/links/${code}`, { expiresAt: new Date(clock.now().getTime() + 3_600_000).toISOString() });
    expect((await open(code)).statusCode).toBe(200);
    clock.advance(3_600_000);
    expect((await v1(server.app, envKey, 'GET', `/links/${code}`)).json().state).toBe('expired');
    expect((await open(code)).body).toMatch(/Encuesta terminada/);
    expect((await startVisitor('default', code)).statusCode).toBe(410);
    expect(await server.app.store.surveys.model.countDocuments({ 'context.link': code })).toBe(0);

    expect((await v1(server.app, envKey, 'DELETE', `/links/${code}`)).statusCode).toBe(204);
    expect((await open(code)).statusCode).toBe(404);
    expect((await v1(server.app, envKey, 'DELETE', `/links/${code}`)).statusCode).toBe(404);
    expect((await v1(server.app, envKey, 'PATCH', `/links/${code}`, {})).statusCode).toBe(404);
    expect((await v1(server.app, envKey, 'PATCH', `/links/${code}`, { paused: 'yes' })).statusCode).toBe(400);
  });

  it("answers 404 for an unknown or malformed code, and for a link used through another business's chat", async () => {
    expect((await open('AAAAAAAAAAAA')).statusCode).toBe(404);
    const odd = await open('..%2F..%2Fetc');
    expect(odd.statusCode).toBe(404);
    expect(odd.body).toMatch(/does not exist/);
    const { code } = (await make()).json();
    expect((await startVisitor('second', code)).statusCode).toBe(404);
    expect((await startVisitor('default', 'not-a-code!')).statusCode).toBe(400);
    // Another business's key sees none of it.
    const theirs = await makeKey(server.app, 'second', ['admin', 'surveys:read']);
    expect((await v1(server.app, theirs, 'GET', `/links/${code}`)).statusCode).toBe(404);
    expect((await v1(server.app, theirs, 'PATCH', `/links/${code}`, { paused: true })).statusCode).toBe(404);
    expect((await v1(server.app, theirs, 'GET', '/links')).json().items).toEqual([]);
  });
});
