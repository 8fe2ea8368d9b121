import { describe, expect, it } from 'vitest';
import { countSegments } from '../../../src/channels/sms/segments.js';
import { promptsFor, type Band, type Locale, type SurveyKind } from '../../../src/dialogs/index.js';

describe('countSegments', () => {
  it.each([
    ['empty', '', { encoding: 'GSM-7', segments: 1, characters: 0 }],
    ['160 GSM-7 characters', 'a'.repeat(160), { encoding: 'GSM-7', segments: 1, characters: 160 }],
    ['161 GSM-7 characters', 'a'.repeat(161), { encoding: 'GSM-7', segments: 2, characters: 161 }],
    ['two full parts', 'a'.repeat(306), { encoding: 'GSM-7', segments: 2, characters: 306 }],
    ['one over two parts', 'a'.repeat(307), { encoding: 'GSM-7', segments: 3, characters: 307 }],
    ['GSM accents and symbols', 'Café £5, 50% off! @home ¿sí? Ñandú §1', { encoding: 'UCS-2', segments: 1, characters: 37 }],
    ['basic-table accents only', 'Café £5 @home ¿Qué? Ñ ü à', { encoding: 'GSM-7', segments: 1, characters: 25 }],
    ['extension characters count two', '€'.repeat(80), { encoding: 'GSM-7', segments: 1, characters: 160 }],
    ['one extension character tips it over', `€${'a'.repeat(159)}`, { encoding: 'GSM-7', segments: 2, characters: 161 }],
    ['every extension character', '^{}\\[~]|€\f', { encoding: 'GSM-7', segments: 1, characters: 20 }],
    ['an escape pair is not split across parts', `${'a'.repeat(152)}€${'a'.repeat(152)}`, { encoding: 'GSM-7', segments: 3, characters: 306 }],
    ['a curly quote switches to UCS-2', 'It’s done', { encoding: 'UCS-2', segments: 1, characters: 9 }],
    ['70 UCS-2 units', `’${'a'.repeat(69)}`, { encoding: 'UCS-2', segments: 1, characters: 70 }],
    ['71 UCS-2 units', `’${'a'.repeat(70)}`, { encoding: 'UCS-2', segments: 2, characters: 71 }],
    ['two full UCS-2 parts', `’${'a'.repeat(133)}`, { encoding: 'UCS-2', segments: 2, characters: 134 }],
    ['one over two UCS-2 parts', `’${'a'.repeat(134)}`, { encoding: 'UCS-2', segments: 3, characters: 135 }],
    ['an emoji is two code units', '👍', { encoding: 'UCS-2', segments: 1, characters: 2 }],
    ['a surrogate pair is not split across parts', `${'a'.repeat(66)}👍${'a'.repeat(66)}`, { encoding: 'UCS-2', segments: 3, characters: 134 }],
    ['lower-case ç is not GSM-7 (only Ç is)', 'ç', { encoding: 'UCS-2', segments: 1, characters: 1 }],
    ['Urdu', 'شکریہ!', { encoding: 'UCS-2', segments: 1, characters: 6 }],
  ] as const)('%s', (_name, text, expected) => {
    expect(countSegments(text)).toEqual(expected);
  });
});

/**
 * What one survey costs in outbound segments with the real prompts (business "Our shop", no customer
 * name, no context): invitation, follow-up, thank-you; the reminder only when one is sent. The README
 * quotes these numbers; when a prompt changes, update both.
 */
describe('segments per survey with the shipped prompts', () => {
  const vars = { business: 'Our shop' };
  const segments = (text: string) => countSegments(text).segments;
  const survey = (locale: Locale, kind: SurveyKind, band: Band) => {
    const p = promptsFor(locale);
    return segments(p.invitation(kind, vars)) + segments(p.followUp(kind, band)) + segments(p.thankYou(band, vars));
  };

  it('keeps every English prompt in one GSM-7 segment', () => {
    const p = promptsFor('en');
    for (const kind of ['nps', 'csat', 'ces'] as const) {
      for (const text of [p.invitation(kind, vars), p.reminder(kind, vars), p.followUp(kind, 'passive'), p.thankYou('passive', vars)]) {
        expect(countSegments(text), text).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      }
    }
  });

  it.each([
    // locale, kind, detractor, promoter, reminder
    ['en', 'nps', 3, 3, 1],
    ['en', 'csat', 3, 3, 1],
    ['en', 'ces', 3, 3, 1],
    ['es', 'nps', 4, 4, 1],
    ['es', 'csat', 5, 5, 2],
    ['es', 'ces', 6, 6, 3],
    ['ur', 'nps', 7, 6, 3],
    ['ur', 'csat', 6, 5, 2],
    ['ur', 'ces', 7, 6, 3],
    ['pt', 'nps', 4, 4, 2],
    ['pt', 'csat', 4, 4, 2],
    ['pt', 'ces', 5, 4, 3],
    ['ar', 'nps', 5, 4, 2],
    ['ar', 'csat', 5, 4, 2],
    ['ar', 'ces', 5, 5, 2],
  ] as const)('%s %s: %i segments (detractor), %i (promoter), reminder %i', (locale, kind, detractor, promoter, reminder) => {
    expect(survey(locale, kind, 'detractor')).toBe(detractor);
    expect(survey(locale, kind, 'promoter')).toBe(promoter);
    expect(segments(promptsFor(locale).reminder(kind, vars))).toBe(reminder);
  });

  it('sends Urdu as UCS-2', () => {
    expect(countSegments(promptsFor('ur').invitation('nps', vars))).toEqual({ encoding: 'UCS-2', segments: 3, characters: 150 });
  });
});
