#!/usr/bin/env node
// UI test of the dashboard's reuse panels (issue 10), as a user: train a tiny mnist spec from the palette (digits
// 3, 5, 8; augmentation; one conv layer frozen for the whole run, another frozen until epoch 2; classification),
// then read the dashboard: the confusion matrix (a heat grid whose diagonal is drawn in the theme's blue, counts that
// are the run's own, recall per class, the most confused pairs named), the augmentation samples (8 before/after
// images really drawn, different after augmentation, the settings listed), and the frozen layers (greyed legend
// chip, grey heat-strip cells while frozen, the unfreeze marked at the step the layer starts training).
// A run continued with `gradscope train --resume` says in the header which run it continues and from which epoch,
// and its loss chart's epoch axis starts there.
// Screenshots: test-results/e2e-confusion.png, e2e-augmentation.png, e2e-frozen.png, e2e-resumed.png.
//   node test/e2e/reuse.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { startWorkbench, openFile, runCommand, runCommandAndPick, webviewFrame, readCanvasPixels } = require('./lib/workbench');
const { tempWorkspace } = require('./lib/workspace');
const { dashboardShot, endSession, runUiTest, waitForRuns, waitForRunEnd } = require('./lib/steps');

const SPEC = 'reuse-digits.gradscope.json';
const RESUME_SPEC = 'resume-digits.gradscope.json';
const RESUME_TEXT = `// A run to continue: checkpoints every epoch.
{
  "name": "resume-digits",
  "seed": 2,
  "data": { "dataset": "mnist", "samples": 120, "digits": [0, 1] },
  "model": { "inputShape": [28, 28, 1], "layers": [{ "type": "flatten" }, { "type": "dense", "units": 2, "activation": "softmax" }] },
  "training": { "epochs": 2, "batchSize": 32, "optimizer": "adam", "checkpoint": { "every": 1 } }
}
`;
const GRADSCOPE = path.resolve(__dirname, '../../bin/gradscope.js');
const SPEC_TEXT = `// Dashboard reuse panels: confusion matrix, augmentation samples, frozen layers and their unfreeze.
{
  "name": "reuse-digits",
  "seed": 3,
  "data": {
    "dataset": "mnist",
    "samples": 240,
    "digits": [3, 5, 8],
    "augmentation": { "shift": 2, "rotation": 15, "cutout": 6 }
  },
  "model": {
    "inputShape": [28, 28, 1],
    "layers": [
      { "type": "conv2d", "filters": 4, "kernelSize": 3, "activation": "relu", "trainable": false },
      { "type": "maxPooling2d" },
      { "type": "conv2d", "filters": 4, "kernelSize": 3, "activation": "relu", "trainable": false },
      { "type": "flatten" },
      { "type": "dense", "units": 3, "activation": "softmax" }
    ]
  },
  "training": {
    "epochs": 3,
    "batchSize": 32,
    "optimizer": { "type": "adam", "learningRate": 0.01 },
    "unfreeze": [{ "epoch": 2, "layers": ["conv2d_2"] }],
    "measureEvery": 1
  }
}
`;

function workspace() {
  const source = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-reuse-src-'));
  fs.writeFileSync(path.join(source, SPEC), SPEC_TEXT);
  fs.writeFileSync(path.join(source, RESUME_SPEC), RESUME_TEXT);
  const ws = tempWorkspace(source);
  fs.rmSync(source, { recursive: true, force: true });
  return ws;
}

