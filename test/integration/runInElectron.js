#!/usr/bin/env node
// Runs the same integration suite in desktop VS Code through @vscode/test-electron, for machines that can
// download a VS Code build (a laptop, a public CI). Offline machines use runInCodeServer.js instead.
//
//   node test/integration/runInElectron.js [same options as runInCodeServer.js]
//
// GRADSCOPE_VSCODE_VERSION  VS Code to download (default 1.100.3: the engines.vscode floor, same as code-server)
// The build is cached in ~/.cache/gradscope/vscode-test (not .vscode-test in the repo). On Linux without a
// display the run re-executes itself under xvfb-run when that exists.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { downloadAndUnzipVSCode, runTests } = require('@vscode/test-electron');
const { tempWorkspace } = require('../e2e/lib/workspace');
const { sampleMemory } = require('../e2e/lib/memory');
const { onCleanup, killDescendants, removeDir } = require('../e2e/lib/lifecycle');
const { parseArgs, checkPaths, readResult, printSummary } = require('./harnessCommon');

const VERSION = process.env.GRADSCOPE_VSCODE_VERSION || '1.100.3';
const CACHE = path.join(os.homedir(), '.cache/gradscope/vscode-test');

/** Electron needs an X display on Linux: use a virtual one when there is none. Returns an exit code, or undefined. */
function reexecUnderXvfb() {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.GRADSCOPE_UNDER_XVFB) return undefined;
  const hasXvfb = cp.spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
  if (!hasXvfb)
    throw new Error('no DISPLAY and no xvfb-run: install xvfb (apt-get install xvfb), or use GRADSCOPE_TEST_HOST=code-server');
  const r = cp.spawnSync('xvfb-run', ['-a', process.execPath, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, GRADSCOPE_UNDER_XVFB: '1' },
  });
  return r.status ?? 1;
}

/** The VS Code build, downloaded once. Offline this fails within seconds (an idle timeout), with a clear hint. */
async function vscodeExecutable() {
  try {
    return await downloadAndUnzipVSCode({ version: VERSION, cachePath: CACHE, timeout: 15000 });
  } catch (err) {
    throw new Error(`cannot download VS Code ${VERSION} (${err.message}). Offline? Use GRADSCOPE_TEST_HOST=code-server.`, {
      cause: err,
    });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  checkPaths(opts);
  const viaXvfb = reexecUnderXvfb();
  if (viaXvfb !== undefined) return { code: viaXvfb, printed: true };
  const t0 = Date.now();
  const executable = await vscodeExecutable();
  const memory = sampleMemory();
  const ws = opts.workspace ? { dir: opts.workspace, remove: () => {} } : tempWorkspace();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-electron-'));
  const removeTmp = onCleanup(() => removeDir(tmp));
  const stopChildren = onCleanup(killDescendants); // VS Code, its extension host and GPU/renderer processes
  const resultFile = path.join(tmp, 'result.json');
  try {
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve(124), opts.timeout);
    });
    const run = runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: opts.extensionDevelopmentPath,
      extensionTestsPath: opts.extensionTestsPath,
      extensionTestsEnv: { TEST_RESULT_FILE: resultFile, ...(opts.grep ? { MOCHA_GREP: opts.grep } : {}) },
      // Fresh profile dirs in tmp: test-electron's defaults would land in .vscode-test/ inside the repo.
      launchArgs: [
        ws.dir,
        '--disable-extensions',
        `--user-data-dir=${path.join(tmp, 'user')}`,
        `--extensions-dir=${path.join(tmp, 'exts')}`,
      ],
    }).then(
      () => 0,
      (err) => (typeof err?.code === 'number' ? err.code : 1),
    );
    const code = await Promise.race([run, timedOut]);
    clearTimeout(timer);
    if (code === 124) console.error(`[run-in-electron] timed out after ${opts.timeout} ms`);
    const result = readResult(resultFile);
    const ok = code === 0 && result.ok;
    if (!ok)
      console.error(
        `[run-in-electron] FAILED: VS Code exit code ${code}; ${result.problem || 'the in-host runner reported failures'}`,
      );
    const mib = memory.stop();
    console.log(
      `[run-in-electron] VS Code ${VERSION}, total ${((Date.now() - t0) / 1000).toFixed(1)} s` +
        (mib ? `, peak memory ${mib} MiB` : ''),
    );
    printSummary({ ...result, ok });
    return { code: ok ? 0 : code || 1 };
  } finally {
    stopChildren();
    ws.remove();
    removeTmp();
  }
}

main().then(
  ({ code }) => process.exit(code),
  (err) => {
    console.error(`[run-in-electron] ERROR: ${process.env.VERBOSE ? err?.stack || err : err?.message || err}`);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(1);
  },
);
