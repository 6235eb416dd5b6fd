// Low-level access to the wasm backend's tensors: ids, heap views, scratch outputs and kernel (re)registration.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };

/** The arguments every kernel function receives, with the backend narrowed to wasm. */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs?: tf.NamedAttrMap;
}

/** A required kernel input (the registry types every input as optional). */
export function input(args: WasmKernelArgs, name: string): tf.TensorInfo {
  const info = args.inputs[name];
  if (info == null) throw new Error(`kernel input '${name}' is missing`);
  return info;
}

/** The Emscripten binding helper; the package's module type omits it although the module has it. */
interface EmscriptenCwrap {
  cwrap(name: string, returnType: null, argTypes: string[]): (...args: Array<number | Uint8Array>) => void;
}

/** Binds an exported C function of the wasm module that returns void. */
export function cwrapVoid<F>(backend: BackendWasm, name: string, argTypes: string[]): F {
  return (backend.wasm as unknown as EmscriptenCwrap).cwrap(name, null, argTypes) as unknown as F;
}

/** The id the C++ side knows a tensor by. */
export function wasmId(backend: BackendWasm, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).id;
}

/**
 * The byte address of a tensor's data in the backend's memory, for our WebAssembly modules (wat/). An address stays
 * valid when an allocation grows the heap (a view would not).
 */
export function heapAddress(backend: BackendWasm, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/**
 * A float32 view of a tensor's memory. Views die when the wasm heap grows, which any allocation
 * (makeOutput) can trigger: take views only after allocating everything a step needs.
 */
export function f32(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Allocates a float32 tensor on the wasm heap (contents undefined). */
export function alloc(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/** Frees a scratch tensor made by alloc that was never handed to the engine. */
export function free(backend: BackendWasm, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** Shape as the byte array the C++ entry points take (int32 little-endian). */
export function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** Registers `config`, replacing whatever was registered under the same kernel and backend. */
/** A kernel for the wasm backend whose function takes the wasm backend's arguments. */
export function wasmKernel(
  kernelName: string,
  kernelFunc: (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[],
): tf.KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) != null) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/** Runs another registered wasm kernel directly (no engine bookkeeping: the caller owns the result). */
export function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(name, 'wasm');
  if (config == null) throw new Error(`wasm kernel '${name}' is not registered`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${name}' returned several outputs`);
  return out;
}

/**
 * Memoises, per backend instance, the C functions a kernel binds with cwrap. Kernels bind lazily rather
 * than in setupFunc because the engine only runs setupFunc on setBackend, and we register after that.
 */
export function bindOnce<T>(bind: (backend: BackendWasm) => T): (backend: BackendWasm) => T {
  const cache = new WeakMap<BackendWasm, T>();
  return (backend) => {
    let fns = cache.get(backend);
    if (fns === undefined) {
      fns = bind(backend);
      cache.set(backend, fns);
    }
    return fns;
  };
}
