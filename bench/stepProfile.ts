// Where a step's time goes: kernels dispatched, their time, tensors allocated and bytes read back, for a measured
// and a plain step of each bench model (tf.profile over a few steps after a warm-up). Counts are contention-free
// evidence; the milliseconds are per step, medians over the profiled steps, and suffer the machine's load.
// --unfused: the optimizer's tf ops instead of its fused update kernel (wasm), to count what fusing saves.
//   node out/bench/stepProfile.js [--backend wasm|cpu] [--model NAME] [--steps 20] [--top 12] [--unfused]
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../src/shared/engineProtocol';
import { initBackend } from '../src/training/engine/backend';
import { buildModel } from '../src/training/engine/model/buildModel';
import { fusedUpdateAvailable } from '../src/training/engine/backend/wasmFusedUpdate';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import { BENCH_MODELS, benchSpec, median, randomBatches } from './benchModels';

interface KernelTotal {
  count: number;
  ms: number;
}

interface StepProfile {
  kernels: Map<string, KernelTotal>;
  dispatches: number;
  kernelMs: number;
  newTensors: number;
  readBytes: number;
  stepMs: number;
}

async function profileSteps(name: string, measure: boolean, steps: number, fused: boolean): Promise<StepProfile> {
  const model = BENCH_MODELS.find((m) => m.name === name);
  if (!model) throw new Error(`unknown model ${name}`);
  const spec = benchSpec(model);
  const built = buildModel(spec, 1);
  // fused: the product's default; else the tf ops (and tf.train.adam), as before the fused kernels.
  const { optimizer } = fused ? makeOptimizer(spec.training.optimizer) : makeOptimizer(spec.training.optimizer, false, false);
  const classes = built.model.outputs[0].shape[1] ?? 1;
  const { xs, ys } = randomBatches(spec, model.batchSize, classes);
  let readBytes = 0;
  const step = async (i: number): Promise<void> => {
    const { packed } = runStep(built, optimizer, spec.training, xs[i % 4], ys[i % 4], measure);
    const values = await packed.data();
    readBytes += values.byteLength;
    packed.dispose();
  };
  for (let i = 0; i < 5; i++) await step(i);
  readBytes = 0;
  const kernels = new Map<string, KernelTotal>();
  const stepMs: number[] = [];
  let dispatches = 0;
  let kernelMs = 0;
  let newTensors = 0;
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    const info = await tf.profile(() => step(i));
    stepMs.push(performance.now() - start);
    newTensors += info.newTensors;
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const t = kernels.get(k.name) ?? { count: 0, ms: 0 };
      t.count++;
      t.ms += ms;
      kernels.set(k.name, t);
      dispatches++;
      kernelMs += ms;
    }
  }
  tf.dispose([...xs, ...ys]);
  built.model.dispose();
  optimizer.dispose();
  return {
    kernels,
    dispatches: dispatches / steps,
    kernelMs: kernelMs / steps,
    newTensors: newTensors / steps,
    readBytes: readBytes / steps,
    stepMs: median(stepMs),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      model: { type: 'string' },
      steps: { type: 'string' },
      top: { type: 'string' },
      unfused: { type: 'boolean' },
    },
  });
  const backend = await initBackend(values.backend as Backend | undefined);
  const steps = Number(values.steps ?? 20);
  const top = Number(values.top ?? 12);
  for (const model of BENCH_MODELS.filter((m) => !values.model || m.name === values.model)) {
    const fused = !values.unfused;
    const plain = await profileSteps(model.name, false, steps, fused);
    const measured = await profileSteps(model.name, true, steps, fused);
    const row = (label: string, p: StepProfile): string =>
      `  ${label.padEnd(9)} ${p.dispatches.toFixed(0).padStart(5)} kernels/step ${p.kernelMs.toFixed(2).padStart(7)} kernel ms/step ` +
      `${p.stepMs.toFixed(2).padStart(7)} ms/step (wall, profiled) ${p.newTensors.toFixed(0).padStart(4)} tensors kept ${p.readBytes.toFixed(0).padStart(6)} B read`;
    console.log(
      `${model.name} (${backend}, batch ${model.batchSize}, optimizer ${fused && fusedUpdateAvailable() ? 'fused' : 'tf ops'})`,
    );
    console.log(row('plain', plain));
    console.log(row('measured', measured));
    // Kernels whose count or time differs most between the two: what measurement adds.
    const names = new Set([...plain.kernels.keys(), ...measured.kernels.keys()]);
    const diff = [...names]
      .map((n) => {
        const a = plain.kernels.get(n) ?? { count: 0, ms: 0 };
        const b = measured.kernels.get(n) ?? { count: 0, ms: 0 };
        return { n, dc: (b.count - a.count) / steps, dms: (b.ms - a.ms) / steps, ms: b.ms / steps, count: b.count / steps };
      })
      .sort((p, q) => Math.abs(q.dms) - Math.abs(p.dms))
      .slice(0, top);
    console.log('  kernel                      measured: n/step   ms/step | vs plain: Δn/step  Δms/step');
    for (const d of diff) {
      console.log(
        `  ${d.n.padEnd(27)} ${d.count.toFixed(1).padStart(16)} ${d.ms.toFixed(3).padStart(9)} | ${d.dc.toFixed(1).padStart(16)} ${d.dms.toFixed(3).padStart(9)}`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
