// Validates a whole spec tree: each section, then the checks that span sections (input shape, layer shapes, output).

import type { Node } from 'jsonc-parser';
import * as path from 'path';
import { splitCounts } from '../data/load';
import { THRESHOLD_NAMES, isThresholdName } from '../diagnosis/defaults';
import { checkOutput } from './checkOutput';
import { type LayerEntry, expandLayers, expandedCount } from './expand';
import { Fields, type Prop, checkKeys, findProp, readNumber, readObject, readString, requireProp } from './fields';
import type { Reporter } from './problems';
import { didYouMean } from './suggest';
import { type LayerShape, formatShape, inferOutputShapes } from './shapes';
import type { DataSpec, ExplainSpec, ParsedSpec, ResolvedLayer, TrainingSpec } from './types';
import { checkAugmentationInput } from './validateAugmentation';
import { checkExplainModel, readExplain } from './validateExplain';
import { checkFreezing } from './validateFreezing';
import { type DataResult, validateData } from './validateData';
import { resolveInitFrom } from './validateInitFrom';
import { type ModelResult, validateModel } from './validateModel';
import { validateTraining } from './validateTraining';
import { MAX_EXPANDED_LAYERS, TOP_LEVEL_PROPERTIES } from './vocabulary';

/** The spec with defaults filled in, or undefined when any error was reported. */
export function validateSpec(r: Reporter, root: Node, file: string): ParsedSpec | undefined {
  const obj = readObject(r, root, '', 'the spec');
  if (!obj) return undefined;
  checkKeys(r, obj, TOP_LEVEL_PROPERTIES, 'the spec');
  const f = new Fields(r, obj);
  const schema = f.prop('$schema');
  if (schema) readString(r, schema.value, schema.path, '"$schema"');
  const nameProp = f.prop('name');
  const name = (nameProp ? readString(r, nameProp.value, nameProp.path, '"name"') : undefined) ?? defaultName(file);
  const seed = f.number('seed', { integer: true, min: 0, max: 4294967295 }, 0);
  const dataProp = requireProp(r, obj, 'data', 'the spec', ' (which dataset to train on, e.g. { "dataset": "spiral" })');
  const data = dataProp ? validateData(r, dataProp.value, path.dirname(file)) : {};
  const modelProp = requireProp(r, obj, 'model', 'the spec', ' (the layers to train)');
  const model = modelProp ? validateModel(r, modelProp.value) : undefined;
  const trainingNode = f.prop('training')?.value;
  const training = validateTraining(r, trainingNode, data.shape?.task);
  const { thresholds: monitor, explain, explainProp } = readMonitor(r, f);
  const layers = model ? checkModel(r, model, data, training, trainingNode) : undefined;
  const inputShape = model?.inputShape ?? (model?.inputShapeInvalid ? undefined : data.shape?.inputShape);
  if (data.augmentation && inputShape) checkAugmentationInput(r, data.augmentation, inputShape, data.dataset ?? 'the');
  if (layers && inputShape && r.errorCount === 0) {
    const shapes = inferOutputShapes(inputShape, layers);
    if (shapes.outputShape) checkFreezing(r, { root, shapes: shapes.layers, unfreeze: training.unfreeze });
    if (shapes.outputShape && explain && explainProp) {
      const validationCount = data.data ? splitCounts(data.data.samples, data.data).validation : undefined;
      checkExplainModel(r, { prop: explainProp, explain, shapes: shapes.layers, task: data.shape?.task, validationCount });
    }
  }
  if (r.errorCount > 0 || !data.data || !layers || !model) return undefined;
  const modelInputShape = model.inputShape ?? [...(data.shape?.inputShape ?? [])];
  // Only a valid model has layer names and weight shapes to compare with the source run's.
  const initFrom = model.initFrom
    ? resolveInitFrom(r, model.initFrom, file, inferOutputShapes(modelInputShape, layers).layers)
    : undefined;
  if (r.errorCount > 0) return undefined;
  const spec: ParsedSpec = {
    name,
    seed,
    data: data.data,
    model: { inputShape: modelInputShape, layers, ...(initFrom ? { initFrom } : {}) },
    training,
  };
  if (monitor) spec.monitor = monitor;
  if (explain) spec.explain = explain;
  return spec;
}

