import { describe, expect, it } from 'vitest';
import { detractorAlert } from '../../src/alerts/detractor-alerts.js';
import { templateFor } from '../../src/channels/whatsapp/templates.js';
import { ownerWords } from '../../src/dialogs/prompts/owner-words.js';
import { trendSvg } from '../../src/digest/trend-chart.js';
import { describeFeatureIn } from '../../src/insights/event-features.js';
import { staffOverview } from '../../src/staff/commands.js';
import { parseCommand, problemText } from '../../src/staff/parse-command.js';

const [fsi, pdi] = ['\u2068', '\u2069'];
const textsOf = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('owner words', () => {
  it('keeps every Urdu number whole in an isolate, with Urdu digits; left-to-right languages need none', () => {
    const ur = ownerWords('ur');
    expect(ur.range(-34, 74)).toBe(`${fsi}${new Intl.NumberFormat('ur-u-nu-arabext').format(-34)}${pdi} سے ${fsi}۷۴${pdi}`);
    expect(ur.signed(-12.5)).toMatch(new RegExp(`^${fsi}.*-.*۱۲٫۵${pdi}$`, 'u'));
    const es = ownerWords('es');
    expect(es.range(-34, 74)).toBe('-34 a 74');
    expect(es.signed(12)).toBe('+12');
    expect(ownerWords('en').day('2026-03-09')).toBe('2026-03-09');
    expect(es.day('2026-03-09')).toBe('9 mar 2026');
    expect(es.either(['en', 'es', 'ur'])).toBe('en, es o ur');
  });

  it('words a usage error for its reader: the parser gives the problem as a key and values', () => {
    const parsed = parseCommand('/stats 12d', { slashOptional: false, country: 'US' });
    if (parsed.type !== 'invalid') throw new Error('expected a usage error');
    expect(parsed.problem).toBe('"12d" is not a period: use 7d, 30d or 90d');
    expect(problemText(parsed.words, ownerWords('es'))).toBe('«12d» no es un periodo: usa 7d, 30d o 90d');
    expect(problemText(parsed.words, ownerWords('ur'))).toBe('”12d“ کوئی مدت نہیں: 7d، 30d یا 90d استعمال کریں');
    const extra = parseCommand('/digest now', { slashOptional: false, country: 'US' });
    if (extra.type !== 'invalid') throw new Error('expected a usage error');
    expect(problemText(extra.words, ownerWords('es'))).toBe('sobra «now»: /digest no lleva nada detrás');
  });

  it('lists owners, staff and who changed what in the reader’s language', () => {
    const at = new Date('2026-03-10T09:30:00Z');
    const overview = {
      members: [{ staffId: 'a', role: 'owner' as const, identities: [{ channel: 'telegram' as const, address: '42' }], since: at }],
      changes: [
        { action: 'added' as const, role: 'owner' as const, channel: 'telegram' as const, address: '42', by: 'the owner code', at },
        { action: 'removed' as const, role: 'staff' as const, channel: 'sms' as const, address: '+14155552671', by: 'API key k1', at },
      ],
    };
    expect(staffOverview(overview, ownerWords('es')).split('\n')).toEqual([
      'Propietarios y personal:',
      'propietario: telegram:42',
      'Últimos cambios:',
      '2026-03-10 09:30 UTC alta propietario telegram:42, por el código de propietario',
      '2026-03-10 09:30 UTC baja personal sms:+14155552671, por la clave de API k1',
    ]);
    expect(staffOverview(overview).split('\n').at(-1)).toBe('2026-03-10 09:30 UTC removed staff sms:+14155552671, by API key k1');
  });

  it('describes an event detail in the reader’s language', () => {
    expect(describeFeatureIn(ownerWords('es'))('delivery.daysLate=3-6')).toBe('una entrega con 3-6 días de retraso');
    expect(describeFeatureIn(ownerWords('ur'))('delivery.onTime=false')).toBe('دیر سے ڈیلیوری');
    expect(describeFeatureIn(ownerWords('ur'))('delivery.daysLate=3-6')).toBe(`${fsi}۳${pdi}-${fsi}۶${pdi} دن دیر سے ڈیلیوری`);
  });

  it('draws the chart’s labels and axis in Urdu digits', () => {
    const weeks = ['2026-02-16', '2026-02-23', '2026-03-02', '2026-03-09'];
    const svg = trendSvg(weeks, [{ kind: 'ces', points: [20, null, -40, 60] }], 'پچھلے ۴ ہفتے', ownerWords('ur'));
    const texts = textsOf(svg);
    expect(texts).toContain('۵۰');
    expect(texts).toContain(new Intl.NumberFormat('ur-u-nu-arabext').format(-100));
    expect(texts.join(' ')).not.toMatch(/[0-9]/);
    expect(texts.some((t) => t.startsWith('CES ٪ آسان'))).toBe(true);
    expect(svg).not.toMatch(/[\u2068\u2069]/);
  });

  it('sends an Urdu alert right to left, with its Reply button and template in Urdu', () => {
    const alert = detractorAlert({ id: '65f1c0ffee0123456789abcd', kind: 'csat', score: 1, vars: { business: 'b' } }, 'ٹھنڈا کھانا', false, 'ur');
    expect(alert).toMatchObject({ dir: 'rtl', choices: [{ label: 'جواب دیں' }], template: { purpose: 'owner', locale: 'ur' } });
    expect(alert.text).toBe(`ایک گاہک کا تبصرہ (CSAT ${fsi}۱${pdi}): ”ٹھنڈا کھانا“ جواب کے لیے: /reply 65f1c0ffee0123456789abcd <آپ کا پیغام>`);
  });

  it('reopens an owner’s WhatsApp chat with the owner template of another language when theirs is missing', () => {
    const owner = { purpose: 'owner' as const, locale: 'en' as const, contentSid: 'HX00000000000000000000000000000001', variables: ['text' as const] };
    const invitation = { purpose: 'invitation' as const, locale: 'en' as const, contentSid: 'HX00000000000000000000000000000002', variables: ['business' as const] };
    expect(templateFor([invitation, owner], { purpose: 'owner', locale: 'ur', values: { text: 'x' } })).toBe(owner);
    expect(templateFor([invitation, owner], { purpose: 'invitation', locale: 'ur', values: {} })).toBeUndefined();
  });
});
