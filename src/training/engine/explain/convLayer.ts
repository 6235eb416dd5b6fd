// Which layer Grad-CAM explains: the conv2d layer a spec or a request names, else the model's last one. What can
// serve is a fact of the layer kind (model/facts `explainableKind`), so lint, the engine and this choice agree; a
// wrong name or a model without conv layers gets a message naming the layers that could serve.
import { explainableKind } from '../../model/facts';
import type { BuiltModel, WeightedLayer } from '../model/buildModel';

/** The weight layers whose output Grad-CAM can explain (conv2d), in model order. */
export function explainableLayers(built: BuiltModel): WeightedLayer[] {
  return built.weighted.filter((entry) => explainableKind(entry.summary.kind));
}

/**
 * The conv2d layer to explain: `name` (run-start layer name) or the last conv2d layer. On failure a user-facing
 * message: no conv layer → says explanations need a conv2d layer and lists the model's layers by name+type and
 * which could serve (conv2d ones; none here); unknown/ non-conv name → lists the conv2d layers that can.
 */
export function explainLayer(built: BuiltModel, name?: string): { layer: WeightedLayer } | { problem: string } {
  const candidates = explainableLayers(built);
  if (candidates.length === 0) {
    const layers = built.layers.map((l) => `${l.name} (${l.kind})`).join(', ');
    return {
      problem:
        'Grad-CAM explanations need a conv2d layer: they weight its feature maps by the gradient of the class score, ' +
        `and only a conv layer's maps keep the positions of the image. This model's layers are ${layers || 'none'}; ` +
        'none of them is a conv2d layer that could serve.',
    };
  }
  const last = candidates[candidates.length - 1];
  if (name === undefined) return { layer: last };
  const found = candidates.find((entry) => entry.summary.name === name);
  if (found) return { layer: found };
  const names = candidates.map((entry) => entry.summary.name).join(', ');
  const can = `Grad-CAM can explain ${candidates.length === 1 ? 'the conv2d layer' : 'the conv2d layers'} ${names} (default: the last, ${last.summary.name})`;
  const other = built.layers.find((l) => l.name === name);
  if (other) return { problem: `layer "${name}" is a ${other.kind} layer, not a conv2d layer: ${can}.` };
  return { problem: `the model has no layer named "${name}": ${can}.` };
}
