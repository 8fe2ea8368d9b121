import { Resvg } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { chartFontFiles, svgToPng, trendSvg } from '../../src/digest/trend-chart.js';

const weeks = ['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26'];

describe('trend chart', () => {
  it('draws one point per week with answers and breaks the line at a gap', () => {
    const svg = trendSvg(weeks, [{ kind: 'nps', points: [10, null, -20, 40] }], 'Last 4 weeks');
    expect(svg.match(/data-kind="nps"/g)).toHaveLength(3);
    const path = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    // Two line pieces: week 1 alone, then weeks 3-4.
    expect(path.match(/M/g)).toHaveLength(2);
    expect(path.match(/L/g)).toHaveLength(1);
    expect(svg).toContain('Last 4 weeks');
  });

  it('puts higher scores higher on the chart', () => {
    const svg = trendSvg(weeks, [{ kind: 'nps', points: [0, 50, 100, null] }], 't');
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"[^>]*data-kind/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    expect(ys[0]).toBeGreaterThan(ys[1]!);
    expect(ys[1]).toBeGreaterThan(ys[2]!);
  });

  it('renders a PNG of the chart size', () => {
    const png = svgToPng(trendSvg(weeks, [{ kind: 'ces', points: [20, 30, 40, 50] }], 't'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(640); // IHDR width
    expect(png.readUInt32BE(20)).toBe(400); // IHDR height
  });

  /** Dark pixels in the title's band (the top 40 pixels): the title's letters. */
  const titleInk = (png: Buffer) => {
    const { data, width } = PNG.sync.read(png);
    let dark = 0;
    for (let i = 0; i < width * 40 * 4; i += 4) if (data[i]! < 128 && data[i + 1]! < 128 && data[i + 2]! < 128) dark++;
    return dark;
  };

  it('draws its words with the fonts it ships, not the host\'s: a host without fonts still gets the title, in Latin and Arabic script', () => {
    // A host without fonts, as a slim container image is: resvg draws no letter at all.
    const svg = trendSvg(weeks, [{ kind: 'nps', points: [20, 30, 40, 50] }], 'Last 12 weeks');
    expect(titleInk(new Resvg(svg, { font: { loadSystemFonts: false }, background: '#ffffff' }).render().asPng())).toBe(0);
    // The chart's own renderer loads only the font files of its dependency.
    expect(chartFontFiles.length).toBeGreaterThan(0);
    for (const file of chartFontFiles) expect(file).toMatch(/node_modules\/dejavu-fonts-ttf\/ttf\/DejaVuSans[-\w]*\.ttf$/);
    expect(titleInk(svgToPng(svg))).toBeGreaterThan(200);
    expect(titleInk(svgToPng(trendSvg(weeks, [{ kind: 'nps', points: [20, 30, 40, 50] }], 'آخر 12 أسبوعًا')))).toBeGreaterThan(200);
    expect(titleInk(svgToPng(trendSvg(weeks, [{ kind: 'nps', points: [20, 30, 40, 50] }], '')))).toBe(0);
  });
});

describe('trend chart readability', () => {
  const twelve = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2025, 11, 22 + 7 * i)).toISOString().slice(0, 10));
  const flat = (v: number) => twelve.map(() => v);
  const svg = trendSvg(twelve, [{ kind: 'nps', points: flat(100) }, { kind: 'csat', points: flat(100) }, { kind: 'ces', points: flat(100) }], 'Last 12 weeks');
  const pointsOf = (kind: string) =>
    [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*data-kind="(\w+)"|<rect x="([\d.]+)" y="([\d.]+)" width="9"[^>]*data-kind="(\w+)"|<path d="M([\d.]+),([\d.]+) l6[^>]*data-kind="(\w+)"/g)]
      .map((m) => (m[3] ? { kind: m[3], x: Number(m[1]), y: Number(m[2]) } : m[6] ? { kind: m[6], x: Number(m[4]) + 4.5, y: Number(m[5]) + 4.5 } : { kind: m[9]!, x: Number(m[7]), y: Number(m[8]) + 6 }))
      .filter((p) => p.kind === kind);

  it('keeps the legend off the data: under the plot, with each kind\'s latest score', () => {
    const legend = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)"[^>]*data-legend="(\w+)">([^<]*)</g)];
    expect(legend.map((m) => m[3])).toEqual(['NPS 100', 'CSAT 100', 'CES % easy 100']);
    const lowestPoint = Math.max(...['nps', 'csat', 'ces'].flatMap((k) => pointsOf(k).map((p) => p.y)));
    const labels = [...svg.matchAll(/<text x="[\d.]+" y="([\d.]+)"[^>]*data-week/g)].map((m) => Number(m[1]));
    for (const m of legend) expect(Number(m[1])).toBeGreaterThan(Math.max(lowestPoint, ...labels) + 15);
  });

  it('draws the latest week inside the plot, not on its edge', () => {
    const last = pointsOf('nps').at(-1)!;
    expect(last.x).toBeLessThanOrEqual(640 - 30);
  });

  it('draws equal scores of different kinds apart, so none hides another', () => {
    const [nps, csat, ces] = ['nps', 'csat', 'ces'].map((k) => pointsOf(k).at(-1)!.y);
    expect(new Set([nps, csat, ces]).size).toBe(3);
    expect(Math.abs(nps! - ces!)).toBeLessThan(12); // apart by pixels, still at the same value
  });

  it('labels every other week counted back from the latest, so the last labels never crowd', () => {
    const labels = [...svg.matchAll(/<text x="([\d.]+)"[^>]*data-week="([\d-]+)">([^<]*)</g)];
    expect(labels.at(-1)?.[2]).toBe(twelve.at(-1));
    expect(labels.at(-1)?.[3]).toBe('Mar 9');
    const xs = labels.map((m) => Number(m[1]));
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThan(80);
  });
});
