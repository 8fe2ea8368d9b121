import { describe, expect, it } from 'vitest';
import { svgToPng, trendSvg } from '../../src/digest/trend-chart.js';

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
    const svg = trendSvg(weeks, [{ kind: 'csat', points: [0, 50, 100, null] }], 't');
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    expect(ys[0]).toBeGreaterThan(ys[1]!);
    expect(ys[1]).toBeGreaterThan(ys[2]!);
  });

  it('renders a PNG of the chart size', () => {
    const png = svgToPng(trendSvg(weeks, [{ kind: 'ces', points: [20, 30, 40, 50] }], 't'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(640); // IHDR width
    expect(png.readUInt32BE(20)).toBe(320); // IHDR height
  });
});
