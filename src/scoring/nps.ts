import { bandCounts, type Histogram } from './histogram.js';
import { marginOfError, npsStandardError } from './margin.js';

export interface NpsSummary {
  kind: 'nps';
  n: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** %promoters − %detractors, −100..100; null without responses. */
  score: number | null;
  /** 95 % margin of error in NPS points; null without responses. */
  marginOfError: number | null;
}

/** NPS = %promoters (9-10) − %detractors (0-6); passives (7-8) count only in n. */
export function nps(h: Histogram): NpsSummary {
  const { promoter: promoters, passive: passives, detractor: detractors } = bandCounts('nps', h);
  const n = promoters + passives + detractors;
  if (n === 0) {
    return { kind: 'nps', n, promoters, passives, detractors, score: null, marginOfError: null };
  }
  const pPro = promoters / n;
  const pDet = detractors / n;
  return {
    kind: 'nps',
    n,
    promoters,
    passives,
    detractors,
    score: (pPro - pDet) * 100,
    // MoE = 1.96·sqrt((p_pro + p_det − (p_pro − p_det)²)/n)·100
    marginOfError: marginOfError(npsStandardError(pPro, pDet, n)) * 100,
  };
}
