// Sum over leading axes for wasm (x[rows, inner] → out[inner]) without a transpose: every bias gradient is one
// (dense: over the batch; conv2d: over batch, height and width). The stock kernel first transposes x so the reduced
// axes are innermost, then sums each row in one long dependent chain: 1.2-1.7 ms for conv-16-32-mnist's
// [64,26,26,16] → [16]. Here channels walk down the rows together, in WebAssembly SIMD (wat/channelsum.wat) where it
// runs, else four at a time in JS (~3.5× less CPU than stock), and bit for bit the stock result either way (each
// channel still adds its values in row order, rounding to float32 after every addition).
import * as tf from '@tensorflow/tfjs';
import { f32, heapAddress, input, wasmKernel } from './wasmHeap';
import type { WasmKernelArgs } from './wasmHeap';
import { backendModule } from './wasmModule';
import { CHANNELSUM_WASM } from './wat/channelsumWasm';

/** Off only in benchmarks and tests that compare against the stock kernel (enabled) or the JS loop (simd). */
export const channelSumTuning = { enabled: true, simd: true };
/** How many sums the SIMD module computed (tests check which path ran). */
export const channelSumCounts = { simd: 0 };

interface ChannelSumExports {
  sumRows(x: number, rows: number, inner: number, out: number): void;
}

const channelSumModule = backendModule(CHANNELSUM_WASM, (e: ChannelSumExports) => e);

/**
 * out[j] = Σ_r xs[r·inner + j] for j ≥ from, summed in order of r with float32 rounding after each addition.
 */
export function sumLeadingRows(xs: Float32Array, rows: number, inner: number, out: Float32Array, from = 0): void {
  const end = rows * inner;
  let j = from;
  for (; j + 4 <= inner; j += 4) {
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (let i = j; i < end; i += inner) {
      a = Math.fround(a + xs[i]);
      b = Math.fround(b + xs[i + 1]);
      c = Math.fround(c + xs[i + 2]);
      d = Math.fround(d + xs[i + 3]);
    }
    out[j] = a;
    out[j + 1] = b;
    out[j + 2] = c;
    out[j + 3] = d;
  }
  for (; j < inner; j++) {
    let s = 0;
    for (let i = j; i < end; i += inner) s = Math.fround(s + xs[i]);
    out[j] = s;
  }
}

/**
 * k when the axes are exactly 0..k-1 in that order (the stock kernel sums in the order given) and leave an axis: the
 * case this kernel takes; else 0.
 */
function leadingAxes(axes: number[], rank: number): number {
  const k = axes.length;
  return k >= 1 && k < rank && axes.every((a, i) => a === i) ? k : 0;
}

let stockSum: tf.KernelFunc | undefined;

function sumKernel(args: WasmKernelArgs): tf.TensorInfo {
  const x = input(args, 'x');
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const k = leadingAxes(axes, x.shape.length);
  const inner = tf.util.sizeFromShape(x.shape.slice(k));
  // A single output column is the stock kernel's own best case (one contiguous row).
  if (!channelSumTuning.enabled || x.dtype !== 'float32' || k === 0 || inner < 2) {
    if (!stockSum) throw new Error('wasm Sum: the stock kernel was not captured');
    return stockSum(args) as tf.TensorInfo;
  }
  const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const { backend } = args;
  const out = backend.makeOutput(outShape, 'float32');
  const rows = tf.util.sizeFromShape(x.shape.slice(0, k));
  const simd = channelSumTuning.simd && inner >= 4 ? channelSumModule(backend) : null;
  let done = 0;
  if (simd) {
    simd.sumRows(heapAddress(backend, x), rows, inner, heapAddress(backend, out));
    channelSumCounts.simd++;
    done = inner - (inner % 4);
  }
  if (done < inner) sumLeadingRows(f32(backend, x), rows, inner, f32(backend, out), done);
  return out;
}

const config = wasmKernel(tf.Sum, sumKernel);

/** Our Sum, delegating other cases to the stock kernel registered now (kept across re-installs). */
export function channelSumConfig(): tf.KernelConfig {
  const current = tf.getKernel(tf.Sum, 'wasm');
  if (current && current.kernelFunc !== config.kernelFunc) stockSum = current.kernelFunc;
  return config;
}
