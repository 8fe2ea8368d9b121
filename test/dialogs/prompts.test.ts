import { describe, expect, it } from 'vitest';
import { keywordReply, promptsFor, startDialog, step, surveyKinds } from '../../src/dialogs/index.js';
import type { Band, DialogSession, Keyword, Locale } from '../../src/dialogs/index.js';

const policy = { reminderAfterMs: 1000, ttlMs: 10_000 };
const t0 = new Date('2025-03-03T10:00:00Z');
const vars = { business: 'Acme Coffee', customerName: 'Ana', context: 'order 1042' };
const bands: Band[] = ['detractor', 'passive', 'promoter'];

// GSM 03.38 basic character set; the extension table's characters take two septets.
const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const gsmExtension = '^{}\\[~]|€\f';

function gsmSeptets(text: string): number | null {
  let septets = 0;
  for (const ch of text) {
    if (gsmBasic.includes(ch)) septets += 1;
    else if (gsmExtension.includes(ch)) septets += 2;
    else return null;
  }
  return septets;
}

describe('English prompts fit one SMS segment', () => {
  const en = promptsFor('en');
  const texts: [string, string][] = surveyKinds.flatMap((kind) => [
    [`${kind} invitation`, en.invitation(kind, vars)],
    [`${kind} question`, en.question(kind, vars)],
    [`${kind} reminder`, en.reminder(kind, vars)],
    [`${kind} re-prompt`, en.reprompt(kind)],
    ...bands.map((band): [string, string] => [`${kind} ${band} follow-up`, en.followUp(kind, band)]),
  ]);
  texts.push(...bands.map((band): [string, string] => [`${band} thank-you`, en.thankYou(band, vars)]));
  texts.push(['closing', en.closing()], ['help', en.help(vars)], ['stop', en.stopped(vars)], ['start', en.started(vars)]);
  texts.push(['nothing to skip', en.nothingToSkip()], ['link invalid', en.linkInvalid(vars)], ['recently answered', en.recentlyAnswered(vars)]);

  it.each(texts)('%s', (_, text) => {
    const septets = gsmSeptets(text);
    expect(septets, `not GSM-7: ${text}`).not.toBeNull();
    expect(septets).toBeLessThanOrEqual(160);
  });
});

describe('prompts by locale', () => {
  it('asks in Spanish', () => {
    const { outbound } = startDialog({ kind: 'nps', locale: 'es', vars, now: t0 });
    expect(outbound[0]?.text).toMatch(/^¡Hola, Ana! Sobre order 1042: ¿Qué probabilidad hay de que recomiendes Acme Coffee/);
    expect(outbound[0]?.dir).toBeUndefined();
    expect(outbound[0]?.choices?.[10]).toEqual({ label: '10', value: '10' });
  });

  it('asks in Urdu, right to left, with Urdu digits in the text and labels and ASCII values', () => {
    const { outbound } = startDialog({ kind: 'nps', locale: 'ur', vars, now: t0 });
    const [invite] = outbound;
    expect(invite?.dir).toBe('rtl');
    expect(invite?.text).toContain('آپ Acme Coffee کو کسی دوست یا ساتھی کو تجویز کرنے کا کتنا امکان رکھتے ہیں؟ ۰ سے ۱۰ تک جواب دیں');
    // Interpolated values such as an order number stay as given; our own digits are Urdu.
    expect(invite?.text.replace('order 1042', '')).not.toMatch(/[0-9]/);
    expect(invite?.choices?.map((c) => c.label)).toEqual(['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹', '۱۰']);
    expect(invite?.choices?.map((c) => c.value)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('walks an Urdu survey with Urdu replies, every message right to left', () => {
    const started = startDialog({ kind: 'csat', locale: 'ur', vars: { business: 'Acme' }, now: t0 });
    const again = step(started.session, { type: 'text', text: 'اچھا' }, t0, policy);
    expect(again.outbound[0]?.text).toContain('۱ سے ۵ تک');
    const scored = step(again.session, { type: 'text', text: '۴' }, t0, policy);
    expect(scored.session).toMatchObject({ state: 'awaiting_comment', score: 4 });
    expect(scored.outbound[0]?.text).toContain('چھوڑیں');
    const skipped = step(scored.session, { type: 'text', text: 'چھوڑیں' }, t0, policy);
    expect(skipped.session.state).toBe('completed');
    for (const message of [...started.outbound, ...again.outbound, ...scored.outbound, ...skipped.outbound]) {
      expect(message.dir).toBe('rtl');
      expect(message.text).not.toMatch(/[0-9]/);
    }
  });

  it('uses the session locale for the follow-up', () => {
    const session: DialogSession = startDialog({ kind: 'nps', locale: 'es', vars, now: t0 }).session;
    const { outbound } = step(session, { type: 'text', text: 'nueve' }, t0, policy);
    expect(outbound[0]?.text).toBe('¡Qué bien! ¿Qué es lo que más te gustó? Responde OMITIR para saltar esta pregunta.');
  });

  it.each<Locale>(['en', 'es', 'ur'])('has a full prompt set for %s', (locale) => {
    const p = promptsFor(locale);
    const all = [
      ...surveyKinds.flatMap((kind) => [
        p.invitation(kind, vars),
        p.reminder(kind, vars),
        p.reprompt(kind),
        ...bands.map((band) => p.followUp(kind, band)),
      ]),
      ...bands.map((band) => p.thankYou(band, vars)),
      p.closing(),
      p.help(vars),
      p.stopped(vars),
      p.started(vars),
      p.nothingToSkip(),
      p.linkInvalid(vars),
      p.recentlyAnswered(vars),
    ];
    for (const text of all) expect(text).not.toMatch(/\{|\}|undefined/);
  });
});

it('thanks without a name', () => {
  expect(promptsFor('en').thankYou('detractor', { business: 'Acme' })).toBe(
    'Thank you for telling us. We will use your feedback to do better.',
  );
});

describe('keywordReply', () => {
  it.each<[Keyword, Locale, RegExp]>([
    ['stop', 'en', /^You're unsubscribed from Acme Coffee surveys\. Reply START to resubscribe\.$/],
    ['start', 'en', /^You're subscribed again to Acme Coffee surveys/],
    ['help', 'en', /Reply .*STOP to opt out/],
    ['skip', 'en', /nothing to skip/],
    ['stop', 'es', /Ya no recibirás encuestas de Acme Coffee/],
    ['help', 'es', /BAJA/],
    ['stop', 'ur', /Acme Coffee کے سروے نہیں بھیجے جائیں گے/],
  ])('%s in %s', (keyword, locale, expected) => {
    const reply = keywordReply(keyword, locale, vars);
    expect(reply.text).toMatch(expected);
    expect(reply.surveyId).toBeUndefined();
    expect(reply.dir).toBe(locale === 'ur' ? 'rtl' : undefined);
  });
});
