#!/usr/bin/env node
// UI test of the dashboard's Explain panel (issue 11), as a user: train the bundled MNIST conv example
// (examples/mnist-conv-explain.gradscope.json, `monitor.explain`) from the palette and read the panel against the
// run's own `explanation` events: one tile set per explained validation sample with its label and prediction (the
// wrong ones framed and marked ✗), each map drawn in viridis (the map's strongest cell yellow, read in the webview's
// canvas), the maps in words; the toggles to the true class's map and to saliency; the epoch slider moved with the
// keyboard to the first recorded epoch, whose own maps are then drawn; the first conv layer's filters.
// Screenshots: test-results/e2e-explain-live.png, e2e-explain-latest.png, e2e-explain-true-class.png,
// e2e-explain-saliency.png, e2e-explain-epoch-1.png, e2e-explain-panel.png.
//   node test/e2e/explain.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startWorkbench, openFile, runCommand, runCommandAndPick, webviewFrame, readCanvasPixels } = require('./lib/workbench');
const { dashboardShot, endSession, runUiTest, waitForRuns, waitForRunEnd } = require('./lib/steps');
const { viridis } = require('../../out/src/shared/colorMap');
const { summarizeHeatmap } = require('../../out/src/shared/heatmapText');

const SPEC = 'mnist-conv-explain.gradscope.json';

