/** What a provider fake saw of a campaign: send times, and the addresses sent to. */

/** Most times within any window of `ms` (half-open [t, t + ms)), as a provider counting by the second sees it. */
export function busiestWindow(times: readonly number[], ms = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let from = 0;
  for (let to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= ms) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

/** The starts (an arrival each) of the windows of `ms` that hold more than `limit` times: where a provider would count too many. */
export function windowsAbove(times: readonly number[], limit: number, ms = 1000): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  const starts: number[] = [];
  let to = 0;
  for (let from = 0; from < sorted.length; from++) {
    while (to < sorted.length && sorted[to]! - sorted[from]! < ms) to++;
    if (to - from > limit) starts.push(sorted[from]!);
  }
  return starts;
}

/** Sends per second from the first to the last (0 for fewer than two). */
export function ratePerSecond(times: readonly number[]): number {
  if (times.length < 2) return 0;
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  return span > 0 ? (times.length - 1) / span : 0;
}

/** Addresses never sent to, and sends beyond the first to an address. */
export function lostAndDuplicated(addresses: readonly string[], sentTo: readonly string[]): { lost: number; duplicated: number } {
  const counts = new Map<string, number>();
  for (const to of sentTo) counts.set(to, (counts.get(to) ?? 0) + 1);
  const lost = addresses.filter((a) => !counts.has(a)).length;
  const duplicated = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
  return { lost, duplicated };
}
