import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createSmsChannel } from '../../src/channels/sms/index.js';
import { questionCard, renderOutbound } from '../../src/channels/teams/cards.js';
import { inlineKeyboard } from '../../src/channels/telegram/keyboard.js';
import { createWhatsappChannel } from '../../src/channels/whatsapp/index.js';
import { renderWhatsapp } from '../../src/channels/whatsapp/render.js';
import { startFakeWhatsapp } from '../helpers/fake-whatsapp.js';
import { createWebChannel, webRoutes, type WebChannelOptions } from '../../src/channels/web/index.js';
import type { ChannelDeps } from '../../src/channels/channel.js';
import { anonymousChannel, channelAddress, channelFacts, deepLinkChannels, phoneChannel } from '../../src/domain/channel-facts.js';
import { withButtonsOn } from '../../src/domain/channels.js';
import { channelNames, type Choice } from '../../src/domain/channels.js';
import { scaleOf, surveyKinds } from '../../src/domain/surveys.js';
import type { TranscriptLine } from '../../src/store/index.js';
import { startSmsHarness } from '../channels/sms/harness.js';

const root = join(import.meta.dirname, '../..');
const choices = (n: number): Choice[] => Array.from({ length: n }, (_, i) => ({ label: String(i), value: String(i) }));
const widestScale = Math.max(...surveyKinds.map((k) => scaleOf(k).max - scaleOf(k).min + 1));

/**
 * Where code outside src/channels/ and the table may still name a channel, and why: each is data
 * that happens to share a channel's name, not a decision about what a channel can do.
 */
