/** Medians, ranges and percentiles: the only statistics the benchmarks report. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // The epsilon keeps 99.9 % of 1000 at rank 999 (floating point gives 999.0000000000001).
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length - 1e-9) - 1));
  return sorted[i]!;
}

export interface Spread { median: number; min: number; max: number; runs: number[] }

export function spread(runs: number[]): Spread {
  const s = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs };
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–";

export const fmtSpread = (s: Spread, digits = 0, scale = 1): string =>
  `${fmt(s.median * scale, digits)} (${fmt(s.min * scale, digits)}–${fmt(s.max * scale, digits)})`;

/** A markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
