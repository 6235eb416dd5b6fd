// All of a step's reductions (squared norms, squared update sizes, dead units, saturation, the signal's mean and
// std) in ONE kernel that
// runs where the tensors live. On the wasm and cpu backends, dozens of tiny tfjs ops per layer cost far more in
// dispatch than in arithmetic (measured: 1.5× on a 784-256-256-10 MLP, 2.7× on a 20×64 sigmoid net); one pass
// over the backend's own memory costs a few percent. Other backends (tfjs-node) use the equivalent tf ops.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from './backend/wasmHeap';
import { alloc, f32, free, heapAddress } from './backend/wasmHeap';
import { wasmStats, type WasmStats } from './backend/wasmStats';
import { ACTIVATION_FACTS, DEAD_SLOPE } from '../model/facts';
import type { ActivationName, ActivationParams } from '../spec/types';
import { activationLayer } from './model/activations';

export type StatOp =
  /** Σ a² */
  | { op: 'sumsq'; a: number }
  /** Three outputs in one pass over new weights `a` and old weights `b`: Σ a², Σ b², Σ (a − b)². */
  | { op: 'update'; a: number; b: number }
  /**
   * Units (last axis) of pre-activations `a` where the activation's slope (model/facts) is below DEAD_SLOPE in
   * magnitude for every other index (samples, positions).
   */
  | { op: 'dead'; a: number; activation: ActivationName; params?: ActivationParams }
  /** Two outputs: mean and standard deviation (population) of all values. */
  | { op: 'moments'; a: number }
  /**
   * Fraction of values in the flat tails of a sigmoid (outside [0.01, 0.99]), tanh (|y| > 0.99) or hard sigmoid
   * (exactly 0 or 1, where its slope is 0).
   */
  | { op: 'tail'; a: number; activation: SaturatingActivation }
  /**
   * The first value of `a` (float32; the step's loss, correct count, ...) copied as is: a step's numbers leave in the
   * kernel's one output without a stack and a concat dispatched around it.
   */
  | { op: 'value'; a: number };

/** The activations whose saturation is measured (model/facts: measure 'saturation'). */
export type SaturatingActivation = 'sigmoid' | 'tanh' | 'hardSigmoid';

const KERNEL = 'GradscopeStepStats';

/** How many numbers an op produces. */
export function statWidth(op: StatOp): number {
  return op.op === 'update' ? 3 : op.op === 'moments' ? 2 : 1;
}

/** The tail op's bounds: values outside (lo, hi) count, or outside [lo, hi] when `inclusive` (model/facts' tails). */
const TAILS: Record<SaturatingActivation, { lo: number; hi: number; inclusive: boolean }> = {
  sigmoid: { lo: 0.01, hi: 0.99, inclusive: false },
  tanh: { lo: -0.99, hi: 0.99, inclusive: false },
  hardSigmoid: { lo: 0, hi: 1, inclusive: true },
};

/** The statistics of `ops` over `values` (one flat array per input, `units` = size of its last axis). */
export function computeStats(values: ArrayLike<number>[], units: number[], ops: StatOp[]): Float32Array {
  const out = new Float32Array(ops.reduce((n, op) => n + statWidth(op), 0));
  let i = 0;
  for (const op of ops) {
    const a = values[op.a];
    switch (op.op) {
      case 'sumsq': {
        let s = 0;
        for (let j = 0; j < a.length; j++) s += a[j] * a[j];
        out[i] = s;
        break;
      }
      case 'update':
        out.set(updateSums(a, values[op.b]), i);
        break;
      case 'dead': {
        const u = units[op.a];
        const slope = ACTIVATION_FACTS[op.activation].slope;
        if (!slope) throw new Error(`no elementwise slope for ${op.activation}`);
        let dead = 0;
        for (let k = 0; k < u; k++) {
          // A unit is alive as soon as one sample passes gradient: most units stop after their first row.
          let row = k;
          while (row < a.length && Math.abs(slope(a[row], op.params)) < DEAD_SLOPE) row += u;
          if (row >= a.length) dead++;
        }
        out[i] = dead;
        break;
      }
      case 'moments': {
        // One pass, shifted by the first value so that a large mean does not swamp a small spread.
        const n = a.length;
        const c = n ? a[0] : 0;
        const [s1, s2] = shiftedSums(a, c);
        setMoments(out, i, n, c, s1, s2);
        break;
      }
      case 'value':
        out[i] = a[0];
        break;
      case 'tail': {
        // float32 bounds, as the SIMD module and tf ops compare
        const { inclusive } = TAILS[op.activation];
        const lo = Math.fround(TAILS[op.activation].lo);
        const hi = Math.fround(TAILS[op.activation].hi);
        let n = 0;
        if (inclusive) {
          for (let j = 0; j < a.length; j++) if (a[j] <= lo || a[j] >= hi) n++;
        } else {
          for (let j = 0; j < a.length; j++) if (a[j] < lo || a[j] > hi) n++;
        }
        out[i] = a.length ? n / a.length : 0;
        break;
      }
    }
    i += statWidth(op);
  }
  return out;
}

