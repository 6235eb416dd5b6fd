// BatchMatMul and _FusedMatMul for wasm that always reach XNNPACK's fast GEMM.
// The stock kernels use XNNPACK only for untransposed, batch-1 operands and otherwise fall back to a
// scalar C++ loop (5-10x slower); training's backward pass always transposes one operand. Here we
// transpose explicitly (cheap, O(size)) and fold or split batch dims, so every product runs in XNNPACK.
import * as tf from '@tensorflow/tfjs';
import { alloc, bindOnce, cwrapVoid, f32, free, input, runWasmKernel, shapeBytes, wasmId, wasmKernel } from './wasmHeap';
import type { BackendWasm, WasmKernelArgs } from './wasmHeap';

type FusedMatMulFn = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: number,
  transposeB: number,
  activation: number,
  biasId: number,
  preluId: number,
  leakyAlpha: number,
  outId: number,
) => void;

type TransposeFn = (
  xId: number,
  xShape: Uint8Array,
  xRank: number,
  dtype: number,
  outId: number,
  perm: Uint8Array,
  permLength: number,
) => void;

const bind = bindOnce((backend: BackendWasm) => ({
  fusedMatMul: cwrapVoid<FusedMatMulFn>(backend, '_FusedMatMul', [
    'number',
    'array',
    'number',
    'number',
    'array',
    'number',
    'number',
    'number',
    'number',
    'number',
    'number',
    'number',
    'number',
  ]),
  transpose: cwrapVoid<TransposeFn>(backend, 'Transpose', ['number', 'array', 'number', 'number', 'number', 'array', 'number']),
}));

// Must match FusableActivation in tfjs-backend-wasm (cc/fusable_activations.h).
const FUSABLE: Record<string, number> = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6 };
const CPP_FLOAT32 = 0;

/** Bias and activation applied to the product, as _FusedMatMul defines them. */
interface Epilogue {
  bias?: tf.TensorInfo;
  activation: string;
  prelu?: tf.TensorInfo;
  leakyreluAlpha: number;
}

const LINEAR: Epilogue = { activation: 'linear', leakyreluAlpha: 0 };

// XNNPACK caches the packed right-hand operand under its tensor id, and reshape shares ids, so the
// same id may come back as a different [k, n]. We remember the first [k, n] per buffer (weakly, so
// disposed tensors drop out) and give any other shape a private copy.
const packedShape = new WeakMap<object, string>();

/** out[rows, n] = epilogue(a[rows, k] @ b[k, n]) for contiguous row-major float32 tensors, in XNNPACK. */
export function xnnMatMul(
  backend: BackendWasm,
  a: tf.TensorInfo,
  rows: number,
  k: number,
  b: tf.TensorInfo,
  n: number,
  out: tf.TensorInfo,
  epilogue: Epilogue = LINEAR,
): void {
  const code = FUSABLE[epilogue.activation];
  if (code === undefined) throw new Error(`activation '${epilogue.activation}' is not fusable on wasm`);
  const key = `${k}x${n}`;
  const firstKey = packedShape.get(b.dataId);
  if (firstKey === undefined) packedShape.set(b.dataId, key);
  const bOwn = firstKey === undefined || firstKey === key ? b : copySlice(backend, b, 0, k * n, [k, n]);
  try {
    bind(backend).fusedMatMul(
      wasmId(backend, a),
      shapeBytes([1, rows, k]),
      3,
      wasmId(backend, bOwn),
      shapeBytes([1, k, n]),
      3,
      0,
      0,
      code,
      epilogue.bias ? wasmId(backend, epilogue.bias) : 0,
      epilogue.prelu ? wasmId(backend, epilogue.prelu) : 0,
      epilogue.leakyreluAlpha,
      wasmId(backend, out),
    );
  } finally {
    if (bOwn !== b) free(backend, bOwn);
  }
}

/** New scratch tensor holding x viewed as [batch, rows, cols] with the last two dims swapped. */
export function transposeLast2(backend: BackendWasm, x: tf.TensorInfo, batch: number, rows: number, cols: number): tf.TensorInfo {
  const out = alloc(backend, [batch, cols, rows]);
  // The C++ transpose is fastest on the lowest rank, so drop a unit batch dim.
  const [shape, perm] =
    batch === 1
      ? [
          [rows, cols],
          [1, 0],
        ]
      : [
          [batch, rows, cols],
          [0, 2, 1],
        ];
  bind(backend).transpose(
    wasmId(backend, x),
    shapeBytes(shape),
    shape.length,
    CPP_FLOAT32,
    wasmId(backend, out),
    shapeBytes(perm),
    perm.length,
  );
  return out;
}

/** Flat index into `inShape` (right-aligned, size-1 dims broadcast) of flat index `flat` of `outShape`. */
function broadcastSource(flat: number, outShape: number[], inShape: number[]): number {
  let index = 0;
  let stride = 1;
  let rest = flat;
  for (let d = outShape.length - 1; d >= 0; d--) {
    const coord = rest % outShape[d];
    rest = Math.floor(rest / outShape[d]);
    const inD = d - (outShape.length - inShape.length);
    if (inD < 0) continue;
    if (inShape[inD] !== 1) index += coord * stride;
    stride *= inShape[inD];
  }
  return index;
}

/** Copy of rows [offset, offset+size) of x's memory into a fresh scratch tensor. */
function copySlice(backend: BackendWasm, x: tf.TensorInfo, offset: number, size: number, shape: number[]): tf.TensorInfo {
  const out = alloc(backend, shape);
  f32(backend, out).set(f32(backend, x).subarray(offset, offset + size));
  return out;
}

