export {
  addHistograms,
  bandOf,
  histogramFromScores,
  histogramTotal,
  meanScore,
  scoreRange,
  type Histogram,
  type ScoreRange,
} from './histogram.js';
export { nps, type NpsSummary } from './nps.js';
export { csat, type CsatSummary } from './csat.js';
export { ces, type CesSummary } from './ces.js';
export {
  marginOfError,
  meanStandardError,
  npsStandardError,
  proportionStandardError,
  round1,
  Z95,
} from './margin.js';
export { summarize, type Summary, type SummaryByKind } from './summarize.js';
export { compare, type Comparison } from './compare.js';
export { median, rates, type FunnelCounts, type FunnelRates } from './rates.js';
export { adjustedPs, adjustFamily, benjaminiHochberg, insightAlpha, normalUpperTail, scoreCounts, significanceRule, testCounts, testDifference, twoSidedP, type CountsTest, type DifferenceTest, type ScoreCounts } from './significance.js';
