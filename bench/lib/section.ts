/** What every benchmark hands back to the harness (bench/run.ts). */

export interface BenchOptions {
  /** Short runs, to check the harness; the numbers mean little. */
  quick: boolean;
  /** Connections: 100,000 over several source addresses instead of 10,000. */
  big: boolean;
  /** Overrides each benchmark's number of repetitions. */
  reps?: number;
}

/** A target from the issue, checked against this run's numbers (always a ratio or a bound, never a timed test). */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

export interface Section {
  name: string;
  title: string;
  markdown: string;
  /** The raw numbers, every repetition included. */
  json: unknown;
  goals?: Goal[];
}

/** Builds a Goal for "measured ≥ bound" (or ≤ with `atMost`). */
export function atLeast(goal: string, value: number, bound: number, shown = value.toFixed(2)): Goal {
  return { goal, measured: shown, met: value >= bound };
}
export function atMost(goal: string, value: number, bound: number, shown = value.toFixed(2)): Goal {
  return { goal, measured: shown, met: value <= bound };
}
