import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { acceptedLocale, Html, screenWords } from '../../src/content/screen-words.js';
import { wordingKeys } from '../../src/dialogs/prompts/index.js';
import ar from '../../src/dialogs/prompts/catalogs/ar.json' with { type: 'json' };
import en from '../../src/dialogs/prompts/catalogs/en.json' with { type: 'json' };
import es from '../../src/dialogs/prompts/catalogs/es.json' with { type: 'json' };
import pt from '../../src/dialogs/prompts/catalogs/pt.json' with { type: 'json' };
import ur from '../../src/dialogs/prompts/catalogs/ur.json' with { type: 'json' };

const screenKeys = Object.keys(en).filter((k) => k.startsWith('screen.'));
// Arabic and Portuguese are written ahead of their shipping: checked here with their own plural rules.
const catalogs: Array<[string, string, Record<string, string>]> = [['es', 'es', es], ['ur', 'ur', ur], ['ar', 'ar', ar], ['pt', 'pt-BR', pt]];

describe("the screens' words (catalog messages under screen.)", () => {
  it.each(catalogs)('%s has every screen message of the English catalog, each compiling, with the same placeholders', (_, icu, catalog) => {
    expect(screenKeys.length).toBeGreaterThan(100);
    const names = (source: string, locale: string) => {
      const found = new Set<string>();
      const walk = (elements: ReturnType<IntlMessageFormat['getAst']>) => {
        for (const e of elements) {
          if ('value' in e && typeof e.value === 'string' && e.type !== 0) found.add(e.value);
          if ('options' in e) for (const o of Object.values(e.options)) walk(o.value);
        }
      };
      walk(new IntlMessageFormat(source, locale, undefined, { ignoreTag: true }).getAst());
      return [...found].sort();
    };
    for (const key of screenKeys) {
      const source = catalog[key];
      expect(source, key).toBeTypeOf('string');
      expect(names(source!, icu), key).toEqual(names(en[key as keyof typeof en], 'en'));
    }
    expect(Object.keys(catalog).filter((k) => k.startsWith('screen.') && !screenKeys.includes(k))).toEqual([]);
  });

  it('keeps them out of what a business may word', () => {
    expect(wordingKeys.filter((k) => k.startsWith('screen.'))).toEqual([]);
  });

  it('writes HTML: words and names escaped, numbers in <bdi> and Urdu digits, a range with its low end first', () => {
    const urdu = screenWords('ur');
    expect(urdu.dir).toBe('rtl');
    expect(screenWords('es').dir).toBe('ltr');
    expect(urdu.html('dashboard.title', { business: '<b>Tea & Co</b>', kind: 'NPS' })).toBe('&lt;b&gt;Tea &amp; Co&lt;/b&gt; · NPS ڈیش بورڈ');
    expect(urdu.html('dashboard.of', { count: urdu.count(3), total: urdu.count(12) })).toBe('۱۲ میں سے ۳');
    // "-34 to 74": each number whole in its own isolate, so no reader's bidi turns it into "to 74 34-".
    const range = urdu.range(-34, 74).html;
    expect(range).toMatch(/^<bdi>\u200e?[-\u2212]\u200e?۳۴<\/bdi> سے <bdi>۷۴<\/bdi>$/);
    expect(screenWords('en').range(-34, 74).html).toBe('<bdi>-34</bdi> to <bdi>74</bdi>');
    expect(screenWords('en').number(null).html).toBe('–');
    // A value that is HTML already is put in as it is; a string that only looks like a placeholder mark is not.
    expect(screenWords('en').html('chat.error.notSent', { reason: new Html('<code>x</code>') })).toBe('Not sent. <code>x</code>');
    expect(screenWords('en').html('chat.error.notSent', { reason: '\uE0000\uE001<i>' })).toBe('Not sent. 0&lt;i&gt;');
    expect(urdu.html('dashboard.lastDays', { days: 30 })).toBe('پچھلے ۳۰ دن');
    expect(screenWords('en').html('dashboard.lastDays', { days: 1 })).toBe('last 1 day');
  });

  it("an unknown language is English; the browser's language is the first shipped one it accepts, by q-value", () => {
    expect(screenWords('xx').locale).toBe('en');
    expect(screenWords(undefined).locale).toBe('en');
    expect(acceptedLocale('ur-PK,ur;q=0.9,en;q=0.8')).toBe('ur');
    expect(acceptedLocale('fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4')).toBe('es');
    expect(acceptedLocale('en;q=0.1,ur;q=0.9')).toBe('ur');
    expect(acceptedLocale('fr, de')).toBeUndefined();
    expect(acceptedLocale('')).toBeUndefined();
    expect(acceptedLocale('\u0000;;q=x,,')).toBeUndefined();
  });
});
