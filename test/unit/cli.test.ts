// The `gradscope` command as a user runs it: exit codes, positioned errors, `--json` output.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { EXAMPLES, REPO } from './support/specs';

const BIN = path.join(REPO, 'bin', 'gradscope.js');

function gradscope(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-cli-'));
}

describe('gradscope CLI', () => {
  it('check: exit 0 on every bundled example', () => {
    for (const f of fs.readdirSync(EXAMPLES).filter((n) => n.endsWith('.gradscope.json'))) {
      const r = gradscope('check', path.join(EXAMPLES, f));
      assert.strictEqual(r.code, 0, `${f}: ${r.stderr}`);
    }
  });

  it('check: exit 1 with `file:line:col: error: message [code]` for each problem', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.gradscope.json');
    fs.writeFileSync(file, '{\n  "data": { "dataset": "spiral" },\n  "model": {\n    "inputShape": [2],\n    "layers": [\n      { "type": "dens", "units": 3 }\n    ]\n  }\n}\n');
    const r = gradscope('check', file);
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.ok(lines.length >= 1);
    for (const line of lines) assert.match(line, /^.+bad\.gradscope\.json:\d+:\d+: (error|warning): .+ \[[a-z-]+\]$/);
    assert.match(lines[0], /bad\.gradscope\.json:6:\d+: error: .*dens/);
    assert.doesNotMatch(r.stderr, / {4}at /, 'no stack trace');
  });

  it('train: an invalid or missing spec exits 1 and starts no run', () => {
    const dir = tmp();
    const file = path.join(dir, 'broken.gradscope.json');
    fs.writeFileSync(file, '{ "model": { "layers": [ }');
    const r = gradscope('train', file);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /broken\.gradscope\.json:1:\d+: error:/);
    assert.ok(!fs.existsSync(path.join(dir, '.gradscope')));
    const missing = gradscope('train', path.join(dir, 'nope.gradscope.json'));
    assert.strictEqual(missing.code, 1);
    assert.match(missing.stderr, /nope\.gradscope\.json:1:1: error:/);
  });

  it('usage errors exit 2', () => {
    assert.strictEqual(gradscope().code, 2);
    assert.strictEqual(gradscope('fly', 'x.json').code, 2);
    assert.strictEqual(gradscope('train').code, 2);
    const r = gradscope('train', path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), '--epochs', 'many');
    assert.strictEqual(r.code, 2);
    assert.match(r.stderr, /--epochs must be an integer/);
    assert.strictEqual(gradscope('train', 'a', '--frobnicate').code, 2);
  });

  it('train --json: one event per line on stdout; the deep sigmoid net’s first layer gets orders of magnitude less gradient', () => {
    const r = gradscope('train', path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), '--json', '--epochs', '2', '--out', tmp());
    assert.strictEqual(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as TrainingEvent);
    assert.strictEqual(events[0].type, 'run-start');
    assert.strictEqual(events[events.length - 1].type, 'run-end');
    const steps = events.filter((e): e is StepEvent => e.type === 'step');
    assert.ok(steps.length > 0 && steps.every((s) => s.layers && s.layers.length === 14));
    for (const s of steps) {
      const first = s.layers![0].gradNorm;
      const last = s.layers![s.layers!.length - 1].gradNorm;
      assert.ok(first < last * 1e-3, `step ${s.step}: first ${first} vs last ${last}`);
    }
  });

  it('train: a diverging run exits 3', () => {
    const r = gradscope('train', path.join(EXAMPLES, 'exploding-init.gradscope.json'), '--json', '--out', tmp());
    assert.strictEqual(r.code, 3);
    const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as TrainingEvent);
    const end = events[events.length - 1];
    assert.ok(end.type === 'run-end' && end.status === 'diverged');
    assert.ok(events.some((e) => e.type === 'diagnostic' && e.code === 'non-finite'));
  });

  it('train (human mode): a per-layer summary table and the run directory', () => {
    const out = tmp();
    const r = gradscope('train', path.join(EXAMPLES, 'healthy-spiral.gradscope.json'), '--epochs', '2', '--out', out);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /layer\s+kind\s+activation\s+spec entry\s+grad norm/);
    assert.match(r.stdout, /dense_1\s+dense\s+linear\s+\/model\/layers\/0\/layers\/0 #0/);
    assert.match(r.stdout, new RegExp(`run completed.*${out.replace(/[/\\]/g, '.')}`));
    assert.match(r.stderr, /epoch 2\/2: loss \d/);
  });
});
