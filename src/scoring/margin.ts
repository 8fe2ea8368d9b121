/** Two-sided 95 % normal quantile. */
export const Z95 = 1.96;

/** Standard error of a proportion p over n responses (fraction units): sqrt(p(1−p)/n). */
export function proportionStandardError(p: number, n: number): number {
  assertPositive(n);
  return Math.sqrt((p * (1 - p)) / n);
}

/**
 * Standard error of NPS as a fraction (−1..1): each response is +1, 0 or −1, so the trinomial
 * variance is (p_pro + p_det − (p_pro − p_det)²)/n.
 */
export function npsStandardError(pPromoters: number, pDetractors: number, n: number): number {
  assertPositive(n);
  const variance = (pPromoters + pDetractors - (pPromoters - pDetractors) ** 2) / n;
  // Mathematically ≥ 0; the clamp only guards against a rounding residue below zero.
  return Math.sqrt(Math.max(0, variance));
}

/** Standard error of a mean: s/sqrt(n), with s the sample standard deviation. */
export function meanStandardError(sampleStdDev: number, n: number): number {
  assertPositive(n);
  return sampleStdDev / Math.sqrt(n);
}

/** Half-width of the 95 % confidence interval for a standard error. */
export function marginOfError(standardError: number): number {
  return Z95 * standardError;
}

function assertPositive(n: number): void {
  if (!(n > 0)) throw new RangeError(`sample size ${n} must be positive`);
}

/** Rounds to one decimal for display, halves away from zero, and never shows −0. */
export function round1(x: number): number;
export function round1(x: null): null;
export function round1(x: number | null): number | null;
export function round1(x: number | null): number | null {
  if (x === null) return null;
  return (Math.sign(x) * Math.round(Math.abs(x) * 10)) / 10 + 0;
}
