// Conv2D gradients for wasm as im2col/col2im + one XNNPACK GEMM per chunk of output pixels.
// Conv2DBackpropFilter is not registered for wasm at all (conv training throws without it), and the
// stock Conv2DBackpropInput is a scalar C++ loop; both become O(size) JS rearrangement plus a GEMM.
import * as tf from '@tensorflow/tfjs';
import { alloc, f32, free, input, runWasmKernel, wasmKernel } from './wasmHeap';
import type { BackendWasm, WasmKernelArgs } from './wasmHeap';
import { simdFilterGrad } from './wasmConvFilterGrad';
import { transposeLast2, xnnMatMul } from './wasmMatMul';

/** Upper bound on an im2col buffer, in floats (8 MB): larger batches go in chunks of whole images. Mutable for tests. */
export const convGradTuning = {
  maxColsFloats: 1 << 21,
  /**
   * Stride-1 gradients as XNNPACK convolutions (backpropInputAsConv, backpropFilterAsConv) where they measured faster
   * (AS_CONV_MIN_CHANNELS). They sum in another order than im2col + GEMM, so results differ from that path in the last
   * bits (the mnist-conv-explain example's validation accuracy after 8 epochs: 0.957 with them, 0.955 without).
   * Measured on conv-16-32-mnist's second layer: input gradient 0.55×, filter gradient 0.81× the CPU time of the
   * im2col path; a whole conv step 47.5 → 38.3 ms of CPU. Off only in tests that compare the two paths.
   */
  asConv: true,
  /**
   * With asConv: one input channel's filter gradient as a depthwise convolution (backpropFilterDepthwise), any stride.
   * Its sums run in another order than im2col + GEMM's. Off only in benchmarks and tests that compare the paths.
   */
  depthwise: true,
  /**
   * The filter gradient in WebAssembly SIMD (wasmConvFilterGrad.ts) wherever it runs (output channels a multiple of 4),
   * before any other path. Off only in benchmarks and tests that compare the paths.
   */
  simd: true,
};

/**
 * The fewest input channels for which the gradients as convolutions beat im2col + GEMM (CPU time per call, A/B in
 * one sitting, batch 32-64, 3×3 filters): input gradient 0.72× at Cin 4, 0.39× at 8, 0.55× at 16, 0.84× at 32, but
 * 1.08× at Cin 3 and 1.5× at Cin 1 (XNNPACK with so few output channels); filter gradient 0.80× at Cin 8 and 16,
 * 0.98× at 32, but 1.1× at Cin 4 and 1.7-2.1× at Cin 1-3 (the dy "filter" it packs per call is then large for
 * the work).
 */
const AS_CONV_MIN_CHANNELS = { input: 4, filter: 8 };

export type Nhwc = [number, number, number, number];

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  filterH: number;
  filterW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

function geometry(
  xShape: Nhwc,
  filterShape: Nhwc,
  attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    filterH: info.filterHeight,
    filterW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

/**
 * For each filter column f, the output columns [lo[f], hi[f]) whose tap f lands inside the input row
 * (iw = ow*stride - pad + f in [0, inW)); hoisted so the pixel loops carry no bounds checks.
 */
function validColumns(g: ConvGeometry): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(g.filterW);
  const hi = new Int32Array(g.filterW);
  for (let f = 0; f < g.filterW; f++) {
    lo[f] = Math.min(g.outW, Math.max(0, Math.ceil((g.padLeft - f) / g.strideW)));
    hi[f] = Math.max(lo[f], Math.min(g.outW, Math.floor((g.inW - 1 + g.padLeft - f) / g.strideW) + 1));
  }
  return { lo, hi };
}

/**
 * colsT[(tap*inC + c), p] = x at the input pixel that tap (fh, fw) of output pixel p reads, or 0 in the
 * padding, for the images [n0, n0+images). Rows are written contiguously; `cols` must arrive zeroed.
 */
function im2colTransposed(g: ConvGeometry, xs: Float32Array, n0: number, images: number, cols: Float32Array): void {
  const { inH, inW, inC, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft } = g;
  const count = images * outH * outW;
  const { lo, hi } = validColumns(g);
  const step = strideW * inC;
  for (let fh = 0; fh < filterH; fh++) {
    for (let fw = 0; fw < filterW; fw++) {
      const owLo = lo[fw];
      const owHi = hi[fw];
      for (let c = 0; c < inC; c++) {
        const row = ((fh * filterW + fw) * inC + c) * count;
        for (let n = 0; n < images; n++) {
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strideH - padTop + fh;
            if (ih < 0 || ih >= inH) continue;
            const dst = row + (n * outH + oh) * outW;
            let src = (((n0 + n) * inH + ih) * inW + (owLo * strideW - padLeft + fw)) * inC + c;
            for (let ow = owLo; ow < owHi; ow++, src += step) cols[dst + ow] = xs[src];
          }
        }
      }
    }
  }
}

