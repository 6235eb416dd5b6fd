// `monitor.explain`: Grad-CAM explanations recorded at the end of epochs. Reads the object ({ samples, every, layer })
// and checks it against the model the engine will build (layer names from layerNames.ts): it needs a layer that makes
// feature maps (model/facts.ts), `layer` must name one, and the task must be a classification (Grad-CAM explains a
// class score).
import type { Task } from '../data/types';
import { explainableKind } from '../model/facts';
import { checkKeys, Fields, findProp, type Prop, readObject, readString } from './fields';
import { weightedLayerNames } from './layerNames';
import type { Reporter } from './problems';
import type { LayerShape } from './shapes';
import { didYouMean } from './suggest';
import type { ExplainSpec } from './types';

const EXPLAIN_PROPERTIES: readonly string[] = ['samples', 'every', 'layer'];

/** At most this many samples per explanation: each carries several maps, and every epoch records them. */
export const MAX_EXPLAIN_SAMPLES = 32;

/** Defaults of `monitor.explain` (the schema states the same). */
export const EXPLAIN_DEFAULTS = { samples: 8, every: 1 } as const;

/** `monitor.explain` read with its defaults, or undefined after reporting what is wrong with it. */
export function readExplain(r: Reporter, prop: Prop): ExplainSpec | undefined {
  const obj = readObject(r, prop.value, prop.path, '"monitor.explain"');
  if (!obj) return undefined;
  const errors = r.errorCount;
  checkKeys(r, obj, EXPLAIN_PROPERTIES, '"monitor.explain"');
  const f = new Fields(r, obj);
  const samples = f.number('samples', { integer: true, min: 1, max: MAX_EXPLAIN_SAMPLES }, EXPLAIN_DEFAULTS.samples);
  const every = f.number('every', { integer: true, min: 1 }, EXPLAIN_DEFAULTS.every);
  const layerProp = f.prop('layer');
  const layer = layerProp ? readString(r, layerProp.value, layerProp.path, '"layer"') : undefined;
  if (r.errorCount > errors) return undefined;
  return { samples, every, ...(layer !== undefined ? { layer } : {}) };
}

interface ExplainModel {
  /** The `monitor.explain` property (problems about the model point at its key). */
  prop: Prop;
  explain: ExplainSpec;
  /** Shapes of the valid model's layers. */
  shapes: readonly LayerShape[];
  task: Task | undefined;
  /** Validation samples the data will have. */
  validationCount: number | undefined;
}

/** Checks `monitor.explain` against the model and data: a conv2d layer to explain, `layer` one of them, classes. */
export function checkExplainModel(r: Reporter, input: ExplainModel): void {
  const { prop, explain, task } = input;
  if (task === 'regression') {
    r.error(
      'explain-needs-classes',
      '"monitor.explain" explains class predictions (Grad-CAM follows a class score back to the feature maps), ' +
        'but this spec trains a regression; remove "explain"',
      prop.key,
      prop.path,
    );
    return;
  }
  const weighted = weightedLayerNames(input.shapes);
  const convs = weighted.filter((w) => explainableKind(w.kind)).map((w) => w.name);
  if (convs.length === 0) {
    const listed = weighted.map((w) => `${w.name} (${w.kind})`).join(', ');
    r.error(
      'explain-needs-conv',
      `"monitor.explain" needs a conv2d layer: Grad-CAM weighs a conv layer's feature maps by the class score's gradient; ` +
        `this model's layers with weights are ${listed === '' ? 'none' : listed}, and none of them can serve; ` +
        'add a conv2d layer (image input [height, width, channels]) or remove "explain"',
      prop.key,
      prop.path,
    );
    return;
  }
  const layerProp = findProp(prop.value, prop.path, 'layer');
  if (explain.layer !== undefined && !convs.includes(explain.layer)) {
    const other = weighted.find((w) => w.name === explain.layer);
    const what = other
      ? `${explain.layer} is a ${other.kind} layer, not a conv2d layer`
      : `"${explain.layer}" is not a conv2d layer of this model${didYouMean(explain.layer, convs)}`;
    r.error(
      'explain-unknown-layer',
      `"monitor.explain.layer": ${what}; the layers that can serve are ${convs.join(', ')} (the default is the last, ${convs[convs.length - 1]})`,
      layerProp?.value ?? prop.key,
      layerProp?.path ?? prop.path,
    );
  }
  const count = input.validationCount;
  if (count !== undefined && count < explain.samples) {
    const samplesProp = findProp(prop.value, prop.path, 'samples');
    r.warning(
      'explain-few-samples',
      `"monitor.explain" asks for ${explain.samples} samples, but the validation split has ${count}; all ${count} are explained`,
      samplesProp?.value ?? prop.key,
      samplesProp?.path ?? prop.path,
    );
  }
}
