#!/usr/bin/env node
// UI test of the learning-rate range test in the editor, as a user: open the healthy-spiral example, run
// "Gradscope: Find Learning Rate" from the palette (a progress notification while it runs), read the dashboard's
// "Learning-rate range test" panel (the chart really drawn: its points, and the suggestion's marker line in its
// colour at the suggested rate's x), then put the cursor on the spec's learningRate, open the light bulb (Ctrl+.)
// and apply "Use learning rate … from the range test": the spec then holds the suggested rate, comments kept; the
// panel's min-loss/10 button writes that one; Cancel on the progress notification stops a test (nothing saved) and
// Close hides the panel.
// Screenshots: test-results/lr-find-chart.png, test-results/lr-find-code-action.png.
//   node test/e2e/lrfind.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startWorkbench, openFile, runCommand, webviewFrame, readCanvasPixels } = require('./lib/workbench');
const { tempWorkspace, EXAMPLES } = require('./lib/workspace');
const { endSession, runUiTest, waitForHeight } = require('./lib/steps');

const SPEC = 'healthy-spiral.gradscope.json';

/** The range test's result file (`.gradscope/lr-find/<runId>.json`), once the engine has written it. */
async function waitForResult(workspace, timeout = 180000) {
  const dir = path.join(workspace, '.gradscope', 'lr-find');
  const end = Date.now() + timeout;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
    if (files.length) {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
      } catch {
        /* still being written */
      }
    }
    if (Date.now() > end) throw new Error(`no range-test result in ${dir}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The file's text once it differs from `before` and is whole (a save caught half-way reads empty or cut short). */
async function waitForChange(file, before, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const text = fs.readFileSync(file, 'utf8');
    if (text !== before && text.trimEnd().endsWith('}')) return text;
    if (Date.now() > end) throw new Error(`${file} did not change within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100)); // poll interval of a wait on the file, not a fixed delay
  }
}

