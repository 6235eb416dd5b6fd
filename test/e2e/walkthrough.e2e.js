#!/usr/bin/env node
// UI test of the learning path, as a learner: Gradscope: Open Learning Path shows the walkthrough "Training
// stability, hands on"; its first two steps are done for real: the step's button copies its example into
// gradscope-learn/ and opens it, Train Model runs it, the Quick Fix of the diagnosis is applied (step 1 with
// "…, then re-run and compare", step 2 with the plain fix and Train Model again), and each step's checkbox turns
// checked in the walkthrough while the third stays unchecked, also after a reload. In a window without a folder the
// button opens a scratch folder in global storage. Screenshots: test-results/e2e-walkthrough-*.png.
//   node test/e2e/walkthrough.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startWorkbench, runCommand, problems } = require('./lib/workbench');
const { endSession, runUiTest, runDirs, waitForRunEnd } = require('./lib/steps');
const {
  clickStepButton,
  focusEditorTab,
  runCommandOnceListed,
  stepDone,
  stepRow,
  waitForStepDone,
  waitForWalkthrough,
} = require('./lib/walkthrough');

const EXTENSION = 'gradscope.gradscope';
const WALKTHROUGH = `${EXTENSION}#trainingStability`;
const TITLE = 'Training stability, hands on';
const stepId = (id) => `${WALKTHROUGH}#${id}`;

