// Fixed colour scales: one colour per layer from the first layer to the last (depth order reads at a glance,
// the same layer has the same colour in every chart), and the gradient-norm heat map's diverging colormap.
import { isHighContrast, isLight, type Theme } from './theme';

/** Layer `index` of `count`: purple (input side) → magenta → red → orange → gold (output side), like plasma. */
export function layerColor(index: number, count: number, theme: Theme): string {
  const t = count <= 1 ? 0 : index / (count - 1);
  const hue = (262 + 148 * t) % 360;
  const light = isLight(theme);
  const sat = isHighContrast(theme) ? 100 : 78;
  // Keep lightness high enough for dark backgrounds and low enough for light ones; warm hues read lighter.
  const lightness = light ? 46 - 6 * t : 64 + 2 * t;
  return `hsl(${hue.toFixed(1)}, ${sat}%, ${lightness.toFixed(1)}%)`;
}

/** Heat colormap stops: log10(gradient norm) → colour. Fixed so every run reads the same. */
export const HEAT_STOPS: ReadonlyArray<readonly [number, readonly [number, number, number]]> = [
  [-9, [8, 20, 64]],
  [-7, [18, 52, 140]],
  [-5.5, [35, 110, 200]],
  [-4, [40, 165, 175]],
  [-3, [52, 170, 100]],
  [-1.5, [120, 196, 70]],
  [0, [222, 214, 72]],
  [1, [245, 160, 55]],
  [2, [222, 62, 40]],
  [3.5, [130, 10, 28]],
];
export const HEAT_MIN = HEAT_STOPS[0][0];
export const HEAT_MAX = HEAT_STOPS[HEAT_STOPS.length - 1][0];
/** Colour of a non-finite (NaN / ±Infinity) gradient. */
export const HEAT_NAN: readonly [number, number, number] = [0, 0, 0];

/** RGB of a gradient norm on the heat colormap; null or non-finite → black. */
export function heatColor(log10Norm: number | null): readonly [number, number, number] {
  if (log10Norm === null || Number.isNaN(log10Norm)) return HEAT_NAN;
  const v = Math.max(HEAT_MIN, Math.min(HEAT_MAX, log10Norm));
  for (let i = 1; i < HEAT_STOPS.length; i++) {
    const [x1, c1] = HEAT_STOPS[i];
    if (v <= x1) {
      const [x0, c0] = HEAT_STOPS[i - 1];
      const f = (v - x0) / (x1 - x0);
      return [c0[0] + (c1[0] - c0[0]) * f, c0[1] + (c1[1] - c0[1]) * f, c0[2] + (c1[2] - c0[2]) * f];
    }
  }
  return HEAT_STOPS[HEAT_STOPS.length - 1][1];
}

/** log10 of a gradient norm for the heat map: zero maps to the bottom of the scale, non-finite to null. */
export function heatValue(norm: number | null): number | null {
  if (norm === null || !Number.isFinite(norm)) return null;
  return norm <= 0 ? HEAT_MIN : Math.log10(norm);
}
