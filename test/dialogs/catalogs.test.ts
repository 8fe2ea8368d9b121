import { describe, expect, it } from 'vitest';
import { compileMessage, promptsFor, shippedCatalogs, surveyKinds } from '../../src/dialogs/index.js';
import en from '../../src/dialogs/prompts/catalogs/en.json' with { type: 'json' };

// Every language's keys, placeholders and compiling are checked by the shared table test (languages.test.ts).
describe('shipped message catalogs (ICU MessageFormat)', () => {
  it('fills the select forms by what is known', () => {
    const en = promptsFor('en');
    expect(en.invitation('csat', { business: 'Acme', customerName: 'Ana', context: 'the blue mug' })).toBe(
      'Hi Ana! How satisfied were you with the blue mug at Acme? Reply 1-5 (1 = very dissatisfied, 5 = very satisfied)',
    );
    expect(en.thankYou('detractor', { business: 'Acme' })).toBe('Thank you for telling us. We will use your feedback to do better.');
    expect(en.thankYou('detractor', { business: 'Acme', customerName: 'Ana' })).toBe('Thank you, Ana, for telling us. We will use your feedback to do better.');
  });

  it('writes the scale in Urdu digits from the catalog, with no grouping in the comment limit', () => {
    const ur = promptsFor('ur');
    for (const kind of surveyKinds) expect(ur.question(kind, { business: 'Acme' })).not.toMatch(/[0-9]/);
    expect(ur.commentCut(5000)).toContain('۵۰۰۰');
    expect(shippedCatalogs.ur!.message('question', 'nps').source).toContain('{max, number}');
  });

  it('writes Arabic right to left with the scale in Arab-Indic digits, and Portuguese as in Brazil', () => {
    const ar = promptsFor('ar');
    expect(ar.dir).toBe('rtl');
    expect(ar.question('nps', { business: 'Acme' })).toBe('ما مدى احتمال أن ترشّح Acme لصديق أو زميل؟ أجب برقم من ٠ إلى ١٠ (٠ = غير محتمل إطلاقًا، ١٠ = محتمل جدًا)');
    expect(ar.digits(7)).toBe('٧');
    expect(ar.commentCut(5000)).toContain('٥٠٠٠');
    const pt = promptsFor('pt');
    expect(pt.dir).toBe('ltr');
    expect(pt.invitation('csat', { business: 'Acme', customerName: 'Ana' })).toBe('Olá, Ana! Qual o seu nível de satisfação com Acme? Responda de 1 a 5 (1 = muito insatisfeito, 5 = muito satisfeito)');
  });

  it('speaks English for a language no longer registered (a stored survey\'s, after its folder was removed)', () => {
    const p = promptsFor('xx');
    expect([p.locale, p.dir, p.question('csat', { business: 'Acme' })]).toEqual(['en', 'ltr', promptsFor('en').question('csat', { business: 'Acme' })]);
    expect(compileMessage('{max, number} {business}', 'xx').format({ max: 10, business: 'Acme' })).toBe('10 Acme');
  });

  it('takes the kind’s own message before the shared one', () => {
    expect(shippedCatalogs.en!.message('reminder', 'nps').source).not.toBe(shippedCatalogs.en!.message('reminder', 'csat').source);
    expect(shippedCatalogs.en!.message('reminder', 'csat').source).toBe(en.reminder);
  });
});
