// What the Explain panel reads from a run's Grad-CAM explanations (no DOM, so it is unit-tested in Node): which map
// a sample shows for the chosen view (predicted class, true class, saliency), the prediction in words, the epoch
// an explanation belongs to, and the pixel colours of the overlay and of the conv filters.
import type { ExplanationEvent, ExplanationMap, ExplanationSample, RunStartEvent } from '../src/shared/engineProtocol';
import { viridis } from '../src/shared/colorMap';
import { className, SANITY_PASS } from '../src/shared/explanationText';
// Which layer kinds Grad-CAM can explain is a model fact (type-only imports there: nothing of the engine is bundled).
import { explainableKind } from '../src/training/model/facts';

/** The map a sample shows: Grad-CAM of the class explained (the predicted one), of the true class, or the input gradient. */
export type ExplainView = 'predicted' | 'true' | 'saliency';

export const EXPLAIN_VIEWS: readonly ExplainView[] = ['predicted', 'true', 'saliency'];

/**
 * Whether `monitor.explain` could record explanations for the run: a classifier (the maps explain a class score)
 * with a layer that makes feature maps (conv2d), the same test the spec check applies to `monitor.explain`.
 */
export function canExplain(start: Pick<RunStartEvent, 'layers' | 'task'> | undefined): boolean {
  return start?.task === 'classification' && start.layers.some((l) => explainableKind(l.kind));
}

/**
 * The map of `view` for a sample, or undefined when the event has none. The true class's map is `gradCam` itself when
 * the class explained is the true class (the engine sends `gradCamTrue` only when they differ).
 */
export function mapOf(sample: ExplanationSample, view: ExplainView): ExplanationMap | undefined {
  if (view === 'saliency') return sample.saliency;
  if (view === 'true') return sample.gradCamTrue ?? (sample.target === sample.label ? sample.gradCam : undefined);
  return sample.gradCam;
}

/** Whether any sample of the event has a map for `view` (the toggle is disabled otherwise). */
export function viewAvailable(event: ExplanationEvent, view: ExplainView): boolean {
  return event.samples.some((s) => mapOf(s, view) !== undefined);
}

/** What the map of `view` shows for this sample, in words (e.g. `Grad-CAM of class 5 (predicted)`). */
export function mapCaption(event: ExplanationEvent, sample: ExplanationSample, view: ExplainView): string {
  const cls = view === 'true' ? sample.label : sample.target;
  const role =
    view === 'true'
      ? 'true class'
      : sample.target === sample.predicted
        ? 'predicted'
        : cls === sample.label
          ? 'true class'
          : 'asked for';
  const method = view === 'saliency' ? 'Saliency' : 'Grad-CAM';
  return `${method} of class ${className(event, cls)} (${role})`;
}

/** "epoch 3 of 10": 1-based, out of the epochs the run planned (the explain job on a finished run says so). */
export function epochText(event: ExplanationEvent, plannedEpochs: number | undefined): string {
  const n = event.epoch + 1;
  const of = plannedEpochs && plannedEpochs >= n ? ` of ${plannedEpochs}` : '';
  return event.runDir !== undefined ? `epoch ${n}${of} (explained after training)` : `epoch ${n}${of}`;
}

/** The model-randomisation sanity check (job `explain` with `sanity`) in words, or undefined without one. */
export function sanityText(event: ExplanationEvent): string | undefined {
  const s = event.sanity;
  if (!s) return undefined;
  const r = s.rankCorrelation.toFixed(2);
  return s.rankCorrelation < SANITY_PASS
    ? `Sanity check passed: with the weights re-randomised the maps change (rank correlation ${r} with these, below ${SANITY_PASS}), so they depend on what the model learned.`
    : `Sanity check failed: with the weights re-randomised the maps stay alike (rank correlation ${r} with these, not below ${SANITY_PASS}), so they may show the input more than what the model learned.`;
}

/** Weight of the heatmap in the overlay: the image stays visible under the colour. */
export const OVERLAY_ALPHA = 0.5;

/** The overlay's colour of one pixel: the input's colour (RGB 0..255, grey for one channel) blended with viridis(value). */
export function overlayColor(rgb: readonly number[], value: number): [number, number, number] {
  const c = viridis(value);
  return [0, 1, 2].map((k) => Math.round((1 - OVERLAY_ALPHA) * (rgb[k] ?? 0) + OVERLAY_ALPHA * c[k])) as [number, number, number];
}

/**
 * The input as RGB grey levels 0..255 (row-major, one triple per pixel), stretched from the sample's own minimum to
 * maximum: the values are the model's standardised inputs, not pixel intensities. Three channels stay colour.
 */
export function inputPixels(input: readonly number[], height: number, width: number, channels: number): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of input) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi > lo ? hi - lo : 1;
  const out: number[] = [];
  for (let p = 0; p < height * width; p++) {
    for (let k = 0; k < 3; k++) {
      const v = input[p * channels + (channels === 3 ? k : 0)] ?? lo;
      out.push(Math.round(((v - lo) / span) * 255));
    }
  }
  return out;
}

/**
 * A kernel as RGB 0..255 on a diverging grey scale: 0 is mid grey, the filter's largest |weight| is white (positive)
 * or black (negative); each filter is scaled on its own, so a filter with small weights still shows its pattern.
 * Three input channels are drawn as colour; any other count as the mean over channels.
 */
export function filterPixels(kernel: readonly number[], height: number, width: number, channels: number): number[] {
  const values: number[][] = [];
  for (let p = 0; p < height * width; p++) {
    const px = Array.from({ length: channels }, (_, c) => kernel[p * channels + c] ?? 0);
    values.push(channels === 3 ? px : [px.reduce((a, b) => a + b, 0) / Math.max(1, channels)]);
  }
  const max = Math.max(1e-12, ...values.flat().map(Math.abs));
  return values.flatMap((px) => [0, 1, 2].map((k) => Math.round(127.5 + 127.5 * ((px[px.length === 3 ? k : 0] ?? 0) / max))));
}
