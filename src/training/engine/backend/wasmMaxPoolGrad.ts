// MaxPoolGrad for wasm as one pass over the pooling windows, routing each dy to its window's argmax.
// The stock C++ kernel was the most expensive kernel of a small conv net's training step (12.6 ms vs
// ~4 ms here for a [64,26,26,16] input, ~2.5 ms where 2x2 windows find their maximum from the pooled output).
// The commonest case (2x2 windows at stride 2, no padding, channels a multiple of 4, the pooled maxima given) runs in
// WebAssembly SIMD, four channels at a time (wat/maxpool.wat), with the same results bit for bit.
import * as tf from '@tensorflow/tfjs';
import { alloc, f32, heapAddress, input, wasmKernel } from './wasmHeap';
import type { BackendWasm, WasmKernelArgs } from './wasmHeap';
import { backendModule } from './wasmModule';
import { MAXPOOL_WASM } from './wat/maxpoolWasm';

/**
 * dx[first maximum of the window] += g, for the rows × cols window whose top-left value is xs[i] (row stride
 * `rowStride`, column stride `colStride`). Row-major window order and strict '>' pick the first maximum, as the cpu
 * backend does (ties are common after relu, and the gradient must land on the same element); NaN is never a maximum,
 * and a window of NaN and -Infinity only sends nothing.
 */
/**
 * useOutput off: the window maxima are found from x alone; simd off: the 2x2 windows in JS (benchmarks and tests
 * compare them).
 */
export const maxPoolTuning = { useOutput: true, simd: true };
/** How many gradients the SIMD module computed (tests check which path ran). */
export const maxPoolCounts = { simd: 0 };

interface MaxPoolExports {
  maxPoolGrad2x2(
    x: number,
    y: number,
    dy: number,
    dx: number,
    batch: number,
    outH: number,
    outW: number,
    inH: number,
    inW: number,
    channels: number,
  ): number;
}

const maxPoolModule = backendModule(MAXPOOL_WASM, (e: MaxPoolExports) => e);

function routeFirstMax(
  xs: Float32Array,
  dxs: Float32Array,
  g: number,
  i: number,
  rows: number,
  cols: number,
  rowStride: number,
  colStride: number,
): void {
  let max = -Infinity;
  let at = -1;
  for (let r = 0; r < rows; r++) {
    let k = i + r * rowStride;
    for (let q = 0; q < cols; q++, k += colStride) {
      const v = xs[k];
      if (v > max) {
        max = v;
        at = k;
      }
    }
  }
  if (at >= 0) dxs[at] += g;
}

function maxPoolGradKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const dy = input(args, 'dy');
  const x = input(args, 'input');
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: inC, outHeight: outH, outWidth: outW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const dx = alloc(backend, x.shape);
  // The forward pass's pooled maxima, when given with the shape they must have.
  const output = args.inputs.output;
  const y = maxPoolTuning.useOutput && output && output.shape.join() === dy.shape.join() ? output : undefined;
  if (y && maxPoolTuning.simd && simdWindows(backend, info, x, y, dy, dx)) return dx;
  const dxs = f32(backend, dx);
  const xs = f32(backend, x);
  const dys = f32(backend, dy);
  const ys = y ? f32(backend, y) : undefined;
  dxs.fill(0);
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const rowLo = Math.max(0, oh * sh - padTop);
      const rowHi = Math.min(inH, oh * sh - padTop + fh);
      for (let ow = 0; ow < outW; ow++) {
        const colLo = Math.max(0, ow * sw - padLeft);
        const colHi = Math.min(inW, ow * sw - padLeft + fw);
        const dyBase = ((n * outH + oh) * outW + ow) * inC;
        if (rowHi - rowLo === 2 && colHi - colLo === 2 && ys) {
          // The common 2x2 window: the first of its four values equal to the pooled maximum y takes the gradient, when
          // none exceeds y (so no NaN either) and y > -Infinity: the first maximum, as routeFirstMax finds it, with
          // fewer unpredictable branches (~30% less CPU). Any other window (NaN, a y that is not its maximum) takes
          // routeFirstMax.
          const rowStride = inW * inC;
          let i0 = ((n * inH + rowLo) * inW + colLo) * inC;
          for (let c = 0; c < inC; c++, i0++) {
            const m = ys[dyBase + c];
            const a = xs[i0];
            const b = xs[i0 + inC];
            const e = xs[i0 + rowStride];
            const f = xs[i0 + rowStride + inC];
            const at =
              m > -Infinity && a <= m && b <= m && e <= m && f <= m
                ? a === m
                  ? i0
                  : b === m
                    ? i0 + inC
                    : e === m
                      ? i0 + rowStride
                      : f === m
                        ? i0 + rowStride + inC
                        : -1
                : -1;
            if (at >= 0) dxs[at] += dys[dyBase + c];
            else routeFirstMax(xs, dxs, dys[dyBase + c], i0, 2, 2, inW * inC, inC);
          }
          continue;
        }
        if (rowHi - rowLo === 2 && colHi - colLo === 2) {
          // The 2x2 window without y, unrolled (a third faster than routeFirstMax); the same first maximum.
          const rowStride = inW * inC;
          let i0 = ((n * inH + rowLo) * inW + colLo) * inC;
          for (let c = 0; c < inC; c++, i0++) {
            let max = -Infinity;
            let at = -1;
            let v = xs[i0];
            if (v > max) {
              max = v;
              at = i0;
            }
            v = xs[i0 + inC];
            if (v > max) {
              max = v;
              at = i0 + inC;
            }
            v = xs[i0 + rowStride];
            if (v > max) {
              max = v;
              at = i0 + rowStride;
            }
            v = xs[i0 + rowStride + inC];
            if (v > max) at = i0 + rowStride + inC;
            if (at >= 0) dxs[at] += dys[dyBase + c];
          }
          continue;
        }
        const first = ((n * inH + rowLo) * inW + colLo) * inC;
        for (let c = 0; c < inC; c++) {
          routeFirstMax(xs, dxs, dys[dyBase + c], first + c, rowHi - rowLo, colHi - colLo, inW * inC, inC);
        }
      }
    }
  }
  return dx;
}

/**
 * The gradient by wat/maxpool.wat when the windows are 2x2 at stride 2 inside the input and the channels a multiple
 * of 4: true when it is in dx, false when the caller must compute it (another shape, no SIMD, or a window whose y is
 * not its first maximum: NaN, -Infinity).
 */
function simdWindows(
  backend: BackendWasm,
  info: tf.backend_util.Conv2DInfo,
  x: tf.TensorInfo,
  y: tf.TensorInfo,
  dy: tf.TensorInfo,
  dx: tf.TensorInfo,
): boolean {
  const { batchSize, inHeight: inH, inWidth: inW, inChannels: c, outHeight: outH, outWidth: outW } = info;
  const fits =
    info.effectiveFilterHeight === 2 &&
    info.effectiveFilterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    2 * outH <= inH &&
    2 * outW <= inW &&
    c % 4 === 0;
  const simd = fits ? maxPoolModule(backend) : null;
  if (!simd) return false;
  const [px, py, pdy, pdx] = [x, y, dy, dx].map((t) => heapAddress(backend, t));
  const bad = simd.maxPoolGrad2x2(px, py, pdy, pdx, batchSize, outH, outW, inH, inW, c);
  if (bad > 0) return false;
  maxPoolCounts.simd++;
  // A last row or column that no window covers gets no gradient.
  if (2 * outH < inH || 2 * outW < inW) {
    const dxs = f32(backend, dx);
    const row = inW * c;
    for (let n = 0; n < batchSize; n++) {
      const image = n * inH * row;
      for (let h = 2 * outH; h < inH; h++) dxs.fill(0, image + h * row, image + (h + 1) * row);
      for (let h = 0; h < 2 * outH; h++)
        for (let w = 2 * outW; w < inW; w++) dxs.fill(0, image + h * row + w * c, image + h * row + (w + 1) * c);
    }
  }
  return true;
}

export const maxPoolGradConfig = wasmKernel(tf.MaxPoolGrad, maxPoolGradKernel);
