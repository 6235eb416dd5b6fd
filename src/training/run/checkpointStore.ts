// Checkpoints of a run on disk: `<runDir>/checkpoints/epoch-<n>/` (n = epochs completed) with checkpoint.json (the
// trainer's state and the manifest of the tensors) and weights.bin (the training model's weights, the optimizer's
// state, the best weights kept for restoreBestWeights). This file knows the layout and the JSON; the tensors are the
// engine's (engine/checkpoint.ts). Pure Node: the CLI uses it to refuse a `--resume` before starting anything.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ParsedSpec, ResolvedLayer } from '../spec/types';

export const CHECKPOINTS_DIR = 'checkpoints';
export const CHECKPOINT_FILE = 'checkpoint.json';
export const CHECKPOINT_WEIGHTS_FILE = 'weights.bin';
const CHECKPOINT_FORMAT = 'gradscope-checkpoint-1';
const EPOCH_DIR = /^epoch-(\d+)$/;

/** One tensor in weights.bin, in order (tf.io's weight spec: name, shape, dtype). */
export interface CheckpointWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
}

/** What the trainer needs, beside the tensors, to take the next step exactly as the uninterrupted run would. */
export interface TrainerState {
  /** Epochs completed: the resumed run starts with epoch index `epochs`. */
  epochs: number;
  /** Steps taken: the resumed run's first step has this index. */
  step: number;
  /** The momentum a schedule cycles, as last set. */
  momentum?: number;
  plateau?: { best: number | null; bad: number; cooldownLeft: number; learningRate: number };
  best: { bestEpoch?: number; bestValLoss: number | null; sinceBest: number };
  /**
   * The variables the optimizer has been given, as indices in model.weights, in the order it first saw them (frozen
   * layers unfrozen later come after the others): TensorFlow.js's optimizers keep their slots by that position.
   * Absent in checkpoints written before it was recorded (the model order then).
   */
  variableOrder?: number[];
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  specName: string;
  /** specFingerprint of the spec that was trained. */
  specFingerprint: string;
  savedAt: string;
  state: TrainerState;
  /** Tensors of weights.bin in order: `model/<i>` (model.getWeights()), `optimizer/...`, `best/<i>`. */
  weightSpecs: CheckpointWeightSpec[];
}

/**
 * A hash of everything in the spec that decides the training arithmetic. Left out: the epoch count (a resumed run
 * may be given more epochs), how often it is measured and checkpointed, and `model.initFrom` (a resumed run takes its
 * weights from the checkpoint; a "latest:" source may have been trained again since).
 */
export function specFingerprint(spec: ParsedSpec): string {
  const training: Partial<ParsedSpec['training']> = { ...spec.training };
  delete training.epochs;
  delete training.measureEvery;
  delete training.checkpoint;
  const { name, seed, data } = spec;
  const model: Partial<ParsedSpec['model']> = { ...spec.model };
  delete model.initFrom;
  return createHash('sha256').update(JSON.stringify({ name, seed, data, model, training })).digest('hex');
}

export function checkpointDir(runDir: string, epochs: number): string {
  return path.join(runDir, CHECKPOINTS_DIR, `epoch-${epochs}`);
}

/** Epoch counts of the run's complete checkpoints, oldest first. */
export function checkpointEpochs(runDir: string): number[] {
  const dir = path.join(runDir, CHECKPOINTS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .flatMap((name) => {
      const m = EPOCH_DIR.exec(name);
      return m && fs.existsSync(path.join(dir, name, CHECKPOINT_FILE)) ? [Number(m[1])] : [];
    })
    .sort((a, b) => a - b);
}

/** Writes a checkpoint (into a temporary directory renamed at the end: a killed process leaves no half checkpoint). */
export function writeCheckpoint(runDir: string, manifest: CheckpointManifest, weights: Uint8Array, keep: number): string {
  const dir = checkpointDir(runDir, manifest.state.epochs);
  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, CHECKPOINT_WEIGHTS_FILE), weights);
  fs.writeFileSync(path.join(tmp, CHECKPOINT_FILE), JSON.stringify(manifest, null, 1));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  const epochs = checkpointEpochs(runDir);
  for (const old of epochs.slice(0, Math.max(0, epochs.length - keep))) {
    fs.rmSync(checkpointDir(runDir, old), { recursive: true, force: true });
  }
  return dir;
}

