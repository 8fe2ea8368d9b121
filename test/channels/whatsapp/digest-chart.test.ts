import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionMax, createWhatsappChannel, pictureLifetimeMs } from '../../../src/channels/whatsapp/index.js';
import { hours } from '../../helpers/clock.js';
import { ferretDbUri } from '../../helpers/database.js';
import { newSid } from '../../helpers/fake-twilio.js';
import { startFakeWhatsapp } from '../../helpers/fake-whatsapp.js';
import { publicUrl, startWhatsappHarness, type WhatsappHarness } from './harness.js';

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The digest's chart on WhatsApp: inside the owner's window the digest comes with the chart as a
 * media URL under PUBLIC_URL, which the product serves without a key as a PNG until it expires (404
 * after); outside the window the owner template carries the text alone.
 */
describe.each([
  ['the test database', () => ({})],
  // What `npm start` embeds: no TTL index there, the housekeeping deletes.
  ['FerretDB', () => ({ MONGODB_URI: ferretDbUri() })],
])('WhatsApp: the weekly digest with its chart, on %s', (_name, database) => {
  const owner = '+923009990002';
  let h: WhatsappHarness;
  beforeAll(async () => {
    h = await startWhatsappHarness({ OWNER_ADDRESSES: `whatsapp:${owner}`, DIGEST_SCHEDULE: 'mon 09:00', ...database() });
    // A week with answers, so the chart has a line.
    const customer = '+923001234551';
    await h.start({ kind: 'nps', address: customer, name: 'Bilal', locale: 'en' });
    await h.fake.receive(h.app, customer, '9');
  });
  afterAll(() => h?.close());

  const fetchMedia = (url: string) => h.app.inject({ method: 'GET', url: new URL(url).pathname });

  it('inside the window the digest carries the chart as a media URL; the URL serves a PNG, then 404 after it expires', async () => {
    // Tuesday 15:00 → Monday 08:00 of the next week: the owner writes, so their window is open at 09:00.
    h.clock.advance(hours(6 * 24 + 17));
    await h.fake.receive(h.app, owner, 'hi');
    const before = h.fake.to(owner).length;
    h.clock.advance(hours(2));
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    const digest = h.fake.to(owner).slice(before);
    expect(digest.every((m) => m.kind === 'text')).toBe(true);
    const withChart = digest.filter((m) => m.mediaUrls.length > 0);
    expect(withChart).toHaveLength(1);
    expect(digest.map((m) => m.body).join('\n')).toMatch(/NPS/);
    const [url] = withChart[0]!.mediaUrls;
    // Under PUBLIC_URL, a 128-bit token and nothing else: no business, no owner, no number.
    expect(url).toMatch(new RegExp(`^${publicUrl}/media/[A-Za-z0-9_-]{22}\\.png$`));
    expect(url).not.toContain(owner.slice(1));

    const served = await fetchMedia(url!);
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['cache-control']).toMatch(/^private, max-age=\d+/);
    const png = served.rawPayload;
    expect(png.subarray(0, 8).equals(pngSignature)).toBe(true);
    // The IHDR chunk: the chart's width and height.
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([640, 400]);
    expect(png.length).toBeGreaterThan(5_000);
    const maxAge = Number(/max-age=(\d+)/.exec(String(served.headers['cache-control']))![1]);
    expect(maxAge).toBeLessThanOrEqual(pictureLifetimeMs / 1000);

    // A token one character off is not a picture.
    const other = url!.replace(/[A-Za-z0-9_-](?=\.png$)/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetchMedia(other)).statusCode).toBe(404);

    h.clock.advance(pictureLifetimeMs);
    const expired = await fetchMedia(url!);
    expect(expired.statusCode).toBe(404);
    expect(expired.json()).toMatchObject({ error: 'not_found' });
    expect(h.fake.refusals.outsideWindow).toBe(0);
    // Nor is it kept: the sweep's housekeeping deletes expired pictures (the collection holds no URL anyway).
    await h.app.sweeper.sweep();
    expect(await h.app.db.collection('media').countDocuments({ expiresAt: { $lte: h.clock.now() } })).toBe(0);
  });

  it('outside the window the digest goes through the owner template, its text alone', async () => {
    const before = h.fake.to(owner).length;
    // A week on: the owner has not written since, their window is closed.
    h.clock.advance(hours(7 * 24));
    await h.app.sweeper.sweep();
    await h.app.sweeper.sweep();
    const digest = h.fake.to(owner).slice(before);
    expect(digest.map((m) => [m.kind, m.mediaUrls.length])).toEqual([['template', 0]]);
    expect(h.fake.refusals.outsideWindow).toBe(0);
  });

  it('/digest inside the window brings the chart too', async () => {
    await h.fake.receive(h.app, owner, '/digest');
    const reply = h.fake.to(owner).filter((m) => m.mediaUrls.length > 0).at(-1)!;
    expect(reply.dateCreated.getTime()).toBe(h.clock.now().getTime());
    expect((await fetchMedia(reply.mediaUrls[0]!)).rawPayload.subarray(0, 8).equals(pngSignature)).toBe(true);
  });

  it('a picture address that is not a token is 404 with a reason, not a crash', async () => {
    for (const path of ['/media/..%2Fpackage.json', '/media/abc.png', `/media/${'A'.repeat(22)}.gif`, `/media/${'A'.repeat(22)}.png`]) {
      const res = await h.app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(404);
      expect(res.json(), path).toMatchObject({ error: 'not_found' });
    }
  });
});

describe('WhatsApp: a digest text longer than a caption', () => {
  it('the picture goes first with its alt text as caption, then the whole text', async () => {
    const accountSid = newSid('AC');
    const authToken = 'whatsapp-caption-token-0123456789';
    const fake = await startFakeWhatsapp({ accountSid, authToken });
    try {
      const channel = createWhatsappChannel(
        { accountSid, authToken, from: 'whatsapp:+15005550006', ratePerSecond: 10, templates: [], apiBaseUrl: fake.baseUrl, publicUrl, defaultCountry: 'PK' },
        { log: Fastify().log, now: () => new Date(), windows: { wrote: async () => {}, lastInbound: async () => new Date() }, pictures: { publish: async () => `${publicUrl}/media/${'A'.repeat(22)}.png` } },
      );
      await fake.receive(Fastify(), '+923001110002', 'hi').catch(() => undefined);
      const text = `Weekly digest ${'x'.repeat(captionMax)}`;
      const delivery = await channel.send('+923001110002', { text, image: { png: Buffer.from('png'), alt: 'Score trend, last 12 weeks: NPS 40' } });
      expect(delivery.status).toBe('sent');
      expect(fake.messages.map((m) => [m.body, m.mediaUrls.length])).toEqual([
        ['Score trend, last 12 weeks: NPS 40', 1],
        [text, 0],
      ]);
      expect(delivery.status === 'sent' && delivery.providerMessageId).toBe(fake.messages[1]!.sid);
    } finally {
      await fake.close();
    }
  });
});
