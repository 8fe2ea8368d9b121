/** Counts for one cohort of invitations: a survey is "started" once it got a score. */
export interface FunnelCounts {
  sent: number;
  started: number;
  completed: number;
}

/** Rates as fractions 0..1 (not percent); null when the denominator is 0. */
export interface FunnelRates {
  /** started / sent */
  responseRate: number | null;
  /** completed / sent */
  completionRate: number | null;
  /** (started − completed) / started: scored but never finished (no comment step done). */
  abandonmentRate: number | null;
}

/**
 * Funnel rates of one cohort. The counts must describe the same invitations, so
 * completed ≤ started ≤ sent; anything else is a counting error and is rejected, not clamped.
 */
export function rates({ sent, started, completed }: FunnelCounts): FunnelRates {
  for (const [name, value] of Object.entries({ sent, started, completed })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} ${value} is not a non-negative integer`);
  }
  if (started > sent || completed > started) {
    throw new RangeError(`expected completed ≤ started ≤ sent, got ${completed}, ${started}, ${sent}`);
  }
  return {
    responseRate: sent === 0 ? null : started / sent,
    completionRate: sent === 0 ? null : completed / sent,
    abandonmentRate: started === 0 ? null : (started - completed) / started,
  };
}

/** Median (mean of the two middle values for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('median needs finite numbers');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid];
  if (upper === undefined) return null;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}
