// `npm run bench`: training throughput with full measurement every step, every 10th step and never, on the same
// backend. Prints one JSON line per model with (a contract) {"model","backend","measuredSamplesPerSec",
// "plainSamplesPerSec","overhead"} and more: the same at measureEvery 10 (overhead10), the overheads by process CPU
// time (cpuOverhead, cpuOverhead10: far less sensitive to other processes on a shared machine than wall time),
// and the load average before and after. --unfused adds plain training with the optimizer's tf ops instead of its
// fused update kernel (wasm), interleaved with the rest: plainUnfusedSamplesPerSec and fusedSpeedup (wall and CPU).
// With --stock-conv-kernels a variant plainStockConv trains plain with the conv-step kernels of
// bench/convStepKernels.ts switched back to the stock ones (in its own blocks, interleaved with the others), and the
// line adds its samples/s and the plain variant's speed-up over it (convKernelsSpeedup, by wall and by CPU time).
// When python3-torch is installed, each of our rounds has PyTorch's rounds beside it (2 threads, then 1), the order
// alternating between rounds: plainVsPytorch is the median over rounds of each round's ratio (bench/pytorch.ts).
//   node out/bench/trainingOverhead.js [--backend wasm|cpu|tensorflow] [--seconds 3] [--rounds 3] [--model NAME]
//     [--unfused] [--stock-conv-kernels]
import * as os from 'os';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../src/shared/engineProtocol';
import { initBackend } from '../src/training/engine/backend';
import { fusedUpdateAvailable } from '../src/training/engine/backend/wasmFusedUpdate';
import { wasmThreadsCount } from '../src/training/engine/backend/wasmThreads';
import { buildModel } from '../src/training/engine/model/buildModel';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import { setConvStepKernels } from './convStepKernels';
import { BENCH_MODELS, benchSpec, median, randomBatches, type BenchModel } from './benchModels';
import { gemmCeiling } from './gemmCeiling';
import { startPytorch, type PytorchServer } from './pytorch';
import { schedSince, schedSnapshot, type SchedDelta } from './schedStats';

/**
 * Full measurement every `measureEvery` steps; 0: never (plain training). plainUnfused: only with --unfused;
 * plainStockConv: only with --stock-conv-kernels.
 */
const VARIANTS = { plain: 0, measured: 1, every10: 10, plainUnfused: 0, plainStockConv: 0 } as const;
type Variant = keyof typeof VARIANTS;

/** Switches the variant's kernels in before its block runs (all but plainStockConv use the engine's own). */
const useKernels = (v: Variant): void => setConvStepKernels(v !== 'plainStockConv');

interface Tally {
  steps: number;
  wallMs: number;
  cpuMs: number;
  /** Scheduler time of this variant's blocks (Linux): main thread, all threads, run-queue wait. */
  sched?: SchedDelta;
}

/** A model and optimizer training on fixed batches, as the engine's loop does (one readback per step). */
function trainer(model: BenchModel, measureEvery: number, fused: boolean): { step: () => Promise<void>; dispose: () => void } {
  const spec = benchSpec(model);
  const built = buildModel(spec, 1);
  // fused: the product's default; else the tf ops (and tf.train.adam), as before the fused kernels.
  const { optimizer } = fused ? makeOptimizer(spec.training.optimizer) : makeOptimizer(spec.training.optimizer, false, false);
  const classes = built.model.outputs[0].shape[1] ?? 1;
  const { xs, ys } = randomBatches(spec, model.batchSize, classes);
  let i = 0;
  return {
    step: async () => {
      const measure = measureEvery > 0 && i % measureEvery === 0;
      const { packed } = runStep(built, optimizer, spec.training, xs[i % 4], ys[i % 4], measure);
      await packed.data();
      packed.dispose();
      i++;
    },
    dispose: () => {
      tf.dispose([...xs, ...ys]);
      built.model.dispose();
      optimizer.dispose();
    },
  };
}

const cpuMsNow = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * One round: the variants take turns in blocks of ~100 ms (order rotating) for about `seconds` each, so that
 * machine noise hits them alike. Returns steps, wall and CPU time per variant.
 */
