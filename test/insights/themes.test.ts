import { describe, expect, it } from 'vitest';
import { commentTerms, commentThemes, normalizeWord, type ThemeComment } from '../../src/insights/themes.js';
import { normalUpperTail } from '../../src/scoring/index.js';

describe('comment terms', () => {
  it('keeps words and adjacent two-word phrases in English, without stop words or numbers', () => {
    expect(commentTerms('The delivery was LATE, late delivery again! 3 days', 'en')).toEqual(['delivery', 'late', 'late delivery', 'again', 'delivery again', 'days']);
  });

  it('folds Spanish accents and drops Spanish stop words', () => {
    expect(commentTerms('¡La entrega llegó tarde! Pésimo servicio.', 'es')).toEqual(['entrega', 'llego', 'entrega llego', 'tarde', 'llego tarde', 'pesimo', 'servicio', 'pesimo servicio']);
    expect(normalizeWord('Atención')).toBe('atencion');
  });

  it('segments Urdu, unifies Arabic letter forms and drops Urdu function words', () => {
    // "The food was very cold, the delivery came late"
    expect(commentTerms('کھانا بہت ٹھنڈا تھا، ڈیلیوری لیٹ آئی', 'ur')).toEqual(['کھانا', 'ٹھنڈا', 'ڈیلیوری', 'لیٹ', 'ڈیلیوری لیٹ']);
    expect(normalizeWord('\u0643\u064A')).toBe('\u06A9\u06CC'); // Arabic kaf + yeh → Urdu keheh + yeh
  });

  it('drops Portuguese and Arabic function words', () => {
    expect(commentTerms('A entrega foi muito lenta e não veio o troco', 'pt')).toEqual(['entrega', 'lenta', 'veio', 'troco']);
    // "The delivery was late and the food was cold"
    expect(commentTerms('كان التوصيل متأخرا و الطعام كان باردا', 'ar')).toEqual(['التوصيل', 'متاخرا', 'التوصيل متاخرا', 'الطعام', 'باردا'].map(normalizeWord));
    expect(normalizeWord('متأخرا')).toBe(normalizeWord('متاخرا'));
  });
});

describe('comment themes', () => {
  const c = (id: string, band: ThemeComment['band'], comment: string, locale: ThemeComment['locale'] = 'en', period = '2026-03-02'): ThemeComment => ({ id, band, comment, locale, period });
  const comments = [
    c('d1', 'detractor', 'late delivery, cold food'),
    c('d2', 'detractor', 'Late delivery again'),
    c('d3', 'detractor', 'entrega tarde, late delivery', 'es'),
    c('d4', 'detractor', 'rude staff, cold food'),
    c('p1', 'promoter', 'friendly staff'),
    c('p2', 'promoter', 'friendly staff, cold drinks'),
    c('p3', 'promoter', 'quick delivery'),
    c('p4', 'promoter', 'friendly and quick'),
    c('x1', 'detractor', 'late delivery', 'en', '2026-03-09'),
  ];

  it('ranks detractor themes against promoters by smoothed log-odds, with counts and comment ids, by hand', () => {
    const [detractors] = commentThemes(comments);
    expect(detractors).toMatchObject({ period: '2026-03-02', band: 'detractor', against: ['promoter'] });
    // "late delivery", "late" and "delivery"... in 3 of 4 detractor comments; "late" in 0 of 4 promoter comments:
    // log-odds ln(3.5/1.5) − ln(0.5/4.5) = 3.0445, SE sqrt(1/3.5 + 1/1.5 + 1/0.5 + 1/4.5) = 1.7817, z = 1.7087.
    // "delivery" is in one promoter comment: ln(3.5/1.5) − ln(1.5/3.5) = 1.6946, z = 1.6946 / sqrt(2/3.5 + 2/1.5) = 1.2287.
    const lateDelivery = Math.log(3.5 / 1.5) - Math.log(0.5 / 4.5);
    const z = lateDelivery / Math.sqrt(1 / 3.5 + 1 / 1.5 + 1 / 0.5 + 1 / 4.5);
    expect(detractors!.themes.map((t) => [t.term, t.count, t.of, t.otherCount, t.otherOf])).toEqual([
      ['late delivery', 3, 4, 0, 4],
      ['late', 3, 4, 0, 4],
      ['delivery', 3, 4, 1, 4],
    ]);
    expect(detractors!.themes[0]!.logOdds).toBeCloseTo(lateDelivery, 12);
    expect(detractors!.themes[0]!.z).toBeCloseTo(z, 12);
    expect(detractors!.themes[2]!.z).toBeCloseTo(Math.log(3.5 / 1.5 / (1.5 / 3.5)) / Math.sqrt(2 / 3.5 + 2 / 1.5), 12);
    expect(detractors!.themes[0]!.commentIds).toEqual(['d1', 'd2', 'd3']);
    // Adjusted p: one-sided p of z, Benjamini–Hochberg over the band's three terms with enough comments.
    // p = P(Z > 1.7087) = 0.0437 twice and P(Z > 1.2287) = 0.1096: the two smallest get min(3·0.0437/2, 0.1096) = 0.0656.
    const [pLate, pDelivery] = [normalUpperTail(z), normalUpperTail(Math.log(3.5 / 1.5 / (1.5 / 3.5)) / Math.sqrt(2 / 3.5 + 2 / 1.5))];
    expect(detractors!.themes.map((t) => t.adjustedP)).toEqual([expect.closeTo((3 * pLate) / 2, 12), expect.closeTo((3 * pLate) / 2, 12), expect.closeTo(pDelivery, 12)]);
    expect(detractors!.themes[0]!.adjustedP).toBeCloseTo(0.0656, 4);
    // "cold food" is in only 2 detractor comments: under the minimum of 3.
    expect(detractors!.themes.some((t) => t.term.startsWith('cold'))).toBe(false);
  });

  it('ranks promoter themes against detractors, and keeps periods apart', () => {
    const themes = commentThemes(comments);
    const promoters = themes.find((t) => t.band === 'promoter' && t.period === '2026-03-02')!;
    expect(promoters.themes.map((t) => [t.term, t.count, t.otherCount])).toEqual([['friendly', 3, 0]]);
    expect(themes.filter((t) => t.period === '2026-03-09').map((t) => [t.band, t.themes.length])).toEqual([['detractor', 0]]);
  });

  it('is deterministic: the same comments in another order give the same themes', () => {
    expect(commentThemes([...comments].reverse())).toEqual(commentThemes(comments));
  });
});