/** Waits until `dir` holds `count` runs and the newest has ended; returns its events. */
async function runEnded(dir, count) {
  const start = Date.now();
  while (runDirs(dir).length < count) {
    if (Date.now() - start > 180000) throw new Error(`expected ${count} runs in ${dir}, found ${runDirs(dir).length}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const latest = await waitForRunEnd(dir);
  return fs
    .readFileSync(path.join(dir, '.gradscope', 'runs', latest, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Waits until the file's text on disk matches `pattern`. */
async function waitForFile(file, pattern, timeout = 30000) {
  const end = Date.now() + timeout;
  while (!pattern.test(fs.readFileSync(file, 'utf8'))) {
    if (Date.now() > end) throw new Error(`${path.basename(file)} never matched ${pattern} on disk`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Puts the cursor on the Problems row with `code` (click, Enter), then opens the light bulb and picks `fixText`. */
async function applyQuickFix(page, code, fixText) {
  await problems(page, { waitFor: code, timeout: 60000 });
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: code }).first();
  await row.click();
  await page.keyboard.press('Enter');
  await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget .monaco-list-row');
  const pick = menu.filter({ hasText: fixText }).first();
  await pick.waitFor({ state: 'visible', timeout: 30000 });
  const title = (await pick.getAttribute('aria-label')) ?? '';
  const target = Number(await pick.getAttribute('data-index'));
  const focused = Number(await page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('data-index'));
  for (let i = focused; i < target; i++) await page.keyboard.press('ArrowDown');
  assert.strictEqual(await page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('aria-label'), title);
  await page.keyboard.press('Enter');
  return title;
}

async function main(steps) {
  const wb = await startWorkbench();
  const page = wb.page;
  const learn = path.join(wb.workspace, 'gradscope-learn');
  const step = (name, fn) => steps.run(wb, name, fn);
  try {
    await step('Gradscope: Open Learning Path opens the walkthrough, nothing done yet', async () => {
      await runCommand(page, 'Gradscope: Open Learning Path');
      await waitForWalkthrough(page, WALKTHROUGH, TITLE);
      for (const id of ['vanishing', 'exploding', 'clipping']) assert.strictEqual(await stepDone(page, stepId(id)), false, id);
      await wb.screenshot('e2e-walkthrough-open');
    });

    await step('step 1: open deep-sigmoid, train it, apply the Quick Fix and re-run: the step is checked', async () => {
      await clickStepButton(page, stepId('vanishing'), 'Open deep-sigmoid.gradscope.json');
      await focusEditorTab(page, 'deep-sigmoid.gradscope.json');
      const copy = path.join(learn, 'deep-sigmoid.gradscope.json');
      assert.strictEqual(
        fs.readFileSync(copy, 'utf8'),
        fs.readFileSync(path.join(__dirname, '../../examples/deep-sigmoid.gradscope.json'), 'utf8'),
        'the example was copied into gradscope-learn/',
      );
      await runCommand(page, 'Gradscope: Train Model');
      const first = await runEnded(learn, 1);
      assert.ok(first.some((e) => e.type === 'diagnostic' && e.code === 'vanishing-gradient'));
      assert.strictEqual(await stepDone(page, stepId('vanishing')), false, 'a run alone does not complete the step');
      const title = await applyQuickFix(page, 'vanishing-gradient', 'then re-run and compare');
      assert.match(title, /relu with heNormal/i);
      const second = await runEnded(learn, 2);
      assert.ok(!second.some((e) => e.type === 'diagnostic' && e.code === 'vanishing-gradient'), 'the fix cured it');
      assert.match(fs.readFileSync(copy, 'utf8'), /"relu"/, 'the copy was edited');
      await runCommand(page, 'Gradscope: Open Learning Path');
      await waitForStepDone(page, stepId('vanishing'));
      await wb.screenshot('e2e-walkthrough-step1-done');
    });

    await step('step 2: open exploding-init, train it, apply the plain Quick Fix, train again: the step is checked', async () => {
      await runCommand(page, 'Gradscope: Open Learning Path');
      await clickStepButton(page, stepId('exploding'), 'Open exploding-init.gradscope.json');
      await focusEditorTab(page, 'exploding-init.gradscope.json');
      await runCommand(page, 'Gradscope: Train Model');
      const before = await runEnded(learn, 3);
      assert.strictEqual(before.at(-1).status, 'diverged');
      // The plain fix (no re-run): its edit, then the command that tells the learning path.
      const title = await applyQuickFix(page, 'exploding-gradient', /^(?!.*re-run).*heNormal/);
      assert.doesNotMatch(title, /re-run/);
      const copy = path.join(learn, 'exploding-init.gradscope.json');
      // The edit is in the editor (files.refactoring.autoSave may save it at once): wait until it says heNormal.
      await page
        .locator('.editor-group-container.active .monaco-editor .view-lines', { hasText: '"heNormal"' })
        .first()
        .waitFor({ timeout: 30000 });
      assert.strictEqual(await stepDone(page, stepId('exploding')), false, 'not done before the fixed spec has trained');
      // files.refactoring.autoSave writes the fixed spec; Train Model would save it too, but only once the extension
      // host has heard of the edit: train what the learner sees saved.
      await waitForFile(copy, /"heNormal"/);
      await runCommand(page, 'Gradscope: Train Model');
      const after = await runEnded(learn, 4);
      const trained = fs.readFileSync(path.join(after[0].runDir, 'spec.gradscope.json'), 'utf8');
      assert.match(trained, /"heNormal"/, 'the run trained the fixed spec');
      const found = after.filter((e) => e.type === 'diagnostic').map((e) => `${e.code} (${e.layer ?? '-'}): ${e.message}`);
      assert.deepStrictEqual(found, [], `no diagnosis after the fix (run ${after.at(-1).status})`);
      assert.strictEqual(after.at(-1).status, 'completed');
      await runCommand(page, 'Gradscope: Open Learning Path');
      await waitForStepDone(page, stepId('exploding'));
      await waitForStepDone(page, stepId('vanishing')); // still done
      assert.strictEqual(await stepDone(page, stepId('clipping')), false, 'step 3 was not done');
      await wb.screenshot('e2e-walkthrough-done');
    });

    await step('a reloaded window shows both steps still done', async () => {
      await page.reload();
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      // Opened again once the extension is back (the window restores the walkthrough's tab as the Welcome page).
      await runCommandOnceListed(page, 'Gradscope: Open Learning Path', 120000);
      await waitForWalkthrough(page, WALKTHROUGH, TITLE);
      await waitForStepDone(page, stepId('vanishing'));
      await waitForStepDone(page, stepId('exploding'));
      assert.strictEqual(await stepDone(page, stepId('clipping')), false);
      // Cosmetic, for the screenshot: no side bar or panel, the walkthrough's list scrolled to the top. (Maximizing the
      // walkthrough's group is left out: after the example's tab had the focus, it could maximize the example's.)
      for (const title of ['View: Toggle Primary Side Bar Visibility', 'View: Hide Panel'])
        await runCommand(page, title).catch(() => {});
      // Cosmetic only: the row may sit in a group the reload did not restore in view.
      await stepRow(page, stepId('vanishing'))
        .evaluate((el) => el.scrollIntoView({ block: 'start' }), undefined, { timeout: 5000 })
        .catch(() => {});
      await page.mouse.move(1, 899);
      await wb.screenshot('e2e-walkthrough-reloaded');
    });
  } finally {
    await endSession(wb, steps, () => {});
  }
}

/**
 * Without a folder the step's button copies the example into the extension's global storage and hands that folder to
 * the walkthrough, which opens it; the window that opens it shows the walkthrough and the example again.
 */
async function emptyWindow(steps) {
  const wb = await startWorkbench({ emptyWindow: true });
  const page = wb.page;
  try {
    await steps.run(
      wb,
      'no folder: the button opens the scratch folder in global storage, then the walkthrough and the example',
      async () => {
        await runCommandOnceListed(page, 'Gradscope: Open Learning Path', 120000);
        await waitForWalkthrough(page, WALKTHROUGH, TITLE);
        await clickStepButton(page, stepId('vanishing'), 'Open deep-sigmoid.gradscope.json');
        const scratch = path.join(wb.userDataDir, 'User', 'globalStorage', EXTENSION, 'gradscope-learn');
        await page.waitForURL((url) => url.searchParams.get('folder') === scratch, { timeout: 60000 });
        await page
          .locator('.tabs-container .tab.active', { hasText: 'deep-sigmoid.gradscope.json' })
          .waitFor({ timeout: 120000 });
        await waitForWalkthrough(page, WALKTHROUGH, TITLE);
        assert.deepStrictEqual(fs.readdirSync(scratch), ['deep-sigmoid.gradscope.json']);
        await wb.screenshot('e2e-walkthrough-no-folder');
      },
    );
  } finally {
    await endSession(wb, steps, () => {});
  }
}

runUiTest('walkthrough', async (steps) => {
  await main(steps);
  await emptyWindow(steps);
});
