#!/usr/bin/env node
// Smoke UI test: the real workbench starts with gradscope loaded, a spec opens from quick open and the editor
// shows it. Leaves test-results/e2e-smoke-workbench.png (and e2e-smoke-failure.png when it fails) to look at.
//   node test/e2e/smoke.e2e.js      (VERBOSE=1 for workbench + server logs)
'use strict';
const assert = require('assert');
const { startWorkbench, openFile, editorText } = require('./lib/workbench');
const { sampleMemory } = require('./lib/memory');

const SPEC = 'deep-sigmoid.gradscope.json';

async function main() {
  const t0 = Date.now();
  const memory = sampleMemory();
  const wb = await startWorkbench(); // a temp copy of examples/, the extension from the repo root
  try {
    console.log(`workbench + extension host ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await openFile(wb.page, SPEC);
    await wb.waitForActivation('gradscope.gradscope', 30000); // a spec in the workspace activates the extension
    const text = await editorText(wb.page);
    // The spec's own content, as the editor renders it: not just a tab title.
    assert.match(text, /"layers"/, `the editor does not show ${SPEC}:\n${text}`);
    const shot = await wb.screenshot('e2e-smoke-workbench');
    assert.deepStrictEqual(wb.errors, [], 'uncaught errors in the workbench page');
    console.log(`screenshot: ${shot}`);
  } catch (err) {
    await wb.screenshot('e2e-smoke-failure').catch(() => {});
    console.error(wb.extensionHostLog().slice(-3000));
    throw err;
  } finally {
    await wb.stop();
  }
  console.log(`smoke e2e passed in ${((Date.now() - t0) / 1000).toFixed(1)} s, peak memory ${memory.stop()} MiB`);
  console.log('1 passed, 0 failed, 0 skipped');
}

main().catch((err) => {
  console.error(err?.stack || err);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
});
