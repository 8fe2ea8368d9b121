import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock, hours } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { say, transcript, visitor } from './web-chat.js';

describe('staff commands through the web chat', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z'); // a Tuesday, inside the 09:00-20:00 send window (UTC)
  const owner = visitor();
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', OWNER_ADDRESSES: `web:${owner}` }, { now: clock.now });
  });
  afterAll(() => server?.close());
  beforeEach(() => clock.reset());

  it('answers /help with the owner command list', async () => {
    const [help] = await say(server.app, owner, '/help');
    expect(help).toMatch(/\/survey nps\|csat\|ces/);
    expect(help).toMatch(/\/digest/);
    expect(help).toMatch(/\/staff add/);
  });

  it('answers an unknown command from an owner by pointing to /help, not with the customer text', async () => {
    expect(await say(server.app, owner, '/foo bar')).toEqual(['/foo is not a command. Send /help for the list.']);
  });

  it('sends a survey, refuses a second while it is open, and closes the loop with /reply', async () => {
    const { app } = server;
    const customer = visitor();
    const [sent] = await say(app, owner, `/survey nps web:${customer} the spring menu`);
    const surveyId = /survey ([a-f0-9]{24})/.exec(sent ?? '')?.[1];
    expect(sent).toMatch(/^NPS survey sent \(survey [a-f0-9]{24}\)\.$/);
    expect((await transcript(app, customer))[0]).toMatch(/About the spring menu: how likely/);
    expect(await say(app, owner, `/survey csat web:${customer}`)).toEqual(['Not sent: this customer had a survey recently; throttled until 2026-04-09.']);

    clock.advance(60_000);
    await say(app, customer, '4');
    clock.advance(hours(2));
    expect(await say(app, owner, `/reply ${surveyId} Sorry about the wait, the next coffee is on us`)).toEqual(['Reply sent to the customer.']);
    expect((await transcript(app, customer)).at(-1)).toBe('Sorry about the wait, the next coffee is on us');
    clock.advance(60_000);
    await say(app, owner, `/reply ${surveyId} See you soon`);

    const survey = await app.store.surveys.model.findById(surveyId).lean();
    expect(survey?.trigger).toBe('command');
    expect(survey?.replies?.map((r: { text: string }) => r.text)).toEqual(['Sorry about the wait, the next coffee is on us', 'See you soon']);
    expect(survey?.firstReplyAt?.toISOString()).toBe('2026-03-10T17:01:00.000Z');
    expect(survey?.timeToFirstReplyMs).toBe(hours(2)); // from the score to the first reply, not the second
  });

  it('says when a survey is throttled, queued for the send window, or refused because of an opt-out', async () => {
    const { app } = server;
    const customer = visitor();
    await say(app, owner, `/survey ces web:${customer}`);
    await say(app, customer, '6');
    await say(app, customer, 'SKIP');
    const { _id: customerId } = (await app.store.customers.model.findOne({ address: customer }).lean())!;
    expect(await say(app, owner, `/survey csat ${customerId.toString()}`)).toEqual(['Not sent: this customer had a survey recently; throttled until 2026-04-09.']);

    clock.advance(hours(6)); // 21:00, after the send window
    const [queued] = await say(app, owner, `/survey csat web:${visitor()}`);
    expect(queued).toMatch(/^CSAT survey queued until Wed 11 Mar, 09:00 \(UTC\), the start of the send window \(survey [a-f0-9]{24}\)\.$/);

    const optedOut = visitor();
    await say(app, optedOut, 'STOP');
    expect(await say(app, owner, `/survey nps web:${optedOut}`)).toEqual(['Not sent: this customer opted out of surveys.']);
  });

  it('answers bad arguments with what is wrong and how to fix it, then the usage line', async () => {
    const { app } = server;
    const survey = 'Usage: /survey nps|csat|ces <phone | customer id | channel:address> [context]';
    expect(await say(app, owner, '/survey nps')).toEqual([`the customer is missing: write a phone number, a customer id or channel:address\n${survey}`]);
    expect(await say(app, owner, '/survey nps 555')).toEqual([`"555" is not a phone number: write it in international format such as +14155552671\n${survey}`]);
    expect(await say(app, owner, '/survey xyz web:abc')).toEqual([`unknown survey kind "xyz": use nps, csat or ces\n${survey}`]);
    expect(await say(app, owner, '/stats 12d')).toEqual(['"12d" is not a period: use 7d, 30d or 90d\nUsage: /stats [7d|30d|90d]']);
    // A number written as people write it is a phone number: it gets as far as the (disabled) SMS channel.
    expect(await say(app, owner, '/survey nps (415) 555-2671')).toEqual(['The sms channel is not enabled on this server, so the survey was not sent.']);
    expect(await say(app, owner, '/survey nps 6f0000000000000000000000')).toEqual([`no customer with id 6f0000000000000000000000: check the id, or write their phone number or channel:address\n${survey}`]);
    // A customer known only from another system's events has no address to survey.
    await app.store.customers.ensureMany([{ businessId: 'default', channel: 'external', address: 'id:crm-1', externalId: 'crm-1' }]);
    const [external] = await app.store.customers.findByIdentities('default', { externalIds: ['crm-1'], phones: [], emails: [] });
    expect(await say(app, owner, `/survey nps ${external!.id}`)).toEqual([`customer ${external!.id} is known only from another system's events, with no phone or chat: write their phone number or channel:address\n${survey}`]);
    expect(await say(app, owner, '/reply 6f0000000000000000000000 hello')).toEqual(['no survey with id 6f0000000000000000000000: copy the id from the alert\nUsage: /reply <survey id> <text>']);
  });

  it('runs a command once when the same message is delivered twice', async () => {
    const { app } = server;
    const customer = visitor();
    await say(app, owner, `/survey nps web:${customer}`, 'dup-1');
    expect(await say(app, owner, `/survey nps web:${customer}`, 'dup-1')).toEqual([]);
    expect(await app.store.surveys.model.countDocuments({ address: customer })).toBe(1);
  });

  it('reports /stats from the rollups', async () => {
    const { app } = server;
    const [stats] = await say(app, owner, '/stats 7d');
    // So far this week: 2 NPS sent, one scored 4 (a detractor) and one still waiting, so none abandoned;
    // one CES 6 (easy) skipped its comment; one CSAT queued for the send window, waiting.
    expect(stats).toBe(
      [
        'Last 7 days (weeks from 2026-03-02):',
        'NPS -100 ±0 (n=1); sent 2, response rate 50%, abandonment 0%',
        'CSAT - (n=0); sent 1, response rate 0%, abandonment 0%',
        'CES 100% easy ±0 (n=1, mean 6/7); sent 1, response rate 100%, abandonment 0%',
      ].join('\n'),
    );
  });

  it('lets an owner add staff, who get the staff commands only', async () => {
    const { app } = server;
    const clerk = visitor();
    expect(await say(app, owner, `/staff add web:${clerk}`)).toEqual([`Added web:${clerk} as staff.`]);
    expect(await say(app, owner, `/staff add web:${clerk}`)).toEqual([`web:${clerk} is already staff.`]);
    const [help] = await say(app, clerk, '/help');
    expect(help).toMatch(/\/survey/);
    expect(help).not.toMatch(/\/digest|\/staff/);
    expect(await say(app, clerk, '/digest')).toEqual(['Only an owner can use /digest.']);
    expect(await say(app, clerk, `/staff add web:${visitor()} owner`)).toEqual(['Only an owner can use /staff.']);
  });
});

