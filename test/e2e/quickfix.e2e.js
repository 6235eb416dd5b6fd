#!/usr/bin/env node
// UI test of the cure, as a user: train the deep-sigmoid example, find `vanishing-gradient` in Problems, open the
// light bulb (Quick Fix, Ctrl+.) at it, pick "…, then re-run and compare", and check that the re-run no longer
// has the diagnosis and that the dashboard overlays the two runs. Screenshots: test-results/e2e-quickfix-*.png.
//   node test/e2e/quickfix.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { startWorkbench, openFile, runCommand, webviewFrame, problems } = require('./lib/workbench');

const SPEC = 'deep-sigmoid.gradscope.json';

function runs(workspace) {
  const dir = path.join(workspace, '.gradscope', 'runs');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

async function ended(workspace, count, timeout = 180000) {
  const start = Date.now();
  for (;;) {
    const all = runs(workspace);
    const last = all[all.length - 1];
    const file = last && path.join(workspace, '.gradscope', 'runs', last, 'events.jsonl');
    if (all.length >= count && file && fs.readFileSync(file, 'utf8').includes('"type":"run-end"')) return last;
    if (Date.now() - start > timeout) throw new Error(`run ${count} did not end`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main() {
  const t0 = Date.now();
  const wb = await startWorkbench();
  const page = wb.page;
  let ok = false;
  try {
    await openFile(page, SPEC);
    await runCommand(page, 'Gradscope: Train Model');
    await ended(wb.workspace, 1);

    // The diagnosis is in Problems; clicking it puts the cursor on the offending entry.
    const texts = await problems(page, { waitFor: 'vanishing-gradient', timeout: 60000 });
    const [, ln] = /\[Ln (\d+), Col \d+\]/.exec(texts.find((r) => r.includes('vanishing-gradient')) ?? '') ?? [];
    assert.ok(ln, `the vanishing-gradient row names its position: ${texts.join(' | ')}`);
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'vanishing-gradient' }).first();
    await row.click();
    await page.keyboard.press('Enter');
    // The editor took the cursor to the diagnostic (it selects the entry) when the status bar shows its line.
    await page
      .locator('.statusbar-item', { hasText: new RegExp(`^\\s*Ln ${ln}, Col \\d+`) })
      .first()
      .waitFor({ state: 'visible', timeout: 30000 });
    await wb.screenshot('e2e-quickfix-diagnosis');

    // The light bulb: Quick Fix at the cursor, then the fix that re-runs and compares.
    await page.locator('.editor-group-container .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget .monaco-list-row');
    const rerun = menu
      .filter({ hasText: 'then re-run and compare' })
      .filter({ hasText: /ReLU|He init/i })
      .first();
    await rerun.waitFor({ state: 'visible', timeout: 30000 });
    await wb.screenshot('e2e-quickfix-menu');
    const title = (await rerun.getAttribute('aria-label')) ?? '';
    // Keyboard, as many users do: arrow down from the focused row to ours, Enter applies it ("Enter to Apply").
    const target = Number(await rerun.getAttribute('data-index'));
    const focused = Number(await page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('data-index'));
    for (let i = focused; i < target; i++) await page.keyboard.press('ArrowDown');
    assert.strictEqual(await page.locator('.action-widget .monaco-list-row.focused').first().getAttribute('aria-label'), title);
    await page.keyboard.press('Enter');

    await ended(wb.workspace, 2);
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: '"vanishing-gradient" is gone' })
      .waitFor({ timeout: 60000 });
    const text = fs.readFileSync(path.join(wb.workspace, SPEC), 'utf8');
    assert.match(text, /"relu"/, 'the spec was edited');
    assert.match(text, /^\/\/ The classic failure/m, 'comments kept');

    const rows = await problems(page, { until: (texts) => !texts.some((r) => r.includes('vanishing-gradient')) });
    assert.ok(!rows.some((r) => r.includes('vanishing-gradient')), `still in Problems: ${rows.join(' | ')}`);
    const dashboard = webviewFrame(page).locator('body');
    await dashboard.filter({ hasText: /before/ }).waitFor({ timeout: 30000 });
    await wb.screenshot('e2e-quickfix-after');
    console.log(`  ✔ vanishing-gradient cured by the Quick Fix "${title}" (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    ok = true;
  } catch (err) {
    await wb.screenshot('e2e-quickfix-failure').catch(() => {});
    console.error(err && err.stack ? err.stack : err);
    console.error(wb.extensionHostLog().slice(-3000));
  } finally {
    await wb.stop();
  }
  console.log(ok ? '1 passed, 0 failed, 0 skipped' : '0 passed, 1 failed, 0 skipped');
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
});
