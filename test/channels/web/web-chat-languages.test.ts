import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';

describe('web chat in Arabic and Portuguese', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server.close());
  const post = (url: string, payload: object) => server.app.inject({ method: 'POST', url, payload });
  const texts = (r: { json(): { replies: Array<{ text: string; dir?: string }> } }) => r.json().replies.map((m) => [m.text, m.dir]);

  it('Arabic: right to left, Arab-Indic buttons, a score in words, a comment', async () => {
    const page = await server.app.inject('/chat');
    expect(page.body).toContain('<option value="ar">العربية</option>');
    const opened = await post('/chat/api/visitors', { kind: 'csat', locale: 'ar' });
    const { visitorId, question } = opened.json();
    expect(question[0]).toMatchObject({ dir: 'rtl', text: 'مرحبًا! ما مدى رضاك عن Our shop؟ أجب برقم من ١ إلى ٥ (١ = غير راضٍ إطلاقًا، ٥ = راضٍ جدًا)' });
    expect(question[0].choices.map((c: { label: string }) => c.label).join(' ')).toMatch(/^١\D.*٥\D/u);
    clock.advance(10_000);
    const scored = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'a', text: 'أربعة' });
    expect(texts(scored)).toEqual([['يسعدنا ذلك! ما الذي أعجبك أكثر؟ أرسل «تخطي» إن أردت تجاوز السؤال.', 'rtl']]);
    clock.advance(10_000);
    const done = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'b', text: 'الموظفون لطفاء' });
    expect(texts(done)).toEqual([['شكرًا لك! يسعدنا أن تجربتك مع Our shop كانت جيدة.', 'rtl']]);
    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean();
    expect(survey).toMatchObject({ kind: 'csat', locale: 'ar', state: 'completed', score: 4, comment: 'الموظفون لطفاء' });
  });

  it('Portuguese: "nove de 10", then PULAR skips the comment', async () => {
    const { visitorId, question } = (await post('/chat/api/visitors', { kind: 'nps', locale: 'pt' })).json();
    expect(question[0].text).toBe('Olá! De 0 a 10, qual a chance de você recomendar Our shop a um amigo ou colega? (0 = nada provável, 10 = muito provável)');
    clock.advance(10_000);
    const scored = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'a', text: 'nove de 10' });
    expect(texts(scored)).toEqual([['Que bom! Do que você mais gostou? Responda PULAR para pular.', undefined]]);
    clock.advance(10_000);
    await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'b', text: 'PULAR' });
    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean();
    expect(survey).toMatchObject({ kind: 'nps', locale: 'pt', state: 'completed', score: 9 });
    expect(survey?.comment).toBeUndefined();
  });
});