/** `deep-sigmoid.gradscope.json` → `deep-sigmoid`. */
function defaultName(file: string): string {
  const base = path.basename(file);
  const name = base.endsWith('.gradscope.json') ? base.slice(0, -'.gradscope.json'.length) : base.replace(/\.[^.]*$/, '');
  return name === '' ? 'spec' : name;
}

/** The one `monitor` entry that is not a threshold. */
const EXPLAIN_KEY = 'explain';

/**
 * `monitor`: diagnosis thresholds by name, number values, and `explain` (Grad-CAM during training, validateExplain.ts).
 * An unknown name is a warning, not an error (the run can go on with the defaults), and is left out: a misspelt
 * threshold would otherwise be silently ignored.
 */
function readMonitor(r: Reporter, f: Fields): { thresholds?: Record<string, number>; explain?: ExplainSpec; explainProp?: Prop } {
  const prop = f.prop('monitor');
  if (!prop) return {};
  const obj = readObject(r, prop.value, prop.path, '"monitor"');
  if (!obj) return {};
  const thresholds: Record<string, number> = {};
  let explain: ExplainSpec | undefined;
  let explainProp: Prop | undefined;
  for (const p of obj.props.values()) {
    if (p.name === EXPLAIN_KEY) {
      explainProp = p;
      explain = readExplain(r, p);
      continue;
    }
    if (!isThresholdName(p.name)) {
      const names = [...THRESHOLD_NAMES, EXPLAIN_KEY];
      const hint = didYouMean(p.name, names);
      r.warning(
        'unknown-threshold',
        `unknown threshold "${p.name}" in "monitor"${hint}; it is ignored and the default applies` +
          (hint === '' ? ` (thresholds: ${THRESHOLD_NAMES.join(', ')}; and "${EXPLAIN_KEY}")` : ''),
        p.key,
        p.path,
      );
      continue;
    }
    const value = readNumber(r, p.value, p.path, `"monitor.${p.name}"`, {});
    if (value !== undefined) thresholds[p.name] = value;
  }
  return { thresholds, ...(explain ? { explain } : {}), ...(explainProp ? { explainProp } : {}) };
}

/**
 * Expands the layers and checks shapes from input to output. Shapes are followed only through the valid
 * leading layers: past an invalid one, every later shape would be a guess and its errors noise.
 */
