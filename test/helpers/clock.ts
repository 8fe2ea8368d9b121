/** A clock tests move by hand; the server reads it through the `now` option. */
export class TestClock {
  private current: number;

  constructor(private readonly start: string | Date = '2026-03-10T15:00:00Z') {
    this.current = new Date(start).getTime();
  }

  /** Back to the start time. */
  reset(): void {
    this.current = new Date(this.start).getTime();
  }

  now = (): Date => new Date(this.current);

  advance(ms: number): void {
    this.current += ms;
  }
}

export const hours = (n: number) => n * 3_600_000;
