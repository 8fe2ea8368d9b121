import { Resvg } from '@resvg/resvg-js';
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

/** The chart as SVG: pure, so it is tested without rendering. */
export function trendSvg(weeks: readonly string[], series: readonly TrendSeries[], title: string): string {
  const width = 640;
  const height = 320;
  const left = 48;
  const right = 16;
  const top = 40;
  const bottom = 40;
  const x = (i: number) => left + (i * (width - left - right)) / Math.max(1, weeks.length - 1);
  const y = (v: number) => top + ((yMax - v) * (height - top - bottom)) / (yMax - yMin);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="bold" fill="#1f2328">${escape(title)}</text>`,
  ];
  for (const v of [-100, -50, 0, 50, 100]) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 0 ? '#9ca3af' : '#e5e7eb'}"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="#6b7280">${v}</text>`);
  }
  weeks.forEach((week, i) => {
    if (i % 2 === weeks.length % 2 || i === weeks.length - 1) {
      parts.push(`<text x="${x(i)}" y="${height - bottom + 18}" font-size="10" text-anchor="middle" fill="#6b7280">${week.slice(5)}</text>`);
    }
  });
  series.forEach((s, n) => {
    const color = colors[s.kind];
    // A gap in the data breaks the line rather than drawing a slope through a week with no answers.
    let path = '';
    s.points.forEach((p, i) => {
      if (p === null) return;
      path += `${s.points[i - 1] === null || i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p).toFixed(1)} `;
      parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(p).toFixed(1)}" r="3" fill="${color}" data-kind="${s.kind}"/>`);
    });
    parts.push(`<path d="${path.trim()}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const label = s.kind === 'ces' ? 'CES % easy' : s.kind.toUpperCase();
    parts.push(`<text x="${width - right - 110}" y="${24 + n * 14}" font-size="12" fill="${color}">● ${label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { font: { loadSystemFonts: true }, background: '#ffffff' }).render().asPng();
}

/** The 12-week trend as a PNG, or undefined when there is nothing to draw. */
export async function trendChart(store: Store, businessId: string, lastWeek: string): Promise<{ png: Buffer; alt: string } | undefined> {
  const { weeks, series } = await trendSeries(store, businessId, lastWeek);
  if (series.length === 0) return undefined;
  const latest = series.map((s) => `${s.kind.toUpperCase()} ${s.points.at(-1) === null ? 'n/a' : Math.round(s.points.at(-1)!)}`).join(', ');
  return { png: svgToPng(trendSvg(weeks, series, `Last ${trendWeeks} weeks`)), alt: `Score trend, last ${trendWeeks} weeks: ${latest}` };
}
