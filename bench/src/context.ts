// What every benchmark case receives.
import type { Table } from './report.js';

export interface BenchContext {
  /** Small sizes, for CI: proves the case still runs, numbers are not kept. */
  smoke: boolean;
  /** Prints a progress line (the runner decides where). */
  progress(msg: string): void;
}

export interface BenchCase {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Table[]>;
}

/** A performance.now()-based timer in milliseconds with sub-ms precision. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
