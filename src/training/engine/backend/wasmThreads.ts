// Opt-in: the wasm backend's threaded SIMD build in Node, with a thread pool of GRADSCOPE_WASM_THREADS threads.
//
// tfjs-backend-wasm never picks its threaded build in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there), and
// forcing the flag fails with ERR_WORKER_PATH: its init hands Emscripten a `blob:` URL for the pthread worker
// script and for the main script, which browsers accept and Node's worker_threads does not. The Emscripten glue
// itself supports Node (it requires worker_threads and evaluates the main script from a path), so we build the
// module ourselves with real file paths and register it as the 'wasm' backend:
// - the worker script: the package ships it as a JS string (wasm-out/...worker.js exports `wasmWorkerContents`);
//   written once to a content-addressed file in the OS temp directory;
// - the main script: the package's own wasm-out/tfjs-backend-wasm-threaded-simd.js;
// - the thread count: the C side caps it at emscripten_num_logical_cores() / 2 (it assumes hyper-threading), which
//   is 1 on a 2-core machine whatever setThreadsCount says; we answer that import with 2 × the requested count;
// - the spin-wait: XNNPACK's pthreadpool spins 1,000,000 iterations before sleeping on a futex, in the workers
//   (waiting for the next op) and in the caller (waiting for the workers). On a shared machine the spinning
//   thread burns the time slice the thread it waits for needs. We patch the three `i32.const 1000000` of the
//   pool's wait loops in the binary before compiling it (GRADSCOPE_WASM_SPIN sets the count, a multiple of 5 as
//   the loops are unrolled 5 times; 'stock' keeps 1,000,000); workers then sleep on a futex (Atomics.wait);
// - exit: running pthread workers are ref'd by the glue; we unref them so they never keep the process alive, and
//   terminate the 7 idle pre-spawned workers the glue creates.
// Results: XNNPACK splits GEMM/conv work by output tiles, so sums are not reordered across threads and the
// numbers are the same as with one thread (checked by test/unit/wasmThreads.test.ts).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import { findPoolAddress, gatePool } from './wasmPoolGate';
import type { BackendWasm } from './wasmHeap';
import { BUNDLED_WASM_PACKAGE, besideBundle } from '../../bundledFiles';

/** The most threads the package's C side accepts (it pre-creates 8 workers). */
const MAX_THREADS = 8;
/** Spin iterations of pthreadpool's wait loops after our patch, unless GRADSCOPE_WASM_SPIN says otherwise. */
const DEFAULT_SPIN = 100;
/** `i32.const 1000000`: the loops' PTHREADPOOL_SPIN_WAIT_ITERATIONS in the package's threaded binary. */
const SPIN_CONST = [0x41, 0xc0, 0x84, 0x3d];

export interface WasmThreadsSetting {
  threads: number;
  /** Spin iterations of the pool's wait loops, or null for the binary's own (1,000,000). */
  spin: number | null;
  /**
   * Which ops the pool runs: 'heavy' only matrix products and convolutions (every other op runs on the calling
   * thread and wakes no worker), 'all' every op XNNPACK parallelises (the package's own behaviour).
   */
  pool: 'heavy' | 'all';
}

