// Small robust statistics the detectors judge windows with (medians rather than means: one bad batch must not
// decide), percentages and rounding for messages.

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** Mean of the values (NaN for none). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Fraction of the values for which `test` holds (0 for none). */
export function fractionWhere<T>(values: readonly T[], test: (v: T) => boolean): number {
  if (values.length === 0) return 0;
  let n = 0;
  for (const v of values) if (test(v)) n++;
  return n / values.length;
}

/** A percentage for a message, e.g. `72%`. */
export function pct(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** Rounds to 3 significant digits, so a scaled learning rate reads 0.005, not 0.005000000000000001. */
export function round3(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(3));
}
