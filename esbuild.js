// Builds every bundle: the CLI and the engine child process (Node), the VS Code extension host (Node, `vscode`
// external) and the dashboard webview (browser IIFE with chart.js inside: no CDN).
// TensorFlow.js and the mnist data stay external to the Node bundles: they ship as packages (wasm binaries,
// an optional native addon). Usage: node esbuild.js [--watch] [--production]
const esbuild = require('esbuild');

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
  external: ['@tensorflow/*', 'mnist', 'vscode'],
  // jsonc-parser's UMD entry uses dynamic requires esbuild cannot follow; its ESM entry bundles cleanly.
  mainFields: ['module', 'main'],
};

const builds = [
  {
    ...node,
    entryPoints: {
      cli: 'src/cli/main.ts',
      engineMain: 'src/training/engine/engineMain.ts',
      extension: 'src/extension/extension.ts',
    },
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

async function main() {
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