/**
 * Values per float32 block of the measurement sums: wat/stats.wat's update and shifted add 8 vectors of 4 lanes in
 * float32 (each lane its own sum), then the block's lanes in float64 pairs (0 + 2, 1 + 3) into float64 pair sums; the
 * last n mod BLOCK values are added one by one in float64. The loops below do exactly that (Math.fround after each
 * float32 operation gives the float32 result, float64 being wide enough), so the SIMD module and these loops agree to
 * the bit, and the threaded backend, which cannot use the module, measures the same numbers.
 */
const BLOCK = 32;
const fr = Math.fround;

/** [Σ a², Σ b², Σ (a − b)²] as wat/stats.wat's update adds them. */
function updateSums(a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number] {
  const n = a.length;
  const end = n - (n % BLOCK);
  const sums = [0, 0, 0, 0, 0, 0]; // float64 pairs: Σa² (lanes 0+2, 1+3), Σb², Σd²
  const lanes = new Float64Array(12); // float32 lane sums: a² ×4, b² ×4, d² ×4
  for (let j = 0; j < end; j += BLOCK) {
    lanes.fill(0);
    for (let k = j; k < j + BLOCK; k++) {
      const l = k & 3;
      const x = a[k];
      const y = b[k];
      const d = fr(x - y);
      lanes[l] = fr(lanes[l] + fr(x * x));
      lanes[4 + l] = fr(lanes[4 + l] + fr(y * y));
      lanes[8 + l] = fr(lanes[8 + l] + fr(d * d));
    }
    for (let q = 0; q < 3; q++) {
      sums[2 * q] += lanes[4 * q] + lanes[4 * q + 2];
      sums[2 * q + 1] += lanes[4 * q + 1] + lanes[4 * q + 3];
    }
  }
  let sa = sums[0] + sums[1];
  let sb = sums[2] + sums[3];
  let sd = sums[4] + sums[5];
  for (let j = end; j < n; j++) {
    const x = a[j];
    const y = b[j];
    const d = x - y;
    sd += d * d;
    sa += x * x;
    sb += y * y;
  }
  return [sa, sb, sd];
}

/** [Σ (x − c), Σ (x − c)²] as wat/stats.wat's shifted adds them (c: a float32 value). */
function shiftedSums(a: ArrayLike<number>, c: number): [number, number] {
  const n = a.length;
  const end = n - (n % BLOCK);
  const cf = fr(c);
  let lo1 = 0;
  let hi1 = 0;
  let lo2 = 0;
  let hi2 = 0;
  const l1 = new Float64Array(4);
  const l2 = new Float64Array(4);
  for (let j = 0; j < end; j += BLOCK) {
    l1.fill(0);
    l2.fill(0);
    for (let k = j; k < j + BLOCK; k++) {
      const l = k & 3;
      const v = fr(a[k] - cf);
      l1[l] = fr(v + l1[l]);
      l2[l] = fr(fr(v * v) + l2[l]);
    }
    lo1 += l1[0] + l1[2];
    hi1 += l1[1] + l1[3];
    lo2 += l2[0] + l2[2];
    hi2 += l2[1] + l2[3];
  }
  let s1 = lo1 + hi1;
  let s2 = lo2 + hi2;
  for (let j = end; j < n; j++) {
    const x = a[j] - c;
    s1 += x;
    s2 += x * x;
  }
  return [s1, s2];
}

