/**
 * The suite's figures: one line each on stdout (`forged webhooks: tried 300, refused 300`), and the
 * checks behind them. A check that waits on another issue prints `PENDING (#n)` instead of failing,
 * and says so when it starts to hold.
 */
import { expect } from 'vitest';

export function figure(line: string): void {
  console.log(line);
}

/** `name: tried N, refused M`, and a failure unless every try was refused. */
export function expectAllRefused(name: string, tried: number, refused: number, examples: string[] = []): void {
  figure(`${name}: tried ${tried}, refused ${refused}`);
  for (const example of examples.slice(0, 200)) figure(`  not refused: ${example}`);
  expect(tried).toBeGreaterThan(0);
  expect(refused, `${name}: ${examples.slice(0, 3).join('; ')}`).toBe(tried);
}

/** Each named count must be 0. */
export function expectZero(name: string, counts: Record<string, number>): void {
  expect(counts, name).toEqual(Object.fromEntries(Object.keys(counts).map((k) => [k, 0])));
}

/**
 * A check another issue is still making true: prints the number either way, fails nothing. When it
 * holds, the line says so, so the check can become a real assertion once the issue is closed.
 */
export function pendingCheck(issue: string, name: string, holds: boolean, detail: string): void {
  figure(holds ? `${name}: ${detail} (pending check of ${issue} now holds)` : `PENDING (${issue}) ${name}: ${detail}`);
}
