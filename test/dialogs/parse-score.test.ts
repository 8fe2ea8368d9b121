import { describe, expect, it } from 'vitest';
import { parseChoice, parseScore } from '../../src/dialogs/index.js';
import type { SurveyKind } from '../../src/dialogs/index.js';

type Expected = number | 'empty' | 'no_number' | 'out_of_range' | 'ambiguous';

const cases: [SurveyKind, string, Expected][] = [
  // plain digits and decoration
  ['nps', '9', 9],
  ['nps', ' 9 ', 9],
  ['nps', '0', 0],
  ['nps', '10', 10],
  ['nps', '10!!', 10],
  ['nps', '8.', 8],
  ['nps', '"7"', 7],
  ['nps', '(6)', 6],
  ['nps', 'score: 7', 7],
  ['nps', "I'd say 8", 8],
  ['nps', 'Definitely a 10, loved it', 10],
  ['nps', '9 👍', 9],
  ['nps', '9️⃣', 9],
  ['nps', '🔟', 10],
  ['nps', '９', 9],
  // one number written with its scale
  ['nps', '9/10', 9],
  ['nps', '9 / 10', 9],
  ['nps', '9 out of 10', 9],
  ['nps', 'nine out of ten', 9],
  ['nps', '10/10', 10],
  ['nps', '8 de 10', 8],
  // Arabic: Arab-Indic digits, words with or without teh marbuta and hamza, "out of" as من or على
  ['nps', '٩', 9],
  ['nps', 'تسعة', 9],
  ['nps', 'تسعه', 9],
  ['nps', 'أربعة', 4],
  ['nps', 'اربعه', 4],
  ['nps', '٩ من ١٠', 9],
  ['nps', '8 على 10', 8],
  ['csat', 'خمسة', 5],
  // Brazilian Portuguese
  ['nps', 'nove', 9],
  ['nps', 'nota dez', 10],
  ['csat', 'três', 3],
  ['nps', 'dou 7 de 10', 7],
  // "um" (Portuguese one) is not read: English speakers type it as a pause
  ['nps', 'um, 8', 8],
  ['nps', '7 sobre 10', 7],
  ['csat', '4/5', 4],
  ['csat', '4 out of 5', 4],
  ['ces', '6/7', 6],
  ['nps', '۱۰ میں سے ۹', 9],
  // words
  ['nps', 'nine', 9],
  ['nps', 'NINE!', 9],
  ['nps', 'Zero.', 0],
  ['nps', 'ten', 10],
  ['nps', 'nueve', 9],
  ['nps', 'Diez', 10],
  ['nps', 'cero', 0],
  ['nps', 'un ocho', 8],
  ['nps', 'نو', 9],
  ['nps', 'دس', 10],
  ['nps', 'صفر', 0],
  ['csat', 'پانچ', 5],
  ['csat', 'four', 4],
  // other scripts' digits
  ['nps', '٩', 9],
  ['nps', '۹', 9],
  ['nps', '۱۰', 10],
  ['nps', '٨ ', 8],
  ['csat', '۵', 5],
  ['ces', '۷', 7],
  // stars
  ['csat', '⭐⭐⭐⭐', 4],
  ['csat', '★★★★★', 5],
  ['csat', '⭐️⭐️⭐️', 3],
  ['csat', '4 stars', 4],
  ['csat', '5 ⭐', 5],
  ['nps', '⭐⭐⭐⭐⭐⭐⭐', 7],
  ['ces', '★★★★★★', 6],
  ['csat', '⭐⭐⭐⭐⭐⭐', 'out_of_range'],
  // the same number twice is still one answer
  ['nps', '9, 9', 9],
  ['nps', '9 nine', 9],
  // out of range
  ['nps', '11', 'out_of_range'],
  ['nps', '-1', 'out_of_range'],
  ['nps', '100', 'out_of_range'],
  ['csat', '0', 'out_of_range'],
  ['csat', '8', 'out_of_range'],
  ['csat', 'six', 'out_of_range'],
  ['csat', '9/10', 'out_of_range'],
  ['ces', '8', 'out_of_range'],
  ['ces', '0', 'out_of_range'],
  ['nps', '4/5', 'out_of_range'],
  // more than one answer
  ['nps', '7 or 8', 'ambiguous'],
  ['nps', '7-8', 'ambiguous'],
  ['nps', '7 - 8', 'ambiguous'],
  ['nps', 'between 6 and 7', 'ambiguous'],
  ['nps', 'seven or eight', 'ambiguous'],
  ['csat', '3 or 4', 'ambiguous'],
  ['nps', '8.5', 'ambiguous'],
  ['nps', '8,5', 'ambiguous'],
  // nothing to read
  ['nps', '', 'empty'],
  ['nps', '   ', 'empty'],
  ['nps', '👍', 'no_number'],
  ['csat', '👍', 'no_number'],
  ['nps', 'great service', 'no_number'],
  ['nps', 'ninety', 'no_number'],
  ['nps', 'no', 'no_number'],
];

describe('parseScore', () => {
  it('has a large table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)('%s %j → %s', (kind, text, expected) => {
    const result = parseScore(kind, text);
    if (typeof expected === 'number') expect(result).toEqual({ ok: true, score: expected });
    else expect(result).toEqual({ ok: false, reason: expected });
  });
});

describe('parseChoice', () => {
  it.each<[SurveyKind, string, Expected]>([
    ['nps', '9', 9],
    ['nps', '0', 0],
    ['nps', '10', 10],
    ['csat', '5', 5],
    ['ces', '7', 7],
    ['nps', '11', 'out_of_range'],
    ['csat', '0', 'out_of_range'],
    ['ces', '8', 'out_of_range'],
    ['nps', '', 'empty'],
    ['nps', 'nine', 'no_number'],
    ['nps', '-1', 'no_number'],
    ['nps', '۹', 'no_number'],
  ])('%s %j → %s', (kind, value, expected) => {
    const result = parseChoice(kind, value);
    if (typeof expected === 'number') expect(result).toEqual({ ok: true, score: expected });
    else expect(result).toEqual({ ok: false, reason: expected });
  });
});
