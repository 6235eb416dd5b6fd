// CPU time per kernel of a training step, by process CPU time around each top-level kernel call (nested calls count
// in their caller), for the conv-step kernels on and off (bench/convStepKernels.ts) in alternating steps. CPU time
// suffers far less than wall time from other processes on a shared machine; medians over the profiled steps.
//   node out/bench/kernelCpu.js [--model conv-16-32-mnist] [--steps 40] [--top 25]
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/training/engine/backend';
import { buildModel } from '../src/training/engine/model/buildModel';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import { BENCH_MODELS, benchModel, benchSpec, median, randomBatches } from './benchModels';
import { setConvStepKernels } from './convStepKernels';

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** Per kernel name and input shapes: CPU ms of each profiled step (in the current step's slot). */
type Costs = Map<string, number[]>;

let depth = 0;
let current: { costs: Costs; step: number } | undefined;

/** Wraps every registered wasm kernel so that top-level calls add their CPU time to `current`. */
function instrument(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) => {
      if (depth > 0 || !current) return inner(args);
      depth++;
      const start = cpuMs();
      try {
        return inner(args);
      } finally {
        const spent = cpuMs() - start;
        depth--;
        const shapes = Object.values(args.inputs).map((t) => (t ? `[${t.shape.join(',')}]` : '-'));
        const key = `${config.kernelName} ${shapes.join(' ')}`;
        const { costs, step } = current;
        const row = costs.get(key) ?? [];
        row[step] = (row[step] ?? 0) + spent;
        costs.set(key, row);
      }
    };
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, steps: { type: 'string' }, top: { type: 'string' } } });
  await initBackend('wasm');
  instrument();
  const model = benchModel(values.model ?? BENCH_MODELS[2].name);
  const steps = Number(values.steps ?? 40);
  const spec = benchSpec(model);
  const built = buildModel(spec, 1);
  const { optimizer } = makeOptimizer(spec.training.optimizer);
  const { xs, ys } = randomBatches(spec, model.batchSize, built.model.outputs[0].shape[1] ?? 1);
  const runs = {
    ours: { costs: new Map() as Costs, total: [] as number[] },
    stock: { costs: new Map() as Costs, total: [] as number[] },
  };
  for (let i = 0; i < 2 * steps + 6; i++) {
    const which = i % 2 === 0 ? 'ours' : 'stock';
    setConvStepKernels(which === 'ours');
    const profiled = i >= 6;
    const run = runs[which];
    current = profiled ? { costs: run.costs, step: run.total.length } : undefined;
    const start = cpuMs();
    const { packed } = runStep(built, optimizer, spec.training, xs[i % 4], ys[i % 4], false);
    await packed.data();
    packed.dispose();
    if (profiled) run.total.push(cpuMs() - start);
    current = undefined;
  }
  setConvStepKernels(true);
  const med = (row: number[] | undefined, n: number): number => median(Array.from({ length: n }, (_, k) => row?.[k] ?? 0));
  const n = runs.ours.total.length;
  console.log(
    `${model.name}: CPU ms per step, median of ${n} alternating steps each (load ${(await import('os')).loadavg()[0].toFixed(2)})`,
  );
  console.log(`  whole step: ours ${median(runs.ours.total).toFixed(2)}  stock ${median(runs.stock.total).toFixed(2)}`);
  const keys = new Set([...runs.ours.costs.keys(), ...runs.stock.costs.keys()]);
  const rows = [...keys].map((k) => ({ k, ours: med(runs.ours.costs.get(k), n), stock: med(runs.stock.costs.get(k), n) }));
  rows.sort((p, q) => Math.max(q.ours, q.stock) - Math.max(p.ours, p.stock));
  const sum = (f: 'ours' | 'stock'): number => rows.reduce((s, r) => s + r[f], 0);
  console.log(`  sum of kernel medians: ours ${sum('ours').toFixed(2)}  stock ${sum('stock').toFixed(2)}`);
  for (const r of rows.slice(0, Number(values.top ?? 25))) {
    console.log(`  ${r.ours.toFixed(3).padStart(8)} ${r.stock.toFixed(3).padStart(8)}  ${r.k}`);
  }
  tf.dispose([...xs, ...ys]);
  built.model.dispose();
  optimizer.dispose();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
