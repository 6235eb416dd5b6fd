// The Adam family's update of one variable as ONE kernel on the wasm backend: a SIMD pass (wat/adam.wat) reads the
// variable, its gradient and its moments in the backend's memory and writes the new ones, where the rule's tf ops
// dispatch ~12 kernels per variable (each a pass over memory and an allocation). Same float32 operations in the same
// order as the tf ops, so the same bits. Other backends keep the tf ops (optim/adamFamily.ts).
import * as tf from '@tensorflow/tfjs';
import { alloc, input, wasmKernel, type BackendWasm, type WasmKernelArgs } from './wasmHeap';
import { backendModule } from './wasmModule';
import { ADAM_WASM } from './wat/adamWasm';

export const ADAM_UPDATE = 'GradscopeAdamUpdate';

/**
 * The rule and its per-step scalars (each used as a float32, as the tf ops' scalar tensors are): c1 = 1 − β1,
 * c2 = 1 − β2, sbc2 = √(1 − β2^t), step = lr / (1 − β1^t), decay = 1 − lr·λ, k1 and k2 NAdam's two step sizes.
 */
export interface AdamUpdateAttrs {
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

type Ptr = number;
interface Exports {
  adam(...args: [Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, number, number, ...number[]]): void;
  nadam(...args: [Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, number, ...number[]]): void;
  adamax(...args: [Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, Ptr, number, ...number[]]): void;
}

const wasmAdam = backendModule(ADAM_WASM, (e: Exports) => e);

/** Whether the current backend runs the fused update (wasm, with WebAssembly SIMD over its memory). */
export function fusedAdamAvailable(): boolean {
  return (
    tf.getBackend() === 'wasm' &&
    tf.getKernel(ADAM_UPDATE, 'wasm') != null &&
    wasmAdam(tf.backend() as unknown as BackendWasm) !== null
  );
}

/** Inputs x (the variable), g, m, v and, for AMSGrad, vMax; outputs x′, m′, v′ (and vMax′), in that order. */
function adamUpdateKernel(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const e = wasmAdam(backend);
  if (!e) throw new Error(`${ADAM_UPDATE} needs WebAssembly SIMD over the wasm backend's memory`);
  const a = args.attrs as unknown as AdamUpdateAttrs;
  const vMax = args.inputs.vMax;
  const ins = [input(args, 'x'), input(args, 'g'), input(args, 'm'), input(args, 'v'), ...(vMax ? [vMax] : [])];
  const [x, g, m, v] = ins;
  const outs = [x, m, v, ...(vMax ? [vMax] : [])].map((t) => alloc(backend, t.shape));
  // Byte offsets stay valid when an allocation grows the heap (views would not).
  const at = (t: tf.TensorInfo | undefined): Ptr => (t ? backend.dataIdMap.get(t.dataId).memoryOffset : 0);
  const n = tf.util.sizeFromShape(x.shape);
  const [xo, mo, vo, vMaxOut] = outs;
  switch (a.rule) {
    case 'adam':
      e.adam(
        at(x),
        at(g),
        at(m),
        at(v),
        at(vMax),
        at(xo),
        at(mo),
        at(vo),
        at(vMaxOut),
        n,
        vMax ? 1 : 0,
        a.b1,
        a.c1,
        a.b2,
        a.c2,
        a.sbc2,
        a.eps,
        a.step,
        a.decay,
      );
      break;
    case 'nadam':
      e.nadam(at(x), at(g), at(m), at(v), at(xo), at(mo), at(vo), n, a.b1, a.c1, a.b2, a.c2, a.sbc2, a.eps, a.k1, a.k2);
      break;
    case 'adamax':
      e.adamax(at(x), at(g), at(m), at(v), at(xo), at(mo), at(vo), n, a.b1, a.c1, a.b2, a.eps, a.step);
      break;
  }
  return outs;
}

export const adamUpdateConfig = wasmKernel(ADAM_UPDATE, adamUpdateKernel);

/** Runs the fused update: the new variable and slot values, in the kernel's output order (the caller assigns them). */
export function fusedAdamUpdate(inputs: tf.NamedTensorMap, attrs: AdamUpdateAttrs): tf.Tensor[] {
  return tf.engine().runKernel<tf.Tensor[]>(ADAM_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap);
}
