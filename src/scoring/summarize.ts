import type { SurveyKind } from '../domain/surveys.js';
import { ces, type CesSummary } from './ces.js';
import { csat, type CsatSummary } from './csat.js';
import type { Histogram } from './histogram.js';
import { nps, type NpsSummary } from './nps.js';

export interface SummaryByKind {
  nps: NpsSummary;
  csat: CsatSummary;
  ces: CesSummary;
}
export type Summary = SummaryByKind[SurveyKind];

const summarizers: { [K in SurveyKind]: (h: Histogram) => SummaryByKind[K] } = { nps, csat, ces };

export function summarize<K extends SurveyKind>(kind: K, h: Histogram): SummaryByKind[K] {
  return summarizers[kind](h);
}
