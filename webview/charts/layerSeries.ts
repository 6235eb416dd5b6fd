// The per-layer quantities drawn over steps on a log axis (see LayerLogChart): where each reads its numbers in a
// run's history, the floor a log axis needs, and the update ratio's rule-of-thumb band.
import type { LayerSeries } from './layerLogChart';

/** Gradient norm per layer with weights: vanishing lines sink toward 1e-6 and below, exploding ones shoot up. */
export const GRAD_NORM_SERIES: LayerSeries = {
  yTitle: 'gradient norm (log)',
  floor: 1e-12,
  columns: (h) => h.layers,
  value: (p, i) => p.gradNorm[i] ?? null,
};

/** The second kernel's gradient norm: recurrent layers' state → state kernel, highway layers' transform gate. */
export const SECOND_KERNEL_SERIES: LayerSeries = {
  yTitle: 'gradient norm (log)',
  floor: 1e-12,
  columns: (h) => h.layers,
  value: (p, i) => p.secondGradNorm[i] ?? null,
  onlyReporting: true,
};

/** ‖ΔW‖/‖W‖ per layer with weights, with CS231n's rule of thumb (~1e-3) as a band from 1e-4 to 1e-2. */
export const UPDATE_RATIO_SERIES: LayerSeries = {
  yTitle: '‖ΔW‖ / ‖W‖ (log)',
  floor: 1e-12,
  columns: (h) => h.layers,
  value: (p, i) => p.updateRatio[i] ?? null,
  band: { low: 1e-4, mid: 1e-3, high: 1e-2, label: '~1e-3: healthy' },
};

/** Std over the batch of each layer's activation output: the forward signal's size at each depth. */
export const SIGNAL_SERIES: LayerSeries = {
  yTitle: 'activation std (log)',
  floor: 1e-12,
  columns: (h) => h.signalLayers,
  value: (p, i) => p.activationStd[i] ?? null,
  onlyReporting: true,
  wideAxis: true,
};
