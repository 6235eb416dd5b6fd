// Numbers in the sentences gradscope prints about training (lint findings, diagnoses, fix titles): one format, so
// the same value reads the same in every message.

/** A number for a one-line message: 3 significant digits, exponent form when very small or large (0.177 → "0.177", 6.1e9 → "6.1e9"). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(1).replace('e+', 'e');
  return String(Number(x.toPrecision(3)));
}
