// `npm run bench`: training throughput with full measurement every step vs without, on the same backend.
// Prints one JSON line per model: {"model","backend","measuredSamplesPerSec","plainSamplesPerSec","overhead"}.
//   node out/bench/trainingOverhead.js [--backend wasm|cpu|tensorflow] [--seconds 4] [--model NAME]
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../src/shared/engineProtocol';
import { initBackend } from '../src/training/engine/backend';
import { wasmThreadsCount } from '../src/training/engine/backend/wasmThreads';
import { buildModel } from '../src/training/engine/model/buildModel';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import { BENCH_MODELS, benchSpec, median, randomBatches, type BenchModel } from './benchModels';

/** Samples per second of `measure`d steps, timed for about `seconds` after a warm-up. */
async function throughput(model: BenchModel, measure: boolean, seconds: number): Promise<number> {
  const spec = benchSpec(model);
  const built = buildModel(spec, 1);
  const { optimizer } = makeOptimizer(spec.training.optimizer);
  const classes = built.model.outputs[0].shape[1] ?? 1;
  const { xs, ys } = randomBatches(spec, model.batchSize, classes);
  const step = async (i: number): Promise<void> => {
    const { packed } = runStep(built, optimizer, spec.training, xs[i % 4], ys[i % 4], measure);
    await packed.data();
    packed.dispose();
  };
  for (let i = 0; i < 3; i++) await step(i);
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) await step(steps++);
  const elapsed = (performance.now() - start) / 1000;
  tf.dispose([...xs, ...ys]);
  built.model.dispose();
  optimizer.dispose();
  return (steps * model.batchSize) / elapsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backend: { type: 'string' }, seconds: { type: 'string' }, model: { type: 'string' }, rounds: { type: 'string' } },
  });
  const backend = await initBackend(values.backend as Backend | undefined);
  const seconds = Number(values.seconds ?? 3);
  const rounds = Number(values.rounds ?? 3);
  for (const model of BENCH_MODELS.filter((m) => !values.model || m.name === values.model)) {
    const measured: number[] = [];
    const plain: number[] = [];
    // Interleaved rounds so that machine noise hits both variants alike.
    for (let r = 0; r < rounds; r++) {
      measured.push(await throughput(model, true, seconds));
      plain.push(await throughput(model, false, seconds));
    }
    const m = median(measured);
    const p = median(plain);
    console.log(
      JSON.stringify({
        model: model.name,
        backend,
        batchSize: model.batchSize,
        ...(backend === 'wasm' ? { wasmThreads: wasmThreadsCount() } : {}),
        measuredSamplesPerSec: Math.round(m),
        plainSamplesPerSec: Math.round(p),
        overhead: Number((p / m).toFixed(3)),
      }),
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
