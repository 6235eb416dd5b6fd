#!/usr/bin/env node
// UI test of checkpoints and Resume Run in the real workbench, as a user: train a small spec that saves a checkpoint
// every epoch (2 epochs), give the spec more epochs, then right-click the run in the sidebar and pick "Resume Run…":
// a new run starts from the checkpoint after epoch 2, trains epochs 3 and 4 only, finishes, and its sidebar row
// names the run it continues. Resuming the finished run from the palette (quick pick of runs with checkpoints) is
// refused with an error message that says why, and no run starts.
// Screenshots: test-results/e2e-resume.png (the resumed run's row and tooltip), e2e-resume-refused.png.
//   node test/e2e/resume.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startWorkbench, openFile, runCommand, notifications } = require('./lib/workbench');
const { endSession, runUiTest, runDirs, waitForRuns, waitForRunEnd } = require('./lib/steps');
const { onCleanup, removeDir } = require('./lib/lifecycle');

const SPEC = 'resume-demo.gradscope.json';

function specText(epochs) {
  return `// A small classifier that saves a checkpoint after every epoch (Resume Run continues from the newest).
{
  "name": "resume-demo",
  "data": { "dataset": "moons", "samples": 200 },
  "model": {
    "layers": [
      { "type": "dense", "units": 8, "activation": "relu" },
      { "type": "dense", "units": 2, "activation": "softmax" }
    ]
  },
  "training": { "epochs": ${epochs}, "batchSize": 32, "checkpoint": { "every": 1 } }
}
`;
}

