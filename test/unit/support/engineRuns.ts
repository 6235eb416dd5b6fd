// Test helpers that run the engine the way a run does, for tests that check what the product says about training:
// one real first step (model output, reported loss, every weight before and after), or a whole in-process run.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import type { DiagnosticEvent, EpochEvent, RunEndEvent, StepEvent, TrainingEvent } from '../../../src/shared/engineProtocol';
import { encodeSplit, makeBatch } from '../../../src/training/engine/batches';
import { loadDataset } from '../../../src/training/data/load';
import { applyModel, buildModel } from '../../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../../src/training/engine/optim/optimizer';
import { runStep, unpackStep, type StepNumbers } from '../../../src/training/engine/step';
import { train } from '../../../src/training/engine/trainer';
import { parsedSpec } from './specs';

export interface FirstStep {
  /** The model's output 0 on the first batch (logits when the output activation is fused into the loss). */
  output: number[][];
  targets: number[][];
  /** The activation fused into the loss ('linear' when none is). */
  fused: string;
  /** What the step reported and trained on. */
  numbers: StepNumbers;
  /** Every trainable variable by name, before and after the step. */
  before: Map<string, Float32Array>;
  after: Map<string, Float32Array>;
  /** Names of the kernels (dense/conv weights) among them. */
  kernels: string[];
}

/**
 * Builds the spec's model and runs one measured training step on its first batch (rows 0..batchSize); `steps` > 1
 * runs that many steps on the following batches (numbers are the first step's, `after` the weights after the last).
 */
export async function firstStep(spec: object, steps = 1): Promise<FirstStep> {
  const parsed = parsedSpec(spec);
  const dataset = loadDataset(parsed.data, parsed.seed);
  const built = buildModel(parsed, parsed.seed);
  const { optimizer } = makeOptimizer(parsed.training.optimizer);
  const units = built.model.outputs[0].shape[built.model.outputs[0].shape.length - 1] ?? 1;
  const shapes = { inputShape: parsed.model.inputShape, outputUnits: units };
  const split = encodeSplit(dataset, dataset.train, units);
  const batch = makeBatch(split, shapes, null, 0, Math.min(parsed.training.batchSize, split.count));
  try {
    const read = async (): Promise<Map<string, Float32Array>> => {
      const out = new Map<string, Float32Array>();
      for (const w of built.model.trainableWeights) out.set(w.originalName, (await w.read().data()) as Float32Array);
      return out;
    };
    const before = await read();
    const outputs = applyModel(built, batch.x, false);
    const output = (await outputs[0].array()) as number[][];
    tf.dispose(outputs);
    const { packed, layout } = runStep(built, optimizer, parsed.training, batch.x, batch.y, true);
    const numbers = unpackStep(built, layout, await packed.data());
    packed.dispose();
    const size = parsed.training.batchSize;
    for (let k = 1; k < steps && (k + 1) * size <= split.count; k++) {
      const next = makeBatch(split, shapes, null, k * size, (k + 1) * size);
      tf.dispose([runStep(built, optimizer, parsed.training, next.x, next.y, false).packed, next.x, next.y]);
    }
    const kernels = built.weighted
      .filter((l) => ['dense', 'conv2d', 'projection'].includes(l.summary.kind))
      .map((l) => l.kernel.originalName);
    return {
      output,
      targets: (await batch.y.array()) as number[][],
      fused: built.outputActivation,
      numbers,
      before,
      after: await read(),
      kernels,
    };
  } finally {
    tf.dispose([batch.x, batch.y]);
    optimizer.dispose();
    built.model.dispose();
  }
}

export interface EngineRun {
  events: TrainingEvent[];
  steps: StepEvent[];
  epochs: EpochEvent[];
  diagnostics: DiagnosticEvent[];
  end: RunEndEvent;
}

/** Trains the spec in-process, as the engine process does, and returns its events. */
export async function engineRun(spec: object, specText = JSON.stringify(spec, null, 2)): Promise<EngineRun> {
  const events: TrainingEvent[] = [];
  const end = await train({
    spec: parsedSpec(spec),
    specFile: '/virtual/claims.gradscope.json',
    runId: 'claims',
    runDir: '/virtual',
    backend: 'wasm',
    specText,
    emit: (e) => events.push(e),
    shouldStop: () => false,
  });
  return {
    events,
    end,
    steps: events.filter((e): e is StepEvent => e.type === 'step'),
    epochs: events.filter((e): e is EpochEvent => e.type === 'epoch'),
    diagnostics: events.filter((e): e is DiagnosticEvent => e.type === 'diagnostic'),
  };
}

/** √Σ(a − b)² over every variable named (all when none is). */
export function stepNorm(s: FirstStep, names: readonly string[] = [...s.before.keys()]): number {
  let sum = 0;
  for (const n of names) {
    const a = s.after.get(n)!;
    const b = s.before.get(n)!;
    for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  }
  return Math.sqrt(sum);
}

/** √Σ w² over every variable named, before the step. */
export function weightNorm(s: FirstStep, names: readonly string[] = [...s.before.keys()]): number {
  let sum = 0;
  for (const n of names) for (const v of s.before.get(n)!) sum += v * v;
  return Math.sqrt(sum);
}

export function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance})`);
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
