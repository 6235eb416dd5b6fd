// The matrix products of one training step of a dense bench model, timed alone in the backend's GEMM: a floor under
// the step's time (and so a ceiling on samples/s) that no work outside the GEMM can lower. For the MLP it says how
// close to PyTorch one wasm core can get at all. A step multiplies, per dense layer of fan-in k and width n:
//   forward  a[b,k] @ w[k,n]            (every layer)
//   backward a^T[k,b] @ dy[b,n]          (every layer: the kernel's gradient)
//   backward dy[b,n] @ w^T[n,k]          (every layer but the first: the input is not trained)
// Each product is timed with a fresh right-hand operand, as in training, where the weights (and every gradient)
// change at each step; the cached-operand time (XNNPACK packs a right-hand operand once per tensor) is reported too.
//   node out/bench/gemmCeiling.js [--model NAME] [--reps 40]
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/training/engine/backend';
import { BENCH_MODELS, median, type BenchModel } from './benchModels';

export interface GemmCeiling {
  /** Multiply-adds ×2 of the step's products, per step. */
  gemmMflopPerStep: number;
  /** Sum of the products' median times with fresh operands (as in training), ms per step. */
  gemmMsPerStep: number;
  /** The same with operands XNNPACK has already packed: the best the GEMM can do. */
  gemmCachedMsPerStep: number;
  gemmGflops: number;
  gemmCachedGflops: number;
  /** batch × 1000 / gemmCachedMsPerStep: samples/s if nothing but the GEMM took time. */
  gemmBoundSamplesPerSec: number;
}

/** [rows, inner, cols] of every product in a training step of a stack of dense layers, as the header says. */
function denseStepProducts(batch: number, widths: number[]): Array<[number, number, number]> {
  const products: Array<[number, number, number]> = [];
  for (let l = 1; l < widths.length; l++) {
    const [k, n] = [widths[l - 1], widths[l]];
    products.push([batch, k, n], [k, batch, n]);
    if (l > 1) products.push([batch, n, k]);
  }
  return products;
}

/** Fan-ins and widths of a bench model made only of dense layers (repeat blocks unrolled), or undefined. */
function denseWidths(model: BenchModel): number[] | undefined {
  type Layer = { type?: string; units?: number; repeat?: number; layers?: Layer[] };
  const spec = model.spec as { model: { inputShape: number[]; layers: Layer[] } };
  if (spec.model.inputShape.length !== 1) return undefined;
  const widths = [spec.model.inputShape[0]];
  const walk = (layers: Layer[]): boolean =>
    layers.every((l) => {
      if (l.repeat !== undefined) return Array.from({ length: l.repeat }, () => walk(l.layers ?? [])).every(Boolean);
      if (l.type !== 'dense' || l.units === undefined) return false;
      widths.push(l.units);
      return true;
    });
  return walk(spec.model.layers) ? widths : undefined;
}

function timeProduct([m, k, n]: [number, number, number], reps: number, fresh: boolean): number {
  const a = tf.randomUniform([m, k]);
  const b = tf.randomUniform([k, n]);
  const times: number[] = [];
  for (let i = 0; i < reps + 3; i++) {
    // A fresh copy has a new tensor id, so XNNPACK packs it again, as it must for weights that just changed.
    const right = fresh ? tf.add(b, 0) : b;
    right.dataSync();
    const start = performance.now();
    const c = tf.matMul(a, right);
    c.dataSync();
    if (i >= 3) times.push(performance.now() - start);
    c.dispose();
    if (right !== b) right.dispose();
  }
  tf.dispose([a, b]);
  return median(times);
}

/** The GEMM floor of one training step of `model`, or undefined when it is not a stack of dense layers. */
export function gemmCeiling(model: BenchModel, reps = 40): GemmCeiling | undefined {
  const widths = denseWidths(model);
  if (!widths) return undefined;
  const products = denseStepProducts(model.batchSize, widths);
  const mflop = products.reduce((s, [m, k, n]) => s + (2 * m * k * n) / 1e6, 0);
  const fresh = products.reduce((s, p) => s + timeProduct(p, reps, true), 0);
  const cached = products.reduce((s, p) => s + timeProduct(p, reps, false), 0);
  return {
    gemmMflopPerStep: Number(mflop.toFixed(1)),
    gemmMsPerStep: Number(fresh.toFixed(3)),
    gemmCachedMsPerStep: Number(cached.toFixed(3)),
    gemmGflops: Number((mflop / fresh).toFixed(1)),
    gemmCachedGflops: Number((mflop / cached).toFixed(1)),
    gemmBoundSamplesPerSec: Math.round((model.batchSize * 1000) / cached),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, reps: { type: 'string' }, backend: { type: 'string' } } });
  const backend = await initBackend((values.backend as 'wasm' | 'cpu' | undefined) ?? 'wasm');
  for (const model of BENCH_MODELS.filter((m) => !values.model || m.name === values.model)) {
    const ceiling = gemmCeiling(model, Number(values.reps ?? 40));
    if (ceiling) console.log(JSON.stringify({ model: model.name, backend, ...ceiling }));
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