function canFuseEpilogue(epilogue: Epilogue, n: number): boolean {
  if (FUSABLE[epilogue.activation] === undefined) return false;
  const bias = epilogue.bias;
  return bias == null || (bias.shape.length === 1 && bias.shape[0] === n);
}

/** Applies bias and activation with the stock elementwise kernels; consumes `x`. */
function applyEpilogueSeparately(backend: BackendWasm, x: tf.TensorInfo, epilogue: Epilogue): tf.TensorInfo {
  let result = x;
  const step = (next: tf.TensorInfo): void => {
    free(backend, result);
    result = next;
  };
  if (epilogue.bias) step(runWasmKernel('Add', backend, { a: result, b: epilogue.bias }));
  switch (epilogue.activation) {
    case 'linear':
      break;
    case 'relu':
      step(runWasmKernel('Relu', backend, { x: result }));
      break;
    case 'relu6':
      step(runWasmKernel('Relu6', backend, { x: result }));
      break;
    case 'elu':
      step(runWasmKernel('Elu', backend, { x: result }));
      break;
    case 'sigmoid':
      step(runWasmKernel('Sigmoid', backend, { x: result }));
      break;
    case 'leakyrelu':
      step(runWasmKernel('LeakyRelu', backend, { x: result }, { alpha: epilogue.leakyreluAlpha }));
      break;
    case 'prelu':
      if (!epilogue.prelu) throw new Error('prelu activation needs preluActivationWeights');
      step(runWasmKernel('Prelu', backend, { x: result, alpha: epilogue.prelu }));
      break;
    default:
      throw new Error(`unknown fused activation '${epilogue.activation}'`);
  }
  return result;
}

/** Batched, broadcasting, optionally transposed matmul with an epilogue; returns an engine-owned output. */
function matMul(
  backend: BackendWasm,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: Epilogue,
): tf.TensorInfo {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error('BatchMatMul on wasm supports float32 tensors only');
  }
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ` +
        `${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const aOuter = a.shape.slice(0, -2);
  const bOuter = b.shape.slice(0, -2);
  const outOuter = tf.broadcast_util.assertAndGetBroadcastShape(aOuter, bOuter);
  const outShape = [...outOuter, m, n];
  const batchA = tf.util.sizeFromShape(aOuter);
  const batchB = tf.util.sizeFromShape(bOuter);
  const batchOut = tf.util.sizeFromShape(outOuter);

  if (batchOut * m * n === 0 || k === 0) {
    const zeros = alloc(backend, outShape);
    f32(backend, zeros).fill(0);
    return k === 0 && batchOut * m * n > 0 ? applyEpilogueSeparately(backend, zeros, epilogue) : zeros;
  }

  const fuse = canFuseEpilogue(epilogue, n);
  // Operands rearranged to contiguous [batch, m, k] and [batch, k, n].
  const aMat = transposeA ? transposeLast2(backend, a, batchA, k, m) : a;
  const bMat = transposeB ? transposeLast2(backend, b, batchB, n, k) : b;
  let out = alloc(backend, outShape);
  try {
    if (batchB === 1) {
      // One weight matrix for every batch entry: fold the batch into the rows (batchOut === batchA here).
      xnnMatMul(backend, aMat, batchA * m, k, bMat, n, out, fuse ? epilogue : LINEAR);
    } else {
      const aOuterRight = aOuter.length ? aOuter : [1];
      const bOuterRight = bOuter.length ? bOuter : [1];
      for (let i = 0; i < batchOut; i++) {
        const ia = broadcastSource(i, outOuter, aOuterRight);
        const ib = broadcastSource(i, outOuter, bOuterRight);
        const aSlice = batchA === 1 ? aMat : copySlice(backend, aMat, ia * m * k, m * k, [m, k]);
        const bSlice = copySlice(backend, bMat, ib * k * n, k * n, [k, n]);
        const outSlice = alloc(backend, [m, n]);
        xnnMatMul(backend, aSlice, m, k, bSlice, n, outSlice, fuse ? epilogue : LINEAR);
        f32(backend, out).set(f32(backend, outSlice), i * m * n);
        free(backend, outSlice);
        free(backend, bSlice);
        if (aSlice !== aMat) free(backend, aSlice);
      }
    }
  } catch (err) {
    free(backend, out);
    throw err;
  } finally {
    if (aMat !== a) free(backend, aMat);
    if (bMat !== b) free(backend, bMat);
  }
  if (!fuse) out = applyEpilogueSeparately(backend, out, epilogue);
  return out;
}

function batchMatMulKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
  return matMul(args.backend, input(args, 'a'), input(args, 'b'), transposeA, transposeB, LINEAR);
}

function fusedMatMulKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { bias, preluActivationWeights } = args.inputs;
  const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
  return matMul(args.backend, input(args, 'a'), input(args, 'b'), attrs.transposeA, attrs.transposeB, {
    bias: bias ?? undefined,
    activation: attrs.activation ?? 'linear',
    prelu: preluActivationWeights ?? undefined,
    leakyreluAlpha: attrs.leakyreluAlpha ?? 0,
  });
}

export const batchMatMulConfig = wasmKernel(tf.BatchMatMul, batchMatMulKernel);

export const fusedMatMulConfig = wasmKernel(tf._FusedMatMul, fusedMatMulKernel);
