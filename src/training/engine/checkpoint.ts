// The tensors of a checkpoint: the training model's weights (BuiltModel.weights, batch-norm statistics included),
// the optimizer's state (its getWeights/setWeights: iteration count and slots) and the best weights the early
// stopping tracker keeps. Optimizer slots are named after the model variables they belong to; a variable's name
// differs between two builds of the same model in one process (TensorFlow.js makes names unique), so a checkpoint
// names them by their index in BuiltModel.weights (`#3/m`) instead: model.weights as built, an order that freezing
// and unfreezing do not change (model.weights itself lists trainable layers first). For a model without frozen
// layers the two are the same order.
import * as tf from '@tensorflow/tfjs';
import {
  CHECKPOINT_WEIGHTS_FILE,
  specFingerprint,
  writeCheckpoint,
  type CheckpointManifest,
  type CheckpointWeightSpec,
  type TrainerState,
} from '../run/checkpointStore';
import type { ParsedSpec } from '../spec/types';
import * as fs from 'fs';
import * as path from 'path';
import type { BestTracker } from './earlyStopping';
import { NADAM_MU_PRODUCT } from './optim/adamFamily';
import type { NamedTensor } from './optim/slotOptimizer';

const MODEL = 'model/';
const OPTIMIZER = 'optimizer/';
const BEST = 'best/';
const ADAM_POWERS = 'adamPowers/';

/**
 * tf.train.adam's bias-correction powers β1^(t+1), β2^(t+1): it keeps them as running products, and its setWeights
 * recomputes them with pow, which differs from the product in the last bit at some step counts (β2 = 0.999: from
 * step 18 on, on wasm), so a resumed run would drift. A checkpoint keeps the products themselves.
 */
function adamPowers(optimizer: tf.Optimizer): tf.Variable[] {
  // (Not instanceof: TensorFlow.js's optimizers answer it by duck typing, true for any optimizer.)
  if (optimizer.getClassName() !== tf.AdamOptimizer.className) return [];
  const o = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  return [o.accBeta1, o.accBeta2];
}

/** Optimizer weight name → the same with the model variable it belongs to named `#<index in weights>`. */
function portableName(weights: readonly tf.LayerVariable[], name: string): string {
  const slash = name.lastIndexOf('/');
  const index = slash < 0 ? -1 : weights.findIndex((w) => w.name === name.slice(0, slash));
  return index < 0 ? name : `#${index}${name.slice(slash)}`;
}

function localName(weights: readonly tf.LayerVariable[], name: string): string {
  const m = /^#(\d+)(\/.*)$/.exec(name);
  return m ? `${weights[Number(m[1])].name}${m[2]}` : name;
}

interface SaveArgs {
  runDir: string;
  spec: ParsedSpec;
  /** The model's weights in their stable order (BuiltModel.weights). */
  weights: readonly tf.LayerVariable[];
  optimizer: tf.Optimizer;
  tracker: BestTracker;
  state: TrainerState;
  keep: number;
}

/** Saves `checkpoints/epoch-<state.epochs>/` under the run, dropping the oldest beyond `keep`; returns its directory. */
export async function saveCheckpoint(a: SaveArgs): Promise<string> {
  const optimizerWeights = await a.optimizer.getWeights();
  const named: NamedTensor[] = [
    ...a.weights.map((w, i) => ({ name: `${MODEL}${i}`, tensor: w.read() })),
    ...optimizerWeights.map(({ name, tensor }) => ({ name: `${OPTIMIZER}${portableName(a.weights, name)}`, tensor })),
    ...(a.tracker.keptWeights ?? []).map((tensor, i) => ({ name: `${BEST}${i}`, tensor })),
    ...adamPowers(a.optimizer).map((tensor, i) => ({ name: `${ADAM_POWERS}${i}`, tensor })),
  ];
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    const manifest: CheckpointManifest = {
      format: 'gradscope-checkpoint-1',
      specName: a.spec.name,
      specFingerprint: specFingerprint(a.spec),
      savedAt: new Date().toISOString(),
      state: a.state,
      weightSpecs: specs.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
    };
    return writeCheckpoint(a.runDir, manifest, new Uint8Array(data), a.keep);
  } finally {
    // getWeights hands out the optimizer's own variables, except the iteration count (and NAdam's μ product) it
    // makes for the occasion.
    tf.dispose(optimizerWeights.filter((w) => w.name === 'iter' || w.name === NADAM_MU_PRODUCT).map((w) => w.tensor));
  }
}

interface LoadArgs {
  dir: string;
  manifest: CheckpointManifest;
  /** The model's weights in their stable order (BuiltModel.weights). */
  weights: readonly tf.LayerVariable[];
  optimizer: tf.Optimizer;
  tracker: BestTracker;
}

/** Puts a checkpoint's tensors into a freshly built model, optimizer and tracker. */
export async function loadCheckpoint(a: LoadArgs): Promise<void> {
  const buffer = fs.readFileSync(path.join(a.dir, CHECKPOINT_WEIGHTS_FILE));
  const specs: CheckpointWeightSpec[] = a.manifest.weightSpecs;
  const data = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const tensors = tf.io.decodeWeights(data, specs);
  const group = (prefix: string): NamedTensor[] =>
    specs.filter((s) => s.name.startsWith(prefix)).map((s) => ({ name: s.name.slice(prefix.length), tensor: tensors[s.name] }));
  const best = group(BEST).map((w) => w.tensor);
  try {
    const weights = group(MODEL).map((w) => w.tensor);
    if (weights.length !== a.weights.length) {
      throw new Error(`the checkpoint ${a.dir} holds ${weights.length} weights, the model has ${a.weights.length}`);
    }
    weights.forEach((w, i) => a.weights[i].write(w));
    await a.optimizer.setWeights(group(OPTIMIZER).map(({ name, tensor }) => ({ name: localName(a.weights, name), tensor })));
    // (Checkpoints written before the powers were kept: setWeights's recomputed ones.)
    const powers = group(ADAM_POWERS);
    if (powers.length > 0) adamPowers(a.optimizer).forEach((v, i) => v.assign(powers[i].tensor));
    a.tracker.restore(a.manifest.state.best, best.length > 0 ? best : undefined);
  } finally {
    // The model, the optimizer and the tracker hold copies (or counted references) of what they need.
    tf.dispose(
      Object.entries(tensors)
        .filter(([name]) => !name.startsWith(BEST))
        .map(([, t]) => t),
    );
  }
}
