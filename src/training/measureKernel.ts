// All of a step's reductions (squared norms, squared update sizes, dead units, saturation) in ONE kernel that
// runs where the tensors live. On the wasm and cpu backends, dozens of tiny tfjs ops per layer cost far more in
// dispatch than in arithmetic (measured: 1.5× on a 784-256-256-10 MLP, 2.7× on a 20×64 sigmoid net); one pass
// over the backend's own memory costs a few percent. Other backends (tfjs-node) use the equivalent tf ops.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from './backend/wasmHeap';
import { f32 } from './backend/wasmHeap';

export type StatOp =
  /** Σ a² */
  | { op: 'sumsq'; a: number }
  /** Σ (a − b)² */
  | { op: 'diffsq'; a: number; b: number }
  /** Units (last axis) whose value is ≤ 0 for every other index (samples, positions). */
  | { op: 'dead'; a: number }
  /** Fraction of values in the flat tails of a sigmoid (outside [0.01, 0.99]) or tanh (|y| > 0.99). */
  | { op: 'tail'; a: number; activation: 'sigmoid' | 'tanh' };

const KERNEL = 'GradscopeStepStats';

/** The statistics of `ops` over `values` (one flat array per input, `units` = size of its last axis). */
export function computeStats(values: ArrayLike<number>[], units: number[], ops: StatOp[]): Float32Array {
  const out = new Float32Array(ops.length);
  ops.forEach((op, i) => {
    const a = values[op.a];
    switch (op.op) {
      case 'sumsq': {
        let s = 0;
        for (let j = 0; j < a.length; j++) s += a[j] * a[j];
        out[i] = s;
        break;
      }
      case 'diffsq': {
        const b = values[op.b];
        let s = 0;
        for (let j = 0; j < a.length; j++) { const d = a[j] - b[j]; s += d * d; }
        out[i] = s;
        break;
      }
      case 'dead': {
        const u = units[op.a];
        const alive = new Uint8Array(u);
        for (let j = 0; j < a.length; j++) if (a[j] > 0) alive[j % u] = 1;
        out[i] = u - alive.reduce((s, v) => s + v, 0);
        break;
      }
      case 'tail': {
        let n = 0;
        if (op.activation === 'sigmoid') { for (let j = 0; j < a.length; j++) if (a[j] < 0.01 || a[j] > 0.99) n++; }
        else { for (let j = 0; j < a.length; j++) if (a[j] > 0.99 || a[j] < -0.99) n++; }
        out[i] = a.length ? n / a.length : 0;
        break;
      }
    }
  });
  return out;
}

function lastAxis(info: tf.TensorInfo): number {
  return info.shape.length ? info.shape[info.shape.length - 1] : 1;
}

function orderedInputs(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  return Object.keys(inputs).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).map((k) => inputs[k] as tf.TensorInfo);
}

function wasmKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const ops = JSON.parse(String(attrs?.ops)) as StatOp[];
  const infos = orderedInputs(inputs);
  const out = wasm.makeOutput([ops.length], 'float32');
  // Views are taken after the only allocation: a growing heap invalidates older views.
  const stats = computeStats(infos.map((t) => f32(wasm, t)), infos.map(lastAxis), ops);
  f32(wasm, out).set(stats);
  return out;
}

interface CpuLike {
  data: { get(id: tf.DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const cpu = backend as CpuLike;
  const ops = JSON.parse(String(attrs?.ops)) as StatOp[];
  const infos = orderedInputs(inputs);
  const values = infos.map((t) => cpu.data.get(t.dataId).values as Float32Array);
  return cpu.makeTensorInfo([ops.length], 'float32', computeStats(values, infos.map(lastAxis), ops));
}

for (const [backendName, kernelFunc] of [['wasm', wasmKernel], ['cpu', cpuKernel]] as const) {
  if (!tf.getKernel(KERNEL, backendName)) tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc });
}

/** Equivalent tf ops, for backends without the kernel (and to cross-check it in tests). */
export function statsWithOps(tensors: tf.Tensor[], ops: StatOp[]): tf.Tensor1D {
  return tf.tidy(() => tf.stack(ops.map((op) => {
    const a = tensors[op.a];
    switch (op.op) {
      case 'sumsq': return tf.sum(tf.square(a));
      case 'diffsq': return tf.sum(tf.squaredDifference(a, tensors[op.b]));
      case 'dead': {
        const axes = a.shape.slice(0, -1).map((_, i) => i);
        return tf.sum(tf.cast(tf.lessEqual(tf.max(a, axes), 0), 'float32'));
      }
      case 'tail': {
        const tail = op.activation === 'sigmoid' ? tf.logicalOr(tf.less(a, 0.01), tf.greater(a, 0.99)) : tf.greater(tf.abs(a), 0.99);
        return tf.mean(tf.cast(tail, 'float32'));
      }
    }
  })) as tf.Tensor1D);
}

/** Runs `ops` over `tensors` as one kernel where available; returns a float32 tensor of ops.length values. */
export function stepStats(tensors: tf.Tensor[], ops: StatOp[], forceOps = false): tf.Tensor1D {
  if (ops.length === 0) return tf.zeros([0]) as tf.Tensor1D;
  if (forceOps || !tf.getKernel(KERNEL, tf.getBackend())) return statsWithOps(tensors, ops);
  const inputs: tf.NamedTensorMap = {};
  tensors.forEach((t, i) => { inputs[`t${i}`] = t; });
  return tf.engine().runKernel(KERNEL, inputs, { ops: JSON.stringify(ops) }) as tf.Tensor1D;
}