/** dx[n0 + ...] += the input-pixel contributions in cols[p, (tap*inC + c)] (the adjoint of im2col). */
function col2imAdd(g: ConvGeometry, cols: Float32Array, n0: number, images: number, dxs: Float32Array): void {
  const { inH, inW, inC, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft } = g;
  const kkc = filterH * filterW * inC;
  const { lo, hi } = validColumns(g);
  const dstStep = strideW * inC;
  for (let n = 0; n < images; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const pixelRow = (n * outH + oh) * outW;
      for (let fh = 0; fh < filterH; fh++) {
        const ih = oh * strideH - padTop + fh;
        if (ih < 0 || ih >= inH) continue;
        const dxRow = ((n0 + n) * inH + ih) * inW;
        for (let fw = 0; fw < filterW; fw++) {
          const owLo = lo[fw];
          const owHi = hi[fw];
          let src = (pixelRow + owLo) * kkc + (fh * filterW + fw) * inC;
          let dst = (dxRow + owLo * strideW - padLeft + fw) * inC;
          for (let ow = owLo; ow < owHi; ow++, src += kkc, dst += dstStep) {
            for (let c = 0; c < inC; c++) dxs[dst + c] += cols[src + c];
          }
        }
      }
    }
  }
}

/** Images per im2col chunk: as many as fit convGradTuning.maxColsFloats, at least one. */
function imagesPerChunk(g: ConvGeometry, kkc: number): number {
  return Math.max(1, Math.min(g.batch, Math.floor(convGradTuning.maxColsFloats / (kkc * g.outH * g.outW))));
}

/** dW[FH*FW*Cin, Cout] = colsT[FH*FW*Cin, P] @ dy[P, Cout], summed over chunks of whole images. */
function backpropFilterNhwc(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  filterShape: Nhwc,
): tf.TensorInfo {
  const kkc = g.filterH * g.filterW * g.inC;
  const pixelsPerImage = g.outH * g.outW;
  const chunk = imagesPerChunk(g, kkc);
  const out = alloc(backend, filterShape);
  for (let n0 = 0; n0 < g.batch; n0 += chunk) {
    const images = Math.min(chunk, g.batch - n0);
    const count = images * pixelsPerImage;
    const colsT = alloc(backend, [kkc, count]);
    // The whole dy is used in place; a chunk needs its own buffer (XNNPACK reads from a tensor's start).
    const dyPart = images === g.batch ? dy : alloc(backend, [count, g.outC]);
    const part = n0 === 0 ? out : alloc(backend, [kkc, g.outC]);
    const colsView = f32(backend, colsT);
    colsView.fill(0);
    im2colTransposed(g, f32(backend, x), n0, images, colsView);
    if (dyPart !== dy) {
      const from = n0 * pixelsPerImage * g.outC;
      f32(backend, dyPart).set(f32(backend, dy).subarray(from, from + count * g.outC));
    }
    xnnMatMul(backend, colsT, kkc, count, dyPart, g.outC, part);
    if (part !== out) {
      const acc = f32(backend, out);
      const add = f32(backend, part);
      for (let i = 0; i < acc.length; i++) acc[i] += add[i];
      free(backend, part);
    }
    if (dyPart !== dy) free(backend, dyPart);
    free(backend, colsT);
  }
  return out;
}

/** dx = col2im(dy[P, Cout] @ W^T[Cout, FH*FW*Cin]), in chunks of whole images. */
function backpropInputNhwc(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  inShape: Nhwc,
): tf.TensorInfo {
  const kkc = g.filterH * g.filterW * g.inC;
  const pixelsPerImage = g.outH * g.outW;
  const chunk = imagesPerChunk(g, kkc);
  const dx = alloc(backend, inShape);
  const filterT = transposeLast2(backend, filter, 1, kkc, g.outC);
  f32(backend, dx).fill(0);
  try {
    for (let n0 = 0; n0 < g.batch; n0 += chunk) {
      const images = Math.min(chunk, g.batch - n0);
      const count = images * pixelsPerImage;
      const dyPart = images === g.batch ? dy : alloc(backend, [count, g.outC]);
      const cols = alloc(backend, [count, kkc]);
      if (dyPart !== dy) {
        const from = n0 * pixelsPerImage * g.outC;
        f32(backend, dyPart).set(f32(backend, dy).subarray(from, from + count * g.outC));
      }
      xnnMatMul(backend, dyPart, count, g.outC, filterT, kkc, cols);
      col2imAdd(g, f32(backend, cols), n0, images, f32(backend, dx));
      free(backend, cols);
      if (dyPart !== dy) free(backend, dyPart);
    }
  } finally {
    free(backend, filterT);
  }
  return dx;
}