describe('commands from people who are not staff', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0' }, { now: clock.now });
  });
  afterAll(() => server?.close());

  it('get the customer help text and nothing happens', async () => {
    const { app } = server;
    const stranger = visitor();
    const target = visitor();
    for (const text of [`/survey nps web:${target}`, '/stats', '/digest', `/staff add web:${stranger} owner`]) {
      expect(await say(app, stranger, text)).toEqual(['Our shop sends short feedback surveys here. Answering is optional. Reply SKIP to skip a question, STOP to opt out.']);
    }
    expect(await app.store.surveys.model.countDocuments({})).toBe(0);
    expect(await app.store.staff.staff.countDocuments({})).toBe(0);
  });

  it('can claim ownership once with the code, which is stored hashed', async () => {
    const { app } = server;
    const code = await (await app.businesses.get('default'))!.staff.issueOwnerCode();
    expect(code).toMatch(/^[a-z]{10}$/);
    const claim = await app.store.staff.ownerCodes.findOne({}).lean();
    expect(JSON.stringify(claim)).not.toContain(code);

    const first = visitor();
    expect(await say(app, first, '/claim wrongcode')).toEqual(['That code is not valid or was already used.']);
    expect(await say(app, first, `/claim ${code}`)).toEqual(['You are now the owner of Our shop. Send /help for the commands.']);
    expect(await say(app, visitor(), `/claim ${code}`)).toEqual(['That code is not valid or was already used.']);
    expect((await say(app, first, '/help'))[0]).toMatch(/\/digest/);
    expect(await (await app.businesses.get('default'))!.staff.issueOwnerCode()).toBeUndefined(); // an owner exists: no new code
  });
});