function readRun(ws, runId) {
  const lines = fs
    .readFileSync(path.join(ws, '.gradscope', 'runs', runId, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n');
  return lines.map((l) => JSON.parse(l));
}

const isGrey = ([r, g, b, a]) => a === 255 && Math.abs(r - 128) <= 2 && Math.abs(g - 128) <= 2 && Math.abs(b - 128) <= 2;

async function main(steps) {
  const ws = workspace();
  const wb = await startWorkbench({ workspace: ws.dir });
  let events;
  try {
    await wb.waitForActivation('gradscope.gradscope', 60000).catch(() => {
      /* activates on the first command too */
    });

    await steps.run(wb, 'Train Model runs the spec to the end', async () => {
      await openFile(wb.page, SPEC);
      await runCommand(wb.page, 'Gradscope: Train Model');
      await waitForRuns(ws.dir, 1);
      const runId = await waitForRunEnd(ws.dir);
      await webviewFrame(wb.page).locator('#gs-status[data-status="completed"]').waitFor({ state: 'visible', timeout: 60000 });
      events = readRun(ws.dir, runId);
      assert.strictEqual(events[events.length - 1].status, 'completed');
    });

    await steps.run(wb, 'confusion matrix: the run’s counts in a heat grid, recall per class, most confused pairs', async () => {
      assert.ok(events, 'the run trained');
      const end = events[events.length - 1];
      const confusion = end.confusion;
      assert.ok(confusion, 'run-end.confusion');
      assert.deepStrictEqual(confusion.labels, ['3', '5', '8']);
      const frame = webviewFrame(wb.page);
      await frame.locator('#panel-confusion').waitFor({ state: 'visible', timeout: 30000 });
      const grid = frame.locator('#confusion-grid[data-rendered="true"]');
      await grid.waitFor({ state: 'attached', timeout: 30000 });
      assert.strictEqual(await grid.getAttribute('data-cells'), '9');
      const caption = await frame.locator('#confusion-caption').innerText();
      assert.match(caption, new RegExp(`best epoch's predictions \\(epoch ${confusion.epoch + 1}, lowest validation loss\\)`));
      const total = confusion.matrix.flat().reduce((a, b) => a + b, 0);
      assert.match(caption, new RegExp(`Validation set, ${total} samples`));
      const recall = await frame.locator('#confusion-recall li').allInnerTexts();
      assert.strictEqual(recall.length, 3);
      confusion.labels.forEach((label, i) => {
        const row = confusion.matrix[i];
        const expected = Math.round((100 * row[i]) / row.reduce((a, b) => a + b, 0));
        assert.match(recall[i], new RegExp(`^${label}: recall ${expected}(\\.\\d)?%$`));
      });
      // The most confused pair named first is the largest off-diagonal count.
      let worst = { count: 0 };
      confusion.matrix.forEach((row, i) =>
        row.forEach((count, j) => {
          if (i !== j && count > worst.count) worst = { count, actual: confusion.labels[i], predicted: confusion.labels[j] };
        }),
      );
      const pairs = await frame.locator('#confusion-pairs').innerText();
      if (worst.count > 0)
        assert.match(pairs, new RegExp(`^Most confused: ${worst.actual} taken for ${worst.predicted}: ${worst.count} time`));
      else assert.match(pairs, /^No confusion/);

      // Pixels: each cell's colour is its share of the row mixed from the background to blue, so the cell with the
      // largest share is the bluest; a corner pixel of each cell (away from the count's text) is read.
      const [left, top, cell] = (await grid.getAttribute('data-grid')).split(',').map(Number);
      const points = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) points.push([left + j * cell + 2, top + i * cell + 2]);
      const { pixels } = await readCanvasPixels(frame, '#confusion-grid', points);
      const blueness = pixels.map(([r, g, b]) => b - (r + g) / 2);
      const shares = confusion.matrix.flatMap((row) => row.map((c) => c / row.reduce((a, b) => a + b, 0)));
      const most = shares.indexOf(Math.max(...shares));
      const least = shares.indexOf(Math.min(...shares));
      assert.ok(
        blueness[most] > blueness[least] + 40,
        `the cell with the largest share is drawn bluer: ${blueness[most]} vs ${blueness[least]} (${pixels.join(' | ')})`,
      );
      await dashboardShot(wb, 'e2e-confusion', '#panel-confusion');
    });

    await steps.run(wb, 'augmentation: 8 training samples before and after, really drawn, with the settings', async () => {
      const samples = events.find((e) => e.type === 'augmentation-samples');
      assert.ok(samples, 'the run sent its augmentation samples');
      const frame = webviewFrame(wb.page);
      await frame.locator('#panel-augmentation').waitFor({ state: 'visible', timeout: 30000 });
      const grid = frame.locator('#augmentation-grid[data-rendered="true"]');
      await grid.waitFor({ state: 'attached', timeout: 30000 });
      assert.strictEqual(await grid.getAttribute('data-samples'), '8');
      assert.deepStrictEqual(await frame.locator('#augmentation-settings li').allInnerTexts(), [
        'shift ±2 px',
        'rotation ±15°',
        'cutout 6×6 px',
      ]);
      // Every tile is an image (not one flat colour), and after augmentation it differs from before.
      const [left, top, tileW, tileH, gap] = (await grid.getAttribute('data-tiles')).split(',').map(Number);
      for (let i = 0; i < 8; i++) {
        const x0 = left + i * (tileW + gap);
        const pts = [];
        for (let y = 2; y < tileH; y += 6)
          for (let x = 2; x < tileW; x += 6) pts.push([x0 + x, top + y], [x0 + x, top + tileH + gap + y]);
        const { pixels } = await readCanvasPixels(frame, '#augmentation-grid', pts);
        const before = pixels.filter((_, k) => k % 2 === 0).map((p) => p[0]);
        const after = pixels.filter((_, k) => k % 2 === 1).map((p) => p[0]);
        assert.ok(Math.max(...before) - Math.min(...before) > 100, `sample ${i} before is a drawn digit`);
        assert.ok(Math.max(...after) - Math.min(...after) > 100, `sample ${i} after is a drawn digit`);
        const differing = before.filter((v, k) => Math.abs(v - after[k]) > 40).length;
        assert.ok(differing > 5, `sample ${i} changed by augmentation (${differing} sampled pixels differ)`);
      }
      await dashboardShot(wb, 'e2e-augmentation', '#panel-augmentation');
    });

    await steps.run(
      wb,
      'frozen layers: greyed legend chip and heat-strip cells, the unfreeze marked where it trains',
      async () => {
        const start = events[0];
        assert.deepStrictEqual(
          start.layers.filter((l) => l.hasWeights).map((l) => [l.name, l.trainable]),
          [
            ['conv2d_1', false],
            ['conv2d_2', false],
            ['dense_1', true],
          ],
        );
        const spe = start.stepsPerEpoch;
        assert.deepStrictEqual(start.unfreeze, [{ epoch: 1, step: spe, layers: ['conv2d_2'] }]);
        const frame = webviewFrame(wb.page);
        const chip = (name) => frame.locator(`#grad-norm-legend [data-layer="${name}"]`);
        await chip('conv2d_1').waitFor({ state: 'visible', timeout: 30000 });
        assert.match(await chip('conv2d_1').getAttribute('class'), /is-frozen/);
        assert.match(await chip('conv2d_1').innerText(), /frozen/);
        assert.doesNotMatch(await chip('conv2d_2').getAttribute('class'), /is-frozen/, 'conv2d_2 trains after its unfreeze');
        assert.match(await chip('conv2d_2').getAttribute('title'), /unfrozen: trains from epoch 2/);

        const strip = frame.locator('#grad-heat-strip[data-rendered="true"]');
        await strip.waitFor({ state: 'attached', timeout: 30000 });
        assert.strictEqual(await strip.getAttribute('data-unfreeze-marks'), `${spe}:unfreeze conv2d_2`);
        // Frozen (layer, step) cells: conv2d_1 at every step, conv2d_2 in epoch 1.
        const total = 3 * spe;
        assert.strictEqual(Number(await strip.getAttribute('data-frozen-cells')), total + spe);
        const [left, top, cols, height] = (await strip.getAttribute('data-plot-area')).split(',').map(Number);
        const rowH = height / 3;
        const x = (step) => Math.round(left + ((step + 0.5) / total) * cols);
        const y = (row) => Math.round(top + (row + 0.5) * rowH);
        const pts = [
          [x(spe / 2), y(0)],
          [x(2.5 * spe), y(0)],
          [x(spe / 2), y(1)],
          [x(2.5 * spe), y(1)],
          [x(2.5 * spe), y(2)],
        ];
        const { pixels } = await readCanvasPixels(frame, '#grad-heat-strip', pts);
        assert.ok(isGrey(pixels[0]) && isGrey(pixels[1]), `conv2d_1 is grey all along: ${pixels.slice(0, 2).join(' | ')}`);
        assert.ok(isGrey(pixels[2]), `conv2d_2 is grey in epoch 1: ${pixels[2]}`);
        assert.ok(!isGrey(pixels[3]) && pixels[3][3] === 255, `conv2d_2 is coloured by its gradient in epoch 3: ${pixels[3]}`);
        assert.ok(!isGrey(pixels[4]) && pixels[4][3] === 255, `dense_1 is coloured: ${pixels[4]}`);
        await dashboardShot(wb, 'e2e-frozen', '#panel-grad');
      },
    );

    await steps.run(wb, 'a resumed run: the header names the run it continues, the epoch axis goes on from there', async () => {
      // Two epochs with the CLI, then continued to four from its epoch-2 checkpoint.
      const runs = path.join(ws.dir, '.gradscope', 'runs');
      const cli = (...args) => {
        const r = spawnSync(process.execPath, [GRADSCOPE, 'train', path.join(ws.dir, RESUME_SPEC), '--out', runs, ...args], {
          encoding: 'utf8',
        });
        assert.strictEqual(r.status, 0, `gradscope train ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      const runsBefore = new Set(fs.readdirSync(runs));
      cli();
      const first = fs.readdirSync(runs).find((d) => !runsBefore.has(d));
      assert.ok(first, 'the first run was recorded');
      cli('--resume', path.join(runs, first), '--epochs', '4');
      const resumed = fs.readdirSync(runs).find((d) => !runsBefore.has(d) && d !== first);
      assert.ok(resumed, 'the resumed run was recorded');
      await runCommandAndPick(wb.page, 'Gradscope: Open Run…', resumed);
      const frame = webviewFrame(wb.page);
      await frame.locator(`#app[data-run-id="${resumed}"]`).waitFor({ state: 'attached', timeout: 30000 });
      assert.strictEqual(await frame.locator('.gs-chip[data-key="resumed"] .gs-chip-k').innerText(), 'resumed');
      assert.strictEqual(await frame.locator('.gs-chip[data-key="resumed"] .gs-chip-v').innerText(), `from ${first} at epoch 2`);
      const loss = frame.locator('#loss-chart[data-rendered="true"]');
      await loss.waitFor({ state: 'attached', timeout: 30000 });
      assert.strictEqual(await loss.getAttribute('data-x-range'), '2,4');
      assert.strictEqual(await frame.locator('.gs-chip[data-key="epoch"] .gs-chip-v').innerText(), '4 / 4');
      await dashboardShot(wb, 'e2e-resumed', '.gs-header');
    });

    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
  } finally {
    await endSession(wb, steps, () => ws.remove());
  }
}

runUiTest('reuse', main);
