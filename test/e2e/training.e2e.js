#!/usr/bin/env node
// UI test in the real workbench, as a user: train the deep-sigmoid example from the command palette and watch the
// dashboard draw every chart family (pixels read inside the webview) and save one as PNG / copy it as CSV; train the exploding example and find its
// `non-finite` diagnostic in Problems on the right line; a bad spec gets a positioned Problems entry and no run.
// Screenshots of each state go to test-results/e2e-*.png.
//   node test/e2e/training.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { parse: parseJsonc } = require('jsonc-parser');
const { PNG } = require('pngjs');
const {
  startWorkbench,
  openFile,
  runCommand,
  webviewFrame,
  readCanvasPixels,
  problems,
  notifications,
} = require('./lib/workbench');
const { createSteps, runDirs, waitForRuns, waitForRunEnd, waitForHeight } = require('./lib/steps');

const CHARTS = ['grad-norm-chart', 'grad-heat-strip', 'dead-units-chart', 'lr-chart', 'loss-chart'];
const steps = createSteps();
const step = (wb, name, fn) => steps.run(wb, name, fn);

/** Line (1-based) of the first line of `file` containing `needle`. */
function lineOf(file, needle) {
  const index = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle));
  assert.ok(index >= 0, `${needle} in ${file}`);
  return index + 1;
}

