import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { ownerWords, withoutIsolates, type OwnerWords } from '../dialogs/prompts/owner-words.js';
import { surveyKinds, type SurveyKind } from '../dialogs/types.js';
import { summarize } from '../scoring/index.js';
import type { Store } from '../store/index.js';
import { shiftWeek } from '../domain/calendar.js';
import { readRollups } from '../store/rollup-counts.js';

export const trendWeeks = 12;

/** One line of the chart: a kind's weekly score (null where the week had no answers). */
export interface TrendSeries {
  kind: SurveyKind;
  points: Array<number | null>;
}

const colors: Record<SurveyKind, string> = { nps: '#0f766e', csat: '#b45309', ces: '#4338ca' };
/** Every score is drawn on one axis: NPS −100..100, CSAT and CES (% easy) 0..100. */
const yMin = -100;
const yMax = 100;

/** The last `trendWeeks` weeks ending with `lastWeek`, oldest first, from the rollup counters. */
export async function trendSeries(store: Store, businessId: string, lastWeek: string): Promise<{ weeks: string[]; series: TrendSeries[] }> {
  const weeks = Array.from({ length: trendWeeks }, (_, i) => shiftWeek(lastWeek, i - (trendWeeks - 1)));
  const counts = await readRollups(store, businessId, { from: weeks[0]!, to: lastWeek }, { allCohortOnly: true });
  const series = surveyKinds
    .map((kind) => ({ kind, points: weeks.map((w) => summarize(kind, counts.get(kind, w).histogram).score) }))
    .filter((s) => s.points.some((p) => p !== null));
  return { weeks, series };
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Chart size: about the width a phone shows a picture in a chat at twice its pixels, so its text stays legible there. */
export const chartSize = { width: 640, height: 400 };
/** Each kind's own marker (data points carry `data-kind`; the legend's do not). */
const markers: Record<SurveyKind, (cx: number, cy: number, color: string, tag: string) => string> = {
  nps: (cx, cy, color, tag) => `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5" fill="${color}"${tag}/>`,
  csat: (cx, cy, color, tag) => `<rect x="${(cx - 4.5).toFixed(1)}" y="${(cy - 4.5).toFixed(1)}" width="9" height="9" fill="${color}"${tag}/>`,
  ces: (cx, cy, color, tag) => `<path d="M${cx.toFixed(1)},${(cy - 6).toFixed(1)} l6,6 l-6,6 l-6,-6 z" fill="${color}"${tag}/>`,
};
const dashes: Record<SurveyKind, string> = { nps: '', csat: ' stroke-dasharray="10 5"', ces: ' stroke-dasharray="3 4"' };
/** Lines drawn apart by this much, so equal values of two kinds show as two lines, not one. */
const dodge = 4;
const labelOf = (kind: SurveyKind, w: OwnerWords) => (kind === 'ces' ? w.t('digest.chartCes') : kind.toUpperCase());
const shortDate = (week: string, w: OwnerWords) =>
  new Date(`${week}T00:00:00Z`).toLocaleDateString(w.locale === 'en' ? 'en-US' : w.icu, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const english = ownerWords('en');

/**
 * The chart as SVG: pure, so it is tested without rendering. The legend sits under the plot, never
 * on the data, with each kind's latest score; the latest week is drawn inside the plot, not on its
 * edge; kinds with equal scores are drawn a few pixels apart, each with its own marker and dash;
 * week labels go every other week counted back from the latest, so the last ones never crowd.
 * Labels, dates and numbers are in the owner's language (Urdu digits for Urdu).
 */
export function trendSvg(weeks: readonly string[], series: readonly TrendSeries[], title: string, w: OwnerWords = english): string {
  const num = (n: number) => withoutIsolates(w.number(n, 0));
  const { width, height } = chartSize;
  const left = 56;
  const right = 36;
  const top = 48;
  const bottom = 96;
  const plotBottom = height - bottom;
  const x = (i: number) => left + (i * (width - left - right)) / Math.max(1, weeks.length - 1);
  const y = (v: number) => top + ((yMax - v) * (plotBottom - top)) / (yMax - yMin);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="30" font-size="20" font-weight="bold" fill="#1f2328">${escape(title)}</text>`,
  ];
  for (const v of [-100, -50, 0, 50, 100]) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 0 ? '#9ca3af' : '#e5e7eb'}"/>`);
    parts.push(`<text x="${left - 8}" y="${y(v) + 5}" font-size="14" text-anchor="end" fill="#4b5563">${num(v)}</text>`);
  }
  weeks.forEach((week, i) => {
    if ((weeks.length - 1 - i) % 2 !== 0) return;
    parts.push(`<text x="${x(i)}" y="${plotBottom + 24}" font-size="14" text-anchor="middle" fill="#4b5563" data-week="${week}">${escape(shortDate(week, w))}</text>`);
  });
  series.forEach((s, n) => {
    const color = colors[s.kind];
    const shift = (n - (series.length - 1) / 2) * dodge;
    const at = (i: number, p: number) => [x(i), y(p) + shift] as const;
    // A gap in the data breaks the line rather than drawing a slope through a week with no answers.
    let path = '';
    const points: string[] = [];
    s.points.forEach((p, i) => {
      if (p === null) return;
      const [cx, cy] = at(i, p);
      path += `${s.points[i - 1] === null || i === 0 ? 'M' : 'L'}${cx.toFixed(1)},${cy.toFixed(1)} `;
      points.push(markers[s.kind](cx, cy, color, ` data-kind="${s.kind}"`));
    });
    parts.push(`<path d="${path.trim()}" fill="none" stroke="${color}" stroke-width="2.5"${dashes[s.kind]}/>`, ...points);
    // The legend, under the plot: marker, name and the latest score.
    const lx = left + n * ((width - left - right) / 3);
    const ly = plotBottom + 62;
    const latest = [...s.points].reverse().find((p) => p !== null);
    parts.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly - 5}" y2="${ly - 5}" stroke="${color}" stroke-width="2.5"${dashes[s.kind]}/>`, markers[s.kind](lx + 14, ly - 5, color, ''));
    parts.push(`<text x="${lx + 36}" y="${ly}" font-size="15" fill="${color}" data-legend="${s.kind}">${escape(labelOf(s.kind, w))} ${latest === undefined ? '-' : num(Math.round(latest))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The fonts the chart is drawn with: DejaVu Sans, regular and bold (Latin, Greek, Cyrillic, Arabic,
 * 25 of Urdu's 27 letters), from the product's own dependencies and never the host's. A slim
 * container image has no fonts at all, and the chart drawn with the host's had no words or numbers
 * there; loading every font of a host that has many also cost each chart its parsing.
 */
export const chartFontFiles: readonly string[] = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) => createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${file}`));

export function svgToPng(svg: string): Buffer {
  const font = { loadSystemFonts: false, fontFiles: [...chartFontFiles], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };
  return new Resvg(svg, { font, background: '#ffffff' }).render().asPng();
}

/** The 12-week trend as a PNG in the owner's language, or undefined when there is nothing to draw. */
export async function trendChart(store: Store, businessId: string, lastWeek: string, w: OwnerWords = english): Promise<{ png: Buffer; alt: string } | undefined> {
  const { weeks, series } = await trendSeries(store, businessId, lastWeek);
  if (series.length === 0) return undefined;
  const latest = w.list(series.map((s) => `${s.kind.toUpperCase()} ${s.points.at(-1) === null ? w.t('digest.chartNone') : w.number(Math.round(s.points.at(-1)!), 0)}`));
  const count = w.number(trendWeeks, 0);
  return { png: svgToPng(trendSvg(weeks, series, withoutIsolates(w.t('digest.chartTitle', { weeks: count })), w)), alt: w.t('digest.chartAlt', { weeks: count, latest }) };
}