/** Mean and standard deviation into out[i], out[i + 1] from n values' sums of (x − c) and (x − c)². */
function setMoments(out: Float32Array, i: number, n: number, c: number, s1: number, s2: number): void {
  const m = n ? s1 / n : 0;
  out[i] = c + m;
  out[i + 1] = n ? Math.sqrt(Math.max(0, s2 / n - m * m)) : 0;
}

/**
 * computeStats over tensors in the wasm backend's memory, with the long reductions in the SIMD module (wasmStats):
 * the same statistics (update and moments to the bit: the same additions in the same order; sumsq in float64 in both,
 * in another order), several times faster than computeStats's JS loops. Dead units are counted there too for relu
 * (sixteen or four units at a time, down their columns, each group stopping at its first row where all are alive);
 * the other activations' dead units stay in JS. When a layer's moments and dead units read the same tensor (relu's
 * output), one pass over memory gives both (shiftedDead): a conv layer's output is megabytes, long out of the cache
 * when the step ends.
 */
function computeStatsWasm(wasm: BackendWasm, simd: WasmStats, infos: tf.TensorInfo[], ops: StatOp[]): Float32Array {
  const out = new Float32Array(ops.reduce((n, op) => n + statWidth(op), 0));
  const address = (k: number): number => heapAddress(wasm, infos[k]);
  const size = (k: number): number => tf.util.sizeFromShape(infos[k].shape);
  /** relu's bound when the SIMD pass counts the op's dead units (a multiple of 4 units), else undefined. */
  const simdBound = (op: DeadOp): number | undefined => {
    const u = lastAxis(infos[op.a]);
    return u > 0 && u % 4 === 0 ? ACTIVATION_FACTS[op.activation].deadAtOrBelow : undefined;
  };
  // Moments op index → the dead op (its index, relu's bound) whose units it counts in the same pass.
  const fused = new Map<number, { at: number; bound: number }>();
  for (const [k, dead] of fusedPairs(ops)) {
    const bound = simdBound(dead.op);
    if (bound !== undefined) fused.set(k, { at: dead.at, bound });
  }
  // The fused passes' scratch (one unit mask per lane), allocated before any view is taken.
  const widest = Math.max(0, ...[...fused.keys()].map((k) => lastAxis(infos[ops[k].a])));
  const masks = widest ? alloc(wasm, [widest]) : undefined;
  const fusedDead = new Map<number, number>(); // dead op index → its count, from the moments op's pass
  try {
    let i = 0;
    for (const [k, op] of ops.entries()) {
      switch (op.op) {
        case 'sumsq':
          out[i] = simd.sumsq(address(op.a), size(op.a));
          break;
        case 'update':
          out.set(simd.update(address(op.a), address(op.b), size(op.a)), i);
          break;
        case 'moments': {
          const n = size(op.a);
          const c = n ? f32(wasm, infos[op.a])[0] : 0;
          const dead = fused.get(k);
          if (dead && masks) {
            const u = lastAxis(infos[op.a]);
            const [s1, s2, count] = simd.shiftedDead(address(op.a), n / u, u, c, dead.bound, heapAddress(wasm, masks));
            setMoments(out, i, n, c, s1, s2);
            fusedDead.set(dead.at, count);
          } else {
            const [s1, s2] = simd.shifted(address(op.a), n, c);
            setMoments(out, i, n, c, s1, s2);
          }
          break;
        }
        case 'tail': {
          const n = size(op.a);
          const { lo, hi, inclusive } = TAILS[op.activation];
          const count = inclusive ? simd.outsideInclusive(address(op.a), n, lo, hi) : simd.outside(address(op.a), n, lo, hi);
          out[i] = n ? count / n : 0;
          break;
        }
        case 'dead': {
          // relu (model/facts deadAtOrBelow) over a multiple of 4 units: the SIMD pass (or its count from the fused
          // one); the others: the JS loop.
          const bound = simdBound(op);
          const u = lastAxis(infos[op.a]);
          out[i] =
            fusedDead.get(k) ??
            (bound !== undefined
              ? simd.deadAtOrBelow(address(op.a), size(op.a) / u, u, bound)
              : computeStats([f32(wasm, infos[op.a])], [u], [{ ...op, a: 0 }])[0]);
          break;
        }
        case 'value':
          out[i] = f32(wasm, infos[op.a])[0];
          break;
      }
      i += statWidth(op);
    }
  } finally {
    if (masks) free(wasm, masks);
  }
  return out;
}