async function main() {
  const t0 = Date.now();
  const wb = await startWorkbench();
  const ws = wb.workspace;
  try {
    await wb.waitForActivation('gradscope.gradscope', 60000).catch(() => {
      /* activates on the first command too */
    });

    await step(wb, 'Train Model from the palette draws every dashboard chart', async () => {
      await openFile(wb.page, 'deep-sigmoid.gradscope.json');
      await runCommand(wb.page, 'Gradscope: Train Model');
      const frame = webviewFrame(wb.page);
      for (const id of CHARTS) {
        await frame.locator(`#${id}[data-rendered="true"]`).waitFor({ state: 'attached', timeout: 120000 });
      }
      await wb.screenshot('e2e-dashboard-live');
      await waitForRunEnd(ws);
      // The last batch of events has been drawn when the header says the run completed.
      await frame.locator('#gs-status[data-status="completed"]').waitFor({ state: 'visible', timeout: 30000 });
      for (const id of CHARTS) {
        const px = await readCanvasPixels(frame, `#${id}`);
        assert.ok(px.width > 100 && px.height > 20, `${id} has a size (${px.width}×${px.height})`);
        assert.ok(px.inked > px.width * 2, `${id} drew: ${px.inked} inked pixels`);
      }
      // The header labels each loss: the last step's and the last epoch's (the CLI's "loss"); epochs count from 1.
      const chip = (key) => frame.locator(`.gs-chip[data-key="${key}"] .gs-chip-v`).innerText();
      assert.match(await chip('step loss'), /^\d/);
      assert.match(await chip('epoch loss (train)'), /^\d/);
      const epochs = parseJsonc(fs.readFileSync(path.join(ws, 'deep-sigmoid.gradscope.json'), 'utf8')).training.epochs;
      assert.strictEqual(await chip('epoch'), `${epochs} / ${epochs}`);
      const legend = await frame.locator('body').innerText();
      assert.match(legend, /dense_1\b/);
      assert.match(legend, /dense_14\b/);
      await wb.screenshot('e2e-dashboard-deep-sigmoid');
      // The whole dashboard at once: its editor group maximized in a tall window.
      await wb.page.locator('.tabs-container .tab', { hasText: 'gradscope: deep-sigmoid' }).first().click();
      await runCommand(wb.page, 'View: Toggle Maximize Editor Group');
      await wb.page.setViewportSize({ width: 1400, height: 2000 });
      // The webview has taken the new size once its frame is taller than the old window.
      await waitForHeight(wb.page.locator('iframe.webview.ready').first(), 1200);
      await wb.screenshot('e2e-dashboard-full');
      await wb.page.setViewportSize({ width: 1400, height: 900 });
      await runCommand(wb.page, 'View: Toggle Maximize Editor Group');
    });

    await step(wb, 'Save PNG writes the chart where the save dialog says; Copy CSV reaches the clipboard', async () => {
      const frame = webviewFrame(wb.page);
      await wb.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(wb.page.url()).origin });
      const runId = runDirs(ws).sort().pop();
      const target = path.join(ws, `${runId}-grad-norm.png`);
      await frame.locator('.gs-chart-actions[data-chart="grad-norm"] [data-action="png"]').click();
      // VS Code's save dialog, with the suggested file (next to the spec) filled in: accept it.
      const input = wb.page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 30000 });
      for (const until = Date.now() + 30000; !(await input.inputValue()).endsWith('-grad-norm.png');) {
        if (Date.now() > until) throw new Error(`the save dialog suggests ${await input.inputValue()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await wb.screenshot('e2e-chart-export-save-dialog');
      await input.press('Enter');
      const until = Date.now() + 30000;
      while (!fs.existsSync(target) || fs.statSync(target).size === 0) {
        if (Date.now() > until) throw new Error(`no ${target}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // The file is the chart: a PNG as wide as the canvas, opaque, with coloured lines on the theme's background.
      const png = PNG.sync.read(fs.readFileSync(target));
      const canvas = await readCanvasPixels(frame, '#grad-norm-chart');
      assert.deepStrictEqual([png.width, png.height], [canvas.width, canvas.height]);
      let coloured = 0;
      for (let i = 0; i < png.data.length; i += 4) {
        const [r, g, b, a] = png.data.subarray(i, i + 4);
        assert.strictEqual(a, 255, 'opaque');
        if (Math.max(r, g, b) - Math.min(r, g, b) > 50) coloured++;
      }
      assert.ok(coloured > png.width * 2, `${coloured} coloured pixels`);

      await frame.locator('.gs-chart-actions[data-chart="grad-norm"] [data-action="csv"]').click();
      await wb.page
        .locator('.statusbar', { hasText: 'copied chart "grad-norm" as CSV' })
        .waitFor({ state: 'visible', timeout: 30000 });
      await wb.screenshot('e2e-chart-export');
      // What VS Code put on the browser's clipboard: the chart's lines, a row per step of the run.
      const rows = Number(/as CSV \((\d+) rows\)/.exec(await wb.page.locator('.statusbar').innerText())[1]);
      const clipboard = await wb.page.evaluate(() => navigator.clipboard.readText());
      const lines = clipboard.trim().split(/\r?\n/);
      assert.strictEqual(lines[0], ['step', ...Array.from({ length: 14 }, (_, i) => `dense_${i + 1}`)].join(','));
      assert.strictEqual(lines.length - 1, rows);
      const events = fs
        .readFileSync(path.join(ws, '.gradscope', 'runs', runId, 'events.jsonl'), 'utf8')
        .trim()
        .split('\n');
      assert.strictEqual(rows, JSON.parse(events[events.length - 1]).steps, 'a row per step of the run (each one measured)');
    });

    await step(wb, 'the exploding example puts non-finite in Problems on its repeated dense entry', async () => {
      await openFile(wb.page, 'exploding-init.gradscope.json');
      const before = runDirs(ws).length;
      await runCommand(wb.page, 'Gradscope: Train Model');
      await waitForRuns(ws, before + 1);
      await waitForRunEnd(ws);
      const rows = await problems(wb.page, { waitFor: 'non-finite', timeout: 60000 });
      const row = rows.find((r) => r.includes('non-finite'));
      const line = lineOf(path.join(ws, 'exploding-init.gradscope.json'), '{ "type": "dense", "units": 64, "activation": "relu"');
      assert.match(row, /Training diverged/);
      assert.match(row, new RegExp(`\\[Ln ${line}, Col \\d+\\]`), `row on line ${line}: ${row}`);
      assert.match(row, /copy \d+ of 10 made by "repeat"/);
      // The dashboard followed the new run: its status and the diagnostic are shown there too.
      const dashboard = webviewFrame(wb.page).locator('body');
      await dashboard.filter({ hasText: /diverged/i }).waitFor({ timeout: 30000 });
      assert.match(await dashboard.innerText(), /non-finite/);
      const epochChip = await webviewFrame(wb.page).locator('.gs-chip[data-key="epoch"] .gs-chip-v').innerText();
      assert.match(epochChip, /^[1-9]\d* \/ \d+$/, `the epoch it diverged in, counted from 1: ${epochChip}`);
      await wb.screenshot('e2e-problems-non-finite');
    });

    await step(wb, 'the sidebar shows each run status first, and no absolute paths', async () => {
      await runCommand(wb.page, 'gradscope: Focus on Specs and Runs View');
      const row = wb.page.locator('.monaco-list-row', { hasText: 'diverged' }).first();
      await row.waitFor({ state: 'visible', timeout: 30000 });
      const label = (await row.locator('.label-name').first().innerText()).trim();
      assert.strictEqual(label, 'diverged', 'the status is the label, not cut off in the description');
      const tree = await wb.page.locator('.pane-body', { has: row }).first().innerText();
      assert.ok(!tree.includes(ws), `no absolute workspace path in the sidebar:\n${tree}`);
      await wb.screenshot('e2e-sidebar');
    });

    await step(wb, 'a bad spec gets a positioned Problems entry and no run', async () => {
      const file = path.join(ws, 'broken.gradscope.json');
      fs.writeFileSync(
        file,
        '{\n  "data": { "dataset": "spiral" },\n  "model": {\n    "inputShape": [2],\n    "layers": [\n      { "type": "dens", "units": 3 }\n    ]\n  }\n}\n',
      );
      await openFile(wb.page, 'broken.gradscope.json');
      const rows = await problems(wb.page, { waitFor: 'unknown-layer-type', timeout: 60000 });
      const row = rows.find((r) => r.includes('unknown-layer-type'));
      assert.match(row, /\[Ln 6, Col \d+\]/, row);
      assert.match(row, /did you mean "dense"/);
      const before = runDirs(ws).length;
      await openFile(wb.page, 'broken.gradscope.json');
      await runCommand(wb.page, 'Gradscope: Train Model');
      await wb.page
        .locator('.notifications-toasts .notification-toast', { hasText: 'no run was started' })
        .waitFor({ timeout: 30000 });
      assert.strictEqual(runDirs(ws).length, before, 'no run directory was created');
      assert.ok((await notifications(wb.page)).some((n) => /broken\.gradscope\.json has problems/.test(n)));
      await wb.screenshot('e2e-bad-spec');
    });

    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
  } finally {
    if (steps.failed) console.error(wb.extensionHostLog().slice(-4000));
    await wb.stop();
  }
  console.log(`training e2e finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${steps.passed} passed, ${steps.failed} failed, 0 skipped`);
  if (steps.failed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  console.log(`${steps.passed} passed, ${steps.failed + 1} failed, 0 skipped`);
  process.exit(1);
});
