#!/usr/bin/env node
// UI test of the packaged extension, as a user gets it: `npm run package` builds gradscope.vsix, code-server installs
// it into a fresh profile (--install-extension into a new extensions-dir; no --extensionDevelopmentPath, no
// node_modules) and opens an empty folder. From the command palette, New Training Spec writes the MNIST example into
// it and Train Model trains it: the dashboard draws its charts, the run used the wasm backend (its binaries and the
// digits come from the package), and the overfitting diagnosis reaches Problems, with no schema or trailing-comma
// warnings. The CLI of the installed extension (bin/gradscope.js) checks the spec and trains one.
// Screenshot: test-results/e2e-vsix-installed.png.
//   node test/e2e/vsix.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { startWorkbench, runCommand, runCommandAndPick, webviewFrame, readCanvasPixels, problems } = require('./lib/workbench');
const { onCleanup, removeDir } = require('./lib/lifecycle');
const { REPO } = require('./lib/codeServer');
const { endSession, runUiTest, waitForRunEnd } = require('./lib/steps');

const VSIX = path.join(REPO, 'gradscope.vsix');
const PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const EXAMPLE = 'mnist-small-overfit';
const SPEC = `my-${EXAMPLE}.gradscope.json`;
const CHARTS = ['grad-norm-chart', 'grad-heat-strip', 'dead-units-chart', 'lr-chart', 'loss-chart'];
// The budget for the package.
const MAX_VSIX_BYTES = 15 * 1024 * 1024;
const MAX_FILES = 200;