/** Bytes per value of each dtype in weights.bin (TensorFlow.js's encodeWeights). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/** Why weights.bin cannot hold the tensors the manifest lists (missing, truncated, too long), or undefined. */
function weightsProblem(dir: string, manifest: CheckpointManifest): string | undefined {
  if (!Array.isArray(manifest.weightSpecs)) return 'no list of its tensors';
  let expected = 0;
  for (const w of manifest.weightSpecs) {
    const bytes = DTYPE_BYTES[w.dtype];
    if (bytes === undefined || !Array.isArray(w.shape)) return `a tensor "${w.name}" it cannot read`;
    expected += bytes * w.shape.reduce((a, b) => a * b, 1);
  }
  let size: number;
  try {
    size = fs.statSync(path.join(dir, CHECKPOINT_WEIGHTS_FILE)).size;
  } catch {
    return `no ${CHECKPOINT_WEIGHTS_FILE}`;
  }
  return size === expected ? undefined : `${CHECKPOINT_WEIGHTS_FILE} has ${size} bytes, its tensors need ${expected}`;
}

export type ResumePoint = { dir: string; manifest: CheckpointManifest } | { error: string };

/**
 * The checkpoint a `--resume <runDir>` of `spec` continues from: the run's newest, when it was trained from the same
 * spec; else why not.
 */
function hasFrozenLayers(layers: readonly ResolvedLayer[]): boolean {
  return layers.some((l) => l.trainable === false || ('layers' in l && hasFrozenLayers(l.layers)));
}

export function findResumePoint(runDir: string, spec: ParsedSpec): ResumePoint {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) return { error: `no run directory at ${runDir}` };
  const epochs = checkpointEpochs(runDir);
  if (epochs.length === 0) {
    return {
      error: `the run ${path.basename(runDir)} has no checkpoint to resume from (set "training": { "checkpoint": { "every": 1 } } in the spec to save them)`,
    };
  }
  const dir = checkpointDir(runDir, epochs[epochs.length - 1]);
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_FILE), 'utf8')) as CheckpointManifest;
  } catch (err) {
    return { error: `cannot read the checkpoint ${dir}: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof manifest !== 'object' || manifest === null || typeof manifest.state?.epochs !== 'number')
    return { error: `${dir} is not a gradscope checkpoint (its ${CHECKPOINT_FILE} lacks the trainer's state)` };
  if (manifest.format !== CHECKPOINT_FORMAT)
    return { error: `${dir} is not a gradscope checkpoint (${String(manifest.format)})` };
  const corrupt = weightsProblem(dir, manifest);
  if (corrupt)
    return {
      error: `the checkpoint ${dir} is damaged (${corrupt}): delete it to resume from the checkpoint before it, if any, or train afresh`,
    };
  if (manifest.specName !== spec.name) {
    return { error: `the run ${path.basename(runDir)} was trained from the spec "${manifest.specName}", not "${spec.name}"` };
  }
  if (manifest.specFingerprint !== specFingerprint(spec)) {
    return {
      error: `the spec "${spec.name}" changed since the run ${path.basename(runDir)} was trained (its model, data, seed or training settings differ): resuming would not continue that run`,
    };
  }
  if (!manifest.state.variableOrder && hasFrozenLayers(spec.model.layers)) {
    // Such a checkpoint listed the weights in an order that moved with freezing: it cannot be read back exactly.
    return {
      error: `the checkpoint ${dir} was saved before gradscope recorded the weight order of frozen layers, so the run cannot be continued exactly; train the spec again`,
    };
  }
  if (manifest.state.epochs >= spec.training.epochs) {
    return {
      error: `the run ${path.basename(runDir)} already trained ${manifest.state.epochs} of ${spec.training.epochs} epochs: give more epochs (training.epochs in the spec, or --epochs N) to continue it`,
    };
  }
  return { dir, manifest };
}
