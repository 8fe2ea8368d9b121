/** Fisher's exact test on a 2×2 table, one-sided. Pure; log-space sums, exact for any table size. */

const logFactorials: number[] = [0];

function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}

const logChoose = (n: number, k: number) => logFactorial(n) - logFactorial(k) - logFactorial(n - k);

/**
 * P(X ≥ a) for the table
 * ```
 *              with   without
 *   group 1     a       b
 *   group 2     c       d
 * ```
 * under independence with the margins fixed (X hypergeometric: a+b draws from a+b+c+d with a+c
 * marked): the one-sided p that group 1 has the feature more often than group 2.
 */
export function fisherGreater(a: number, b: number, c: number, d: number): number {
  for (const [name, v] of Object.entries({ a, b, c, d })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} ${v} is not a non-negative integer`);
  }
  const row1 = a + b;
  const marked = a + c;
  const n = a + b + c + d;
  const denominator = logChoose(n, row1);
  const top = Math.min(row1, marked);
  let p = 0;
  for (let x = a; x <= top; x++) p += Math.exp(logChoose(marked, x) + logChoose(n - marked, row1 - x) - denominator);
  return Math.min(1, p);
}
