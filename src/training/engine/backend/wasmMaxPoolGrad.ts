// MaxPoolGrad for wasm as one pass over the pooling windows, routing each dy to its window's argmax.
// The stock C++ kernel was the most expensive kernel of a small conv net's training step (12.6 ms vs
// ~4 ms here for a [64,26,26,16] input, ~2.5 ms where 2x2 windows find their maximum from the pooled output).
import * as tf from '@tensorflow/tfjs';
import { alloc, f32, input, wasmKernel } from './wasmHeap';
import type { WasmKernelArgs } from './wasmHeap';

/**
 * dx[first maximum of the window] += g, for the rows × cols window whose top-left value is xs[i] (row stride
 * `rowStride`, column stride `colStride`). Row-major window order and strict '>' pick the first maximum, as the cpu
 * backend does (ties are common after relu, and the gradient must land on the same element); NaN is never a maximum,
 * and a window of NaN and -Infinity only sends nothing.
 */
/** useOutput off: the window maxima are found from x alone (benchmarks and tests compare the two). */
export const maxPoolTuning = { useOutput: true };

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
  const dxs = f32(backend, dx);
  const xs = f32(backend, x);
  const dys = f32(backend, dy);
  // The forward pass's pooled maxima, when given with the shape they must have.
  const y = args.inputs.output;
  const ys = maxPoolTuning.useOutput && y && y.shape.join() === dy.shape.join() ? f32(backend, y) : undefined;
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

export const maxPoolGradConfig = wasmKernel(tf.MaxPoolGrad, maxPoolGradKernel);
