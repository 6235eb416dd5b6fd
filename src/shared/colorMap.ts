// The colour map of every heatmap gradscope draws (dashboard and `gradscope explain` PNGs): viridis, the perceptually
// uniform map of matplotlib, which stays readable in greyscale and to colour-blind readers. Nine stops (matplotlib's
// values at 0, 1/8, …, 1) interpolated linearly.

const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
];

/** The viridis colour of a value in [0, 1] (clamped; NaN counts as 0) as [r, g, b] in 0..255. */
export function viridis(value: number): [number, number, number] {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const x = v * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const t = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t)) as [number, number, number];
}