/**
 * Stride 1: dx is the 'full' convolution of dy with the filter rotated by 180° and its channels swapped,
 * W'[i, j, o, c] = W[FH−1−i, FW−1−j, c, o], padded by FH−1−pad (FW−1−pad) on each side. That runs in the
 * stock Conv2D kernel (XNNPACK's convolution) instead of a GEMM with k = Cout plus a JS col2im over FH·FW·Cin
 * values per pixel: conv-16-32-mnist's [64,11,11,32] → [64,13,13,16] took ~2× the forward conv that way.
 * Null where it does not apply or does not pay (strides, pads wider than the filter, few input channels): the
 * im2col path takes those.
 */
function backpropInputAsConv(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  inShape: Nhwc,
): tf.TensorInfo | null {
  if (g.strideH !== 1 || g.strideW !== 1 || g.inC < AS_CONV_MIN_CHANNELS.input) return null;
  const pads = [g.filterH - 1 - g.padTop, g.filterH - 1 - g.padBottom, g.filterW - 1 - g.padLeft, g.filterW - 1 - g.padRight];
  if (pads.some((p) => p < 0)) return null;
  if (g.outH + pads[0] + pads[1] - g.filterH + 1 !== g.inH || g.outW + pads[2] + pads[3] - g.filterW + 1 !== g.inW) return null;
  const { filterH: fh, filterW: fw, inC, outC } = g;
  const rotated = alloc(backend, [fh, fw, outC, inC]);
  try {
    const w = f32(backend, filter);
    const r = f32(backend, rotated);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const src = ((fh - 1 - i) * fw + (fw - 1 - j)) * inC * outC;
        const dst = (i * fw + j) * outC * inC;
        for (let c = 0; c < inC; c++) for (let o = 0; o < outC; o++) r[dst + o * inC + c] = w[src + c * outC + o];
      }
    }
    const dx = runWasmKernel(
      'Conv2D',
      backend,
      { x: dy, filter: rotated },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [pads[0], pads[1]],
          [pads[2], pads[3]],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    if (dx.shape.join() !== inShape.join()) {
      free(backend, dx);
      return null;
    }
    return dx;
  } finally {
    free(backend, rotated);
  }
}

/** The stock Transpose kernel's result (a new tensor the caller frees). */
/** The forward conv's padding as an explicit NHWC pad attribute (the filter gradients' convolutions pad alike). */
function forwardPads(g: ConvGeometry): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [g.padTop, g.padBottom],
    [g.padLeft, g.padRight],
    [0, 0],
  ];
}

function transposed(backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return runWasmKernel('Transpose', backend, { x }, { perm });
}

/**
 * Stride 1: dW[fh, fw, c, o] = Σ_{n,oh,ow} x[n, oh+fh−pad, ow+fw−pad, c] · dy[n, oh, ow, o] is itself a convolution
 * over the images' pixels, with the batch as channels: the input x as [Cin, H, W, N], the filter dy as
 * [outH, outW, N, Cout], the forward conv's pads; its [Cin, FH, FW, Cout] output transposed is dW. It runs in the
 * stock Conv2D kernel (XNNPACK) instead of a JS im2col of FH·FW·Cin values per output pixel plus a GEMM.
 * Null where it does not apply or does not pay (strides, few input channels): the im2col path takes those.
 */
function backpropFilterAsConv(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  filterShape: Nhwc,
): tf.TensorInfo | null {
  if (g.strideH !== 1 || g.strideW !== 1 || g.inC < AS_CONV_MIN_CHANNELS.filter) return null;
  const images = transposed(backend, x, [3, 1, 2, 0]);
  const taps = transposed(backend, dy, [1, 2, 0, 3]);
  try {
    const perChannel = runWasmKernel(
      'Conv2D',
      backend,
      { x: images, filter: taps },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: forwardPads(g),
        dataFormat: 'NHWC',
      },
    );
    try {
      if (perChannel.shape.join() !== [g.inC, g.filterH, g.filterW, g.outC].join()) return null;
      const dw = transposed(backend, perChannel, [1, 2, 0, 3]);
      dw.shape = [...filterShape];
      return dw;
    } finally {
      free(backend, perChannel);
    }
  } finally {
    free(backend, images);
    free(backend, taps);
  }
}

