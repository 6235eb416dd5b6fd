// `gradscope fix <spec> --code <code> [--write]` as a user runs it (bin/gradscope.js → dist/cli.js): the fix of a
// lint finding or of a diagnostic of the spec's last run, printed as a diff or written; exit codes 0/1/2/4.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DiagnosticEvent, RunEndEvent, RunStartEvent } from '../../src/shared/engineProtocol';

const REPO = path.resolve(__dirname, '../../..');
const BIN = path.join(REPO, 'bin', 'gradscope.js');
const EXAMPLES = path.join(REPO, 'examples');

function gradscope(cwd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A healthy spec (no lint finding) whose last run reported a diagnostic with a fix. */
const HEALTHY = [
  '// my spec',
  '{',
  '  "data": { "dataset": "moons", "samples": 200 },',
  '  "model": { "layers": [ { "type": "dense", "units": 8, "activation": "relu" }, { "type": "dense", "units": 2, "activation": "softmax" } ] },',
  '  "training": {',
  '    "epochs": 3,',
  '    "optimizer": { "type": "adam", "learningRate": 0.008 } // tuned by hand',
  '  }',
  '}',
  '',
].join('\n');

function writeRun(
  specFile: string,
  runId: string,
  diagnostics: Partial<DiagnosticEvent>[],
  runsDir = path.join(path.dirname(specFile), '.gradscope', 'runs'),
): void {
  const dir = path.join(runsDir, runId);
  fs.mkdirSync(dir, { recursive: true });
  const start = {
    type: 'run-start',
    runId,
    specPath: specFile,
    specName: 'x',
    runDir: dir,
    layers: [],
  } as unknown as RunStartEvent;
  const step = { type: 'step', step: 0, epoch: 0, loss: 1, lr: 0.008 };
  const events = [
    start,
    step,
    ...diagnostics.map((d) => ({ type: 'diagnostic', severity: 'warning', message: 'm', specPath: '', evidence: {}, ...d })),
    { type: 'run-end', status: 'completed', epochsCompleted: 1, steps: 1, durationMs: 1 } as RunEndEvent,
  ];
  fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

const LR_FIX = (value: number): Partial<DiagnosticEvent> => ({
  code: 'lr-too-high',
  fixes: [
    { title: `lower the learning rate to ${value}`, patch: [{ op: 'replace', path: '/training/optimizer/learningRate', value }] },
  ],
});

describe('gradscope fix', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-fix-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the first fix of a lint finding as a unified diff and leaves the file alone', () => {
    const file = path.join(dir, 'deep.gradscope.json');
    const original = fs.readFileSync(path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), 'utf8');
    fs.writeFileSync(file, original);
    const r = gradscope(dir, 'fix', 'deep.gradscope.json', '--code', 'deep-saturating-stack');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        '--- a/deep.gradscope.json',
        '+++ b/deep.gradscope.json',
        '@@ -8,8 +8,8 @@',
        '   "model": {',
        '     "inputShape": [2],',
        '     "layers": [',
        '-      { "type": "dense", "units": 32, "activation": "sigmoid", "kernelInitializer": "glorotUniform" },',
        '-      { "repeat": 12, "layers": [ { "type": "dense", "units": 32, "activation": "sigmoid" } ] },',
        '+      { "type": "dense", "units": 32, "activation": "relu", "kernelInitializer": "heNormal" },',
        '+      { "repeat": 12, "layers": [ { "type": "dense", "units": 32, "activation": "relu", "kernelInitializer": "heNormal" } ] },',
        '       { "type": "dense", "units": 3, "activation": "softmax" }',
        '     ]',
        '   },',
        '@@ -17,6 +17,7 @@',
        '     "epochs": 10,',
        '     "batchSize": 32,',
        '     "loss": "categoricalCrossentropy",',
        '-    "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 }',
        '+    "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 },',
        '+    "clipNorm": 1',
        '   }',
        ' }',
        '',
      ].join('\n'),
    );
    assert.match(
      r.stderr,
      /fix for \[deep-saturating-stack\] \(lint\): Use relu with heNormal initialization instead of sigmoid in 13 layers \(2 layer entries\), and clip the gradient norm to 1; run again with --write/,
    );
    assert.equal(fs.readFileSync(file, 'utf8'), original);
  });

  it('--write writes the fixed spec with its comments, and the finding is gone', () => {
    const file = path.join(dir, 'exploding.gradscope.json');
    const original = fs.readFileSync(path.join(EXAMPLES, 'exploding-init.gradscope.json'), 'utf8');
    fs.writeFileSync(file, original);
    const r = gradscope(dir, 'fix', file, '--code', 'initializer-scale', '--write');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /exploding\.gradscope\.json: applied "use heNormal \(scaled to the fan-in\) for this relu layer" \[initializer-scale\] \(lint\)/,
    );
    const fixed = fs.readFileSync(file, 'utf8');
    assert.equal(fixed, original.replace('{ "type": "randomNormal", "mean": 0, "stddev": 2.0 }', '"heNormal"'));
    assert.ok(fixed.startsWith('// A bad initializer: weights drawn with standard deviation 2.0'));
    const check = gradscope(dir, 'check', file);
    assert.equal(check.code, 0);
    assert.doesNotMatch(check.stderr, /initializer-scale/);
    assert.equal(gradscope(dir, 'fix', file, '--code', 'initializer-scale').code, 4, 'nothing left to fix');
  });

  it('takes the fix from the last run of the spec when lint has none (newest run of this spec only)', () => {
    const file = path.join(dir, 'my.gradscope.json');
    fs.writeFileSync(file, HEALTHY);
    writeRun(file, '20240101-000000-my-aaaa', [LR_FIX(0.0001)]);
    writeRun(file, '20240102-000000-my-bbbb', [{ code: 'overfitting' }, LR_FIX(0.001)]);
    writeRun(path.join(dir, 'other.gradscope.json'), '20240103-000000-other-cccc', [LR_FIX(0.5)]);
    const r = gradscope(dir, 'fix', 'my.gradscope.json', '--code', 'lr-too-high');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\(run 20240102-000000-my-bbbb\): lower the learning rate to 0\.001/);
    assert.match(r.stdout, /^- {4}"optimizer": \{ "type": "adam", "learningRate": 0\.008 \} \/\/ tuned by hand$/m);
    assert.match(r.stdout, /^\+ {4}"optimizer": \{ "type": "adam", "learningRate": 0\.001 \} \/\/ tuned by hand$/m);
    const w = gradscope(dir, 'fix', 'my.gradscope.json', '--code', 'lr-too-high', '--write');
    assert.equal(w.code, 0, w.stderr);
    assert.equal(fs.readFileSync(file, 'utf8'), HEALTHY.replace('0.008', '0.001'));
  });

  it('reads runs from --out when the spec was trained with --out', () => {
    const file = path.join(dir, 'my.gradscope.json');
    fs.writeFileSync(file, HEALTHY);
    const runs = path.join(dir, 'elsewhere');
    writeRun(file, '20240101-000000-my-aaaa', [LR_FIX(0.002)], runs);
    assert.equal(gradscope(dir, 'fix', file, '--code', 'lr-too-high').code, 4);
    const r = gradscope(dir, 'fix', file, '--code', 'lr-too-high', '--out', runs);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /learningRate": 0\.002/);
  });

  it('exit 4 when no finding has that code, or the last run reported it without a fix', () => {
    const file = path.join(dir, 'my.gradscope.json');
    fs.writeFileSync(file, HEALTHY);
    const none = gradscope(dir, 'fix', file, '--code', 'no-such-code');
    assert.equal(none.code, 4);
    assert.match(none.stderr, /no \[no-such-code\] finding in the spec's lint, and .*my\.gradscope\.json has no run/);
    assert.equal(none.stdout, '');
    writeRun(file, '20240101-000000-my-aaaa', [{ code: 'overfitting' }]);
    const bare = gradscope(dir, 'fix', file, '--code', 'overfitting');
    assert.equal(bare.code, 4);
    assert.match(bare.stderr, /last run .*\(20240101-000000-my-aaaa\) reported \[overfitting\] but without an automatic fix/);
    assert.equal(fs.readFileSync(file, 'utf8'), HEALTHY);
  });

  it("exit 4 when a run's fix no longer applies to the edited spec", () => {
    const file = path.join(dir, 'my.gradscope.json');
    fs.writeFileSync(file, HEALTHY);
    writeRun(file, '20240101-000000-my-aaaa', [
      {
        code: 'dead-relu',
        fixes: [{ title: 't', patch: [{ op: 'replace', path: '/model/layers/5/activation', value: 'elu' }] }],
      },
    ]);
    const r = gradscope(dir, 'fix', file, '--code', 'dead-relu');
    assert.equal(r.code, 4);
    assert.match(r.stderr, /no longer applies .*index 5 is out of range/);
  });

  it('exit 1 for an invalid spec, 2 for usage errors', () => {
    const file = path.join(dir, 'bad.gradscope.json');
    fs.writeFileSync(file, '{ "data": { "dataset": "spiral" }, "model": { "layers": [ { "type": "dens", "units": 3 } ] } }');
    const bad = gradscope(dir, 'fix', file, '--code', 'linear-stack');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad\.gradscope\.json:1:\d+: error: .*\[unknown-layer-type\]/);
    const usage = gradscope(dir, 'fix', file);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing --code/);
    assert.equal(gradscope(dir, 'fix').code, 2);
    assert.match(gradscope(dir, '--help').stdout, /gradscope fix <spec> --code <code> \[--write\]/);
  });

  it('names the spec relative to the current directory in diff headers and messages, however it was given', () => {
    const sub = path.join(dir, 'specs');
    fs.mkdirSync(sub);
    const file = path.join(sub, 'deep.gradscope.json');
    fs.copyFileSync(path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), file);
    const r = gradscope(dir, 'fix', file, '--code', 'deep-saturating-stack'); // an absolute path
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').slice(0, 2), ['--- a/specs/deep.gradscope.json', '+++ b/specs/deep.gradscope.json']);
    const written = gradscope(dir, 'fix', file, '--code', 'deep-saturating-stack', '--write');
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stdout, new RegExp(`^${path.join('specs', 'deep.gradscope.json').replace(/[\\.]/g, '\\$&')}: applied `));
  });
});