/** How the dashboard writes a number (src/shared/format.ts formatNumber). */
function formatNumber(v) {
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

async function main(steps) {
  const ws = tempWorkspace(EXAMPLES);
  fs.mkdirSync(path.join(ws.dir, '.vscode'));
  fs.writeFileSync(path.join(ws.dir, '.vscode', 'settings.json'), JSON.stringify({ 'gradscope.lrFind.steps': 100 }));
  const wb = await startWorkbench({ workspace: ws.dir });
  const page = wb.page;
  let result;
  try {
    await wb.waitForActivation('gradscope.gradscope', 60000).catch(() => {
      /* activates on the first command too */
    });

    await steps.run(wb, 'Find Learning Rate runs the range test with progress and draws loss vs learning rate', async () => {
      await openFile(page, SPEC);
      await runCommand(page, 'Gradscope: Find Learning Rate');
      await page
        .locator('.notifications-toasts .notification-toast', { hasText: 'Finding a learning rate for' })
        .first()
        .waitFor({ state: 'visible', timeout: 60000 });
      result = await waitForResult(ws.dir);
      assert.strictEqual(result.type, 'lr-find');
      assert.strictEqual(path.resolve(result.specFile), path.join(ws.dir, SPEC));
      const frame = webviewFrame(page);
      await frame.locator('#panel-lr-find[data-status="done"]').waitFor({ state: 'visible', timeout: 60000 });
      const chart = frame.locator('#lr-find-chart[data-rendered="true"]');
      await chart.waitFor({ state: 'attached', timeout: 30000 });
      // Raw and smoothed loss: one point each per step of the test.
      assert.strictEqual(Number(await chart.getAttribute('data-points')), 2 * result.points.length);
      const suggested = formatNumber(result.suggestion.learningRate);
      assert.match(
        await frame.locator('#lr-find-summary').innerText(),
        new RegExp(`Suggested: ${suggested.replace('.', '\\.')} `),
      );
      assert.strictEqual(await frame.locator('#lr-find-use').innerText(), `Use learning rate ${suggested}`);

      // The suggestion's marker: a vertical line in the theme's green at the suggested rate's x.
      const [left, top, , height] = (await chart.getAttribute('data-plot-area')).split(',').map(Number);
      const x = Number(await chart.getAttribute('data-suggestion-px'));
      assert.ok(x > left, `the suggestion lies inside the plot (x ${x}, plot from ${left})`);
      const column = [];
      for (let y = top + 20; y < top + height; y += 2) column.push([x, y]);
      const { pixels, inked } = await readCanvasPixels(frame, '#lr-find-chart', column);
      assert.ok(inked > 2000, `the chart drew its lines (${inked} inked pixels)`);
      const green = pixels.filter(([r, g, b, a]) => a > 0 && g > r + 30 && g > b + 20).length;
      assert.ok(green >= column.length / 4, `the suggestion line is drawn at x ${x}: ${green} of ${column.length} pixels green`);

      // The chart alone, full width, for the screenshot.
      await page.locator('.tabs-container .tab', { hasText: 'gradscope:' }).first().click();
      await runCommand(page, 'View: Toggle Maximize Editor Group');
      await waitForHeight(page.locator('iframe.webview.ready').first(), 600);
      await frame.locator('#panel-lr-find').scrollIntoViewIfNeeded();
      await page.mouse.move(1, 899);
      await wb.screenshot('lr-find-chart');
      await runCommand(page, 'View: Toggle Maximize Editor Group');
    });

    await steps.run(wb, 'the code action on learningRate writes the suggested rate into the spec', async () => {
      assert.ok(result, 'the range test ran');
      const specFile = path.join(ws.dir, SPEC);
      const before = fs.readFileSync(specFile, 'utf8');
      const line = before.split('\n').findIndex((l) => l.includes('"learningRate"')) + 1;
      assert.ok(line > 0, 'the spec writes a learningRate');
      // Back to the spec's editor group (the dashboard's group had the focus for the screenshot).
      await runCommand(page, 'View: Focus First Editor Group');
      await openFile(page, SPEC);
      await page.locator('.editor-group-container .monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+G');
      await page.locator('.quick-input-widget input.input').waitFor({ state: 'visible', timeout: 30000 });
      await page.keyboard.type(`${line}:40`);
      await page.keyboard.press('Enter');
      await page
        .locator('.statusbar-item', { hasText: new RegExp(`^\\s*Ln ${line}, Col \\d+`) })
        .first()
        .waitFor({ state: 'visible', timeout: 30000 });
      await page.locator('.editor-group-container .monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+.');
      const suggested = formatNumber(result.suggestion.learningRate);
      const title = `Use learning rate ${suggested} from the range test`;
      const row = page.locator('.action-widget .monaco-list-row').filter({ hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 30000 });
      await wb.screenshot('lr-find-code-action');
      // Keyboard, as in the Quick Fix menu's "Enter to Apply": arrow down from the focused row to ours.
      const target = Number(await row.getAttribute('data-index'));
      const focused = page.locator('.action-widget .monaco-list-row.focused').first();
      for (let i = Number(await focused.getAttribute('data-index')); i < target; i++) await page.keyboard.press('ArrowDown');
      assert.strictEqual(await focused.getAttribute('aria-label'), await row.getAttribute('aria-label'));
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+S');
      const after = await waitForChange(specFile, before);
      const written = /"learningRate":\s*([-+.\deE]+)/.exec(after);
      assert.ok(written, `learningRate still written: ${after}`);
      assert.strictEqual(Number(written[1]), result.suggestion.learningRate);
      assert.match(after, /^\/\/ A healthy network/m, 'comments kept');
      // Only the learning rate changed.
      assert.strictEqual(after.replace(written[0], ''), before.replace(/"learningRate":\s*[-+.\deE]+/, ''));
    });

    await steps.run(wb, 'the panel\'s "Use … (min loss/10)" button writes that rate into the spec and saves it', async () => {
      assert.ok(result, 'the range test ran');
      const specFile = path.join(ws.dir, SPEC);
      const before = fs.readFileSync(specFile, 'utf8');
      const button = webviewFrame(page).locator('#lr-find-use-second');
      assert.strictEqual(await button.innerText(), `Use ${formatNumber(result.secondOpinion.learningRate)} (min loss/10)`);
      await button.click();
      const after = await waitForChange(specFile, before);
      const written = /"learningRate":\s*([-+.\deE]+)/.exec(after);
      assert.ok(written, `learningRate still written: ${after}`);
      assert.strictEqual(Number(written[1]), result.secondOpinion.learningRate);
      assert.match(after, /^\/\/ A healthy network/m, 'comments kept');
    });

    await steps.run(
      wb,
      'Cancel on the progress notification stops the range test: no result, the panel says stopped',
      async () => {
        // A long test (the setting the command reads at each run), so that it is surely still running at the click.
        // (The settings file exists from the start: a change to it is seen more surely than a new folder.)
        fs.writeFileSync(path.join(ws.dir, '.vscode', 'settings.json'), JSON.stringify({ 'gradscope.lrFind.steps': 5000 }));
        const frame = webviewFrame(page);
        // The keyboard focus is in the dashboard (its button was clicked), where F1 does not reach the workbench:
        // click into the spec's editor, then start the test from its editor title bar this time.
        await page.locator('.tabs-container .tab', { hasText: SPEC }).first().click();
        await page.locator('.tabs-container .tab.active', { hasText: SPEC }).first().waitFor({ state: 'visible' });
        // The workbench notices the settings file on its own time: a test started before it has, runs the default
        // 100 steps; let it finish and start again until one runs the 5000 steps.
        for (let attempt = 1; ; attempt++) {
          await page.locator('.editor-group-container.active .editor-actions [aria-label*="Find Learning Rate"]').first().click();
          const running = frame.locator('#panel-lr-find[data-status="running"] #lr-find-status', { hasText: /of \d+ steps/ });
          await running.waitFor({ state: 'visible', timeout: 60000 });
          if (/of 5000 steps/.test(await running.innerText())) break;
          assert.ok(attempt < 5, 'the 5000-step setting was never picked up');
          await frame.locator('#panel-lr-find:not([data-status="running"])').waitFor({ state: 'visible', timeout: 120000 });
          await page.locator('.tabs-container .tab', { hasText: SPEC }).first().click();
        }
        const resultsBefore = fs.readdirSync(path.join(ws.dir, '.gradscope', 'lr-find'));
        const toast = page
          .locator('.notifications-toasts .notification-toast', { hasText: 'Finding a learning rate for' })
          .filter({ hasText: /step \d+\/5000/ })
          .first();
        await toast.waitFor({ state: 'visible', timeout: 60000 });
        await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
        await frame.locator('#panel-lr-find[data-status="stopped"]').waitFor({ state: 'visible', timeout: 60000 });
        const status = await frame.locator('#lr-find-status').innerText();
        const [, taken] = /stopped after (\d+) step/.exec(status) ?? [];
        assert.ok(Number(taken) > 0 && Number(taken) < 5000, `stopped part-way: "${status}"`);
        assert.ok(await frame.locator('#lr-find-use').isHidden(), 'no suggestion to use after a stop');
        assert.deepStrictEqual(fs.readdirSync(path.join(ws.dir, '.gradscope', 'lr-find')), resultsBefore, 'no result saved');
        // Close: the panel goes, and the dashboard (no run shown) says so.
        await frame.locator('#lr-find-close').click();
        await frame.locator('#panel-lr-find').waitFor({ state: 'hidden', timeout: 30000 });
        await frame.locator('#gs-empty', { hasText: 'No run yet' }).waitFor({ state: 'visible', timeout: 30000 });
      },
    );

    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
  } finally {
    await endSession(wb, steps, () => ws.remove());
  }
}

runUiTest('lr-find', main);