/**
 * For each moments op, a dead op after it on the same tensor (the index of each), once per ops list: step.ts asks
 * for the same list every step.
 */
function fusedPairs(ops: StatOp[]): Map<number, { at: number; op: DeadOp }> {
  let pairs = pairsOf.get(ops);
  if (!pairs) {
    pairs = new Map();
    for (const [k, op] of ops.entries()) {
      if (op.op !== 'moments') continue;
      const at = ops.findIndex((other, j) => j > k && other.op === 'dead' && other.a === op.a);
      if (at >= 0) pairs.set(k, { at, op: ops[at] as DeadOp });
    }
    pairsOf.set(ops, pairs);
  }
  return pairs;
}
const pairsOf = new WeakMap<StatOp[], Map<number, { at: number; op: DeadOp }>>();
type DeadOp = Extract<StatOp, { op: 'dead' }>;

function lastAxis(info: tf.TensorInfo): number {
  return info.shape.length ? info.shape[info.shape.length - 1] : 1;
}

/** The kernel's input names t0, t1, ... (made once: a 20-layer step passes ~100 inputs). */
const inputNames: string[] = [];
function inputName(i: number): string {
  while (inputNames.length <= i) inputNames.push(`t${inputNames.length}`);
  return inputNames[i];
}

/** The inputs t0, t1, ... in order (stepStats names them so). */
function orderedInputs(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  const infos: tf.TensorInfo[] = [];
  for (let i = 0; inputs[inputName(i)] !== undefined; i++) infos.push(inputs[inputName(i)] as tf.TensorInfo);
  return infos;
}

/** The statistics a kernel call asks for (the `ops` attribute, JSON: kernel attributes are plain values). */
function opsOf(attrs: tf.NamedAttrMap | undefined): StatOp[] {
  const text = attrs?.ops as string;
  let ops = parsedOps.get(text);
  if (!ops) {
    // A step asks for the same list every time: parse each once (a 20-layer net's list took ~30 µs to parse). The
    // lookup is cheap when the caller passes the same string each step (its hash is computed once): opsText.
    if (parsedOps.size >= 16) parsedOps.clear();
    ops = JSON.parse(text) as StatOp[];
    parsedOps.set(text, ops);
  }
  return ops;
}
const parsedOps = new Map<string, StatOp[]>();

/**
 * The `ops` attribute for a list of ops: stringified once per list, so a caller that reuses its list (step.ts keeps
 * one per model) neither stringifies (~60 µs for a 20-layer net) nor hashes a fresh string each step.
 */
function opsText(ops: StatOp[]): string {
  let text = opsTexts.get(ops);
  if (text === undefined) {
    text = JSON.stringify(ops);
    opsTexts.set(ops, text);
  }
  return text;
}
const opsTexts = new WeakMap<StatOp[], string>();

const wasmKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const ops = opsOf(attrs);
  const infos = orderedInputs(inputs);
  const out = wasm.makeOutput([ops.reduce((n, op) => n + statWidth(op), 0)], 'float32');
  // Views are taken after the only allocation: a growing heap invalidates older views.
  const simd = wasmStats(wasm);
  const stats = simd
    ? computeStatsWasm(wasm, simd, infos, ops)
    : computeStats(
        infos.map((t) => f32(wasm, t)),
        infos.map(lastAxis),
        ops,
      );
  f32(wasm, out).set(stats);
  return out;
};

