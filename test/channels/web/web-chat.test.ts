import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';

describe('web chat end to end', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server.close());

  const post = (url: string, payload: unknown) => server.app.inject({ method: 'POST', url, payload: payload as object });

  it('opening a chat stores no survey, however often; the first answer starts one', async () => {
    const opened = [];
    for (let i = 0; i < 25; i++) opened.push(await post('/chat/api/visitors', { kind: 'csat', device: `d_${'e'.repeat(30)}${String(i).padStart(2, '0')}` }));
    expect(opened.map((r) => r.statusCode)).toEqual(Array(25).fill(201));
    // The page shows the question it was given; nothing else exists for the visitor yet.
    expect(opened[0]!.json()).toMatchObject({ status: 'opened', question: [{ text: expect.stringMatching(/satisfied/i), choices: expect.any(Array) }] });
    const db = server.app.db.db!;
    const counts = async () => [await db.collection('surveys').countDocuments({ kind: 'csat' }), await db.collection('customers').countDocuments({ channel: 'web' }), await db.collection('outbox').countDocuments({ channel: 'web' })];
    const before = await counts();
    expect(before[0]).toBe(0);
    const { visitorId } = opened[3]!.json();
    expect((await server.app.inject(`/chat/api/visitors/${visitorId}/messages`)).json().messages).toEqual([]);

    const answered = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'first', choice: '5' });
    expect(answered.statusCode).toBe(200);
    const after = await counts();
    expect(after[0]).toBe(1);
    expect(after[1]).toBe(before[1]! + 1);
    const transcript = (await server.app.inject(`/chat/api/visitors/${visitorId}/messages`)).json().messages;
    expect(transcript.map((m: { from: string }) => m.from)).toEqual(['bot', 'visitor', 'bot']);
  });

  it('open → "nine" → "fast delivery" is stored as a completed NPS 9 promoter, started at the first answer', async () => {
    const created = await post('/chat/api/visitors', { kind: 'nps' });
    expect(created.statusCode).toBe(201);
    const { visitorId, status } = created.json();
    expect(status).toBe('opened');

    clock.advance(60_000);
    const first = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'a', text: 'nine' });
    expect(first.json().replies[0].text).toMatch(/like most/i);
    clock.advance(60_000);
    await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'b', text: 'fast delivery' });

    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean();
    expect(survey).toMatchObject({ kind: 'nps', state: 'completed', score: 9, band: 'promoter', comment: 'fast delivery', trigger: 'web' });
    expect(survey?.invitedAt.toISOString()).toBe('2026-03-10T15:01:00.000Z');
    expect(survey?.answeredAt?.toISOString()).toBe('2026-03-10T15:01:00.000Z');
    expect(survey?.completedAt?.toISOString()).toBe('2026-03-10T15:02:00.000Z');
    expect((await server.app.store.outbox.invitationOf(String(survey?._id)))?.status).toBe('sent');

    const rollups = await server.app.store.rollups.model.find({ businessId: 'default', kind: 'nps', cohort: 'all' }).lean();
    // Sent counts surveys started (answered), never chats opened.
    expect(rollups).toHaveLength(1);
    expect(rollups[0]).toMatchObject({ week: '2026-03-09', sent: 1, scored: 1, completed: 1, commented: 1, scores: { 9: 1 } });
  });

  it('replaying a message id stores nothing new and sends nothing new', async () => {
    const { visitorId } = (await post('/chat/api/visitors', { kind: 'csat' })).json();
    await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'same', text: '4' });
    const replay = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'same', text: '4' });
    expect(replay.json()).toEqual({ duplicate: true, replies: [] });
    const transcript = (await server.app.inject(`/chat/api/visitors/${visitorId}/messages`)).json().messages;
    expect(transcript.map((m: { from: string }) => m.from)).toEqual(['bot', 'visitor', 'bot']);
    // The answer's own write recorded the message id on its survey, once.
    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean();
    expect(survey?.inbound).toEqual([`${visitorId}:same`]);
  });

  it('rejects malformed input with a reason', async () => {
    expect((await post('/chat/api/visitors', { kind: 'stars' })).statusCode).toBe(400);
    const bad = await post('/chat/api/visitors/not-an-id/messages', { messageId: 'x', text: 'hi' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/POST \/chat\/api\/visitors/);
    const { visitorId } = (await post('/chat/api/visitors', {})).json();
    const empty = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'y' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toBe('Write a message or choose an answer.');
    const long = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'z', text: 'x'.repeat(20_001) });
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toBe('This message is longer than 20,000 characters: shorten it and send it again.');
    const junk = await post(`/chat/api/visitors/${visitorId}/messages`, ['not', 'a', 'message']);
    expect([junk.statusCode, junk.json().message]).toEqual([400, 'The message could not be read.']);
  });

  it('serves the chat page', async () => {
    const page = await server.app.inject('/chat');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('data-testid="start-nps"');
  });

  it('cuts a long comment after a whole emoji, never between the thumb and its skin tone', async () => {
    const { visitorId } = (await post('/chat/api/visitors', { kind: 'nps' })).json();
    await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'score', text: '10' });
    const text = `${'a'.repeat(4_999)}👍🏽 thanks`;
    const res = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'comment', text });
    expect(res.json().replies[0].text).toMatch(/kept the first 5000/);
    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean();
    expect(survey?.comment).toBe('a'.repeat(4_999));
  });

  it('a button value that is no choice gets the notice and the question again, and changes nothing', async () => {
    const { visitorId } = (await post('/chat/api/visitors', { kind: 'csat' })).json();
    const res = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'tap', choice: 'abc' });
    const replies = res.json().replies as Array<{ text: string; choices?: unknown[] }>;
    expect(replies.map((r) => r.text)).toEqual(['That is not one of the choices.', expect.stringMatching(/satisfied/i)]);
    expect(replies[1]?.choices).toHaveLength(5);
    expect(await server.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean()).toMatchObject({ state: 'invited', rev: 0 });
  });
});
