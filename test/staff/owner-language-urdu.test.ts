import { beforeAll, describe, expect, it } from 'vitest';
import { formatNumber, formatSigned } from '../../src/domain/locale-format.js';
import { TestClock } from '../helpers/clock.js';
import { postUpdate, textUpdate } from '../helpers/fake-telegram.js';
import { useTelegramServer } from '../helpers/telegram-server.js';
import { seedTwoWeeks } from '../digest/seed.js';
import { say, visitor } from './web-chat.js';

const owner = 777_000_441;
const icu = 'ur-u-nu-arabext';
const [fsi, pdi] = ['\u2068', '\u2069'];

/**
 * An Urdu business: its owner reads the weekly digest, a detractor alert, a command answer and a usage
 * error in Urdu, through the product's own paths (the sweeper's digest, a customer's answer, the
 * owner's Telegram chat against the fake Bot API). Numbers are Urdu digits, each kept whole in its isolate.
 */
describe('an Urdu business: what its owner receives', () => {
  const clock = new TestClock('2026-03-03T15:00:00Z');
  const t = useTelegramServer(clock, { WEB_CHAT_ENABLED: 'true', THROTTLE_DAYS: '0', DEFAULT_LOCALE: 'ur', OWNER_ADDRESSES: `telegram:${owner}` });
  const toOwner = () => t.fake.calls.filter((c) => String(c.payload.chat_id) === String(owner)).map((c) => String(c.payload.caption ?? c.payload.text ?? ''));
  const ask = async (text: string) => {
    const res = await postUpdate(t.server.app, t.webhookSecret, textUpdate({ chatId: owner, firstName: 'Malik' }, text));
    expect(res.statusCode).toBe(200);
    return toOwner().at(-1) ?? '';
  };
  beforeAll(async () => {
    await seedTwoWeeks(t.server.app, clock);
  });

  it('gets the scheduled digest in Urdu: a negative change and a range that read right to left', async () => {
    clock.advance(new Date('2026-03-16T09:00:00Z').getTime() - clock.now().getTime());
    expect((await t.server.app.sweeper.sweep()).digests).toBe(1);
    const digest = toOwner().find((text) => text.startsWith('ہفتہ وار خلاصہ'));
    expect(digest, toOwner().join('\n---\n')).toBeDefined();
    const lines = digest!.split('\n');
    // NPS fell by 53.3 points: the sign stays with its Urdu digits inside one isolate.
    const fell = `${fsi}${new Intl.NumberFormat(icu, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(-53.3)}${pdi}`;
    expect(fell).toBe(formatSigned(icu, -53.3));
    expect(lines.find((l) => l.startsWith('NPS'))).toContain(`${fell} (NPS`);
    expect(lines.find((l) => l.startsWith('NPS'))).toContain('پچھلے ہفتے کے مقابلے میں');
    // The tag that moved most, from +100 to 0: both ends isolated, joined by the Urdu word for "to".
    const moved = lines.find((l) => l.startsWith('سب سے زیادہ تبدیلی'));
    expect(moved).toContain(`(NPS ${formatSigned(icu, 100)} سے NPS ${formatSigned(icu, 0)})`);
    expect(moved).toContain(formatSigned(icu, -100));
    // No number of the digest is written in ASCII digits (survey ids, the dashboard's address and the day aside).
    const numbers = digest!.replace(/\/reply [a-f0-9]{24}/g, '').replace(/https:\S+/g, '');
    expect(numbers).not.toMatch(/[0-9]/);
    expect(numbers).toContain(formatNumber(icu, 5));
    // Every isolate is closed, so no number pulls the words around it out of order.
    expect(digest!.split(fsi).length).toBe(digest!.split(pdi).length);
    const chart = t.fake.calls.find((c) => String(c.payload.chat_id) === String(owner) && c.method === 'sendPhoto');
    expect(chart).toBeDefined();
  });

  it('gets a detractor alert in Urdu when a customer gives a low score', async () => {
    const customer = visitor();
    const started = await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer, name: 'Sana' });
    const id = started.status === 'sent' ? started.surveyId : '';
    await say(t.server.app, customer, '2');
    await t.server.app.alerts.drain();
    expect(toOwner().at(-1)).toBe(`ناخوش گاہک کا الرٹ: Sana کی طرف سے NPS ${formatNumber(icu, 2)}۔ جواب کے لیے: /reply ${id} <آپ کا پیغام>`);
    const reply = t.fake.calls.filter((c) => String(c.payload.chat_id) === String(owner)).at(-1)?.payload.reply_markup;
    expect(JSON.stringify(reply)).toContain('جواب دیں');
  });

  it('answers a command in Urdu, and a usage error with the Urdu usage line', async () => {
    clock.advance(new Date('2026-03-17T10:00:00Z').getTime() - clock.now().getTime());
    const stats = await ask('/stats 7d');
    expect(stats.split('\n')[0]).toBe(`پچھلے ${formatNumber(icu, 7)} دن (${formatDay('2026-03-09')} سے شروع ہونے والے ہفتے):`);
    expect(await ask('/survey xyz +14155552671')).toBe(
      'نامعلوم سروے کی قسم ”xyz“: nps، csat یا ces استعمال کریں\nطریقہ: /survey nps|csat|ces <فون | گاہک آئی ڈی | چینل:پتہ> [سیاق]',
    );
    // The owner may choose their own language: answered in it at once, and from then on.
    expect(await ask('/language en')).toBe('From now on I write to you in English.');
    expect((await ask('/stats 7d')).split('\n')[0]).toBe('Last 7 days (weeks from 2026-03-09):');
  });
});

function formatDay(week: string): string {
  return `${fsi}${new Intl.DateTimeFormat(icu, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${week}T00:00:00Z`))}${pdi}`;
}
