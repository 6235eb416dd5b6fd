// Identity and same-dtype Cast for wasm as a second tensor on the same data (what the stock Reshape returns), not a copy.
// The engine clones every tensor a custom-gradient op saves for its backward pass (engine.clone runs Identity), and
// relu's gradient casts its float32 step to float32: the stock kernels copy each one. On conv-16-32-mnist that is 31
// Identity and 2 big Cast copies per step (~1.6 ms of ~30). Sharing is sound because no wasm kernel writes into an
// input's memory (step.ts's snapshot relies on the same fact) and the backend reference-counts data.
import * as tf from '@tensorflow/tfjs';
import { input, wasmKernel } from './wasmHeap';
import type { BackendWasm, WasmKernelArgs } from './wasmHeap';

/** Off only in benchmarks and tests that compare against the stock copies. */
export const shareDataTuning = { enabled: true };

/** A second tensor on x's data: the backend frees the data when the last of them is disposed. */
function share(backend: BackendWasm, x: tf.TensorInfo, dtype: tf.DataType): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype };
}

/** The stock kernels, for every other case (strings, casts that convert). */
const stock = new Map<string, tf.KernelFunc>();

function runStock(name: string, args: WasmKernelArgs): tf.TensorInfo {
  const kernel = stock.get(name);
  if (!kernel) throw new Error(`wasm ${name}: the stock kernel was not captured`);
  return kernel(args) as tf.TensorInfo;
}

function identityKernel(args: WasmKernelArgs): tf.TensorInfo {
  const x = input(args, 'x');
  return x.dtype !== 'string' && shareDataTuning.enabled ? share(args.backend, x, x.dtype) : runStock(tf.Identity, args);
}

function castKernel(args: WasmKernelArgs): tf.TensorInfo {
  const x = input(args, 'x');
  const { dtype } = args.attrs as unknown as tf.CastAttrs;
  const same = dtype === x.dtype && dtype !== 'string';
  return same && shareDataTuning.enabled ? share(args.backend, x, dtype) : runStock(tf.Cast, args);
}

const configs = [wasmKernel(tf.Identity, identityKernel), wasmKernel(tf.Cast, castKernel)];

/** Our Identity and Cast, delegating to the stock kernels registered now (kept across re-installs). */
export function shareDataConfigs(): tf.KernelConfig[] {
  for (const config of configs) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current && current.kernelFunc !== config.kernelFunc) stock.set(config.kernelName, current.kernelFunc);
  }
  return configs;
}
