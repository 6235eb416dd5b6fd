// The names the engine gives the layers with weights (run-start.layers[].name, step.layers[].name): `<type>_<n>`,
// counted per type in build order, a block's inner layers before the block itself, and a residual block's skip
// projection (`projection_<n>`, when its shapes need one) right after its inner layers. The spec layer checks the
// names a spec gives (`training.unfreeze`) against them; test/unit/layerNames.test.ts checks them against the engine's.
import { LAYER_FACTS } from '../model/facts';
import type { LayerShape } from './shapes';
import type { ResolvedLayer } from './types';

export interface WeightedLayerName {
  name: string;
  /** The spec layer it is built from; for a projection, its residual block. */
  layer: ResolvedLayer;
  /** `<type>` of `<type>_<n>`: the spec layer's type, or `projection` for a residual block's skip projection. */
  kind: string;
  /** The shapes inferred for `layer` (for a projection: the block's input and output). */
  shape: LayerShape;
  /** False when the layer starts frozen (`trainable: false`, its own or its innermost block's). */
  trainable: boolean;
}

/** Every layer with weights, in model order, with the name the engine gives it. */
export function weightedLayerNames(shapes: readonly LayerShape[]): WeightedLayerName[] {
  const counters = new Map<string, number>();
  const out: WeightedLayerName[] = [];
  const add = (kind: string, shape: LayerShape): void => {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    out.push({ name: `${kind}_${n}`, kind, layer: shape.layer, shape, trainable: shape.layer.trainable !== false });
  };
  const visit = (list: readonly LayerShape[]): void => {
    for (const s of list) {
      if (s.inner) visit(s.inner);
      if (s.projection) add('projection', s);
      if (LAYER_FACTS[s.layer.type].weights !== 'none') add(s.layer.type, s);
    }
  };
  visit(shapes);
  return out;
}
