import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { isLanguage, languageOf } from '../../src/dialogs/languages.js';
import { buildTestServer, testConfig, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { languageChecks } from '../helpers/language-table.js';

/** Italian, as a deployer would add it: one catalog file and one word-list file in a folder of their own. */
const italianWords = {
  name: 'Italiano',
  icu: 'it',
  dir: 'ltr',
  keywords: { stop: ['basta', 'disiscrivimi'], start: ['riprendi', 'iscrivimi'], help: ['aiuto'], skip: ['salta'] },
  numbers: [['zero'], ['uno', 'una'], ['due'], ['tre'], ['quattro'], ['cinque'], ['sei'], ['sette'], ['otto'], ['nove'], ['dieci']],
  digits: ['0123456789'],
  outOf: ['su'],
};
const italianSurvey: Record<string, string> = {
  invitation: '{hasName, select, yes {Ciao {name}!} other {Ciao!}} {question}',
  'nps.question': '{hasContext, select, yes {A proposito di {context}: quanto} other {Quanto}} è probabile che consigli {business} a un amico o a un collega? Rispondi da {min} a {max} ({min} = per niente probabile, {max} = molto probabile)',
  'csat.question': 'Quanto sei soddisfatto di {hasContext, select, yes {{context} da {business}} other {{business}}}? Rispondi da {min} a {max} ({min} = per niente soddisfatto, {max} = molto soddisfatto)',
  'ces.question': '{hasContext, select, yes {A proposito di {context}: sei} other {Sei}} d\'accordo? "{business} mi ha reso facile risolvere il problema." Rispondi da {min} (per niente d\'accordo) a {max} (del tutto d\'accordo)',
  reminder: 'Un promemoria: {question}',
  'nps.followUp.detractor': 'Ci dispiace. Cosa avremmo dovuto fare meglio?',
  'nps.followUp.passive': 'Grazie! Cosa lo renderebbe un {max}?',
  'nps.followUp.promoter': 'Che bello! Cosa ti è piaciuto di più?',
  'csat.followUp.detractor': 'Ci dispiace. Cosa è andato storto?',
  'csat.followUp.passive': 'Grazie! Cosa avremmo potuto fare meglio?',
  'csat.followUp.promoter': 'Che bello! Cosa ti è piaciuto di più?',
  'ces.followUp.detractor': 'Ci dispiace che non sia stato facile. Cosa l\'ha reso difficile?',
  'ces.followUp.passive': 'Grazie! Cosa l\'avrebbe reso più facile?',
  'ces.followUp.promoter': 'Felici che sia stato facile! Cosa ti ha aiutato di più?',
  skipHint: 'Rispondi SALTA per saltare la domanda.',
  'thankYou.detractor': '{hasName, select, yes {Grazie, {name},} other {Grazie}} per avercelo detto. Useremo la tua opinione per migliorare.',
  'thankYou.passive': '{hasName, select, yes {Grazie, {name}!} other {Grazie!}} La tua opinione aiuta {business} a migliorare.',
  'thankYou.promoter': '{hasName, select, yes {Grazie, {name}!} other {Grazie!}} Siamo felici che la tua esperienza con {business} sia stata buona.',
  reprompt: 'Scusa, non ho capito. Rispondi con un numero da {min} a {max}.',
  closing: 'Nessun problema, grazie per il tuo tempo.',
  'reason.question': 'Di cosa si trattava soprattutto?',
  'reason.reprompt': 'Scusa, non ho capito. Rispondi con una delle scelte o con il suo numero.',
  stopped: 'Non riceverai più sondaggi da {business}. Rispondi RIPRENDI per riceverli di nuovo.',
  started: 'Riceverai di nuovo i sondaggi di {business}. Rispondi BASTA per non riceverli più.',
  help: '{business} invia qui brevi sondaggi di opinione. Rispondere è facoltativo. Rispondi SALTA per saltare una domanda, BASTA per non riceverne più.',
  nothingToSkip: 'Grazie! Ora non c\'è niente da saltare.',
  linkInvalid: 'Questo link al sondaggio è scaduto o è già stato usato. {business} invia qui brevi sondaggi di opinione.',
  recentlyAnswered: 'Grazie! Hai dato la tua opinione a {business} da poco, quindi ora non c\'è nessun sondaggio per te.',
  tapAnswered: 'Hai già risposto a questa domanda.',
  tapEnded: 'Questo sondaggio è terminato.',
  tapInvalid: 'Non è una delle scelte.',
  commentCut: '(Il tuo commento superava i {limit} caratteri, quindi abbiamo tenuto i primi {limit}.)',
  forwarded: 'Grazie, abbiamo inoltrato il tuo messaggio a {business}.',
  'commentBox.placeholder': 'Scrivi la tua risposta',
  'commentBox.send': 'Invia',
  'commentBox.skip': 'Salta',
};
// Keys other features add to the English catalog later (owners' and screens' wording) are taken
// from English here, so this test keeps testing the mechanism; a deployer translates them too.
const english = languageOf('en').messages;
const italianCatalog = { ...Object.fromEntries(Object.keys(english).filter((k) => !k.startsWith('nps.reminder')).map((k) => [k, english[k]!])), ...italianSurvey };
delete italianCatalog['nps.reminder'];

const folders: string[] = [];
/** A languages folder with the given files. */
function languagesFolder(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'survey-languages-'));
  folders.push(dir);
  mkdirSync(join(dir, 'catalogs'));
  mkdirSync(join(dir, 'words'));
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const italian = languagesFolder({ 'catalogs/it.json': italianCatalog, 'words/it.json': italianWords });
// Read at start, as the server reads it; from here on Italian is a language like the shipped ones.
testConfig({ LANGUAGES_DIR: italian });

