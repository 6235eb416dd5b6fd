#!/usr/bin/env node
// Runs the integration suite INSIDE a real VS Code (1.100.3) extension host, offline: code-server + headless
// Chromium (playwright-core). The offline stand-in for @vscode/test-electron (see runInElectron.js).
//
//   node test/integration/runInCodeServer.js [--extensionDevelopmentPath .]
//        [--extensionTestsPath out/test/integration/suite/index.js] [--workspace DIR] [--timeout 300000]
//        [--grep PATTERN] [--verbose]
//
// --workspace defaults to a fresh temp copy of examples/ (tests train and write .gradscope/runs there).
// Env: CODE_SERVER_ROOT, CHROMIUM_PATH (else scripts/install-code-server.sh runs: instant once installed),
//      VERBOSE=1 (workbench + server logs), GRADSCOPE_KEEP_WORKSPACE=1 (keep the temp workspace),
//      GRADSCOPE_TEST_SETTINGS='{"remote.autoForwardPorts": false}' (user settings added to the test ones: e.g. to
//      measure the responsiveness test without VS Code's remote port finder), GRADSCOPE_MEMORY_SAMPLE_MS (the peak
//      memory's sampling interval, default 1000; 0: none), GRADSCOPE_BROWSER_PROFILE=<prefix> (the page's renderer:
//      main-thread time by kind and a JS CPU profile).
// Exit code 0 only when the in-host runner's result file says tests > 0 and failures === 0: the web workbench
// reports a crashed extension host as exit code 0, so that exit code alone proves nothing.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startCodeServer, workbenchUrl } = require('../e2e/lib/codeServer');
const { launchChromium } = require('../e2e/lib/browser');
const { tempWorkspace } = require('../e2e/lib/workspace');
const { sampleMemory } = require('../e2e/lib/memory');
const { onCleanup, removeDir } = require('../e2e/lib/lifecycle');
const { parseArgs, checkPaths, readResult, printSummary } = require('./harnessCommon');

// Workbench bootstrap chatter forwarded through codeAutomationLog; hidden unless verbose.
const NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin|Updating additional builtin|\[Service Worker\]|ChatSessionStore|Creation of workbench contribution)/;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  checkPaths(opts);
  const t0 = Date.now();
  // Reading every process's PSS costs ~5-9 ms of CPU per process per sample (smaps_rollup walks its page tables):
  // GRADSCOPE_MEMORY_SAMPLE_MS=0 leaves it out when measuring the host's responsiveness.
  const sampleMs = Number(process.env.GRADSCOPE_MEMORY_SAMPLE_MS ?? 1000);
  const memory = sampleMs > 0 ? sampleMemory(sampleMs) : { stop: () => undefined };
  const ws = opts.workspace ? { dir: opts.workspace, remove: () => {} } : tempWorkspace();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-result-'));
  const removeTmp = onCleanup(() => removeDir(tmp));
  const resultFile = path.join(tmp, 'result.json');
  let server;
  let chromium;
  try {
    // The extension host inherits code-server's environment: that is how the in-host runner learns where to
    // write its result and what to grep.
    const env = { TEST_RESULT_FILE: resultFile, ...(opts.grep ? { MOCHA_GREP: opts.grep } : {}) };
    const settings = JSON.parse(process.env.GRADSCOPE_TEST_SETTINGS || '{}');
    server = await startCodeServer({ workspace: ws.dir, env, settings, verbose: opts.verbose });
    const tServer = Date.now();
    chromium = await launchChromium({ executablePath: server.install.chromium });
    const { page } = chromium;

    let finish;
    let over = false; // after the verdict, late workbench chatter (reconnect errors) must not follow the summary
    const finished = new Promise(
      (resolve) =>
        (finish = (v) => {
          over = true;
          resolve(v);
        }),
    );
    // The workbench calls these when launched with extensionTestsPath: expose them BEFORE navigating.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      if (over) return;
      if (!opts.verbose && typeof args?.[0] === 'string' && NOISE.test(args[0])) return;
      (console[type] || console.log)(...(args || []));
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish({ code, why: `extension host exited (${code})` }));
    page.on('crash', () => finish({ code: 98, why: 'browser page crashed' }));
    page.on('pageerror', (e) => {
      if (!over) console.error('[workbench pageerror]', e.message);
    });
    if (opts.verbose)
      page.on('console', (m) => {
        if (!over) console.log(`[workbench ${m.type()}]`, m.text());
      });
    server.exited.then((c) => finish({ code: 97, why: `code-server died (${c}):\n${server.output().slice(-4000)}` }));
    const timer = setTimeout(() => finish({ code: 124, why: `timed out after ${opts.timeout} ms` }), opts.timeout);

    const browserProfile = process.env.GRADSCOPE_BROWSER_PROFILE && (await startBrowserProfile(page));
    await page.goto(
      workbenchUrl({
        host: server.host,
        folder: ws.dir,
        extensionDevelopmentPath: opts.extensionDevelopmentPath,
        extensionTestsPath: opts.extensionTestsPath,
      }),
    );
    const { code, why } = await finished;
    clearTimeout(timer);
    if (browserProfile) await browserProfile.stop(process.env.GRADSCOPE_BROWSER_PROFILE);

    const result = readResult(resultFile);
    const ok = code === 0 && result.ok;
    if (!ok) console.error(`[run-in-code-server] FAILED: ${why}; ${result.problem || 'the in-host runner reported failures'}`);
    const mib = memory.stop();
    console.log(
      `[run-in-code-server] code-server up in ${((tServer - t0) / 1000).toFixed(1)} s, ` +
        `tests done in ${((Date.now() - tServer) / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s` +
        (mib ? `, peak memory ${mib} MiB (PSS of server + extension host + browser)` : ''),
    );
    printSummary({ ...result, ok });
    return ok ? 0 : code || 1;
  } finally {
    if (chromium) await chromium.close();
    if (server) server.stop();
    ws.remove();
    removeTmp();
  }
}

/**
 * The page's renderer while the tests ran: its main thread's time by kind (Performance.getMetrics: script, layout,
 * style, task) and a JS CPU profile, written to `<prefix>.json` and `<prefix>.cpuprofile` (GRADSCOPE_BROWSER_PROFILE).
 */
async function startBrowserProfile(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  const metrics = async () =>
    Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const first = await metrics();
  return {
    async stop(prefix) {
      const last = await metrics();
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(`${prefix}.cpuprofile`, JSON.stringify(profile));
      const delta = {};
      for (const k of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'Timestamp'])
        delta[k] = Math.round((last[k] - first[k]) * 1000);
      fs.writeFileSync(`${prefix}.json`, JSON.stringify({ ms: delta, last }, null, 2));
      console.log(`[run-in-code-server] renderer main thread (ms): ${JSON.stringify(delta)}`);
    },
  };
}

main().then(
  (code) => process.exit(code),
  (err) => {
    // Usage and missing-build errors read best as one line; the stack only helps when debugging the harness.
    console.error(`[run-in-code-server] ERROR: ${process.env.VERBOSE ? err?.stack || err : err?.message || err}`);
    console.log('0 passed, 1 failed, 0 skipped');
    process.exit(1);
  },
);