const allowed: ReadonlyArray<{ file: string; line: RegExp; why: string }> = [
  { file: 'src/domain/surveys.ts', line: /surveyTriggers = \[/, why: "the trigger 'web' (a web chat visitor asked for a survey) is a trigger, named after the page" },
  { file: 'src/plugins/businesses.ts', line: /surveys\.start\(\{ .*channel: 'web', trigger: 'web' \}/, why: "the web chat adapter's own start-a-survey hook, wired where each business's channels are made" },
  { file: 'src/cli/business.ts', line: /\{"telegram":\{"token"/, why: 'a usage example of the identities JSON, whose keys are channel names' },
  { file: 'src/dashboard/wording-page.ts', line: /<dt>\$\{t\('(sms|telegram|teams|web)'\)\}<\/dt>/, why: "the wording preview shows each channel's own rendering (content/preview.ts gives one per channel, each of its own shape)" },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every line outside src/channels/ and the table that names a channel in quotes. */
function channelNamings(): Array<{ file: string; text: string }> {
  const named = new RegExp(`(['"])(${channelNames.join('|')})\\1`);
  return sourceFiles(join(root, 'src'))
    .map((path) => relative(root, path))
    .filter((file) => !file.startsWith('src/channels/') && file !== 'src/domain/channel-facts.ts')
    .flatMap((file) => readFileSync(join(root, file), 'utf8').split('\n').filter((text) => named.test(text)).map((text) => ({ file, text: text.trim() })));
}

describe('channel facts: one table, read everywhere', () => {
  it('no code outside src/channels/ names a channel where it should read a fact (allow-list: data that shares a name)', () => {
    const found = channelNamings();
    const unexplained = found.filter((n) => !allowed.some((a) => a.file === n.file && a.line.test(n.text)));
    expect(unexplained).toEqual([]);
    // An allowance nothing needs any more goes, so the list stays the real exceptions.
    for (const a of allowed) expect(found.some((n) => n.file === a.file && a.line.test(n.text)), `${a.file}: ${a.why}`).toBe(true);
  });

  it('has one row per channel name, one phone channel, one anonymous channel and a channel with links', () => {
    expect(Object.keys(channelFacts)).toEqual([...channelNames]);
    expect(phoneChannel).toBe('sms');
    expect(anonymousChannel).toBe('web');
    expect(deepLinkChannels).toEqual(['telegram']);
  });

  it('every channel with buttons fits the widest question of the dialogs, or is one whose adapter says how wider ones go (WhatsApp)', () => {
    expect(widestScale).toBe(11);
    for (const name of channelNames) {
      const { buttons } = channelFacts[name];
      expect(buttons === 0 || buttons >= widestScale || name === 'whatsapp', name).toBe(true);
    }
  });

  it("each row's example address has its own shape; others are refused with the shape's description", () => {
    for (const name of channelNames) expect(channelAddress(name, channelFacts[name].address.example, 'US'), name).toEqual({ address: channelFacts[name].address.example });
    expect(channelAddress('sms', '(415) 555-2671', 'US')).toEqual({ address: '+14155552671' });
    // Twilio's way of writing a WhatsApp address is accepted; the number alone is stored.
    expect(channelAddress('whatsapp', 'whatsapp:+923001234567', 'US')).toEqual({ address: '+923001234567' });
    expect(channelAddress('whatsapp', 'whatsapp:12', 'US')).toEqual({ problem: '"12" is not a valid phone number; use international format such as +14155552671' });
    expect(channelAddress('sms', '12', 'US')).toEqual({ problem: '"12" is not a valid phone number; use international format such as +14155552671' });
    expect(channelAddress('telegram', ' -100123 ', 'US')).toEqual({ address: '-100123' });
    expect(channelAddress('telegram', 'bob', 'US')).toEqual({ problem: 'address: not a Telegram chat id (digits, as the bot sees the chat)' });
    expect(channelAddress('web', '12345', 'US')).toEqual({ problem: 'address: not a web chat visitor id (v_…)' });
  });

  it('a message keeps its buttons on channels with buttons and is its text alone elsewhere', () => {
    const message = { text: 'Detractor. /reply 65f1c0ffee0123456789abcd <text>', choices: choices(1) };
    for (const name of channelNames) expect(withButtonsOn(name, message), name).toEqual(channelFacts[name].buttons ? message : { text: message.text });
  });
});

describe('channel facts agree with the adapters', () => {
  it('Telegram: a keyboard holds the table\'s number of buttons and refuses one more', () => {
    const { buttons } = channelFacts.telegram;
    const keyboard = inlineKeyboard({ text: 'pick', choices: choices(buttons) });
    expect(keyboard?.inline_keyboard.flat()).toHaveLength(buttons);
    expect(() => inlineKeyboard({ text: 'pick', choices: choices(buttons + 1) })).toThrow(`at most ${buttons} buttons`);
  });

  it('Teams: a question card draws the table\'s number of buttons, and a picture as an attachment', () => {
    const card = questionCard({ text: 'How likely…', choices: choices(channelFacts.teams.buttons) }).content as { actions: unknown[] };
    expect(card.actions).toHaveLength(channelFacts.teams.buttons);
    const withChart = renderOutbound({ text: 'digest', image: { png: Buffer.from('png'), alt: 'chart' } });
    expect(withChart.attachments?.some((a) => a.contentType === 'image/png')).toBe(channelFacts.teams.pictures);
  });

  it("SMS: a message with buttons and a picture reaches Twilio as its text alone (the table's longest text)", async () => {
    expect([channelFacts.sms.buttons, channelFacts.sms.pictures]).toEqual([0, false]);
    const h = await startSmsHarness();
    try {
      const text = `How likely are you to recommend us? Reply 0-10 ${'x'.repeat(channelFacts.sms.maxTextLength - 47)}`;
      expect(text).toHaveLength(channelFacts.sms.maxTextLength);
      const delivery = await h.channel.send('+14155550123', { text, choices: choices(11), image: { png: Buffer.from('png'), alt: 'chart' } });
      expect(delivery.status).toBe('sent');
      expect(h.fake.messages.map((m) => m.body)).toEqual([text]);
    } finally {
      await h.close();
    }
  });

  it("WhatsApp: the table's buttons as quick replies, its list rows as a list picker, more as text alone", () => {
    const { buttons, listRows } = channelFacts.whatsapp;
    const rendered = (n: number) => renderWhatsapp({ text: 'pick', choices: choices(n), surveyId: '65f1c0ffee0123456789abcd' });
    expect(rendered(buttons)).toMatchObject({ type: 'quick-reply', actions: choices(buttons).map((c) => ({ id: `s:65f1c0ffee0123456789abcd:${c.value}` })) });
    expect(rendered(buttons + 1)).toMatchObject({ type: 'list-picker' });
    const list = rendered(listRows);
    expect(list.type === 'list-picker' && list.items).toHaveLength(listRows);
    expect(rendered(listRows + 1)).toEqual({ type: 'text', body: 'pick' });
  });

  it("WhatsApp: a picture goes as the table says, by URL inside the window (the text its caption)", async () => {
    const accountSid = `AC${'1'.repeat(32)}`;
    const authToken = 'whatsapp-facts-token-0123456789';
    const fake = await startFakeWhatsapp({ accountSid, authToken });
    try {
      const published: Date[] = [];
      const channel = createWhatsappChannel(
        { accountSid, authToken, from: 'whatsapp:+15005550006', ratePerSecond: 10, templates: [], apiBaseUrl: fake.baseUrl, publicUrl: 'https://bot.example.test', defaultCountry: 'PK' },
        {
          log: Fastify().log,
          now: () => new Date(),
          windows: { wrote: async () => {}, lastInbound: async () => new Date() },
          pictures: { publish: async (_png, expiresAt) => (published.push(expiresAt), 'https://bot.example.test/media/chart.png') },
        },
      );
      await fake.receive(Fastify(), '+923001110001', 'hi').catch(() => undefined);
      const delivery = await channel.send('+923001110001', { text: 'digest', image: { png: Buffer.from('png'), alt: 'chart' } });
      expect(delivery.status).toBe('sent');
      expect(fake.messages.map((m) => m.mediaUrls.length > 0)).toEqual([channelFacts.whatsapp.pictures]);
      expect(fake.messages[0]!.body).toBe('digest');
      expect(published.length).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('SMS and web chat make no deep links; the table says so', () => {
    const sms = createSmsChannel(
      { accountSid: `AC${'0'.repeat(32)}`, authToken: 'token', from: '+15005550006', ratePerSecond: 1, publicUrl: 'http://127.0.0.1', defaultCountry: 'US' },
      { log: Fastify().log },
    );
    const web = createWebChannel(webOptions({ transcripts: { append: async () => [], list: async () => [] } }));
    expect(sms.deepLink === undefined).toBe(!channelFacts.sms.deepLinks);
    expect(web.deepLink === undefined).toBe(!channelFacts.web.deepLinks);
  });

  it("web chat: its visitor ids have the table's address shape, and a message may be the table's longest text and no longer", async () => {
    const lines = new Map<string, TranscriptLine[]>();
    const transcripts = {
      append: async (id: string, add: readonly TranscriptLine[]) => (lines.set(id, [...(lines.get(id) ?? []), ...add]), add.map((_, i) => String(i))),
      list: async (id: string) => (lines.get(id) ?? []).map((l, i) => ({ ...l, id: String(i) })),
    };
    const app = Fastify();
    const deps = { handleInbound: async () => ({ duplicate: false, replies: [] }), startWebSurvey: async () => ({ status: 'sent' }), webQuestion: async () => [], log: app.log, now: () => new Date() } as unknown as ChannelDeps;
    const web = createWebChannel(webOptions({ transcripts, product: deps }));
    await webRoutes.register(app, async () => web);
    const created = await app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' } });
    const { visitorId } = created.json() as { visitorId: string };
    expect(channelAddress('web', visitorId, 'US')).toEqual({ address: visitorId });
    const send = (messageId: string, text: string) => app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId, text } });
    expect((await send('a', 'x'.repeat(channelFacts.web.maxTextLength))).statusCode).toBe(200);
    const tooLong = await send('b', 'x'.repeat(channelFacts.web.maxTextLength + 1));
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().message).toContain('longer than 20,000 characters');
    await app.close();
  });
});

/** A web chat with no store: sessions are never found (so no answer starts a survey here), every answer counts. */
function webOptions(o: Pick<WebChannelOptions, 'transcripts' | 'product'>): WebChannelOptions {
  const sessions = { open: async () => {}, get: async () => undefined, claim: async () => false, steal: async () => false, ready: async () => {}, unclaim: async () => {} };
  const counts = { take: async () => true, giveBack: async () => {}, refused: async () => {} };
  return { businessId: 'default', timeZone: 'UTC', sessions, counts, now: () => new Date(), visitorsPerHour: 10, answersPerDevice: 3, answersPerNetwork: 30, widgetOrigins: [], locale: 'en', ...o };
}