describe('a language added from LANGUAGES_DIR', () => {
  it('is registered from its two files', () => expect([isLanguage('it'), languageOf('it').name, languageOf('it').dir]).toEqual([true, 'Italiano', 'ltr']));

  describe('passes the shared language test', () => {
    for (const [name, check] of Object.entries(languageChecks(languageOf('it')))) it(name, () => expect(check()).toEqual([]));
  });

  describe('runs a whole survey over the web chat', () => {
    const clock = new TestClock('2026-03-10T15:00:00Z');
    let server: TestServer;
    beforeAll(async () => {
      server = await buildTestServer({ LANGUAGES_DIR: italian, DEFAULT_LOCALE: 'it', SWEEP_INTERVAL: '0' }, { now: clock.now });
    });
    afterAll(() => server?.close());
    const post = (url: string, payload: object) => server.app.inject({ method: 'POST', url, payload });

    it('question, score by number word, comment and thank-you in Italian; stored as an NPS 9 promoter', async () => {
      const page = await server.app.inject('/chat');
      expect(page.body).toMatch(/<option value="it"( selected)?>Italiano<\/option>/);
      const opened = await post('/chat/api/visitors', { kind: 'nps', locale: 'it' });
      expect(opened.statusCode).toBe(201);
      const { visitorId, question } = opened.json();
      expect(question[0].text).toBe('Ciao! Quanto è probabile che consigli Our shop a un amico o a un collega? Rispondi da 0 a 10 (0 = per niente probabile, 10 = molto probabile)');
      clock.advance(30_000);
      const scored = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'a', text: 'Direi nove su 10' });
      expect(scored.statusCode).toBe(200);
      expect(scored.json().replies.map((r: { text: string }) => r.text)).toEqual(['Che bello! Cosa ti è piaciuto di più? Rispondi SALTA per saltare la domanda.']);
      clock.advance(30_000);
      const commented = await post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'b', text: 'Consegna veloce' });
      expect(commented.json().replies.map((r: { text: string }) => r.text)).toEqual(['Grazie! Siamo felici che la tua esperienza con Our shop sia stata buona.']);
      const survey = await server.app.store.surveys.model.findOne({ channel: 'web', address: visitorId }).lean();
      expect(survey).toMatchObject({ kind: 'nps', locale: 'it', state: 'completed', score: 9, band: 'promoter', comment: 'Consegna veloce' });
    });

    it('a language no folder gave is refused with the list of languages', async () => {
      const refused = await post('/chat/api/visitors', { kind: 'nps', locale: 'fr' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().message).toMatch(/unknown language "fr": use en, ar, es, pt, ur, it/);
    });
  });
});

