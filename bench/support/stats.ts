/** Figures over several runs: the median is the figure, min–max its spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spreadOf(values: number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

/** The median of a list (e.g. the latency samples of one run). */
export function median(values: number[]): number {
  return spreadOf(values).median;
}

/** `min–max (n runs)` with the given number of decimals. */
export function formatSpread(spread: Spread, decimals: number): string {
  return `${spread.min.toFixed(decimals)}–${spread.max.toFixed(decimals)} (${spread.runs})`;
}

/** `--name=value` from the command line, as a positive integer. */
export function intArgument(name: string, fallback: number): number {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`--${name} must be a positive integer, got "${raw}"`);
  return value;
}