/** The events of a run (`.gradscope/runs/<id>/events.jsonl`). */
function events(ws, runId) {
  return fs
    .readFileSync(path.join(ws, '.gradscope', 'runs', runId, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function main(steps) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-ws-'));
  const remove = onCleanup(() => removeDir(dir));
  fs.writeFileSync(path.join(dir, SPEC), specText(2));
  const wb = await startWorkbench({ workspace: dir });
  const page = wb.page;
  const ws = wb.workspace;
  let first;
  let second;
  try {
    await wb.waitForActivation('gradscope.gradscope', 60000).catch(() => {
      /* activates on the first command too */
    });

    await steps.run(wb, 'a run with checkpoint every 1 names each checkpoint in its epoch events', async () => {
      await openFile(page, SPEC);
      await runCommand(page, 'Gradscope: Train Model');
      await waitForRuns(ws, 1);
      first = await waitForRunEnd(ws);
      const evs = events(ws, first);
      assert.deepStrictEqual(
        evs.filter((e) => e.type === 'epoch').map((e) => e.checkpoint),
        ['checkpoints/epoch-1', 'checkpoints/epoch-2'],
      );
      assert.strictEqual(evs[evs.length - 1].status, 'completed');
    });

    await steps.run(wb, "Resume Run from the run's context menu in the sidebar continues it as a new, linked run", async () => {
      assert.ok(first, 'the first run trained');
      // More epochs in the spec (the epoch count is not part of what a checkpoint must match).
      fs.writeFileSync(path.join(ws, SPEC), specText(4));
      await runCommand(page, 'gradscope: Focus on Specs and Runs View');
      const row = page.locator('.pane-body .monaco-list-row', { hasText: 'completed' }).first();
      await row.waitFor({ state: 'visible', timeout: 60000 });
      await row.click({ button: 'right' });
      const item = page.locator('.context-view .action-item', { hasText: 'Resume Run' }).first();
      await item.waitFor({ state: 'visible', timeout: 30000 });
      await item.click();
      // A click that lands while the menu is still being laid out only highlights the item: Enter runs it then.
      const menu = page.locator('.context-view .monaco-menu').first();
      if (
        !(await menu.waitFor({ state: 'hidden', timeout: 5000 }).then(
          () => true,
          () => false,
        ))
      ) {
        await page.keyboard.press('Enter');
        await menu.waitFor({ state: 'hidden', timeout: 30000 });
      }
      await waitForRuns(ws, 2);
      second = runDirs(ws)
        .filter((r) => r !== first)
        .pop();
      await waitForRunEnd(ws);
      const evs = events(ws, second);
      const start = evs[0];
      assert.strictEqual(start.type, 'run-start');
      assert.deepStrictEqual(
        { runDir: start.resumedFrom.runDir, epoch: start.resumedFrom.epoch },
        { runDir: path.join(ws, '.gradscope', 'runs', first), epoch: 2 },
      );
      assert.deepStrictEqual(
        evs.filter((e) => e.type === 'epoch').map((e) => e.epoch),
        [2, 3],
        'only epochs 3 and 4 are trained',
      );
      const end = evs[evs.length - 1];
      assert.ok(end.type === 'run-end' && end.status === 'completed' && end.epochsCompleted === 4, JSON.stringify(end));
      // The end message, and the sidebar row of the new run naming the old one.
      await page
        .locator('.notifications-toasts .notification-toast', { hasText: `${SPEC}: completed` })
        .first()
        .waitFor({ state: 'visible', timeout: 30000 });
      // (The row says "running" until the tree hears that the run is over.)
      const linked = page
        .locator('.pane-body .monaco-list-row', { hasText: `resumed from ${first} at epoch 2` })
        .filter({ has: page.locator('.label-name', { hasText: /^\s*completed\s*$/ }) })
        .first();
      await linked.waitFor({ state: 'visible', timeout: 30000 });
      // Its tooltip says it in full (the row's description is cut at the sidebar's width). The tree may redraw the
      // row under the pointer (a refresh at the run's end): hover again until the tooltip shows.
      const tooltip = page.locator('.monaco-hover', { hasText: `resumed from ${first} at epoch 2` }).first();
      for (let attempt = 1; ; attempt++) {
        await page.mouse.move(700, 880);
        await linked.hover();
        try {
          await tooltip.waitFor({ state: 'visible', timeout: 5000 });
          break;
        } catch (err) {
          if (attempt >= 6) throw err;
        }
      }
      assert.match(await tooltip.innerText(), /epochs completed: 4 \(3–4 in this run\)/);
      await wb.screenshot('e2e-resume');
      await page.mouse.move(700, 880); // away from the row: its hover would cover the next quick pick
      await page.locator('.monaco-hover').first().waitFor({ state: 'hidden', timeout: 30000 });
    });

    await steps.run(wb, 'resuming a run that trained every epoch (palette, quick pick) is refused with the reason', async () => {
      assert.ok(second, 'the resumed run trained');
      await runCommand(page, 'Notifications: Clear All Notifications');
      await runCommand(page, 'Gradscope: Resume Run…');
      const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: second }).first();
      await pick.waitFor({ state: 'visible', timeout: 30000 });
      // Both runs have checkpoints, so both are offered.
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: first }).first().waitFor({ timeout: 30000 });
      // Picked by keyboard: the run id (the item's detail) typed into the quick pick, then Enter.
      await page.locator('.quick-input-widget input.input').fill(second);
      await page
        .locator('.quick-input-widget .monaco-list-row.focused', { hasText: second })
        .first()
        .waitFor({ state: 'visible', timeout: 30000 });
      await page.keyboard.press('Enter');
      const refused = page
        .locator('.notifications-toasts .notification-toast', {
          hasText: `Cannot resume: the run ${second} already trained 4 of 4 epochs`,
        })
        .first();
      await refused.waitFor({ state: 'visible', timeout: 30000 });
      // Shown in full once its fade-in is over (for the screenshot).
      await page.waitForFunction(
        (el) => el.ownerDocument.defaultView.getComputedStyle(el).opacity === '1',
        await refused.elementHandle(),
        {
          timeout: 30000,
        },
      );
      assert.strictEqual(runDirs(ws).length, 2, 'no run started');
      // Refused before anything showed progress.
      assert.ok(!(await notifications(page)).some((n) => n.includes('Resuming')), 'no progress notification');
      await wb.screenshot('e2e-resume-refused');
    });

    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
  } finally {
    await endSession(wb, steps, () => remove());
  }
}

runUiTest('resume', main);
