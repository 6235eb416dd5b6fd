// The `gradscope` command as a user runs it: exit codes, positioned errors, `--json` output.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { EXIT, EXIT_MEANINGS } from '../../src/shared/exitCodes';
import { EXAMPLES, REPO } from './support/specs';

const BIN = path.join(REPO, 'bin', 'gradscope.js');

function gradscopeIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function gradscope(...args: string[]) {
  return gradscopeIn(REPO, ...args);
}

/** True when @tensorflow/tfjs-node can be resolved (it cannot be installed on an offline machine). */
function tfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node', { paths: [REPO] });
    return true;
  } catch {
    return false;
  }
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-cli-'));
}

describe('gradscope CLI', () => {
  it("check: exit 0 on every bundled example (one that loads another example's run: init-from-no-run until it exists)", () => {
    const dir = tmp();
    for (const f of fs.readdirSync(EXAMPLES).filter((n) => n.endsWith('.gradscope.json'))) {
      // Checked in a copy of the examples without runs, so the result does not depend on what was trained here.
      fs.copyFileSync(path.join(EXAMPLES, f), path.join(dir, f));
      const r = gradscopeIn(dir, 'check', f);
      if (!fs.readFileSync(path.join(EXAMPLES, f), 'utf8').includes('"initFrom"')) {
        assert.strictEqual(r.code, 0, `${f}: ${r.stderr}`);
        continue;
      }
      assert.strictEqual(r.code, 1, `${f}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /error: "initFrom\.run" "latest:[^"]+": no completed run of the spec .* train it first .*\[init-from-no-run\]/,
      );
    }
  });

  it('check: exit 1 with `file:line:col: error: message [code]` for each problem', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.gradscope.json');
    fs.writeFileSync(
      file,
      '{\n  "data": { "dataset": "spiral" },\n  "model": {\n    "inputShape": [2],\n    "layers": [\n      { "type": "dens", "units": 3 }\n    ]\n  }\n}\n',
    );
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
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TrainingEvent);
    assert.strictEqual(events[0].type, 'run-start');
    assert.strictEqual(events[events.length - 1].type, 'run-end');
    const steps = events.filter((e): e is StepEvent => e.type === 'step');
    assert.ok(steps.length > 0 && steps.every((s) => s.layers && s.layers.length === 14));
    for (const s of steps) {
      const first = s.layers![0].gradNorm!;
      const last = s.layers![s.layers!.length - 1].gradNorm!;
      assert.ok(first < last * 1e-3, `step ${s.step}: first ${first} vs last ${last}`);
    }
  });

  it('train: a diverging run exits 3', () => {
    const r = gradscope('train', path.join(EXAMPLES, 'exploding-init.gradscope.json'), '--json', '--out', tmp());
    assert.strictEqual(r.code, 3);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TrainingEvent);
    const end = events[events.length - 1];
    assert.ok(end.type === 'run-end' && end.status === 'diverged');
    assert.ok(events.some((e) => e.type === 'diagnostic' && e.code === 'non-finite'));
  });

  describe('train --resume', () => {
    const jsonEvents = (stdout: string): TrainingEvent[] =>
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as TrainingEvent);
    const spec = (dir: string, name: string): string => {
      const file = path.join(dir, `${name}.gradscope.json`);
      const training = { epochs: 2, batchSize: 32, checkpoint: { every: 1 } };
      const model = {
        layers: [
          { type: 'dense', units: 8, activation: 'relu' },
          { type: 'dense', units: 2, activation: 'softmax' },
        ],
      };
      fs.writeFileSync(file, JSON.stringify({ name, data: { dataset: 'moons', samples: 160 }, model, training }));
      return file;
    };

    it('continues the run from its newest checkpoint as a new run that links to it', () => {
      const dir = tmp();
      const out = path.join(dir, 'runs');
      const file = spec(dir, 'moons-ckpt');
      const first = gradscope('train', file, '--json', '--out', out);
      assert.strictEqual(first.code, 0, first.stderr);
      const start = jsonEvents(first.stdout)[0];
      assert.ok(start.type === 'run-start');
      assert.deepStrictEqual(fs.readdirSync(path.join(start.runDir, 'checkpoints')).sort(), ['epoch-1', 'epoch-2']);
      assert.deepStrictEqual(
        jsonEvents(first.stdout).flatMap((e) => (e.type === 'epoch' ? [e.checkpoint] : [])),
        ['checkpoints/epoch-1', 'checkpoints/epoch-2'],
        'each epoch event names the checkpoint it wrote',
      );

      const resumed = gradscope('train', file, '--json', '--out', out, '--epochs', '3', '--resume', start.runDir);
      assert.strictEqual(resumed.code, 0, resumed.stderr);
      const events = jsonEvents(resumed.stdout);
      const again = events[0];
      assert.ok(again.type === 'run-start');
      assert.notStrictEqual(again.runDir, start.runDir, 'a new run');
      assert.deepStrictEqual(again.resumedFrom, {
        runDir: start.runDir,
        checkpoint: path.join(start.runDir, 'checkpoints', 'epoch-2'),
        epoch: 2,
        step: 2 * start.stepsPerEpoch,
      });
      assert.deepStrictEqual(
        events.flatMap((e) => (e.type === 'epoch' ? [e.epoch] : [])),
        [2],
        'only the epoch the first run did not train',
      );
      const end = events[events.length - 1];
      assert.ok(end.type === 'run-end' && end.status === 'completed' && end.steps === 3 * start.stepsPerEpoch);
    });

    it("of another spec's run: exit 2, one line saying why, no run started", () => {
      const dir = tmp();
      const out = path.join(dir, 'runs');
      const first = gradscope('train', spec(dir, 'first'), '--json', '--out', out);
      assert.strictEqual(first.code, 0, first.stderr);
      const runDir = (jsonEvents(first.stdout)[0] as { runDir: string }).runDir;
      const r = gradscope('train', spec(dir, 'second'), '--epochs', '3', '--out', out, '--resume', runDir);
      assert.strictEqual(r.code, 2);
      assert.strictEqual(r.stdout, '');
      assert.match(r.stderr.trim(), /^gradscope: cannot resume: the run \S+ was trained from the spec "first", not "second"$/);
      assert.deepStrictEqual(fs.readdirSync(out), [path.basename(runDir)], 'no new run directory');
    });

    /** A refused `--resume`: exit 2, nothing on stdout, exactly one line on stderr, no new run directory. */
    const refused = (file: string, out: string, runDir: string): string => {
      const before = fs.readdirSync(out).sort();
      const r = gradscope('train', file, '--epochs', '3', '--out', out, '--resume', runDir);
      assert.strictEqual(r.code, EXIT.usage, r.stderr);
      assert.strictEqual(r.stdout, '');
      assert.strictEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.deepStrictEqual(fs.readdirSync(out).sort(), before, 'no new run directory');
      return r.stderr.trim();
    };

    it('of a run without checkpoints: says how to make them, no run started', () => {
      const dir = tmp();
      const out = path.join(dir, 'runs');
      const file = spec(dir, 'plain');
      const text = JSON.parse(fs.readFileSync(file, 'utf8')) as { training: { checkpoint?: object } };
      delete text.training.checkpoint;
      fs.writeFileSync(file, JSON.stringify(text));
      const first = gradscope('train', file, '--json', '--out', out);
      assert.strictEqual(first.code, 0, first.stderr);
      const runDir = (jsonEvents(first.stdout)[0] as { runDir: string }).runDir;
      assert.match(
        refused(file, out, runDir),
        /^gradscope: cannot resume: the run \S+ has no checkpoint to resume from \(set "training": \{ "checkpoint": \{ "every": 1 \} \} in the spec to save them\)$/,
      );
    });

    it('of a run whose newest checkpoint is damaged (weights file cut short): names the file and sizes, no run started', () => {
      const dir = tmp();
      const out = path.join(dir, 'runs');
      const file = spec(dir, 'damaged');
      const first = gradscope('train', file, '--json', '--out', out);
      assert.strictEqual(first.code, 0, first.stderr);
      const runDir = (jsonEvents(first.stdout)[0] as { runDir: string }).runDir;
      const weights = path.join(runDir, 'checkpoints', 'epoch-2', 'weights.bin');
      const size = fs.statSync(weights).size;
      fs.truncateSync(weights, size - 100);
      const line = refused(file, out, runDir);
      assert.strictEqual(
        line,
        `gradscope: cannot resume: the checkpoint ${path.join(runDir, 'checkpoints', 'epoch-2')} is damaged (weights.bin has ${size - 100} bytes, its tensors need ${size}): delete it to resume from the checkpoint before it, if any, or train afresh`,
      );
      // A checkpoint.json that is not JSON is refused the same way.
      fs.writeFileSync(path.join(runDir, 'checkpoints', 'epoch-2', 'checkpoint.json'), '{"format": ');
      assert.match(refused(file, out, runDir), /^gradscope: cannot resume: cannot read the checkpoint \S+epoch-2: /);
    });
  });

  it('train (human mode): a per-layer summary table and the run directory', () => {
    const out = tmp();
    const r = gradscope('train', path.join(EXAMPLES, 'healthy-spiral.gradscope.json'), '--epochs', '2', '--out', out);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /layer\s+kind\s+activation\s+spec entry\s+grad norm/);
    assert.match(r.stdout, /dense_1\s+dense\s+linear\s+\/model\/layers\/0\/layers\/0 #0/);
    const shown = path.relative(REPO, out).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(
      r.stdout,
      new RegExp(`^run completed after 2 epochs, \\d+ steps.*: ${shown}${path.sep === '/' ? '/' : '\\\\'}\\S+$`, 'm'),
    );
    assert.match(r.stderr, /epoch 2\/2: loss \d/);
  });

  it("an unknown option is named with the closest one, exit 2, without parseArgs's raw text", () => {
    const spec = path.join(EXAMPLES, 'healthy-spiral.gradscope.json');
    const r = gradscope('train', spec, '--epoch', '3');
    assert.strictEqual(r.code, EXIT.usage);
    assert.match(r.stderr, /^gradscope: train: unknown option --epoch \(did you mean --epochs\?\)$/m);
    assert.doesNotMatch(r.stderr, /Unknown option '|To specify a positional argument/);
    const other = gradscope('check', spec, '--write');
    assert.strictEqual(other.code, EXIT.usage);
    assert.match(other.stderr, /check: unknown option --write \(an option of `gradscope fix`\)/);
    const missing = gradscope('train', spec, '--epochs');
    assert.strictEqual(missing.code, EXIT.usage);
    assert.match(missing.stderr, /option --epochs needs a value/);
  });

  it("--version prints the package version; --help per command lists that command's options", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const v = gradscope('--version');
    assert.strictEqual(v.code, 0);
    assert.strictEqual(v.stdout, `gradscope ${pkg.version}\n`);
    const general = gradscope('--help');
    assert.strictEqual(general.code, 0);
    for (const command of ['train', 'check', 'fix'])
      assert.match(general.stdout, new RegExp(`^  gradscope ${command} <spec>`, 'm'));
    const train = gradscope('train', '--help');
    assert.strictEqual(train.code, 0);
    assert.match(train.stdout, /^usage: gradscope train <spec>/);
    for (const option of [
      '--json',
      '--out DIR',
      '--epochs N',
      '--seed N',
      '--measure-every N',
      '--backend wasm|cpu|tensorflow',
    ]) {
      assert.ok(
        train.stdout.split('\n').some((line) => line.startsWith(`  ${option}  `)),
        `${option} is explained:\n${train.stdout}`,
      );
    }
    assert.doesNotMatch(train.stdout, /--write|--code/);
    const fix = gradscope('fix', '--help');
    assert.match(fix.stdout, /^usage: gradscope fix <spec> --code <code> \[--write\] \[--out DIR\]/);
    assert.match(gradscope('check', '-h').stdout, /^usage: gradscope check <spec>\n/);
  });

  it('--backend tensorflow without @tensorflow/tfjs-node: one line saying how to install it, exit 2, no run', () => {
    const out = tmp();
    const r = gradscope(
      'train',
      path.join(EXAMPLES, 'healthy-spiral.gradscope.json'),
      '--backend',
      'tensorflow',
      '--epochs',
      '1',
      '--out',
      out,
    );
    if (tfjsNodeInstalled()) {
      // Where it is installed, the same command trains on it.
      assert.strictEqual(r.code, 0, r.stderr);
      return;
    }
    assert.strictEqual(r.code, EXIT.usage, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.strictEqual(lines.length, 1, r.stderr);
    assert.match(lines[0], /@tensorflow\/tfjs-node is not installed \(install it with `npm install @tensorflow\/tfjs-node`\)/);
    assert.doesNotMatch(r.stderr, /Require stack| {4}at /);
    assert.deepStrictEqual(fs.readdirSync(out), [], 'no run was started');
  });

  it('prints paths relative to the current directory: check problems, check ok, the run directory', () => {
    const cwd = tmp();
    const sub = path.join(cwd, 'specs');
    fs.mkdirSync(sub);
    const bad = path.join(sub, 'bad.gradscope.json');
    fs.writeFileSync(
      bad,
      '{\n  "data": { "dataset": "spiral" },\n  "model": { "inputShape": [2], "layers": [ { "type": "dens", "units": 3 } ] }\n}\n',
    );
    const good = path.join(sub, 'good.gradscope.json');
    fs.copyFileSync(path.join(EXAMPLES, 'healthy-spiral.gradscope.json'), good);
    const p = (...parts: string[]): string => path.join(...parts);

    const problems = gradscopeIn(cwd, 'check', bad); // given as an absolute path
    assert.strictEqual(problems.code, 1);
    assert.ok(problems.stderr.startsWith(`${p('specs', 'bad.gradscope.json')}:3:`), problems.stderr);
    assert.strictEqual(gradscopeIn(cwd, 'check', good).stdout, `${p('specs', 'good.gradscope.json')}: ok\n`);
    assert.strictEqual(gradscopeIn(sub, 'check', good).stdout, 'good.gradscope.json: ok\n');

    const trained = gradscopeIn(cwd, 'train', good, '--epochs', '1');
    assert.strictEqual(trained.code, 0, trained.stderr);
    const runLine = trained.stdout.trim().split('\n').pop()!;
    const runDir = runLine.slice(runLine.lastIndexOf(': ') + 2);
    assert.ok(runDir.startsWith(p('specs', '.gradscope', 'runs') + path.sep), runLine);
    assert.ok(fs.existsSync(path.join(cwd, runDir, 'events.jsonl')));
  });

  it("the README's exit-code table is the exit-code module's", () => {
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| exit code | meaning |'));
    const lines = table.split('\n').slice(2);
    const end = lines.findIndex((l) => !l.startsWith('|'));
    const rows = lines.slice(0, end < 0 ? lines.length : end).map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
    assert.deepStrictEqual(
      rows,
      EXIT_MEANINGS.map(([code, meaning]) => [String(code), meaning]),
    );
    assert.deepStrictEqual(
      [...new Set(EXIT_MEANINGS.map(([code]) => code))].sort((a, b) => a - b),
      Object.values(EXIT).sort((a, b) => a - b),
      'every code has one meaning',
    );
  });
});