function readRun(ws, runId) {
  return fs
    .readFileSync(path.join(ws, '.gradscope', 'runs', runId, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Row and column of a map's strongest cell (the first one, row-major). */
function argmax(map) {
  let best = 0;
  map.values.forEach((v, i) => {
    if (v > map.values[best]) best = i;
  });
  return { row: Math.floor(best / map.width), col: best % map.width, value: map.values[best] };
}

/**
 * Checks the panel's grid against an explanation event: one figure per sample in order, its label, prediction and
 * ✓/✗ mark, and in each map tile the strongest cell of the map `pick(sample)` drawn in viridis of its value.
 */
async function checkGrid(frame, event, pick) {
  const figures = frame.locator('#explain-grid figure');
  assert.strictEqual(await figures.count(), event.samples.length, 'one figure per explained sample');
  for (let i = 0; i < event.samples.length; i++) {
    const s = event.samples[i];
    const fig = figures.nth(i);
    assert.strictEqual(await fig.getAttribute('data-index'), String(s.index));
    assert.strictEqual(await fig.getAttribute('data-label'), String(s.label));
    assert.strictEqual(await fig.getAttribute('data-predicted'), String(s.predicted));
    const wrong = s.predicted !== s.label;
    const pred = await fig.locator('.gs-explain-pred').innerText();
    const p = s.probabilities[s.predicted].toFixed(2);
    assert.ok(
      pred.startsWith(
        `${wrong ? '✗' : '✓'} label ${event.classNames[s.label]} · predicted ${event.classNames[s.predicted]} (${p})`,
      ),
      `sample ${s.index}: ${pred}`,
    );
    assert.strictEqual(/is-wrong/.test((await fig.getAttribute('class')) ?? ''), wrong, `sample ${s.index} framed iff wrong`);
    const map = pick(s);
    const peak = argmax(map);
    if (peak.value <= 0) continue; // an all-zero map (nothing raised the score) has no strongest cell to find
    const canvas = fig.locator('canvas');
    const [left, top, w, h, gap] = (await canvas.getAttribute('data-tiles')).split(',').map(Number);
    const [iw, ih] = (await canvas.getAttribute('data-image')).split(',').map(Number);
    const x = Math.floor(left + w + gap + ((peak.col + 0.5) * w) / iw);
    const y = Math.floor(top + ((peak.row + 0.5) * h) / ih);
    const { pixels } = await readCanvasPixels(frame, `#explain-grid figure[data-index="${s.index}"] canvas`, [[x, y]]);
    assert.deepStrictEqual(
      pixels[0].slice(0, 3),
      viridis(peak.value),
      `sample ${s.index}: strongest cell (${peak.row}, ${peak.col})`,
    );
  }
}

async function main(steps) {
  const wb = await startWorkbench();
  const ws = wb.workspace;
  let events;
  let runId;
  let explanations = [];
  try {
    await wb.waitForActivation('gradscope.gradscope', 60000).catch(() => {
      /* activates on the first command too */
    });

    await steps.run(wb, 'Train Model on the MNIST conv example records explanations while it trains', async () => {
      assert.ok(fs.existsSync(path.join(ws, SPEC)), `${SPEC} is an example`);
      await openFile(wb.page, SPEC);
      await runCommand(wb.page, 'Gradscope: Train Model');
      await waitForRuns(ws, 1);
      const frame = webviewFrame(wb.page);
      // The first explanation arrives at the end of the first epoch, while the run goes on.
      await frame.locator('#explain-grid canvas[data-rendered="true"]').first().waitFor({ state: 'attached', timeout: 180000 });
      await frame.locator('#panel-explain').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await wb.screenshot('e2e-explain-live');
      runId = await waitForRunEnd(ws);
      await frame.locator('#gs-status[data-status="completed"]').waitFor({ state: 'visible', timeout: 60000 });
      events = readRun(ws, runId);
      explanations = events.filter((e) => e.type === 'explanation');
      assert.ok(explanations.length >= 2, `explanations recorded at several epochs: ${explanations.length}`);
      const epochs = explanations.map((e) => e.epoch);
      assert.deepStrictEqual(
        epochs,
        [...epochs].sort((a, b) => a - b),
        'in epoch order',
      );
    });

    await steps.run(wb, 'the latest epoch: every sample with its prediction, its map in viridis, the maps in words', async () => {
      assert.ok(explanations.length > 0, 'the run recorded explanations');
      const latest = explanations[explanations.length - 1];
      const start = events[0];
      const frame = webviewFrame(wb.page);
      const root = frame.locator('#panel-explain');
      await root.waitFor({ state: 'visible', timeout: 30000 });
      assert.strictEqual(await root.getAttribute('data-explanations'), String(explanations.length));
      assert.strictEqual(await root.getAttribute('data-epoch'), String(latest.epoch));
      assert.strictEqual(await root.getAttribute('data-view'), 'predicted');
      assert.strictEqual(
        await frame.locator('#explain-epoch').innerText(),
        `epoch ${latest.epoch + 1} of ${start.epochs} (latest)`,
      );
      await checkGrid(frame, latest, (s) => s.gradCam);
      const wrong = latest.samples.filter((s) => s.predicted !== s.label).length;
      const note = await frame.locator('#explain-note').innerText();
      assert.ok(note.startsWith(`${latest.samples.length} validation samples, Grad-CAM at layer ${latest.layer}; `), note);
      assert.ok(wrong === 0 ? note.includes('all predicted right') : note.includes(`${wrong} predicted wrong`), note);
      // The text alternative: the same sentence summarizeHeatmap makes of each map, in the list and in each image's label.
      const words = await frame.locator('#explain-text li').allTextContents();
      assert.strictEqual(words.length, latest.samples.length);
      latest.samples.forEach((s, i) => assert.ok(words[i].includes(summarizeHeatmap(s.gradCam).text), words[i]));
      const label = await frame.locator('#explain-grid figure canvas').first().getAttribute('aria-label');
      assert.ok(label.includes(summarizeHeatmap(latest.samples[0].gradCam).text), label);
      // The first conv layer's filters, drawn.
      assert.ok(latest.filters, 'the event carries the first conv layer’s filters');
      assert.strictEqual(
        await frame.locator('#explain-filters').getAttribute('data-filters'),
        String(latest.filters.kernels.length),
      );
      const filters = await readCanvasPixels(frame, '#explain-filters');
      assert.ok(filters.inked > 0, 'filters drawn');
      await dashboardShot(wb, 'e2e-explain-latest', '#panel-explain', { block: 'start' });
      await root.screenshot({ path: path.join(path.resolve(__dirname, '../../test-results'), 'e2e-explain-panel.png') });
    });

    await steps.run(wb, 'the true-class toggle draws each sample’s true class map', async () => {
      const latest = explanations[explanations.length - 1];
      const frame = webviewFrame(wb.page);
      await frame.locator('#panel-explain [data-view="true"]').click();
      await frame.locator('#panel-explain[data-view="true"]').waitFor({ state: 'attached', timeout: 10000 });
      await checkGrid(frame, latest, (s) => s.gradCamTrue ?? s.gradCam);
      const captions = await frame.locator('#explain-grid .gs-explain-map').allInnerTexts();
      latest.samples.forEach((s, i) =>
        assert.ok(captions[i].startsWith(`Grad-CAM of class ${latest.classNames[s.label]} `), captions[i]),
      );
      await dashboardShot(wb, 'e2e-explain-true-class', '#panel-explain', { block: 'start' });
      await frame.locator('#panel-explain [data-view="predicted"]').click();
      await frame.locator('#panel-explain[data-view="predicted"]').waitFor({ state: 'attached', timeout: 10000 });
    });

    await steps.run(wb, 'the saliency toggle draws each sample’s input gradient', async () => {
      const latest = explanations[explanations.length - 1];
      assert.ok(
        latest.samples.every((s) => s.saliency),
        'every sample carries its saliency map',
      );
      const frame = webviewFrame(wb.page);
      await frame.locator('#panel-explain [data-view="saliency"]').click();
      await frame.locator('#panel-explain[data-view="saliency"]').waitFor({ state: 'attached', timeout: 10000 });
      await checkGrid(frame, latest, (s) => s.saliency);
      await dashboardShot(wb, 'e2e-explain-saliency', '#panel-explain', { block: 'start' });
      await frame.locator('#panel-explain [data-view="predicted"]').click();
      await frame.locator('#panel-explain[data-view="predicted"]').waitFor({ state: 'attached', timeout: 10000 });
    });

    await steps.run(wb, 'the epoch slider, moved with the keyboard, shows the first recorded epoch’s maps', async () => {
      const first = explanations[0];
      const frame = webviewFrame(wb.page);
      const slider = frame.locator('#explain-epoch-slider');
      await slider.focus();
      await slider.press('Home');
      await frame.locator(`#panel-explain[data-epoch="${first.epoch}"]`).waitFor({ state: 'attached', timeout: 10000 });
      assert.strictEqual(await frame.locator('#explain-epoch').innerText(), `epoch ${first.epoch + 1} of ${events[0].epochs}`);
      await checkGrid(frame, first, (s) => s.gradCam);
      await dashboardShot(wb, 'e2e-explain-epoch-1', '#panel-explain', { block: 'start' });
      await slider.press('End');
      const latest = explanations[explanations.length - 1];
      await frame.locator(`#panel-explain[data-epoch="${latest.epoch}"]`).waitFor({ state: 'attached', timeout: 10000 });
    });

    await steps.run(wb, 'Explain Run on the finished run: the saved model explained again, with the sanity check', async () => {
      await runCommandAndPick(wb.page, 'Gradscope: Explain Run', runId);
      const frame = webviewFrame(wb.page);
      const epoch = frame.locator('#explain-epoch', { hasText: 'explained after training' });
      await epoch.waitFor({ state: 'visible', timeout: 120000 });
      const note = await frame.locator('#explain-note').innerText();
      assert.match(note, /Sanity check passed: .*rank correlation -?\d\.\d\d/, note);
      await dashboardShot(wb, 'e2e-explain-run-command', '#panel-explain', { block: 'start' });
    });

    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
  } finally {
    await endSession(wb, steps, () => {});
  }
}

runUiTest('explain', main);
