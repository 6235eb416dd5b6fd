// The tensors of a checkpoint: the training model's weights (model.getWeights(), batch-norm statistics included),
// the optimizer's state (its getWeights/setWeights: iteration count and slots) and the best weights the early
// stopping tracker keeps. Optimizer slots are named after the model variables they belong to; a variable's name
// differs between two builds of the same model in one process (TensorFlow.js makes names unique), so a checkpoint
// names them by their index in model.weights (`#3/m`) instead.
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
/**
 * tf.train.adam's running β1^t and β2^t (its bias correction). Its setWeights recomputes them as pow(β, t + 1),
 * which differs in the last float32 bit from the product it multiplies up step by step: kept as they are instead.
 */
const ADAM_POWERS = 'adamPowers/';

interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** tf.train.adam's powers (by class name: TensorFlow.js's optimizers answer `instanceof` for one another). */
function adamPowers(optimizer: tf.Optimizer): AdamPowers | undefined {
  return optimizer.getClassName() === tf.AdamOptimizer.className ? (optimizer as unknown as AdamPowers) : undefined;
}

/** Optimizer weight name → the same with the model variable it belongs to named `#<index in model.weights>`. */
function portableName(model: tf.LayersModel, name: string): string {
  const slash = name.lastIndexOf('/');
  const index = slash < 0 ? -1 : model.weights.findIndex((w) => w.name === name.slice(0, slash));
  return index < 0 ? name : `#${index}${name.slice(slash)}`;
}

function localName(model: tf.LayersModel, name: string): string {
  const m = /^#(\d+)(\/.*)$/.exec(name);
  return m ? `${model.weights[Number(m[1])].name}${m[2]}` : name;
}

interface SaveArgs {
  runDir: string;
  spec: ParsedSpec;
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  tracker: BestTracker;
  state: TrainerState;
  keep: number;
}

/** Saves `checkpoints/epoch-<state.epochs>/` under the run, dropping the oldest beyond `keep`; returns its directory. */
export async function saveCheckpoint(a: SaveArgs): Promise<string> {
  const optimizerWeights = await a.optimizer.getWeights();
  const named: NamedTensor[] = [
    ...a.model.getWeights().map((tensor, i) => ({ name: `${MODEL}${i}`, tensor })),
    ...optimizerWeights.map(({ name, tensor }) => ({ name: `${OPTIMIZER}${portableName(a.model, name)}`, tensor })),
    ...(a.tracker.keptWeights ?? []).map((tensor, i) => ({ name: `${BEST}${i}`, tensor })),
  ];
  const powers = adamPowers(a.optimizer);
  if (powers) {
    named.push(
      { name: `${ADAM_POWERS}accBeta1`, tensor: powers.accBeta1 },
      { name: `${ADAM_POWERS}accBeta2`, tensor: powers.accBeta2 },
    );
  }
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
  model: tf.LayersModel;
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
    if (weights.length !== a.model.weights.length) {
      throw new Error(`the checkpoint ${a.dir} holds ${weights.length} weights, the model has ${a.model.weights.length}`);
    }
    a.model.setWeights(weights);
    await a.optimizer.setWeights(group(OPTIMIZER).map(({ name, tensor }) => ({ name: localName(a.model, name), tensor })));
    const powers = adamPowers(a.optimizer);
    for (const { name, tensor } of group(ADAM_POWERS)) {
      if (powers && (name === 'accBeta1' || name === 'accBeta2')) powers[name].assign(tensor);
    }
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