/** Every file under `dir`, relative to it. */
function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/** The events of a run directory, parsed. */
function runEvents(runDir) {
  return fs
    .readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** `node <installed>/bin/gradscope.js ...args` from a folder outside the repository, without NODE_PATH. */
function installedCli(extensionDir, args, cwd) {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.GRADSCOPE_ENGINE;
  return spawnSync(process.execPath, [path.join(extensionDir, 'bin', 'gradscope.js'), ...args], { cwd, env, encoding: 'utf8' });
}

async function main(steps) {
  // Built by the test itself, so `npm test` (and CI) always installs the package of the code under test.
  const build = spawnSync('npm', ['run', '--silent', 'package'], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (build.status !== 0) throw new Error(`npm run package failed (exit ${build.status}):\n${build.stdout}`);
  console.log(build.stdout.split('\n').find((l) => l.includes('Packaged:')) ?? build.stdout.slice(-500));

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-vsix-'));
  const removeScratch = onCleanup(() => removeDir(scratch));
  const ws = path.join(scratch, 'workspace');
  fs.mkdirSync(ws);
  const wb = await startWorkbench({ workspace: ws, vsix: VSIX });
  const extensionDir = path.join(wb.extensionsDir, `${PKG.publisher}.${PKG.name}-${PKG.version}`);
  try {
    await steps.run(wb, 'the .vsix is small and installs without node_modules or source maps', async () => {
      const bytes = fs.statSync(VSIX).size;
      assert.ok(bytes < MAX_VSIX_BYTES, `gradscope.vsix is ${(bytes / 1048576).toFixed(2)} MB`);
      assert.ok(fs.existsSync(path.join(extensionDir, 'package.json')), `installed at ${extensionDir}`);
      const files = filesUnder(extensionDir);
      assert.ok(files.length < MAX_FILES, `${files.length} files installed`);
      assert.deepStrictEqual(
        files.filter((f) => f.split(path.sep).includes('node_modules') || f.endsWith('.map')),
        [],
        'no node_modules, no source maps',
      );
      for (const f of [
        'dist/engineMain.js',
        'dist/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
        'dist/mnist/digits/9.json',
      ]) {
        assert.ok(files.includes(f), `${f} is in the package`);
      }
    });

    await steps.run(wb, 'New Training Spec writes the MNIST example into the empty folder', async () => {
      await runCommandAndPick(wb.page, 'Gradscope: New Training Spec', EXAMPLE, { filter: true, timeout: 60000 });
      const input = wb.page.locator('.quick-input-widget input.input');
      // The name box follows the pick: it is up once it offers the default name.
      const deadline = Date.now() + 30000;
      while ((await input.inputValue().catch(() => '')) !== `my-${EXAMPLE}`) {
        if (Date.now() > deadline) throw new Error(`the name box never offered my-${EXAMPLE}`);
        await wb.page.waitForTimeout(100); // poll interval of a wait on state
      }
      await input.press('Enter');
      await wb.page.locator('.tabs-container .tab.active', { hasText: SPEC }).waitFor({ state: 'visible', timeout: 30000 });
      const text = fs.readFileSync(path.join(ws, SPEC), 'utf8');
      assert.match(text, new RegExp(`"name": "my-${EXAMPLE}"`));
      assert.doesNotMatch(text, /\$schema/, 'no schema link relative to the examples folder');
      assert.ok(!wb.extensionHostLog().includes(REPO), 'the extension host never loaded the repository checkout');
    });

    await steps.run(wb, 'Train Model from the palette trains it on wasm and draws the dashboard', async () => {
      await runCommand(wb.page, 'Gradscope: Train Model');
      const runId = await waitForRunEnd(ws, 300000);
      const events = runEvents(path.join(ws, '.gradscope', 'runs', runId));
      const start = events.find((e) => e.type === 'run-start');
      const end = events.find((e) => e.type === 'run-end');
      assert.strictEqual(start.backend, 'wasm', 'the packaged wasm binaries loaded (auto falls back to cpu otherwise)');
      assert.strictEqual(end.status, 'completed');
      const frame = webviewFrame(wb.page);
      await frame.locator('#gs-status[data-status="completed"]').waitFor({ state: 'visible', timeout: 60000 });
      for (const id of CHARTS) {
        await frame.locator(`#${id}[data-rendered="true"]`).waitFor({ state: 'attached', timeout: 60000 });
        const px = await readCanvasPixels(frame, `#${id}`);
        assert.ok(px.inked > px.width * 2, `${id} drew: ${px.inked} inked pixels`);
      }
      const legend = await frame.locator('body').innerText();
      assert.match(legend, /conv2d_1\b/);
    });

    await steps.run(wb, "Problems shows the run's overfitting diagnosis", async () => {
      const rows = await problems(wb.page, { waitFor: 'overfitting', timeout: 60000 });
      const row = rows.find((r) => r.includes('overfitting'));
      assert.match(row, /Overfitting: the model fits the training set/);
      assert.match(row, /\[Ln \d+, Col \d+\]/);
      // The package's schema applies (comments and trailing commas allowed) and no broken schema link is reported.
      assert.deepStrictEqual(
        rows.filter((r) => /Unable to load schema|Trailing comma/.test(r)),
        [],
      );
      await wb.screenshot('e2e-vsix-installed');
    });

    await steps.run(wb, 'the CLI of the installed extension prints its version, checks a spec and trains one', async () => {
      const version = installedCli(extensionDir, ['--version'], scratch);
      assert.strictEqual(version.stdout.trim(), `gradscope ${PKG.version}`, version.stderr);
      const check = installedCli(extensionDir, ['check', path.join(ws, SPEC)], scratch);
      assert.strictEqual(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /my-mnist-small-overfit\.gradscope\.json: ok/);
      const spec = path.join(scratch, 'tiny.gradscope.json');
      fs.writeFileSync(
        spec,
        JSON.stringify({
          name: 'tiny',
          data: { dataset: 'mnist', samples: 60, digits: [0, 1] },
          model: { inputShape: [28, 28, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }] },
          training: { epochs: 1, batchSize: 20 },
        }),
      );
      const train = installedCli(extensionDir, ['train', spec, '--json', '--out', path.join(scratch, 'runs')], scratch);
      assert.strictEqual(train.status, 0, train.stdout.slice(-2000) + train.stderr);
      const [runId] = fs.readdirSync(path.join(scratch, 'runs'));
      const events = runEvents(path.join(scratch, 'runs', runId));
      assert.strictEqual(events.find((e) => e.type === 'run-start').backend, 'wasm');
      assert.strictEqual(events.find((e) => e.type === 'run-end').status, 'completed');
    });

    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
  } finally {
    await endSession(wb, steps, removeScratch);
  }
}

runUiTest('vsix', main);
