#!/usr/bin/env node
// UI test of Workspace Trust, in a folder opened in Restricted Mode: gradscope still loads (the manifest declares
// limited support) and checks specs (a lint warning in Problems, and a positioned warning for a csv file outside
// the folder), but Train Model starts no run and says why, with a button that opens the Workspace Trust editor.
// (Integration tests cannot cover this: VS Code trusts every folder while it runs extension tests.)
// Screenshots: test-results/e2e-untrusted-*.png.
//   node test/e2e/untrusted.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startWorkbench, openFile, runCommand, problems, notifications } = require('./lib/workbench');
const { tempWorkspace } = require('./lib/workspace');
const { onCleanup, removeDir } = require('./lib/lifecycle');

const NOTICE = /does not train in Restricted Mode/;

async function main() {
  const t0 = Date.now();
  const ws = tempWorkspace();
  // A csv outside the workspace folder, and a spec in the folder that reads it.
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-outside-'));
  const removeOutside = onCleanup(() => removeDir(outside));
  const csv = path.join(outside, 'points.csv');
  fs.writeFileSync(csv, 'x,y\n' + Array.from({ length: 40 }, (_, i) => `${i / 40},${i % 2}`).join('\n') + '\n');
  fs.writeFileSync(
    path.join(ws.dir, 'outside-data.gradscope.json'),
    JSON.stringify(
      {
        name: 'outside-data',
        data: { dataset: 'csv', path: csv, label: 'y', task: 'classification' },
        model: { inputShape: [1], layers: [{ type: 'dense', units: 2, activation: 'softmax' }] },
      },
      null,
      2,
    ),
  );
  const runsDir = path.join(ws.dir, '.gradscope', 'runs');

  const wb = await startWorkbench({ workspace: ws.dir, untrusted: true });
  let ok = false;
  try {
    await wb.page
      .locator('.statusbar-item', { hasText: 'Restricted Mode' })
      .first()
      .waitFor({ state: 'visible', timeout: 60000 });
    await openFile(wb.page, 'deep-sigmoid.gradscope.json');
    await wb.waitForActivation('gradscope.gradscope', 60000);

    // Specs are checked: lint findings and the data-location warning reach Problems, on their lines.
    await problems(wb.page, { waitFor: 'deep-saturating-stack', timeout: 60000 });
    await openFile(wb.page, 'outside-data.gradscope.json');
    const rows = await problems(wb.page, { waitFor: 'data-outside-workspace', timeout: 60000 });
    const row = rows.find((r) => r.includes('data-outside-workspace'));
    const line =
      fs
        .readFileSync(path.join(ws.dir, 'outside-data.gradscope.json'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('"path"')) + 1;
    assert.match(row, new RegExp(`\\[Ln ${line}, Col \\d+\\]`), `the warning sits on the "path" line ${line}: ${row}`);
    assert.match(row, /outside the workspace folder/);
    await wb.screenshot('e2e-untrusted-problems');

    // Train Model: no run, one clear message with the way to trust the folder.
    await wb.page.locator('.tabs-container .tab', { hasText: 'deep-sigmoid.gradscope.json' }).first().click();
    await wb.page
      .locator('.tabs-container .tab.active', { hasText: 'deep-sigmoid.gradscope.json' })
      .waitFor({ state: 'visible', timeout: 30000 });
    await runCommand(wb.page, 'Gradscope: Train Model');
    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: NOTICE });
    await toast.waitFor({ state: 'visible', timeout: 30000 });
    await wb.screenshot('e2e-untrusted-notice');
    assert.strictEqual((await notifications(wb.page)).filter((n) => NOTICE.test(n)).length, 1, 'one message');
    assert.ok(!fs.existsSync(runsDir), 'no run was started');
    await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Manage Workspace Trust' }).first().click();
    await wb.page
      .locator('.tabs-container .tab', { hasText: 'Workspace Trust' })
      .first()
      .waitFor({ state: 'visible', timeout: 30000 });
    await wb.screenshot('e2e-untrusted-manage-trust');
    assert.ok(!fs.existsSync(runsDir), 'still no run');
    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
    console.log(
      `  ✔ Restricted Mode: specs checked, training refused with a way to trust (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    ok = true;
  } catch (err) {
    await wb.screenshot('e2e-untrusted-failure').catch(() => {});
    // The log first, the error last: what a truncated CI log keeps is its end.
    console.error(wb.extensionHostLog().slice(-3000));
    console.log(`  ✗ Restricted Mode: ${err && err.stack ? err.stack : err}`);
  } finally {
    await wb.stop();
    ws.remove();
    removeOutside();
  }
  console.log(ok ? '1 passed, 0 failed, 0 skipped' : '0 passed, 1 failed, 0 skipped');
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
});
