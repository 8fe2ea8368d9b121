/**
 * Counts of one cohort of invitations (surveys sent in the same weeks), read from the rollup
 * counters of the same names.
 */
export interface FunnelCounts {
  /** Surveys sent (created and queued for the customer, sent now or at the send window). */
  sent: number;
  /** Surveys that got a score. */
  scored: number;
  /** Scored surveys that finished: commented, skipped the comment, or expired at the comment step. */
  completed: number;
  /** Surveys that ended without a score: expired, opted out, or two unreadable answers. */
  endedUnscored: number;
}

/** Rates as fractions 0..1 (not percent); null when the denominator is 0. */
export interface FunnelRates {
  /** scored / sent */
  responseRate: number | null;
  /** completed / sent */
  completionRate: number | null;
  /** endedUnscored / sent: surveys that ended without a score. Surveys still waiting for one count in neither. */
  abandonmentRate: number | null;
}

/**
 * Funnel rates of one cohort. The counts must describe the same invitations, so completed ≤
 * scored and scored + endedUnscored ≤ sent; anything else is a counting error and is rejected, not clamped.
 */
export function rates({ sent, scored, completed, endedUnscored }: FunnelCounts): FunnelRates {
  for (const [name, value] of Object.entries({ sent, scored, completed, endedUnscored })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} ${value} is not a non-negative integer`);
  }
  if (completed > scored || scored + endedUnscored > sent) {
    throw new RangeError(`expected completed ≤ scored and scored + endedUnscored ≤ sent, got completed ${completed}, scored ${scored}, endedUnscored ${endedUnscored}, sent ${sent}`);
  }
  return {
    responseRate: sent === 0 ? null : scored / sent,
    completionRate: sent === 0 ? null : completed / sent,
    abandonmentRate: sent === 0 ? null : endedUnscored / sent,
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
