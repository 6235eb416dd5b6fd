// Lets only matrix products and convolutions use the threaded wasm build's thread pool.
//
// XNNPACK hands every op it runs to the pool, down to a Relu on 128×256 values, and each hand-off wakes a worker
// (a futex wake-up that, on a busy machine, waits for a core): a training step of an MLP launches ~200 kernels,
// 9 of them matrix products. The C side keeps the pool in one global (`pthreadpool* threadpool`) that it passes
// to XNNPACK at every run; with that global at NULL, pthreadpool runs the work on the calling thread. So we keep
// it NULL and put the pool back only while a heavy kernel runs: a step then pays one wake-up per product.
//
// The global's address is read from the binary: the exported get_threads_count() is
//   i32.const ADDR; i32.load; local.tee 0; i32.eqz; if; i32.const -1; return; end; …
// and is checked at run time (with the global at NULL, get_threads_count() must answer -1).
import * as tf from '@tensorflow/tfjs';
import { replaceKernel, type BackendWasm } from './wasmHeap';

/** What follows `i32.const ADDR` in get_threads_count: the load, the NULL test and `return -1`. */
const GET_THREADS_COUNT_TAIL = [0x28, 0x02, 0x00, 0x22, 0x00, 0x45, 0x04, 0x40, 0x41, 0x7f, 0x0f, 0x0b];
const I32_CONST = 0x41;

/** Kernels worth a worker's wake-up: matrix products and convolutions (their gradients included). */
export const HEAVY_KERNELS: readonly string[] = [
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.Conv2D,
  tf.FusedConv2D,
  tf.Conv2DBackpropInput,
  tf.Conv2DBackpropFilter,
  tf.DepthwiseConv2dNative,
  tf.FusedDepthwiseConv2D,
];

/** Unsigned value of the non-negative signed LEB128 at binary[from, to), or null if those bytes are not one. */
function positiveLeb(binary: Uint8Array, from: number, to: number): number | null {
  let value = 0;
  for (let k = from; k < to; k++) {
    const last = k === to - 1;
    if (((binary[k] & 0x80) === 0) !== last) return null;
    value += (binary[k] & 0x7f) * 2 ** (7 * (k - from));
  }
  return binary[to - 1] & 0x40 ? null : value;
}

/** The address of the pool's global, when get_threads_count's pattern occurs exactly once in the binary. */
export function findPoolAddress(binary: Uint8Array): number | null {
  const found: number[] = [];
  for (let i = 0; i + GET_THREADS_COUNT_TAIL.length <= binary.length; i++) {
    if (!GET_THREADS_COUNT_TAIL.every((b, k) => binary[i + k] === b)) continue;
    for (let len = 1; len <= 5; len++) {
      const at = i - len - 1;
      if (at < 0 || binary[at] !== I32_CONST) continue;
      const value = positiveLeb(binary, at + 1, i);
      if (value != null && value % 4 === 0) {
        found.push(value);
        break;
      }
    }
  }
  return found.length === 1 ? found[0] : null;
}

interface ThreadedWasm {
  HEAPU8: Uint8Array;
  tfjs: { getThreadsCount(): number };
}

/**
 * Sets the pool's global to NULL and wraps the heavy kernels registered for 'wasm' so that they alone run with the
 * pool. Returns why it could not (and then changes nothing), or null.
 */
export function gatePool(backend: BackendWasm, address: number): string | null {
  const wasm = (backend as unknown as { wasm: ThreadedWasm }).wasm;
  // The memory may grow (a new buffer): take the view afresh.
  const slot = (): Uint32Array => new Uint32Array(wasm.HEAPU8.buffer, address, 1);
  const pool = slot()[0];
  if (pool === 0) return `no thread pool at address ${address}`;
  slot()[0] = 0;
  if (wasm.tfjs.getThreadsCount() !== -1) {
    slot()[0] = pool;
    return `address ${address} is not the thread pool's (get_threads_count still sees a pool)`;
  }
  let depth = 0; // our kernels run other kernels: only the outermost puts the pool back to NULL
  for (const name of HEAVY_KERNELS) {
    const config = tf.getKernel(name, 'wasm');
    if (config == null) continue;
    const inner = config.kernelFunc;
    replaceKernel({
      ...config,
      kernelFunc: (args) => {
        if (depth++ === 0) slot()[0] = pool;
        try {
          return inner(args);
        } finally {
          if (--depth === 0) slot()[0] = 0;
        }
      },
    });
  }
  return null;
}
