// Instantiates one of our small WebAssembly modules (wat/*.wat, compiled by `npm run build:wasm`) over the wasm
// backend's own linear memory, so that its functions read and write tensors where they live: no copy, no dispatch.
import type { BackendWasm } from './wasmHeap';

/** The few WebAssembly JS API members used here (the project's type libraries do not declare them). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => object;
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The wasm backend's linear memory (Emscripten exports it as `memory` from the non-threaded builds). */
function backendMemory(backend: BackendWasm): object | undefined {
  const module = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WA.Memory ? memory : undefined;
}

/**
 * A function giving `bind(exports)` of the module (base64 binary, importing env.memory) instantiated over a backend's
 * memory, once per memory; null where that cannot be done (no WebAssembly SIMD, or a memory the module cannot import,
 * such as the threaded build's shared one): callers then keep their other path.
 */
export function backendModule<E, T>(base64: string, bind: (exports: E) => T): (backend: BackendWasm) => T | null {
  let compiled: object | null | undefined;
  const bound = new WeakMap<object, T | null>();
  return (backend) => {
    const memory = backendMemory(backend);
    if (!memory) return null;
    const known = bound.get(memory);
    if (known !== undefined) return known;
    if (compiled === undefined) {
      const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
      compiled = WA.validate(bytes) ? new WA.Module(bytes) : null;
    }
    let result: T | null = null;
    if (compiled !== null) {
      try {
        result = bind(new WA.Instance(compiled, { env: { memory } }).exports as E);
      } catch {
        result = null;
      }
    }
    bound.set(memory, result);
    return result;
  };
}
