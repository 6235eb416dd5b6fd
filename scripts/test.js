#!/usr/bin/env node
// `npm test`: every tier in turn — lint (`npm run lint`: ESLint, knip, Prettier; counted as one check), unit
// (mocha, plain Node), integration (mocha inside a real VS Code extension host) and UI (the real workbench driven
// like a user: every test/e2e/*.e2e.js; vsix.e2e.js builds the package with `npm run package` and installs it) — then
// one total line in the plain form CI tools read. Each tier still runs when an earlier one
// failed, so one run shows everything that is broken.
//   node scripts/test.js [lint] [unit] [integration] [e2e]      (default: all four, after `npm run compile`)
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const e2eFiles = () =>
  fs
    .readdirSync(path.join(REPO, 'test', 'e2e'))
    .filter((f) => f.endsWith('.e2e.js'))
    .sort()
    .map((f) => ['node', [path.join('test', 'e2e', f)]]);
const TIERS = {
  lint: () => [['npm', ['run', '--silent', 'lint'], { oneCheck: true }]],
  unit: () => [['npx', ['mocha']]],
  integration: () => [['node', ['test/integration/run.js']]],
  e2e: e2eFiles,
};

function run(cmd, args, { oneCheck = false } = {}) {
  const r = spawnSync(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  process.stdout.write(r.stdout ?? '');
  // A checker without a count of its own (lint) is one check: it passed or it failed.
  if (oneCheck)
    return r.status === 0 ? { passed: 1, failed: 0, skipped: 0, ok: true } : { passed: 0, failed: 1, skipped: 0, ok: false };
  // Each runner ends with "N passed, N failed, N skipped"; take the last such line it printed.
  const lines = (r.stdout ?? '')
    .trim()
    .split('\n')
    .filter((l) => /^\d+ passed, \d+ failed(, \d+ skipped)?$/.test(l.trim()));
  const [passed, failed, skipped] = (lines.pop() ?? '0 passed, 0 failed, 0 skipped').match(/\d+/g).map(Number);
  const ok = r.status === 0 && failed === 0 && passed > 0;
  return { passed, failed: failed + (ok || failed > 0 ? 0 : 1), skipped: skipped ?? 0, ok };
}

// Chromium and code-server (for the webview, integration and UI tests) come from scripts/install-code-server.sh:
// idempotent and instant once installed, so every run makes sure they are there instead of skipping tests.
if (!process.env.CODE_SERVER_ROOT) {
  const install = spawnSync('bash', [path.join(REPO, 'scripts', 'install-code-server.sh')], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (install.status !== 0) {
    console.error('scripts/install-code-server.sh failed: the browser tests cannot run');
    process.exit(1);
  }
  for (const m of (install.stdout ?? '').matchAll(/^(?:export\s+)?(CODE_SERVER_ROOT|CHROMIUM_PATH)=(\S+)/gm))
    process.env[m[1]] = m[2];
}
if (process.env.CHROMIUM_PATH && !process.env.GRADSCOPE_CHROMIUM) process.env.GRADSCOPE_CHROMIUM = process.env.CHROMIUM_PATH;

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(TIERS);
const total = { passed: 0, failed: 0, skipped: 0 };
let allOk = true;
for (const tier of wanted) {
  if (!TIERS[tier]) {
    console.error(`unknown test tier "${tier}" (${Object.keys(TIERS).join(', ')})`);
    process.exit(2);
  }
  for (const [cmd, args, options] of TIERS[tier]()) {
    console.log(`\n=== ${tier}: ${cmd} ${args.join(' ')}`);
    const r = run(cmd, args, options);
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;
    allOk = allOk && r.ok;
  }
}
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(allOk ? 0 : 1);
