// Builds every bundle: the CLI and the engine child process (Node), the VS Code extension host (Node, `vscode`
// external) and the dashboard webview (browser IIFE with chart.js inside: no CDN).
// The engine bundle holds TensorFlow.js (core, layers, the cpu and wasm backends; src/training/engine/backend/
// tfjsParts.ts says which parts); the optional native @tensorflow/tfjs-node stays external (a plain require that
// may fail). Beside the bundles go the files they read at run time (src/training/bundledFiles.ts): the wasm
// backend's binaries and the mnist digits, so the packaged extension (`npm run package`) needs no node_modules.
// Usage: node esbuild.js [--watch] [--production]   (--production: minified, no source maps)
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // The extension host and the CLI never load TensorFlow.js: were one of them to import it, it would fail loudly.
  external: ['@tensorflow/*', 'mnist', 'vscode'],
  // jsonc-parser's UMD entry uses dynamic requires esbuild cannot follow; its ESM entry bundles cleanly (and
  // TensorFlow.js's ESM entries let esbuild drop what the engine does not use).
  mainFields: ['module', 'main'],
};

const builds = [
  {
    ...node,
    entryPoints: { cli: 'src/cli/main.ts', extension: 'src/extension/extension.ts' },
    outdir: 'dist',
  },
  {
    ...node,
    entryPoints: { engineMain: 'src/training/engine/engineMain.ts' },
    external: ['@tensorflow/tfjs-node'],
    alias: { '@tensorflow/tfjs': './src/training/engine/backend/tfjsParts.ts' },
    outdir: 'dist',
  },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
  },
];

// Files the engine reads at run time, copied in their package's layout (src/training/bundledFiles.ts):
// [from, to] relative to the repository. The wasm backend loads the SIMD binary, or the plain one where WebAssembly
// has no SIMD; GRADSCOPE_WASM_THREADS loads the threaded build from its Emscripten script (wasmThreads.ts).
const wasmPkg = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const mnistPkg = path.dirname(require.resolve('mnist/package.json'));
const runtimeFiles = [
  ...['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => [
    path.join(wasmPkg, 'dist', f),
    path.join('dist', 'tfjs-backend-wasm', 'dist', f),
  ]),
  ...['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js'].map((f) => [
    path.join(wasmPkg, 'wasm-out', f),
    path.join('dist', 'tfjs-backend-wasm', 'wasm-out', f),
  ]),
  ...Array.from({ length: 10 }, (_, d) => [
    path.join(mnistPkg, 'src', 'digits', `${d}.json`),
    path.join('dist', 'mnist', 'digits', `${d}.json`),
  ]),
  [path.join(mnistPkg, 'LICENSE'), path.join('dist', 'mnist', 'LICENSE')],
];

function copyRuntimeFiles() {
  for (const [from, to] of runtimeFiles) {
    const target = path.join(__dirname, to);
    const source = fs.statSync(from);
    const existing = fs.existsSync(target) ? fs.statSync(target) : null;
    if (existing && existing.size === source.size && existing.mtimeMs >= source.mtimeMs) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(from, target);
  }
}

async function main() {
  // A production build leaves no source maps of an earlier development build behind.
  if (production) {
    for (const f of fs.existsSync('dist') ? fs.readdirSync('dist') : []) if (f.endsWith('.map')) fs.rmSync(path.join('dist', f));
  }
  copyRuntimeFiles();
  for (const options of builds) {
    if (watch) {
      const ctx = await esbuild.context(options);
      await ctx.watch();
    } else {
      await esbuild.build(options);
    }
  }
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
