#!/usr/bin/env node
// `npm run demo`: a real VS Code with gradscope loaded and examples/ open. Desktop `code` when it is installed
// (`code --extensionDevelopmentPath`), otherwise the code-server web workbench on a local port: open the printed
// URL in a browser. Ctrl-C stops it. Runs are written to examples/.gradscope/ (git-ignored).
'use strict';
const { spawn, spawnSync } = require('child_process');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const EXAMPLES = path.join(REPO, 'examples');

function hasDesktopCode() {
  if (process.env.GRADSCOPE_DEMO === 'web') return false;
  const r = spawnSync('code', ['--version'], { encoding: 'utf8' });
  return r.status === 0 && !/code-server/i.test(r.stdout ?? '');
}

async function main() {
  if (hasDesktopCode()) {
    console.log('starting VS Code with gradscope in development mode on examples/ …');
    spawn('code', [`--extensionDevelopmentPath=${REPO}`, EXAMPLES], { stdio: 'inherit' }).on('exit', (c) => process.exit(c ?? 0));
    return;
  }
  const { startCodeServer, workbenchUrl } = require('../test/e2e/lib/codeServer');
  const server = await startCodeServer({ workspace: EXAMPLES, settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
  const url = workbenchUrl({ host: server.host, folder: EXAMPLES, extensionDevelopmentPath: REPO });
  console.log('\ngradscope demo: VS Code (code-server) with the extension loaded and examples/ open:\n');
  console.log(`  ${url}\n`);
  console.log('Open it in a browser, then run "Gradscope: Train Model" from the command palette (F1). Ctrl-C stops.');
  const stop = () => {
    server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const how = await server.exited;
  console.error(`code-server exited (${how})`);
  process.exit(1);
}

main().catch((err) => {
  console.error(`demo failed: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
