// `npm run bench:augmentation`: what data augmentation costs per training batch, alone and as a share of a step.
// The conv bench model (bench/benchModels.ts) trains on fixed random batches with and without augmenting each batch
// (every transform on);
// prints one JSON line: {"backend","batchSize","augmentMsPerBatch","stepMsPlain","stepMsAugmented","throughputRatio"}.
//   node out/bench/augmentation.js [--backend wasm|cpu] [--seconds 3] [--rounds 3]
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../src/shared/engineProtocol';
import { augmentBatch } from '../src/training/engine/augment';
import { initBackend } from '../src/training/engine/backend';
import { buildModel } from '../src/training/engine/model/buildModel';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import type { AugmentationSpec } from '../src/training/spec/types';
import { benchModel, benchSpec, median, randomBatches } from './benchModels';

const CONV = benchModel('conv-16-32-mnist');
const BATCH = CONV.batchSize;
const AUGMENTATION: AugmentationSpec = { shift: 2, rotation: 10, zoom: 0.1, noise: 0.05, cutout: 8, horizontalFlip: true };

/** Milliseconds per call of `work(i)`, timed for about `seconds` after a warm-up of 3 calls. */
async function timePerCall(work: (i: number) => Promise<void>, seconds: number): Promise<number> {
  for (let i = 0; i < 3; i++) await work(i);
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) await work(calls++);
  return (performance.now() - start) / calls;
}

async function measure(seconds: number): Promise<{ augment: number; plain: number; augmented: number }> {
  const spec = benchSpec(CONV, { data: { augmentation: AUGMENTATION } });
  const built = buildModel(spec, 1);
  const { optimizer } = makeOptimizer(spec.training.optimizer);
  const { xs, ys } = randomBatches(spec, BATCH, 10);
  const step = async (x: tf.Tensor, y: tf.Tensor): Promise<void> => {
    const { packed } = runStep(built, optimizer, spec.training, x, y, false);
    await packed.data();
    packed.dispose();
  };
  const augment = await timePerCall(async (i) => {
    const x = augmentBatch(xs[i % 4], AUGMENTATION, 1, 0, i);
    await x.data();
    x.dispose();
  }, seconds);
  const plain = await timePerCall((i) => step(xs[i % 4], ys[i % 4]), seconds);
  const augmented = await timePerCall(async (i) => {
    const x = augmentBatch(xs[i % 4], AUGMENTATION, 1, 0, i);
    await step(x, ys[i % 4]);
    x.dispose();
  }, seconds);
  tf.dispose([...xs, ...ys]);
  built.model.dispose();
  optimizer.dispose();
  return { augment, plain, augmented };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backend: { type: 'string' }, seconds: { type: 'string' }, rounds: { type: 'string' } },
  });
  const backend = await initBackend(values.backend as Backend | undefined);
  const seconds = Number(values.seconds ?? 3);
  const rounds: { augment: number; plain: number; augmented: number }[] = [];
  for (let r = 0; r < Number(values.rounds ?? 3); r++) rounds.push(await measure(seconds));
  const plain = median(rounds.map((r) => r.plain));
  const augmented = median(rounds.map((r) => r.augmented));
  console.log(
    JSON.stringify({
      backend,
      batchSize: BATCH,
      augmentMsPerBatch: Number(median(rounds.map((r) => r.augment)).toFixed(2)),
      stepMsPlain: Number(plain.toFixed(2)),
      stepMsAugmented: Number(augmented.toFixed(2)),
      throughputRatio: Number((plain / augmented).toFixed(3)),
    }),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
