// Relu's gradient on wasm in one SIMD pass (wat/relugrad.wat): the stock gradient is dy · cast(step(x)), a Step that
// writes a tensor the size of x and a Multiply that reads it back (1.2 ms of a conv-16-32-mnist step for its first
// layer's [64,26,26,16] output). The gradient registered for Relu dispatches our kernel on wasm and keeps the stock
// ops elsewhere; the values are the stock ones bit for bit (the same multiplication by the same step).
import * as tf from '@tensorflow/tfjs';
import { alloc, heapAddress, input, wasmKernel } from './wasmHeap';
import type { BackendWasm, WasmKernelArgs } from './wasmHeap';
import { backendModule } from './wasmModule';
import { RELUGRAD_WASM } from './wat/relugradWasm';

/** Off only in benchmarks and tests that compare with the stock gradient. */
export const reluGradTuning = { fused: true };
/** How many gradients the SIMD module computed (tests check which path ran). */
export const reluGradCounts = { simd: 0 };

const RELU_GRAD = 'GradscopeReluGrad';

const reluGradModule = backendModule(RELUGRAD_WASM, (e: { reluGrad(x: number, dy: number, dx: number, n: number): void }) => e);

function reluGradKernel(args: WasmKernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = input(args, 'x');
  const dy = input(args, 'dy');
  const simd = reluGradModule(backend);
  if (!simd) throw new Error(`${RELU_GRAD}: the SIMD module does not run on this backend`);
  const dx = alloc(backend, dy.shape);
  simd.reluGrad(heapAddress(backend, x), heapAddress(backend, dy), heapAddress(backend, dx), tf.util.sizeFromShape(dy.shape));
  reluGradCounts.simd++;
  return dx;
}

export const reluGradKernelConfig = wasmKernel(RELU_GRAD, reluGradKernel);

/** Whether dx for this dy and x is ours to compute: float32 on the wasm backend with our kernel and module. */
function fusedHere(dy: tf.Tensor, x: tf.Tensor): boolean {
  return (
    reluGradTuning.fused &&
    dy.dtype === 'float32' &&
    x.dtype === 'float32' &&
    tf.getBackend() === 'wasm' &&
    tf.getKernel(RELU_GRAD, 'wasm') !== undefined &&
    reluGradModule(tf.backend() as unknown as BackendWasm) !== null
  );
}

/** Relu's gradient: ours where fusedHere, else tfjs's own formula. */
export const reluGradientConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    return {
      x: () =>
        fusedHere(g, x) ? tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy: g, x }) : tf.mul(g, tf.cast(tf.step(x), 'float32')),
    };
  },
};
