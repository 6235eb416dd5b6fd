#!/usr/bin/env node
// Entry point of the integration tests: picks the VS Code to run them in and hands over all arguments.
//   GRADSCOPE_TEST_HOST unset | code-server  -> code-server + headless Chromium (works offline; the default)
//   GRADSCOPE_TEST_HOST=electron             -> desktop VS Code via @vscode/test-electron (downloads VS Code)
//   GRADSCOPE_TEST_HOST=auto                 -> electron when VS Code's download server answers within 3 s,
//                                               else code-server
'use strict';
const https = require('https');
const path = require('path');

const RUNNERS = { 'code-server': 'runInCodeServer.js', electron: 'runInElectron.js' };

/** Whether @vscode/test-electron could download VS Code from here (offline CI cannot: DNS/HTTPS fail fast). */
function canReachVSCodeDownloads(timeoutMs = 3000) {
  return new Promise((resolve) => {
    const req = https.request(
      'https://update.code.visualstudio.com/api/releases/stable',
      { method: 'HEAD', timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode !== undefined && res.statusCode < 500);
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function pickHost() {
  const wanted = process.env.GRADSCOPE_TEST_HOST || 'code-server';
  if (wanted === 'auto') return (await canReachVSCodeDownloads()) ? 'electron' : 'code-server';
  if (!RUNNERS[wanted]) throw new Error(`GRADSCOPE_TEST_HOST=${wanted}: use code-server, electron or auto`);
  return wanted;
}

pickHost().then(
  (host) => {
    console.log(`[integration] running in ${host}`);
    // Same process, not a child: the runner's signal handling and exit code stay as they are.
    require(path.join(__dirname, RUNNERS[host]));
  },
  (err) => {
    console.error(`[integration] ERROR: ${err.message}`);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(1);
  },
);