interface CpuLike {
  data: { get(id: tf.DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

const cpuKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const cpu = backend as unknown as CpuLike;
  const ops = opsOf(attrs);
  const infos = orderedInputs(inputs);
  const values = infos.map((t) => cpu.data.get(t.dataId).values as Float32Array);
  const stats = computeStats(values, infos.map(lastAxis), ops);
  return cpu.makeTensorInfo([stats.length], 'float32', stats);
};

/**
 * Registers the step-statistics kernel for the wasm and cpu backends (initBackend calls it); safe to call again.
 * Without it, stepStats falls back to the equivalent tf ops.
 */
export function registerStepStatsKernel(): void {
  for (const [backendName, kernelFunc] of [
    ['wasm', wasmKernel],
    ['cpu', cpuKernel],
  ] as const) {
    if (!tf.getKernel(KERNEL, backendName)) tf.registerKernel({ kernelName: KERNEL, backendName, kernelFunc });
  }
}

/** Equivalent tf ops, for backends without the kernel (and to cross-check it in tests). */
export function statsWithOps(tensors: tf.Tensor[], ops: StatOp[]): tf.Tensor1D {
  return tf.tidy(() =>
    tf.concat<tf.Tensor1D>(
      ops
        .map((op): tf.Tensor => {
          const a = tensors[op.a];
          switch (op.op) {
            case 'sumsq':
              return tf.sum(tf.square(a));
            case 'update': {
              const b = tensors[op.b];
              return tf.stack([tf.sum(tf.square(a)), tf.sum(tf.square(b)), tf.sum(tf.squaredDifference(a, b))]);
            }
            case 'dead': {
              // The activation's own gradient (tf.grad of the engine's layer), not the facts' slope: the kernel test
              // checks the two agree.
              const layer = activationLayer(op.activation, op.params);
              const slope = tf.abs(tf.grad((v: tf.Tensor) => layer.apply(v) as tf.Tensor)(a));
              const axes = a.shape.slice(0, -1).map((_, i) => i);
              return tf.sum(tf.cast(tf.less(tf.max(slope, axes), DEAD_SLOPE), 'float32'));
            }
            case 'moments': {
              const { mean, variance } = tf.moments(a);
              return tf.stack([mean, tf.sqrt(variance)]);
            }
            case 'value':
              return tf.slice(tf.reshape(a, [-1]), 0, 1);
            case 'tail': {
              const tail =
                op.activation === 'sigmoid'
                  ? tf.logicalOr(tf.less(a, 0.01), tf.greater(a, 0.99))
                  : op.activation === 'hardSigmoid'
                    ? tf.logicalOr(tf.lessEqual(a, 0), tf.greaterEqual(a, 1))
                    : tf.greater(tf.abs(a), 0.99);
              return tf.mean(tf.cast(tail, 'float32'));
            }
          }
        })
        .map((t) => tf.reshape<tf.Rank.R1>(t, [-1])),
    ),
  );
}

/**
 * Runs `ops` over `tensors` as one kernel where available; returns a float32 tensor of Σ statWidth(op) values.
 * Reuse one `ops` array for calls that ask the same (it is stringified once) and do not change it afterwards.
 */
export function stepStats(tensors: tf.Tensor[], ops: StatOp[], forceOps = false): tf.Tensor1D {
  if (ops.length === 0) return tf.zeros<tf.Rank.R1>([0]);
  if (forceOps || !tf.getKernel(KERNEL, tf.getBackend())) return statsWithOps(tensors, ops);
  const inputs: tf.NamedTensorMap = {};
  for (let i = 0; i < tensors.length; i++) inputs[inputName(i)] = tensors[i];
  return tf.engine().runKernel<tf.Tensor1D>(KERNEL, inputs, { ops: opsText(ops) });
}
