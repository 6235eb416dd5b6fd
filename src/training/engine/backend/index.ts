// Chooses and initialises the TensorFlow.js backend: tfjs-node if installed, else wasm with our kernels, else cpu.
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../../../shared/engineProtocol';
import { quietCpuBackend, withTfjsWarningsOff } from './tfjsQuiet';
import { registerStepStatsKernel } from '../measureKernel';
import { installWasmKernels } from './wasmKernels';
import type { BackendWasm } from './wasmHeap';
import { applyWasmPoolSetting, registerThreadedWasm, wasmPackageDir, wasmThreadsFromEnv } from './wasmThreads';

export type { Backend };

const PREFERENCE_ORDER: readonly Backend[] = ['tensorflow', 'wasm', 'cpu'];

let initialised = false;
let queue: Promise<unknown> = Promise.resolve();

/** Loads tfjs-node; throws with the reason if it is missing or registered into a different tfjs-core. */
async function loadTensorflow(): Promise<void> {
  // libtensorflow logs CPU-feature notices to stderr on load unless told not to.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  try {
    // A plain require: the package is optional, so there are no types for it to import.
    require('@tensorflow/tfjs-node');
  } catch (err) {
    // Node's message carries a multi-line `Require stack`: the first line says what went wrong.
    const firstLine = ((err as Error).message ?? String(err)).split('\n')[0];
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && firstLine.includes("'@tensorflow/tfjs-node'");
    throw new Error(
      missing
        ? '@tensorflow/tfjs-node is not installed (install it with `npm install @tensorflow/tfjs-node`)'
        : `@tensorflow/tfjs-node failed to load: ${firstLine}`,
      { cause: err },
    );
  }
  // tfjs-node registers its backend with whichever tfjs-core it resolved; it must be ours.
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error('@tensorflow/tfjs-node loaded a different copy of @tensorflow/tfjs-core than @tensorflow/tfjs');
  }
  if (!(await withTfjsWarningsOff(() => tf.setBackend('tensorflow')))) {
    throw new Error('the tensorflow backend failed to initialise');
  }
}

/** The directory holding the package's .wasm binaries, if it can be found on disk. */
function wasmBinaryDir(): string | null {
  const pkgDir = wasmPackageDir();
  if (pkgDir == null) return null;
  const dir = path.join(pkgDir, 'dist', path.sep);
  return fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm')) ? dir : null;
}

let wasmPathsSet = false;

async function loadWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // The package finds its binaries next to its own JS; pinning the directory keeps that true when esbuild has
  // inlined the package's JS into the engine bundle (the packaged extension has the binaries beside it).
  const dir = wasmBinaryDir();
  if (dir != null && !wasmPathsSet) {
    wasm.setWasmPaths(dir);
    wasmPathsSet = true;
  }
  // Opt-in (GRADSCOPE_WASM_THREADS=2): the threaded SIMD build; see wasmThreads.ts for why it is not the default.
  const threads = wasmThreadsFromEnv();
  if (threads) registerThreadedWasm(threads, wasm);
  if (!(await withTfjsWarningsOff(() => tf.setBackend('wasm')))) {
    throw new Error('the wasm backend failed to initialise (see the tfjs-backend-wasm README on .wasm file paths)');
  }
  installWasmKernels();
  if (threads) applyWasmPoolSetting(tf.backend() as unknown as BackendWasm);
}

async function loadCpu(): Promise<void> {
  quietCpuBackend();
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
}

const LOADERS: Record<Backend, () => Promise<void>> = {
  tensorflow: loadTensorflow,
  wasm: loadWasm,
  cpu: loadCpu,
};

async function select(preferred: Backend | undefined): Promise<Backend> {
  registerStepStatsKernel();
  if (initialised && (preferred === undefined || preferred === tf.getBackend())) {
    return tf.getBackend() as Backend;
  }
  if (preferred !== undefined) {
    try {
      await LOADERS[preferred]();
    } catch (err) {
      throw new Error(`Cannot use the '${preferred}' TensorFlow.js backend: ${(err as Error).message}`, { cause: err });
    }
    initialised = true;
    return preferred;
  }
  // A bad GRADSCOPE_WASM_THREADS must be reported, not turned into a silent fallback to the cpu backend.
  wasmThreadsFromEnv();
  const failures: string[] = [];
  for (const name of PREFERENCE_ORDER) {
    try {
      await LOADERS[name]();
      initialised = true;
      return name;
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could be initialised (${failures.join('; ')})`);
}

/**
 * Initialises a TensorFlow.js backend and makes it current; returns its name. Without `preferred`,
 * tries tfjs-node, then wasm (with our faster and added training kernels), then the pure-JS cpu.
 * With `preferred`, uses exactly that one or throws. Later calls return the current backend unless
 * they ask for a different one. Prints nothing.
 */
export async function initBackend(preferred?: Backend): Promise<Backend> {
  // Serialised so concurrent callers cannot interleave backend switches.
  const result = queue.then(() => select(preferred));
  queue = result.catch(() => undefined);
  return result;
}
