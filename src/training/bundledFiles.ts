// Files esbuild.js copies beside the bundles (dist/) so that the packaged extension needs no node_modules: the wasm
// backend's binaries and the mnist digits. Code run from tsc's output (tests) finds none and uses the packages.
import * as fs from 'fs';
import * as path from 'path';

/** The wasm backend's files, in its package's layout (dist/*.wasm, wasm-out/ for the threaded build). */
export const BUNDLED_WASM_PACKAGE = 'tfjs-backend-wasm';
/** The mnist package's digit files, in its layout (digits/<d>.json). */
export const BUNDLED_MNIST = 'mnist';

/** `name` beside the running bundle, or null when this code does not run from a bundle that has it. */
export function besideBundle(name: string): string | null {
  // In a bundle every module's __dirname is the bundle's directory.
  const dir = path.join(__dirname, name);
  return fs.existsSync(dir) ? dir : null;
}
