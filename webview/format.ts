// Number and label formatting shared by the header, tooltips and axes.

/** A compact number: 4 significant digits, exponent form outside 1e-3..1e5, `NaN` for non-finite/null. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'NaN';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return formatExp(v);
  return String(Number(v.toPrecision(4)));
}

/** Exponent form with two decimals: 3.17e+9 → "3.17e9". */
export function formatExp(v: number): string {
  if (!Number.isFinite(v)) return 'NaN';
  return v.toExponential(2).replace('e+', 'e');
}

/** Log-axis tick label: only powers of ten, as 1e-6 … 1 … 1e3. */
export function decadeLabel(v: number): string {
  const e = Math.log10(v);
  if (Math.abs(e - Math.round(e)) > 1e-9) return '';
  const k = Math.round(e);
  if (k === 0) return '1';
  if (k === 1) return '10';
  return `1e${k}`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'NaN';
  const p = fraction * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12867 → "12,867" (one shared formatter: axis callbacks call this for every tick of every draw). */
export function formatCount(n: number): string {
  return counts.format(n);
}
