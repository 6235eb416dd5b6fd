// `npm run bench:checkpoint`: what a checkpoint (`training.checkpoint`) costs. For the MNIST MLP and conv net of the
// throughput benchmark, trained a few adam steps (so the optimizer has its slots), it times saveCheckpoint — the
// engine's own save: weights, optimizer state, best weights, written to a temporary directory — and a training step,
// and prints one JSON line per model:
// {"model","backend","batchSize","params","bytes","saveMs","stepMs","trainSamples","stepsPerEpoch","epochMs","shareOfEpoch"}
// `bytes` is the checkpoint directory's size; `epochMs` = stepsPerEpoch × stepMs for `trainSamples` training samples
// (default: the bench spec's, 1000 samples less the validation split); shareOfEpoch = saveMs / (epochMs + saveMs),
// the slowdown of an epoch that saves one.
//   node out/bench/checkpoint.js [--backend wasm|cpu] [--rounds 5] [--train-samples N] [--model NAME]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../src/shared/engineProtocol';
import { initBackend } from '../src/training/engine/backend';
import { saveCheckpoint } from '../src/training/engine/checkpoint';
import { BestTracker } from '../src/training/engine/earlyStopping';
import { buildModel } from '../src/training/engine/model/buildModel';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import { BENCH_MODELS, benchSpec, median, randomBatches, type BenchModel } from './benchModels';

const CHECKPOINTED = ['mlp-784-256-256-10', 'conv-16-32-mnist'];

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

async function bench(model: BenchModel, rounds: number, trainSamples: number | undefined): Promise<object> {
  const spec = benchSpec(model, { training: { checkpoint: { every: 1 } } });
  const built = buildModel(spec, 1);
  const { optimizer } = makeOptimizer(spec.training.optimizer);
  const tracker = new BestTracker(built.weights, spec.training.earlyStopping);
  const classes = built.model.outputs[0].shape[1] ?? 1;
  const { xs, ys } = randomBatches(spec, model.batchSize, classes);
  const [x, y] = [xs[0], ys[0]];
  const stepTimes: number[] = [];
  for (let i = 0; i < 3 + rounds; i++) {
    const t = performance.now();
    const { packed } = runStep(built, optimizer, spec.training, x, y, false);
    await packed.data();
    packed.dispose();
    if (i >= 3) stepTimes.push(performance.now() - t); // the first steps compile kernels and make the slots
  }
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-bench-checkpoint-'));
  const saveTimes: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < rounds + 1; i++) {
      const state = { epochs: i + 1, step: (i + 1) * 10, best: tracker.state() };
      const t = performance.now();
      const dir = await saveCheckpoint({ runDir, spec, weights: built.weights, optimizer, tracker, state, keep: 2 });
      if (i > 0) saveTimes.push(performance.now() - t); // the first save warms the file system and tf.io up
      bytes = dirBytes(dir);
    }
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
    tf.dispose([...xs, ...ys]);
    tracker.dispose();
    optimizer.dispose();
    built.model.dispose();
  }
  const train = trainSamples ?? Math.round(spec.data.samples * (1 - spec.data.validationSplit));
  const stepsPerEpoch = Math.ceil(train / model.batchSize);
  const saveMs = median(saveTimes);
  const stepMs = median(stepTimes);
  const epochMs = stepsPerEpoch * stepMs;
  return {
    model: model.name,
    backend: tf.getBackend(),
    batchSize: model.batchSize,
    params: built.model.countParams(),
    bytes,
    saveMs: Number(saveMs.toFixed(2)),
    stepMs: Number(stepMs.toFixed(2)),
    trainSamples: train,
    stepsPerEpoch,
    epochMs: Number(epochMs.toFixed(1)),
    shareOfEpoch: Number((saveMs / (epochMs + saveMs)).toFixed(4)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      rounds: { type: 'string' },
      'train-samples': { type: 'string' },
      model: { type: 'string' },
    },
  });
  await initBackend(values.backend as Backend | undefined);
  const rounds = Number(values.rounds ?? 5);
  const trainSamples = values['train-samples'] !== undefined ? Number(values['train-samples']) : undefined;
  const models = BENCH_MODELS.filter((m) => (values.model ? m.name === values.model : CHECKPOINTED.includes(m.name)));
  for (const model of models) console.log(JSON.stringify(await bench(model, rounds, trainSamples)));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
