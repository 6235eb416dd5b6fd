// How every number a person reads is written, in the extension host and in the dashboard alike (the CLI keeps
// its own column formats). Numbers that crossed a JSON channel may be null: JSON writes NaN and ±Infinity as null,
// so a diverged step arrives with `loss: null`. Every formatter here takes that (and NaN, ±Infinity) and returns
// text instead of throwing on `null.toFixed`.

/** What a value that is not a finite number reads as. */
export function nonFiniteText(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'non-finite';
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '∞' : '−∞';
}

/** True for a real, finite number (not null, NaN or ±Infinity). */
export function isFiniteNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A compact number: 4 significant digits, exponent form outside 1e-3..1e5. */
export function formatNumber(v: number | null | undefined): string {
  if (!isFiniteNumber(v)) return nonFiniteText(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return formatExp(v);
  return String(Number(v.toPrecision(4)));
}

/** `v.toFixed(digits)`, or the non-finite text. */
export function formatFixed(v: number | null | undefined, digits: number): string {
  return isFiniteNumber(v) ? v.toFixed(digits) : nonFiniteText(v);
}

/** Exponent form with two decimals: 3.17e+9 → "3.17e9". */
export function formatExp(v: number | null | undefined): string {
  if (!isFiniteNumber(v)) return nonFiniteText(v);
  return v.toExponential(2).replace('e+', 'e');
}

/** Log-axis tick label: only powers of ten, as 1e-6 … 1 … 1e3 (empty for anything else). */
export function decadeLabel(v: number | null | undefined): string {
  if (!isFiniteNumber(v) || v <= 0) return '';
  const e = Math.log10(v);
  if (Math.abs(e - Math.round(e)) > 1e-9) return '';
  const k = Math.round(e);
  if (k === 0) return '1';
  if (k === 1) return '10';
  return `1e${k}`;
}

/** A fraction as a percentage: 0.123 → "12%", 0.0123 → "1.2%". */
export function formatPercent(fraction: number | null | undefined): string {
  if (!isFiniteNumber(fraction)) return nonFiniteText(fraction);
  const p = fraction * 100;
  return `${Math.abs(p) >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (!isFiniteNumber(ms)) return nonFiniteText(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12867 → "12,867" (one shared formatter: axis callbacks call this for every tick of every draw). */
export function formatCount(n: number | null | undefined): string {
  if (!isFiniteNumber(n)) return nonFiniteText(n);
  return counts.format(n);
}

/**
 * The epoch a person reads: events count epochs from 0 (`epoch: 0` is the first epoch), people from 1. Every
 * display goes through this so no view shows "epoch 0".
 */
export function displayEpoch(epoch: number): number {
  return epoch + 1;
}

/**
 * A reduceOnPlateau change as one line: "plateau: lr 0.01 → 0.001 (val_loss best 0.4321, no improvement by epoch 12)".
 * The CLI, the output channel and the dashboard's LR-chart marker all read it.
 */
export function scheduleLine(e: {
  epoch: number;
  learningRate: number;
  previousLearningRate: number;
  monitor: string;
  best: number;
}): string {
  const lr = `lr ${formatNumber(e.previousLearningRate)} → ${formatNumber(e.learningRate)}`;
  return `plateau: ${lr} (${e.monitor} best ${formatNumber(e.best)}, no improvement by epoch ${displayEpoch(e.epoch)})`;
}