function checkModel(
  r: Reporter,
  model: ModelResult,
  data: DataResult,
  training: TrainingSpec,
  trainingNode: Node | undefined,
): ResolvedLayer[] | undefined {
  const dataShape = data.shape;
  if (model.inputShape && model.inputShapeProp && dataShape) {
    const given = model.inputShape.reduce((a, b) => a * b, 1);
    const needed = dataShape.inputShape.reduce((a, b) => a * b, 1);
    if (given !== needed) {
      r.error(
        'input-shape-mismatch',
        `"inputShape" ${formatShape(model.inputShape)} holds ${given} values per sample, but each ` +
          `${data.dataset} sample has ${needed} (shape ${formatShape(dataShape.inputShape)}); use ${formatShape(dataShape.inputShape)}` +
          (dataShape.inputShape.length > 1 ? ` or [${needed}]` : ''),
        model.inputShapeProp.value,
        model.inputShapeProp.path,
      );
    }
  }
  if (!model.entries || !model.layersProp) return undefined;
  const firstInvalid = model.entries.findIndex((e) => e === undefined);
  const valid = (firstInvalid < 0 ? model.entries : model.entries.slice(0, firstInvalid)) as LayerEntry[];
  const count = expandedCount(valid);
  if (count > MAX_EXPANDED_LAYERS) {
    r.error(
      'too-many-layers',
      `the model expands to ${count} layers, more than the ${MAX_EXPANDED_LAYERS} supported; reduce "repeat" counts`,
      model.layersProp.value,
      model.layersProp.path,
    );
    return undefined;
  }
  const layers = expandLayers(valid);
  const inputShape = model.inputShape ?? (model.inputShapeInvalid ? undefined : dataShape?.inputShape);
  if (!inputShape) return firstInvalid < 0 ? layers : undefined;
  const shapes = inferOutputShapes(inputShape, layers);
  const seen = new Set<string>();
  for (const p of shapes.problems) {
    // A repeat template is checked once per copy; one report per entry and code is enough.
    const key = `${p.layer.specPath}\0${p.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const where = p.layer.copies ? ` (in copy ${p.layer.copies.map((c) => c + 1).join('.')} of the repeat)` : '';
    r.add(
      p.severity,
      p.code,
      p.message + where + inputShapeHint(p.layer, layers[0], inputShape, data),
      p.layer.range,
      p.layer.specPath,
    );
  }
  if (firstInvalid >= 0) return undefined;
  if (shapes.outputShape && !shapes.layers.some(hasWeights)) {
    // TensorFlow.js refuses to take gradients with respect to nothing; say so here, with a position.
    r.error(
      'no-weights',
      'the model has no layer with weights (dense, conv2d, or a normalization layer), ' +
        'so training has nothing to learn; add { "type": "dense", ... } as the output layer',
      model.layersProp.value,
      model.layersProp.path,
    );
    return undefined;
  }
  if (shapes.outputShape && dataShape && data.dataset) {
    const lossProp = trainingNode ? findProp(trainingNode, '/training', 'loss') : undefined;
    checkOutput(r, {
      layers,
      outputShape: shapes.outputShape,
      dataset: dataShape,
      datasetName: data.dataset,
      loss: training.loss,
      lossProp,
    });
  }
  if (data.data && dataShape) checkBatchSize(r, data.data, training, trainingNode);
  return layers;
}

/** True when the layer, or a layer inside it, has trainable weights (a residual block's projection counts). */
function hasWeights(s: LayerShape): boolean {
  switch (s.layer.type) {
    case 'dense':
    case 'conv2d':
    case 'batchNormalization':
    case 'layerNormalization':
    case 'groupNormalization':
    case 'rmsNormalization':
    case 'highway':
    case 'simpleRNN':
    case 'lstm':
    case 'gru':
      return true;
    case 'residual':
      return s.projection === true || (s.inner ?? []).some(hasWeights);
    case 'denseBlock':
      return (s.inner ?? []).some(hasWeights);
    case 'activation':
    case 'dropout':
    case 'alphaDropout':
    case 'gaussianNoise':
    case 'flatten':
    case 'maxPooling2d':
      return false;
  }
}

/** When the first layer wants images but inputShape flattened them, say which inputShape would work. */
function inputShapeHint(layer: ResolvedLayer, first: ResolvedLayer, inputShape: readonly number[], data: DataResult): string {
  const own = data.shape?.inputShape;
  if (layer !== first || !own || own.length !== 3 || inputShape.length === 3) return '';
  if (layer.type !== 'conv2d' && layer.type !== 'maxPooling2d') return '';
  return `; the ${data.dataset} data has shape ${formatShape(own)}, so set "inputShape" to ${formatShape(own)}`;
}

function checkBatchSize(r: Reporter, data: DataSpec, training: TrainingSpec, trainingNode: Node | undefined): void {
  const prop = trainingNode ? findProp(trainingNode, '/training', 'batchSize') : undefined;
  const { train } = splitCounts(data.samples, data);
  if (prop && training.batchSize > train) {
    r.warning(
      'batch-too-large',
      `"batchSize" (${training.batchSize}) is larger than the ${train} training samples, ` +
        'so every epoch is one smaller batch',
      prop.value,
      prop.path,
    );
  }
}
