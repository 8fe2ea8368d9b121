import { describe, expect, it } from 'vitest';
import { languageList, readLanguages } from '../../src/dialogs/languages.js';
import { catalogProblems, languageChecks } from '../helpers/language-table.js';

// The shared language test: every registered language passes the same checks.
describe.each(languageList().map((l) => [l.code, l] as const))('language %s', (_, language) => {
  for (const [name, check] of Object.entries(languageChecks(language))) {
    it(name, () => expect(check()).toEqual([]));
  }
});

describe('the shared checks can fail', () => {
  const es = languageList().find((l) => l.code === 'es')!;

  it('a catalog missing a key, with a wrong placeholder or a plural form the language lacks is caught', () => {
    const { followUpDetractor, ...rest } = { followUpDetractor: es.messages['nps.followUp.detractor'], ...es.messages };
    const without = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'nps.followUp.detractor' && k !== 'closing'));
    expect(followUpDetractor).toBeDefined();
    expect(catalogProblems({ ...es, messages: { ...without, closing: 'No pasa nada, {nombre}.' } })).toEqual([
      'missing "nps.followUp.detractor"',
      '"closing" uses {nombre} where English uses {}',
    ]);
    expect(catalogProblems({ ...es, messages: { ...es.messages, tapEnded: '{n, plural, two {dos} other {#}}' } })).toEqual([
      '"tapEnded" uses {n} where English uses {}',
      '"tapEnded": plural forms two are not forms of es',
    ]);
  });

  it('the shipped folder read again adds nothing and finds nothing wrong; a folder that is not there is named', () => {
    const shipped = languageList().find((l) => l.code === 'en')!.source;
    expect(readLanguages(shipped)).toEqual({ languages: [], problems: [] });
    expect(readLanguages(`${shipped}/missing`).problems).toEqual([`${shipped}/missing/catalogs: no such folder`, `${shipped}/missing/words: no such folder`]);
  });
});
