// An optimizer's update of one variable as ONE kernel on the wasm backend: a SIMD pass (wat/adam.wat, sgd.wat,
// rmsprop.wat) reads the variable, its gradient and its slots in the backend's memory and writes the new ones, where
// the rule's tf ops dispatch 2 (SGD) to ~14 (Adam) kernels per variable, each a pass over memory and an allocation.
// Each rule uses the same float32 operations in the same order as its tf ops, so the same bits (fusedUpdate.test).
// Other backends keep the tf ops.
import * as tf from '@tensorflow/tfjs';
import { alloc, heapAddress, input, wasmKernel, type BackendWasm, type WasmKernelArgs } from './wasmHeap';
import { backendModule } from './wasmModule';
import { ADAM_WASM } from './wat/adamWasm';
import { RMSPROP_WASM } from './wat/rmspropWasm';
import { SGD_WASM } from './wat/sgdWasm';

export const FUSED_UPDATE = 'GradscopeFusedUpdate';

/**
 * The rule and its per-step scalars, each used as a float32 as the tf ops' scalar tensors are. Adam family (slots m,
 * v and AMSGrad's vMax): c1 = 1 − β1, c2 = 1 − β2, sbc2 = √(1 − β2^t), step = lr / (1 − β1^t), decay = 1 − lr·λ,
 * k1 and k2 NAdam's two step sizes. tf.train.adam (slots m, v): a1 = 1 − β1^t, a2 = 1 − β2^t, negLr = −lr. SGD (no slot) and momentum (slot: the accumulation): c = −lr, m the momentum.
 * RMSprop (slots ms, then mg when centered, then mom when withMomentum): c = 1 − ρ, mu the momentum.
 */
export type FusedUpdateAttrs =
  | {
      rule: 'adam' | 'nadam' | 'adamax';
      b1: number;
      c1: number;
      b2: number;
      c2: number;
      sbc2: number;
      eps: number;
      step: number;
      decay: number;
      k1: number;
      k2: number;
    }
  | { rule: 'tfAdam'; b1: number; c1: number; b2: number; c2: number; a1: number; a2: number; eps: number; negLr: number }
  | { rule: 'sgd'; c: number }
  | { rule: 'momentum'; c: number; m: number; nesterov: boolean }
  | { rule: 'rmsprop'; rho: number; c: number; lr: number; eps: number; mu: number; centered: boolean; withMomentum: boolean };

type Ptr = number;
type Call = (...args: number[]) => void;
const adamModule = backendModule(ADAM_WASM, (e: { adam: Call; nadam: Call; adamax: Call; tfAdam: Call }) => e);
const sgdModule = backendModule(SGD_WASM, (e: { sgd: Call; momentum: Call }) => e);
const rmspropModule = backendModule(RMSPROP_WASM, (e: { rmsprop: Call }) => e);

/** Whether the current backend runs fused updates (wasm, with WebAssembly SIMD over its memory). */
export function fusedUpdateAvailable(): boolean {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(FUSED_UPDATE, 'wasm') == null) return false;
  const backend = tf.backend() as unknown as BackendWasm;
  return adamModule(backend) !== null && sgdModule(backend) !== null && rmspropModule(backend) !== null;
}

const SLOTS = ['s0', 's1', 's2'];

/** Inputs x (the variable), g and the rule's slots s0, s1, s2; outputs x′ and the slots′, in that order. */
function fusedUpdateKernel(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const a = args.attrs as unknown as FusedUpdateAttrs;
  const x = input(args, 'x');
  const g = input(args, 'g');
  const slots = SLOTS.flatMap((name) => args.inputs[name] ?? []);
  const outs = [x, ...slots].map((t) => alloc(backend, t.shape));
  const at = (t: tf.TensorInfo | undefined): Ptr => (t ? heapAddress(backend, t) : 0);
  const [w, wo] = [at(x), at(outs[0])];
  const [s0, s1, s2] = slots.map(at);
  const [o0, o1, o2] = outs.slice(1).map(at);
  const n = tf.util.sizeFromShape(x.shape);
  const missing = (): Error => new Error(`${FUSED_UPDATE} (${a.rule}) needs WebAssembly SIMD over the wasm backend's memory`);
  switch (a.rule) {
    case 'adam':
    case 'nadam':
    case 'adamax': {
      const e = adamModule(backend) ?? raise(missing());
      if (a.rule === 'adam') {
        const amsgrad = slots.length === 3;
        e.adam(
          w,
          at(g),
          s0,
          s1,
          amsgrad ? s2 : 0,
          wo,
          o0,
          o1,
          amsgrad ? o2 : 0,
          n,
          Number(amsgrad),
          a.b1,
          a.c1,
          a.b2,
          a.c2,
          a.sbc2,
          a.eps,
          a.step,
          a.decay,
        );
      } else if (a.rule === 'nadam') {
        e.nadam(w, at(g), s0, s1, wo, o0, o1, n, a.b1, a.c1, a.b2, a.c2, a.sbc2, a.eps, a.k1, a.k2);
      } else {
        e.adamax(w, at(g), s0, s1, wo, o0, o1, n, a.b1, a.c1, a.b2, a.eps, a.step);
      }
      break;
    }
    case 'tfAdam':
      (adamModule(backend) ?? raise(missing())).tfAdam(
        w,
        at(g),
        s0,
        s1,
        wo,
        o0,
        o1,
        n,
        a.b1,
        a.c1,
        a.b2,
        a.c2,
        a.a1,
        a.a2,
        a.eps,
        a.negLr,
      );
      break;
    case 'sgd':
      (sgdModule(backend) ?? raise(missing())).sgd(w, at(g), wo, n, a.c);
      break;
    case 'momentum':
      (sgdModule(backend) ?? raise(missing())).momentum(w, at(g), s0, wo, o0, n, a.m, a.c, Number(a.nesterov));
      break;
    case 'rmsprop': {
      // Slots in order ms, mg (centered), mom (with momentum).
      const [mg, mgOut] = a.centered ? [s1, o1] : [0, 0];
      const [mom, momOut] = a.withMomentum ? (a.centered ? [s2, o2] : [s1, o1]) : [0, 0];
      (rmspropModule(backend) ?? raise(missing())).rmsprop(
        w,
        at(g),
        s0,
        mg,
        mom,
        wo,
        o0,
        mgOut,
        momOut,
        n,
        Number(a.centered),
        Number(a.withMomentum),
        a.rho,
        a.c,
        a.lr,
        a.eps,
        a.mu,
      );
      break;
    }
  }
  return outs;
}

function raise(err: Error): never {
  throw err;
}

export const fusedUpdateConfig = wasmKernel(FUSED_UPDATE, fusedUpdateKernel);

/** Runs the fused update: the new variable and slot values, in the kernel's output order (the caller assigns them). */
export function fusedUpdate(attrs: FusedUpdateAttrs, x: tf.Tensor, g: tf.Tensor, slots: tf.Tensor[]): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = { x, g };
  slots.forEach((s, i) => {
    inputs[SLOTS[i]] = s;
  });
  return tf.engine().runKernel<tf.Tensor[]>(FUSED_UPDATE, inputs, attrs);
}

/** fusedUpdate, assigning the results to the variable and its slots. */
export function applyFusedUpdate(attrs: FusedUpdateAttrs, variable: tf.Variable, g: tf.Tensor, slots: tf.Variable[]): void {
  const [x, ...next] = fusedUpdate(attrs, variable, g, slots);
  variable.assign(x);
  slots.forEach((s, i) => s.assign(next[i]));
}