function intInRange(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new Error(`${name}=${text} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

/** The opt-in setting from the environment, or null when threads are off (unset, or 1). Throws on bad values. */
export function wasmThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): WasmThreadsSetting | null {
  const threadsText = env.GRADSCOPE_WASM_THREADS;
  if (threadsText === undefined || threadsText === '') return null;
  const threads = intInRange('GRADSCOPE_WASM_THREADS', threadsText, 1, MAX_THREADS);
  if (threads === 1) return null;
  const spinText = env.GRADSCOPE_WASM_SPIN;
  const spin =
    spinText === undefined || spinText === ''
      ? DEFAULT_SPIN
      : spinText === 'stock'
        ? null
        : intInRange('GRADSCOPE_WASM_SPIN', spinText, 1, 1_000_000);
  if (spin != null && spin % SPIN_STEP !== 0) {
    throw new Error(
      `GRADSCOPE_WASM_SPIN=${spinText} is not a multiple of ${SPIN_STEP} (the wait loops count down by ${SPIN_STEP})`,
    );
  }
  const poolText = env.GRADSCOPE_WASM_POOL;
  if (poolText !== undefined && poolText !== '' && poolText !== 'heavy' && poolText !== 'all') {
    throw new Error(`GRADSCOPE_WASM_POOL=${poolText} is neither 'heavy' nor 'all'`);
  }
  return { threads, spin, pool: poolText === 'all' ? 'all' : 'heavy' };
}

/** The loops are unrolled 5 times and count down by 5 to exactly 0: any other count would wrap and spin ~forever. */
const SPIN_STEP = 5;
/** `i32.const 5; i32.sub`: the countdown that must follow a patched constant within the loop. */
const COUNTDOWN = [0x41, SPIN_STEP, 0x6b];

function bytesAt(binary: Uint8Array, at: number, bytes: number[]): boolean {
  return bytes.every((b, k) => binary[at + k] === b);
}

/**
 * Rewrites the spin-wait iteration count of pthreadpool's wait loops (each `i32.const 1000000` followed within
 * 160 bytes by the loop's `i32.const 5; i32.sub` countdown) as a 3-byte LEB128, so the binary keeps its length.
 * Returns how many loops were patched (3 in tfjs-backend-wasm 4.22).
 */
export function patchSpinIterations(binary: Uint8Array, spin: number): number {
  if (!Number.isInteger(spin) || spin <= 0 || spin % SPIN_STEP !== 0 || spin >= 1 << 21) {
    throw new Error(`spin iterations must be a positive multiple of ${SPIN_STEP} below 2^21, not ${spin}`);
  }
  const leb = [0x80 | (spin & 0x7f), 0x80 | ((spin >> 7) & 0x7f), (spin >> 14) & 0x7f];
  let patched = 0;
  for (let i = 0; i + SPIN_CONST.length <= binary.length; i++) {
    if (!bytesAt(binary, i, SPIN_CONST)) continue;
    let countsDownBy5 = false;
    for (let k = i + SPIN_CONST.length; k < i + 160 && !countsDownBy5; k++) countsDownBy5 = bytesAt(binary, k, COUNTDOWN);
    if (!countsDownBy5) continue;
    binary.set(leb, i + 1);
    patched++;
  }
  return patched;
}

/** The parts of the Emscripten module we touch. */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): unknown;
  PThread: { runningWorkers: Array<{ unref(): void }>; unusedWorkers: Array<{ terminate(): unknown }> };
  tfjs?: unknown;
}

/** The WebAssembly API (tsconfig's lib has no DOM types, where its declarations live). */
type WasmImports = Record<string, Record<string, unknown>>;
interface WasmApi {
  instantiate(binary: Uint8Array, imports: WasmImports): Promise<{ instance: unknown; module: unknown }>;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface FactoryConfig {
  locateFile(file: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(imports: WasmImports, receive: (instance: unknown, module: unknown) => void): object;
  onAbort(what: unknown): void;
}

/** The pthread worker script as a file (the package ships it as a string); written once per content. */
function workerScriptFile(wasmOutDir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { wasmWorkerContents } = require(path.join(wasmOutDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The string came from a template literal: its "\n" escapes became newlines inside string literals (the
  // package's own init re-escapes them the same way before making its blob).
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `gradscope-wasm-pthread-${hash}.js`);
  if (!fs.existsSync(file)) {
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, source);
    fs.renameSync(partial, file); // atomic: a concurrent engine sees the whole file or none
  }
  return file;
}

/**
 * The wasm backend's package directory (its dist/*.wasm and wasm-out/): the copy beside the engine bundle in the
 * packaged extension, else the installed package; null when neither is there.
 */
export function wasmPackageDir(): string | null {
  const bundled = besideBundle(BUNDLED_WASM_PACKAGE);
  if (bundled != null) return bundled;
  try {
    return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  } catch {
    return null;
  }
}

let registered: WasmThreadsSetting | null = null;
let actualThreads = 1;
/** Where the loaded threaded binary keeps its pool (see wasmPoolGate.ts), when found. */
let poolAddress: number | null = null;

/**
 * Replaces the 'wasm' backend factory with one that loads the threaded SIMD build with `setting.threads` threads.
 * Call before `tf.setBackend('wasm')`; the kernels registered for 'wasm' (stock and ours) apply unchanged.
 */
export function registerThreadedWasm(setting: WasmThreadsSetting, wasmPkg: typeof WasmPackage): void {
  if (registered) return;
  registered = setting;
  const pkgDir = wasmPackageDir();
  if (pkgDir == null) throw new Error('the @tensorflow/tfjs-backend-wasm files are missing: no threaded wasm build to load');
  const wasmOut = path.join(pkgDir, 'wasm-out');
  const mainScript = path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const binaryFile = path.join(pkgDir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const stockFactory = tf.findBackendFactory('wasm');
  const loadThreaded = async (): Promise<tf.KernelBackend> => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const factory = require(mainScript) as (config: FactoryConfig) => Promise<ThreadedModule>;
    const workerFile = workerScriptFile(wasmOut);
    // A failed load calls onAbort (or rejects instantiate) and leaves the factory's promise pending: race it.
    let fail: (reason: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const why = (what: unknown): Error =>
      new Error(`the threaded wasm build failed to load: ${what instanceof Error ? what.message : String(what)}`);
    const config: FactoryConfig & Partial<ThreadedModule> = {
      locateFile: (file) =>
        file.endsWith('.worker.js') ? workerFile : file.endsWith('.wasm') ? binaryFile : path.join(wasmOut, file),
      mainScriptUrlOrBlob: mainScript,
      instantiateWasm: (imports, receive) => {
        imports.env.emscripten_num_logical_cores = () => 2 * setting.threads;
        const binary = new Uint8Array(fs.readFileSync(binaryFile));
        if (setting.spin != null) patchSpinIterations(binary, setting.spin);
        poolAddress = findPoolAddress(binary);
        WebAssemblyApi.instantiate(binary, imports).then(
          (result) => receive(result.instance, result.module),
          (err: unknown) => fail(why(err)),
        );
        return {};
      },
      onAbort: (what) => fail(why(what)),
    };
    let module: ThreadedModule;
    try {
      module = await Promise.race([factory(config), failed]);
    } catch (err) {
      // The glue spawned its workers before loading the binary (config became the module): end them.
      config.PThread?.unusedWorkers.splice(0).forEach((worker) => void worker.terminate());
      throw err;
    }
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    wasmPkg.setThreadsCount(setting.threads);
    const backend = new wasmPkg.BackendWasm(module as unknown as ConstructorParameters<typeof wasmPkg.BackendWasm>[0]);
    actualThreads = wasmPkg.getThreadsCount();
    // The pool's threads live as long as the module: never let them hold the process open.
    for (const worker of module.PThread.runningWorkers) worker.unref();
    for (const worker of module.PThread.unusedWorkers.splice(0)) void worker.terminate();
    return backend;
  };
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        return await loadThreaded();
      } catch (err) {
        if (stockFactory == null) throw err;
        // Training still works on one thread: say so (the engine relays stderr to the log) and carry on.
        process.stderr.write(`gradscope: ${(err as Error).message}; the wasm backend runs on one thread\n`);
        actualThreads = 1;
        return stockFactory();
      }
    },
    2,
  );
}

/**
 * After the kernels are installed: with GRADSCOPE_WASM_POOL=heavy (the default), only matrix products and
 * convolutions use the pool (wasmPoolGate.ts). If the pool cannot be found, every op keeps using it, and stderr says so.
 */
export function applyWasmPoolSetting(backend: BackendWasm): void {
  if (!registered || registered.pool !== 'heavy' || actualThreads < 2) return;
  const why = poolAddress == null ? 'the thread pool was not found in the binary' : gatePool(backend, poolAddress);
  if (why) process.stderr.write(`gradscope: ${why}; every op the pool can split uses it\n`);
}

/** Threads the wasm backend's pool runs: 1 for the stock single-threaded build. */
export function wasmThreadsCount(): number {
  return actualThreads;
}
