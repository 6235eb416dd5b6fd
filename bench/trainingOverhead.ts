// `npm run bench`: training throughput with full measurement every step vs without, on the same backend.
// Prints one JSON line per model: {"model","backend","measuredSamplesPerSec","plainSamplesPerSec","overhead"}.
//   node out/bench/trainingOverhead.js [--backend wasm|cpu|tensorflow] [--seconds 4] [--model NAME]
import * as fs from 'fs';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../src/shared/engineProtocol';
import { initBackend } from '../src/training/engine/backend';
import { wasmThreadsCount } from '../src/training/engine/backend/wasmThreads';
import { buildModel } from '../src/training/engine/model/buildModel';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import { BENCH_MODELS, benchSpec, median, randomBatches, type BenchModel } from './benchModels';

/** Per-thread scheduler counters of this process (Linux /proc; empty elsewhere): ns on a CPU and ns runnable but waiting. */
function schedStats(): Map<string, { run: number; wait: number }> {
  const stats = new Map<string, { run: number; wait: number }>();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const [run, wait] = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      stats.set(tid, { run, wait });
    }
  } catch {
    // not Linux: no scheduler figures
  }
  return stats;
}

/** Milliseconds per step on a CPU (the main thread, all threads) and waiting for one (all threads), between two schedStats. */
function cpuPerStep(
  before: Map<string, { run: number; wait: number }>,
  steps: number,
): { mainCpuMs: number; allCpuMs: number; waitMs: number } | null {
  const after = schedStats();
  if (after.size === 0 || steps === 0) return null;
  let all = 0;
  let wait = 0;
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? { run: 0, wait: 0 };
    all += a.run - b.run;
    wait += a.wait - b.wait;
  }
  const mainNs = (after.get(String(process.pid))?.run ?? 0) - (before.get(String(process.pid))?.run ?? 0);
  const ms = (ns: number): number => Number((ns / 1e6 / steps).toFixed(3));
  return { mainCpuMs: ms(mainNs), allCpuMs: ms(all), waitMs: ms(wait) };
}

interface Throughput {
  samplesPerSec: number;
  cpu: ReturnType<typeof cpuPerStep>;
}

/** Samples per second of `measure`d steps, timed for about `seconds` after a warm-up. */
async function throughput(model: BenchModel, measure: boolean, seconds: number): Promise<Throughput> {
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
  const sched = schedStats();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) await step(steps++);
  const elapsed = (performance.now() - start) / 1000;
  const cpu = cpuPerStep(sched, steps);
  tf.dispose([...xs, ...ys]);
  built.model.dispose();
  optimizer.dispose();
  return { samplesPerSec: (steps * model.batchSize) / elapsed, cpu };
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
    const plainCpu: Array<ReturnType<typeof cpuPerStep>> = [];
    // Interleaved rounds so that machine noise hits both variants alike.
    for (let r = 0; r < rounds; r++) {
      measured.push((await throughput(model, true, seconds)).samplesPerSec);
      const p = await throughput(model, false, seconds);
      plain.push(p.samplesPerSec);
      plainCpu.push(p.cpu);
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
        // Scheduler figures of the plain steps (median per field; Linux only): ms per step on a CPU for the main
        // thread and for all threads, and ms per step threads spent runnable but waiting for a CPU (contention).
        ...(plainCpu.every((c) => c != null)
          ? {
              plainMainCpuMsPerStep: median(plainCpu.map((c) => c.mainCpuMs)),
              plainAllCpuMsPerStep: median(plainCpu.map((c) => c.allCpuMs)),
              plainRunqueueWaitMsPerStep: median(plainCpu.map((c) => c.waitMs)),
            }
          : {}),
      }),
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
