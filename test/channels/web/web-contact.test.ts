/**
 * Anonymous and identified web answers: a visitor who leaves a phone number after answering joins
 * that customer's timeline, can be answered by SMS, and shows as identified in the API and the
 * dashboard; one who leaves nothing stays anonymous.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRig, type Rig } from '../../attacks/rig.js';
import { ownerDashboardPage } from '../../dashboard/owner-page.js';
import { say, visitor } from '../../staff/web-chat.js';

const owner = visitor();
const phone = '+14155550188';
let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ logLevel: 'silent', env: { OWNER_ADDRESSES: `web:${owner}` } });
});
afterAll(async () => rig?.close());

const post = (url: string, payload: unknown) => rig.app.inject({ method: 'POST', url, payload: payload as object });
/** Open a chat and give a detractor's score and comment: the visitor id and the survey's id. */
async function answered(comment: string): Promise<{ visitorId: string; surveyId: string }> {
  const { visitorId } = (await post('/chat/api/visitors', { kind: 'nps' })).json() as { visitorId: string };
  expect((await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 's', choice: '2' })).statusCode).toBe(200);
  expect((await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'c', text: comment })).statusCode).toBe(200);
  const survey = await rig.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean();
  return { visitorId, surveyId: String(survey!._id) };
}
const identity = async (surveyId: string) => ((await rig.api('GET', `/api/v1/surveys/${surveyId}`)).json() as { identity: string }).identity;

describe('a web visitor who leaves a contact', () => {
  it('is identified: joins the timeline of the customer on that phone, and a reply reaches them by SMS', async () => {
    // The phone's owner is a known SMS customer already.
    expect((await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel: 'sms', address: phone })).statusCode).toBe(201);
    const smsCustomer = await rig.app.store.customers.find({ businessId: 'default', channel: 'sms', address: phone });

    const left = await answered('The bread was stale');
    const stayed = await answered('Too slow');
    expect(await identity(left.surveyId)).toBe('anonymous');

    const early = await post(`/chat/api/visitors/${visitor()}/contact`, { contact: phone });
    expect(early.statusCode).toBe(409);
    const bad = await post(`/chat/api/visitors/${left.visitorId}/contact`, { contact: 'call me maybe' });
    expect([bad.statusCode, bad.json().message]).toEqual([400, expect.stringMatching(/phone number .* or an e-mail/)]);
    const ok = await post(`/chat/api/visitors/${left.visitorId}/contact`, { contact: '(415) 555-0188' });
    expect(ok.statusCode, ok.body).toBe(200);

    expect(await identity(left.surveyId)).toBe('identified');
    expect(await identity(stayed.surveyId)).toBe('anonymous');
    // One person: the SMS customer's timeline now holds the web answer.
    const timeline = await rig.api('GET', `/api/v1/customers/${smsCustomer!.id}/timeline`);
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect(JSON.stringify(timeline.json())).toContain('The bread was stale');

    // The dashboard tells the detractors waiting for a reply apart.
    const html = await ownerDashboardPage(rig.app, owner);
    const label = (surveyId: string) => new RegExp(`data-survey="${surveyId}">[\\s\\S]*?data-testid="identity">(\\w+)<`).exec(html)?.[1];
    expect(label(left.surveyId)).toBe('identified');
    expect(label(stayed.surveyId)).toBe('anonymous');

    // The business answers; it goes to the phone the visitor left, not to a closed browser tab.
    const sentBefore = rig.twilio.messages.length;
    const replies = await say(rig.app, owner, `/reply ${left.surveyId} Sorry about that: fresh bread on us.`);
    expect(replies.join(' ')).toMatch(/Reply sent/);
    expect(rig.twilio.messages.slice(sentBefore).map((m) => [m.to, m.body])).toEqual([[phone, 'Sorry about that: fresh bread on us.']]);
  });

  it('by e-mail: linked to everyone known by that address', async () => {
    const { visitorId, surveyId } = await answered('Nice staff');
    const res = await post(`/chat/api/visitors/${visitorId}/contact`, { contact: 'Ana@Example.com' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await identity(surveyId)).toBe('identified');
    const known = await rig.app.store.customers.findByIdentities('default', { externalIds: [], phones: [], emails: ['ana@example.com'] });
    expect(known).toHaveLength(1);
    const web = await rig.app.store.customers.find({ businessId: 'default', channel: 'web', address: visitorId });
    expect(web?.personId ?? web?.id).toBe(known[0]!.personId ?? known[0]!.id);
  });
});
