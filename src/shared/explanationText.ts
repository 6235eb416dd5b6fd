// How an explained sample's prediction reads, the same in the CLI's report and PNG headers and in the extension's
// output: "label 7 · predicted 7 (0.98)", classes by the names the run gives them.
import type { ExplanationEvent, ExplanationSample } from './engineProtocol';

/**
 * Below this mean rank correlation with a re-randomised model's maps, the model-randomisation sanity check passes
 * (Adebayo et al.; the threshold issue 11 sets): the CLI and the dashboard judge `sanity` by it.
 */
export const SANITY_PASS = 0.5;

/** A class's name as the run knows it (csv label value, mnist digit), else its index. */
export function className(event: ExplanationEvent, index: number): string {
  return event.classNames[index] ?? String(index);
}

/** "label 7 · predicted 7 (0.98)": the true class, the predicted one and its probability (2 decimals). */
export function predictionText(event: ExplanationEvent, sample: ExplanationSample): string {
  const p = sample.probabilities[sample.predicted];
  const probability = typeof p === 'number' && Number.isFinite(p) ? ` (${p.toFixed(2)})` : '';
  return `label ${className(event, sample.label)} · predicted ${className(event, sample.predicted)}${probability}`;
}
