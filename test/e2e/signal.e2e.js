#!/usr/bin/env node
// UI test of the lessons' init demo and of Compare Runs, as a user: train a deep tanh net initialised with
// σ = 0.01 and the same depth with ReLU + He from the palette, overlay the two runs with "Gradscope: Compare
// Runs…" (table, stacked heat strips) and by selecting both in the sidebar, then open each run and read its "Signal per layer": the small init's
// layer profile falls toward 0 with depth, He's stays of the same order. Screenshots: test-results/compare-runs.png,
// signal-small-init-tanh.png, signal-he-relu.png.
//   node test/e2e/signal.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const { startWorkbench, openFile, runCommand, runCommandAndPick, webviewFrame } = require('./lib/workbench');
const { tempWorkspace, EXAMPLES } = require('./lib/workspace');
const { dashboardShot, endSession, runUiTest, runDirs, waitForRuns, waitForRunEnd } = require('./lib/steps');

const SMALL = 'init-small-tanh.gradscope.json';
const HE = 'init-he-relu.gradscope.json';
const PICK_INPUT = '.quick-input-widget input.input';

/** A copy of examples/ (with init-small-tanh and init-he-relu, the two nets the signal steps train). */
function workspace() {
  return tempWorkspace(EXAMPLES);
}

async function train(wb, spec) {
  const before = runDirs(wb.workspace).length;
  await openFile(wb.page, spec);
  await runCommand(wb.page, 'Gradscope: Train Model');
  await waitForRuns(wb.workspace, before + 1);
  const run = await waitForRunEnd(wb.workspace);
  await webviewFrame(wb.page).locator('#gs-status[data-status="completed"]').waitFor({ state: 'visible', timeout: 60000 });
  return run;
}

/** Opens a recorded run with "Gradscope: Open Run…" and waits until the dashboard shows it. */
async function openRun(wb, runId) {
  await runCommandAndPick(wb.page, 'Gradscope: Open Run…', runId);
  await webviewFrame(wb.page).locator(`#app[data-run-id="${runId}"]`).waitFor({ state: 'attached', timeout: 30000 });
}

/** The std per layer the layer profile draws (its test hook), once the signal chart has data. */
/**
 * The layer profile at the run's first step, picked with the slider: the lessons' demo is about the signal the
 * initialization gives (training then reshapes it: after 5 epochs the small-init net's last layers have grown back).
 */
async function initialProfile(frame) {
  await frame.locator('#signal-chart[data-rendered="true"]').waitFor({ state: 'attached', timeout: 60000 });
  const profile = frame.locator('#layer-profile-chart[data-rendered="true"]');
  await profile.waitFor({ state: 'attached', timeout: 30000 });
  await frame.locator('#layer-profile-slider').fill('0');
  await frame.locator('#layer-profile-step', { hasText: /^step 0$/ }).waitFor({ state: 'attached', timeout: 30000 });
  return (await profile.getAttribute('data-values')).split(',').map(Number);
}

async function main(steps) {
  const ws = workspace();
  const wb = await startWorkbench({ workspace: ws.dir });
  try {
    await wb.waitForActivation('gradscope.gradscope', 60000).catch(() => {
      /* activates on the first command too */
    });
    const small = await train(wb, SMALL);
    const he = await train(wb, HE);

    await steps.run(wb, 'Compare Runs… overlays the two runs with a table and stacked heat strips', async () => {
      await runCommand(wb.page, 'Gradscope: Compare Runs…');
      const input = wb.page.locator(PICK_INPUT);
      await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: small }).first().waitFor({ timeout: 30000 });
      for (const runId of [small, he]) {
        await wb.page
          .locator('.quick-input-widget .monaco-list-row', { hasText: runId })
          .first()
          .locator('.monaco-checkbox, input[type=checkbox]')
          .first()
          .click();
      }
      await input.focus();
      await wb.page.keyboard.press('Enter');
      const frame = webviewFrame(wb.page);
      const rows = frame.locator('#gs-compare-table tbody tr');
      await rows.nth(1).waitFor({ state: 'visible', timeout: 30000 });
      assert.strictEqual(await rows.count(), 2);
      // The newest run is shown, the other overlaid; each row names its run.
      assert.deepStrictEqual(await rows.evaluateAll((r) => r.map((e) => e.dataset.runId)), [he, small]);
      assert.match(await rows.nth(0).innerText(), /init-he-relu[\s\S]*completed/);
      assert.match(await rows.nth(1).innerText(), /init-small-tanh[\s\S]*completed/);
      await frame.locator('#grad-heat-strip-1[data-rendered="true"]').waitFor({ state: 'attached', timeout: 30000 });
      assert.match(await frame.locator('#gs-compare-note').innerText(), /init-small-tanh/);
      await dashboardShot(wb, 'compare-runs', '#panel-compare', { restore: true, height: 1400 });
    });

    await steps.run(wb, 'selecting two runs in the sidebar compares them', async () => {
      await openRun(wb, small);
      const frame = webviewFrame(wb.page);
      await frame.locator('#panel-compare').waitFor({ state: 'hidden', timeout: 30000 });
      await runCommand(wb.page, 'gradscope: Focus on Specs and Runs View');
      const rows = wb.page.locator('.pane-body .monaco-list-row', { hasText: 'completed' });
      await rows.nth(1).waitFor({ state: 'visible', timeout: 30000 });
      await rows.nth(0).click();
      await rows.nth(1).click({ modifiers: ['Control'] });
      const table = frame.locator('#gs-compare-table tbody tr');
      await table.nth(1).waitFor({ state: 'visible', timeout: 30000 });
      assert.deepStrictEqual((await table.evaluateAll((r) => r.map((e) => e.dataset.runId))).sort(), [he, small].sort());
    });

    await steps.run(wb, 'Signal per layer: the σ = 0.01 tanh signal shrinks with depth', async () => {
      await openRun(wb, small);
      const std = await initialProfile(webviewFrame(wb.page));
      assert.ok(std.length >= 10, `one value per tanh layer: ${std}`);
      // σ·√fan-in ≈ 0.06 per layer: by layer 10 the signal is ~1e-11 of layer 1's (far below this bound).
      assert.ok(std[9] < std[0] * 1e-4, `layer 10's std is a tiny fraction of layer 1's: ${std}`);
      await dashboardShot(wb, 'signal-small-init-tanh', '#panel-signal', { restore: true, height: 1400 });
    });

    await steps.run(wb, 'Signal per layer: with He init the ReLU signal keeps its size', async () => {
      await openRun(wb, he);
      const std = await initialProfile(webviewFrame(wb.page));
      // At He's scale each ReLU layer keeps the signal's size on average; with 32 units per layer the factor
      // varies from layer to layer (over 500 random draws of such a net, layer 10 / layer 1 stayed in 0.1…3.4).
      const ratio = std[9] / std[0];
      assert.ok(ratio > 0.05 && ratio < 20, `layer 10 keeps about layer 1's size: ${std}`);
      await dashboardShot(wb, 'signal-he-relu', '#panel-signal', { restore: true, height: 1400 });
    });

    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
  } finally {
    await endSession(wb, steps, () => ws.remove());
  }
}

runUiTest('signal', main);