describe('a broken languages folder stops the start with the reason', () => {
  const problems = (env: Record<string, string>): string[] => {
    try {
      testConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };
  const words = (code: string, change: object = {}) => ({ ...italianWords, ...change, name: code });
  const catalog = (without: string[] = []) => Object.fromEntries(Object.entries(italianCatalog).filter(([k]) => !without.includes(k)));

  it('a catalog missing a key, a message that does not parse, a file that is not JSON, a half of a language', () => {
    const dir = languagesFolder({
      'catalogs/xa.json': catalog(['closing', 'reprompt']),
      'words/xa.json': words('xa', { keywords: { stop: ['xa-stop'], start: ['xa-start'], help: ['xa-help'], skip: ['xa-skip'] }, numbers: italianWords.numbers }),
      'catalogs/xb.json': { ...catalog(), closing: 'Grazie {name' },
      'words/xb.json': '{ "name": ',
      'catalogs/xc.json': catalog(),
    });
    const found = problems({ LANGUAGES_DIR: dir });
    expect(found).toContainEqual('LANGUAGES_DIR: catalogs/xa.json: message "reprompt" is missing (English has it)');
    expect(found).toContainEqual('LANGUAGES_DIR: catalogs/xa.json: message "closing" is missing (English has it)');
    expect(found.some((p) => p.startsWith('LANGUAGES_DIR: words/xb.json: not readable JSON'))).toBe(true);
    expect(found).toContainEqual('LANGUAGES_DIR: xc: needs both catalogs/xc.json and words/xc.json');
    expect(isLanguage('xa') || isLanguage('xb') || isLanguage('xc')).toBe(false);
  });

  it('a word that already means something else, a digit set the ICU locale does not write, a bad direction, a shipped code', () => {
    const dir = languagesFolder({
      'catalogs/xd.json': catalog(),
      'words/xd.json': words('xd', { dir: 'sideways' }),
      'catalogs/xf.json': catalog(),
      'words/xf.json': words('xf', { icu: 'ar-u-nu-arab', keywords: { stop: ['xf-stop'], start: ['xf-start'], help: ['xf-help'], skip: ['xf-skip'] }, numbers: italianWords.numbers.map((w) => w.map((x) => `xf-${x}`)) }),
      'catalogs/es.json': catalog(),
      'words/es.json': words('es'),
    });
    const found = problems({ LANGUAGES_DIR: dir });
    expect(found).toContainEqual('LANGUAGES_DIR: words/xd.json: dir: Invalid option: expected one of "ltr"|"rtl"');
    expect(found).toContainEqual('LANGUAGES_DIR: es: already a language (a business words its own survey through the dashboard or the API)');
    expect(found).toContainEqual('LANGUAGES_DIR: words/xf.json: digits: the first set is not what ar-u-nu-arab writes');
    // The same number in two languages is no clash ("nueve" is 9 in Spanish too); a STOP word that is English's SKIP is.
    const clashing = languagesFolder({ 'catalogs/xe.json': catalog(), 'words/xe.json': words('xe', { keywords: { ...italianWords.keywords, stop: ['basta', 'skip'] }, numbers: [['zero'], ['uno'], ['due'], ['tre'], ['quattro'], ['cinque'], ['sei'], ['sette'], ['otto'], ['nueve'], ['dieci']] }) });
    expect(problems({ LANGUAGES_DIR: clashing })).toEqual([
      'LANGUAGES_DIR: words/xe.json: "skip" is the STOP word in xe but already the SKIP word of en',
    ]);
  });

  it('a DEFAULT_LOCALE no language has', () => {
    expect(problems({ DEFAULT_LOCALE: 'xx' })).toEqual(['DEFAULT_LOCALE: unknown language "xx": use en, ar, es, pt, ur, it']);
  });

  it('a folder that is not there', () => {
    expect(problems({ LANGUAGES_DIR: '/nonexistent/languages' })).toEqual(['LANGUAGES_DIR: /nonexistent/languages/catalogs: no such folder', 'LANGUAGES_DIR: /nonexistent/languages/words: no such folder']);
  });
});
