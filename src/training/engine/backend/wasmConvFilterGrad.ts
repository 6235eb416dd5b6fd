// Conv2D's filter gradient in WebAssembly SIMD (wat/convfilter.wat): an implicit GEMM that reads x and dy where they
// are, four filter rows × eight output channels at a time. XNNPACK's paths pack dy (the operand spanning the pixels)
// anew on every call, at several times the cost of reading it; here nothing is packed or rearranged beyond zero
// padding of x when the convolution pads.
import type * as tf from '@tensorflow/tfjs';
import type { ConvGeometry, Nhwc } from './wasmConvGrad';
import { alloc, f32, free, heapAddress } from './wasmHeap';
import type { BackendWasm } from './wasmHeap';
import { backendModule } from './wasmModule';
import { CONVFILTER_WASM } from './wat/convfilterWasm';

interface ConvFilterExports {
  filterGrad(
    x: number,
    dy: number,
    dw: number,
    rowOff: number,
    rowBlocks: number,
    outC: number,
    images: number,
    outH: number,
    outW: number,
    xImage: number,
    xRow: number,
    xCol: number,
  ): void;
}

const convFilterModule = backendModule(CONVFILTER_WASM, (e: ConvFilterExports) => e);

/** How many filter gradients the SIMD module computed (tests check which path ran). */
export const convFilterCounts = { simd: 0 };

/** x with the convolution's padding made explicit as zeros ([N, padTop + H + padBottom, padLeft + W + padRight, C]). */
function padded(backend: BackendWasm, x: tf.TensorInfo, g: ConvGeometry): tf.TensorInfo {
  const { batch, inH, inW, inC, padTop, padLeft, padBottom, padRight } = g;
  const h = padTop + inH + padBottom;
  const w = padLeft + inW + padRight;
  const out = alloc(backend, [batch, h, w, inC]);
  const dst = f32(backend, out);
  const src = f32(backend, x);
  dst.fill(0);
  const row = inW * inC;
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < inH; i++) {
      const from = (n * inH + i) * row;
      dst.set(src.subarray(from, from + row), ((n * h + padTop + i) * w + padLeft) * inC);
    }
  }
  return out;
}

/**
 * dW[fh, fw, c, o] = Σ_{n, oh, ow} x[n, oh·sh + fh − padTop, ow·sw + fw − padLeft, c] · dy[n, oh, ow, o], or null
 * where the module cannot run (no WebAssembly SIMD, output channels not a multiple of 4): the caller's other paths
 * take those.
 */
export function simdFilterGrad(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  filterShape: Nhwc,
): tf.TensorInfo | null {
  if (g.outC % 4 !== 0) return null;
  const simd = convFilterModule(backend);
  if (!simd) return null;
  const { batch, inC, outC, filterH, filterW, strideH, strideW } = g;
  const pads = g.padTop + g.padLeft + g.padBottom + g.padRight > 0;
  const w = g.padLeft + g.inW + g.padRight;
  const h = g.padTop + g.inH + g.padBottom;
  const rows = filterH * filterW * inC;
  const rowsPadded = Math.ceil(rows / 4) * 4;
  const out = alloc(backend, filterShape);
  // Rows past the filter's (to a multiple of 4) are computed into a scratch dW from offset 0 and dropped.
  const dw = rowsPadded === rows ? out : alloc(backend, [rowsPadded, outC]);
  const rowOff = alloc(backend, [rowsPadded]);
  const xs = pads ? padded(backend, x, g) : x;
  try {
    const offsets = new Int32Array(f32(backend, rowOff).buffer, heapAddress(backend, rowOff), rowsPadded);
    for (let fh = 0, r = 0; fh < filterH; fh++)
      for (let fw = 0; fw < filterW; fw++) for (let c = 0; c < inC; c++) offsets[r++] = ((fh * w + fw) * inC + c) * 4;
    offsets.fill(0, rows);
    f32(backend, dw).fill(0);
    simd.filterGrad(
      heapAddress(backend, xs),
      heapAddress(backend, dy),
      heapAddress(backend, dw),
      heapAddress(backend, rowOff),
      rowsPadded / 4,
      outC,
      batch,
      g.outH,
      g.outW,
      h * w * inC * 4,
      strideH * w * inC * 4,
      strideW * inC * 4,
    );
    if (dw !== out) f32(backend, out).set(f32(backend, dw).subarray(0, rows * outC));
    convFilterCounts.simd++;
    return out;
  } finally {
    if (dw !== out) free(backend, dw);
    if (xs !== x) free(backend, xs);
    free(backend, rowOff);
  }
}