/**
 * One input channel (a grayscale image's first conv): dW[fh, fw, 0, o] = Σ_n Σ_{oh,ow} x[n, oh·s+fh, ow·s+fw] ·
 * dy[n, oh, ow, o] is a depthwise convolution of the images as channels, x as [1, H, W, N], with dy as a
 * [outH, outW, N, Cout] filter dilated by the stride: its output [1, ≥FH, ≥FW, N·Cout] summed over n (first FH×FW
 * pixels) is dW. XNNPACK runs it as N small grouped GEMMs whose packed filter is dy itself; the im2col path's GEMM
 * packs dy for XNNPACK's fully-connected operator, which costs more than the product: conv-16-32-mnist's
 * [64,28,28,1] layer took ~0.8× the CPU time this way (3.7 vs 4.6 ms, fresh tensors, A/B in one process).
 * Null where it does not apply (more input channels: the filter would be dy repeated per channel).
 */
function backpropFilterDepthwise(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
  filterShape: Nhwc,
): tf.TensorInfo | null {
  if (g.inC !== 1) return null;
  // [N, H, W, 1] → [1, H, W, N] is a transpose; the stock kernel takes it as such.
  const images = transposed(backend, x, [3, 1, 2, 0]);
  const taps = transposed(backend, dy, [1, 2, 0, 3]);
  try {
    const perImage = runWasmKernel(
      'DepthwiseConv2dNative',
      backend,
      { x: images, filter: taps },
      {
        strides: [1, 1],
        dilations: [g.strideH, g.strideW],
        pad: forwardPads(g),
        dataFormat: 'NHWC',
      },
    );
    try {
      const [, rows, cols, width] = perImage.shape;
      if (rows < g.filterH || cols < g.filterW || width !== g.batch * g.outC) return null;
      const dw = alloc(backend, filterShape);
      sumImages(f32(backend, perImage), cols, g, f32(backend, dw));
      return dw;
    } finally {
      free(backend, perImage);
    }
  } finally {
    free(backend, images);
    free(backend, taps);
  }
}

/** dw[fh, fw, 0, o] = Σ_n perImage[0, fh, fw, n·outC + o] for fh < FH, fw < FW (the pixels past them are not taps). */
function sumImages(perImage: Float32Array, cols: number, g: ConvGeometry, dw: Float32Array): void {
  const { filterH, filterW, outC, batch } = g;
  for (let fh = 0; fh < filterH; fh++) {
    for (let fw = 0; fw < filterW; fw++) {
      const src = (fh * cols + fw) * batch * outC;
      const dst = (fh * filterW + fw) * outC;
      for (let o = 0; o < outC; o++) {
        let sum = 0;
        for (let n = 0; n < batch; n++) sum += perImage[src + n * outC + o];
        dw[dst + o] = sum;
      }
    }
  }
}

/** Zero-filled output for degenerate shapes (no output pixels), which XNNPACK cannot take. */
function zeros(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  const out = alloc(backend, shape);
  f32(backend, out).fill(0);
  return out;
}

function assertNhwc(dataFormat: string): void {
  // Stock wasm Conv2D has the same restriction, so NCHW never reaches training on wasm.
  if (dataFormat !== 'NHWC') throw new Error(`wasm conv2d gradients support dataFormat 'NHWC' only, got '${dataFormat}'`);
}

function backpropFilterKernel(args: WasmKernelArgs): tf.TensorInfo {
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  assertNhwc(attrs.dataFormat);
  const g = geometry(x.shape as Nhwc, attrs.filterShape, attrs);
  if (g.batch * g.outH * g.outW === 0) return zeros(args.backend, attrs.filterShape);
  const simd = convGradTuning.simd ? simdFilterGrad(args.backend, x, dy, g, attrs.filterShape) : null;
  if (simd) return simd;
  const asConv = convGradTuning.asConv
    ? (backpropFilterAsConv(args.backend, x, dy, g, attrs.filterShape) ??
      (convGradTuning.depthwise ? backpropFilterDepthwise(args.backend, x, dy, g, attrs.filterShape) : null))
    : null;
  return asConv ?? backpropFilterNhwc(args.backend, x, dy, g, attrs.filterShape);
}

function backpropInputKernel(args: WasmKernelArgs): tf.TensorInfo {
  const dy = input(args, 'dy');
  const filter = input(args, 'filter');
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  assertNhwc(attrs.dataFormat);
  const g = geometry(attrs.inputShape, filter.shape as Nhwc, attrs);
  if (g.batch * g.outH * g.outW === 0) return zeros(args.backend, attrs.inputShape);
  const asConv = convGradTuning.asConv ? backpropInputAsConv(args.backend, dy, filter, g, attrs.inputShape) : null;
  return asConv ?? backpropInputNhwc(args.backend, dy, filter, g, attrs.inputShape);
}

export const conv2DBackpropFilterConfig = wasmKernel(tf.Conv2DBackpropFilter, backpropFilterKernel);

export const conv2DBackpropInputConfig = wasmKernel(tf.Conv2DBackpropInput, backpropInputKernel);