async function round(model: BenchModel, seconds: number, names: Variant[]): Promise<Partial<Record<Variant, Tally>>> {
  const runners = names.map((n) => trainer(model, VARIANTS[n], n !== 'plainUnfused'));
  const tallies = names.map((): Tally => ({ steps: 0, wallMs: 0, cpuMs: 0 }));
  // Warm-up (and a block length): 10 steps each, at least one of them measured.
  let warmMs = 0;
  for (const [j, r] of runners.entries()) {
    useKernels(names[j]);
    const start = performance.now();
    for (let k = 0; k < 10; k++) await r.step();
    warmMs = Math.max(warmMs, (performance.now() - start) / 10);
  }
  const block = Math.max(10, Math.round(100 / warmMs / 10) * 10); // a multiple of 10: every10 measures 1 in 10
  for (let turn = 0; tallies.some((t) => t.wallMs < seconds * 1000); turn++) {
    for (let j = 0; j < runners.length; j++) {
      const v = (turn + j) % runners.length;
      useKernels(names[v]);
      const wall = performance.now();
      const cpu = cpuMsNow();
      const sched = schedSnapshot();
      for (let k = 0; k < block; k++) await runners[v].step();
      tallies[v].wallMs += performance.now() - wall;
      tallies[v].cpuMs += cpuMsNow() - cpu;
      tallies[v].steps += block;
      const used = schedSince(sched);
      if (used) {
        const t = (tallies[v].sched ??= { mainNs: 0, allNs: 0, waitNs: 0 });
        t.mainNs += used.mainNs;
        t.allNs += used.allNs;
        t.waitNs += used.waitNs;
      }
    }
  }
  useKernels('plain');
  runners.forEach((r) => r.dispose());
  return Object.fromEntries(names.map((n, j) => [n, tallies[j]]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string' },
      seconds: { type: 'string' },
      model: { type: 'string' },
      rounds: { type: 'string' },
      'no-pytorch': { type: 'boolean' },
      unfused: { type: 'boolean' },
      'stock-conv-kernels': { type: 'boolean' },
    },
  });
  const backend = await initBackend(values.backend as Backend | undefined);
  const seconds = Number(values.seconds ?? 3);
  const rounds = Number(values.rounds ?? 3);
  const models = BENCH_MODELS.filter((m) => !values.model || m.name === values.model);
  // PyTorch on two threads (the machine's cores, the reference) and on one (core for core with wasm).
  const torch = values['no-pytorch'] ? undefined : await startPytorch(2);
  const running = (s: Awaited<ReturnType<typeof startPytorch>> | undefined): PytorchServer | undefined =>
    s && 'measure' in s ? s : undefined;
  const torch2 = running(torch);
  const torch1 = torch2 ? running(await startPytorch(1)) : undefined;
  for (const model of models) {
    const loadBefore = os.loadavg()[0];
    const names = (Object.keys(VARIANTS) as Variant[]).filter(
      (v) => (v !== 'plainStockConv' || values['stock-conv-kernels']) && (v !== 'plainUnfused' || values.unfused),
    );
    const results: Record<Variant, Tally>[] = [];
    const pt: TorchRound[] = [];
    for (let r = 0; r < rounds; r++) {
      // PyTorch after our round in even rounds, before it in odd ones.
      if (r % 2 === 1) pt.push(await torchRound(model, seconds, torch2, torch1));
      results.push((await round(model, seconds, names)) as Record<Variant, Tally>);
      if (r % 2 === 0) pt.push(await torchRound(model, seconds, torch2, torch1));
    }
    /** Our samples/s of variant `v` in round `r`, by wall or CPU time. */
    const roundRate = (r: number, v: Variant, clock: 'wallMs' | 'cpuMs' = 'wallMs'): number =>
      (results[r][v].steps * model.batchSize * 1000) / results[r][v][clock];
    const rate = (v: Variant, clock: 'wallMs' | 'cpuMs'): number => median(results.map((_, r) => roundRate(r, v, clock)));
    /** Time per step of `v` over that of `base`, the median over rounds. */
    const ratio = (v: Variant, clock: 'wallMs' | 'cpuMs', base: Variant = 'plain'): number =>
      Number(median(results.map((t) => t[v][clock] / t[v].steps / (t[base][clock] / t[base].steps))).toFixed(3));
    const measured = rate('measured', 'wallMs');
    const line: Record<string, unknown> = {
      model: model.name,
      backend,
      batchSize: model.batchSize,
      measuredSamplesPerSec: Math.round(measured),
      plainSamplesPerSec: Math.round(rate('plain', 'wallMs')),
      overhead: ratio('measured', 'wallMs'),
      // Each round's own ratio (its trainers are fresh: rounds differ more than the variants within one do).
      overheadByRound: results.map((t) =>
        Number((t.measured.wallMs / t.measured.steps / (t.plain.wallMs / t.plain.steps)).toFixed(3)),
      ),
      measureEvery10SamplesPerSec: Math.round(rate('every10', 'wallMs')),
      overhead10: ratio('every10', 'wallMs'),
      cpuOverhead: ratio('measured', 'cpuMs'),
      cpuOverhead10: ratio('every10', 'cpuMs'),
      load: [Number(loadBefore.toFixed(2)), Number(os.loadavg()[0].toFixed(2))],
      ...(backend === 'wasm' ? { wasmThreads: wasmThreadsCount() } : {}),
    };
    if (values.unfused) {
      // The optimizer's fused update kernel against its tf ops, both plain: > 1 means fused is faster.
      line.optimizerFused = fusedUpdateAvailable();
      line.plainUnfusedSamplesPerSec = Math.round(rate('plainUnfused', 'wallMs'));
      line.fusedSpeedup = ratio('plainUnfused', 'wallMs');
      line.fusedCpuSpeedup = ratio('plainUnfused', 'cpuMs');
    }
    if (names.includes('plainStockConv')) {
      line.plainStockConvSamplesPerSec = Math.round(rate('plainStockConv', 'wallMs'));
      line.convKernelsSpeedup = Number((1 / ratio('plain', 'wallMs', 'plainStockConv')).toFixed(3));
      line.convKernelsCpuSpeedup = Number((1 / ratio('plain', 'cpuMs', 'plainStockConv')).toFixed(3));
    }
    // Scheduler figures of the plain steps (Linux): ms per step on a CPU for the main thread and for all threads, and
    // ms per step the threads were runnable but waiting for a CPU (contention). `npm run bench:threads` reads them.
    const perStep = (field: keyof SchedDelta): number | undefined =>
      results.every((t) => t.plain.sched)
        ? Number(median(results.map((t) => (t.plain.sched as SchedDelta)[field] / 1e6 / t.plain.steps)).toFixed(3))
        : undefined;
    if (perStep('mainNs') !== undefined) {
      line.plainMainCpuMsPerStep = perStep('mainNs');
      line.plainAllCpuMsPerStep = perStep('allNs');
      line.plainRunqueueWaitMsPerStep = perStep('waitNs');
    }
    /** The median over rounds of our `v` in a round over PyTorch's beside it, and each round's ratio. */
    const vsTorch = (v: Variant, threads: 'two' | 'one'): { median: number; byRound: number[] } => {
      const byRound = pt.map((p, r) => Number((roundRate(r, v) / (p[threads]?.samplesPerSec ?? NaN)).toFixed(3)));
      return { median: Number(median(byRound).toFixed(3)), byRound };
    };
    /** PyTorch's rate in each round on `threads`, when it has one in every round. */
    const torchRates = (threads: 'two' | 'one'): number[] | undefined => {
      const rates = pt.flatMap((p) => (p[threads] ? [p[threads].samplesPerSec] : []));
      return rates.length === rounds && rounds > 0 ? rates : undefined;
    };
    const pt2Rates = torchRates('two');
    if (pt2Rates) {
      line.pytorchSamplesPerSec = Math.round(median(pt2Rates));
      line.pytorchSamplesPerSecByRound = pt2Rates.map(Math.round);
      line.pytorch = `${torch2?.setup}, ${pt[0].two?.optimizer}`;
      line.vsPytorch = vsTorch('measured', 'two').median;
      const plain = vsTorch('plain', 'two');
      line.plainVsPytorch = plain.median;
      line.plainVsPytorchByRound = plain.byRound;
    } else if (torch && 'skipped' in torch) {
      line.pytorch = `skipped: ${torch.skipped}`;
    }
    const pt1Rates = torchRates('one');
    if (pt1Rates) {
      line.pytorch1ThreadSamplesPerSec = Math.round(median(pt1Rates));
      line.plainVsPytorch1Thread = vsTorch('plain', 'one').median;
    }
    // What the backend's GEMM alone allows (dense models): samples/s if the step were nothing but its products.
    const ceiling = backend === 'wasm' ? gemmCeiling(model) : undefined;
    if (ceiling) {
      Object.assign(line, ceiling);
      if (typeof line.pytorchSamplesPerSec === 'number') {
        line.gemmBoundVsPytorch = Number((ceiling.gemmBoundSamplesPerSec / line.pytorchSamplesPerSec).toFixed(3));
      }
    }
    console.log(JSON.stringify(line));
  }
  torch2?.close();
  torch1?.close();
}

/** PyTorch's figures for one round: on two threads and on one, when those servers run. */
interface TorchRound {
  two?: { samplesPerSec: number; optimizer: string };
  one?: { samplesPerSec: number; optimizer: string };
}

async function torchRound(
  model: BenchModel,
  seconds: number,
  two: PytorchServer | undefined,
  one: PytorchServer | undefined,
): Promise<TorchRound> {
  return { two: await two?.measure(model.name, seconds), one: await one?.measure(model.name, seconds) };
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
