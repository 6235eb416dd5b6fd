// What the UI tests share around the workbench: named test steps that count passes and failures (a failing step
// keeps a screenshot and lets the next steps run), the runs a workspace holds, and waits on state (a run's end,
// an element's height) that poll instead of sleeping.
'use strict';
const fs = require('fs');
const path = require('path');
const { runCommand, webviewFrame } = require('./workbench');

/**
 * Steps with counts: `await steps.run(wb, name, fn)`, then `steps.passed` / `steps.failed`; `steps.skip(name, why)`
 * counts a step that could not run here (said on the console and in the closing counts).
 */
function createSteps() {
  const steps = {
    passed: 0,
    failed: 0,
    skipped: 0,
    skip(name, why) {
      steps.skipped++;
      console.log(`  - ${name}: SKIPPED (${why})`);
    },
    async run(wb, name, fn) {
      const t0 = Date.now();
      try {
        await fn();
        steps.passed++;
        console.log(`  ✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        steps.failed++;
        console.log(`  ✗ ${name}\n${err && err.stack ? err.stack : err}`);
        await wb.screenshot(`e2e-failure-${name.replace(/\W+/g, '-').slice(0, 40)}`).catch(() => {});
      }
    },
  };
  return steps;
}

/** Run directory names of a workspace (`.gradscope/runs/*`). */
function runDirs(workspace) {
  const dir = path.join(workspace, '.gradscope', 'runs');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

async function waitForRuns(workspace, count, timeout = 120000) {
  const start = Date.now();
  while (runDirs(workspace).length < count) {
    if (Date.now() - start > timeout) throw new Error(`expected ${count} runs in ${workspace}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until the newest run has written its run-end; returns its directory name. */
async function waitForRunEnd(workspace, timeout = 180000) {
  const start = Date.now();
  for (;;) {
    const runs = runDirs(workspace).sort();
    const latest = runs[runs.length - 1];
    const events = latest ? path.join(workspace, '.gradscope', 'runs', latest, 'events.jsonl') : undefined;
    if (events && fs.existsSync(events) && fs.readFileSync(events, 'utf8').includes('"type":"run-end"')) return latest;
    if (Date.now() - start > timeout) throw new Error('the run did not end');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until an element is at least `px` tall (a layout change has been applied). */
async function waitForHeight(locator, px, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const box = await locator.boundingBox();
    if (box && box.height > px) return;
    if (Date.now() > end) throw new Error(`never taller than ${px} px (last ${box && box.height})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ends a UI test's workbench session: the extension host's log when a step failed, then stop and clean up. */
async function endSession(wb, steps, cleanup) {
  if (steps.failed) console.error(wb.extensionHostLog().slice(-4000));
  await wb.stop();
  cleanup();
}

/**
 * Runs a UI test file's `main(steps)`, then prints its time and the counts scripts/test.js reads and sets the exit
 * code; an error thrown outside the steps counts as one failure.
 */
function runUiTest(name, main) {
  const t0 = Date.now();
  const steps = createSteps();
  main(steps).then(
    () => {
      console.log(`${name} e2e finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      console.log(`${steps.passed} passed, ${steps.failed} failed, ${steps.skipped} skipped`);
      if (steps.failed) process.exitCode = 1;
    },
    (err) => {
      console.error(err && err.stack ? err.stack : err);
      console.log('0 passed, 1 failed, 0 skipped');
      process.exit(1);
    },
  );
}

/**
 * A screenshot of the dashboard alone, full width and tall, with `selector` scrolled into view (`block: 'start'` puts
 * its top at the top: a panel taller than the window otherwise shows only its middle). The editor group is maximized
 * the first time and stays so (later steps need no other editor), unless `restore` puts the layout back after.
 */
async function dashboardShot(wb, name, selector, { block, restore = false, height = 1100 } = {}) {
  const page = wb.page;
  if (!wb.dashboardMaximized) {
    await page.locator('.tabs-container .tab', { hasText: 'gradscope:' }).first().click();
    await page.mouse.move(1, 899);
    await runCommand(page, 'View: Toggle Maximize Editor Group');
    wb.dashboardMaximized = true;
    await page.setViewportSize({ width: 1400, height });
    await waitForHeight(page.locator('iframe.webview.ready').first(), Math.round(height * 0.7));
  }
  const target = webviewFrame(page).locator(selector);
  if (block) await target.evaluate((el, b) => el.scrollIntoView({ block: b }), block);
  else await target.scrollIntoViewIfNeeded();
  // No tab tooltip over the dashboard: move the pointer away and let the hover close (cosmetic, so not fatal).
  await page.mouse.move(1, 899);
  await page
    .locator('.workbench-hover')
    .first()
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => {});
  await wb.screenshot(name);
  if (restore) {
    await page.setViewportSize({ width: 1400, height: 900 });
    await runCommand(page, 'View: Toggle Maximize Editor Group');
    wb.dashboardMaximized = false;
  }
}

module.exports = {
  createSteps,
  dashboardShot,
  endSession,
  runUiTest,
  runDirs,
  waitForRuns,
  waitForRunEnd,
  waitForHeight,
};
