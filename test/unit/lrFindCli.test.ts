// The range test as a user runs it: startLrFind (an engine process; the result saved beside the runs directory, no
// run recorded) and `gradscope lr-find` (plot, --json contract line, --apply with comments kept, exit codes).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LrFindEvent, LrFindMessage } from '../../src/shared/engineProtocol';
import { EXIT } from '../../src/shared/exitCodes';
import { latestLrFind, lrFindDir } from '../../src/training/run/lrFindStore';
import { startLrFind } from '../../src/training/run/runner';
import { assertNoEngineErrors } from './support/engineLog';
import { REPO, smallClassifier } from './support/specs';

const BIN = path.join(REPO, 'bin', 'gradscope.js');

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-lrfind-'));
}

/** A small spiral classifier written with a comment and the optimizer on its own line, so edits can be checked. */
function writeSpec(dir: string, optimizer = '{ "type": "adam", "learningRate": 0.3 }'): string {
  const spec = smallClassifier() as { training: object };
  const text = JSON.stringify({ ...spec, training: { epochs: 1, batchSize: 32 } }, null, 2).replace(
    '"batchSize": 32',
    `"batchSize": 32,\n    // the optimizer under test\n    "optimizer": ${optimizer}`,
  );
  const file = path.join(dir, 'tiny.gradscope.json');
  fs.writeFileSync(file, `// a range-test spec\n${text}\n`);
  return file;
}

function gradscope(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lr-find runner and CLI', () => {
  it('startLrFind: progress per step, then the result, saved to .gradscope/lr-find; no run is recorded', async () => {
    const dir = tmp();
    const specFile = writeSpec(dir);
    const messages: LrFindMessage[] = [];
    const handle = startLrFind({ specFile, lrFind: { start: 1e-5, end: 10, steps: 30 } }, (m) => messages.push(m));
    const outcome = await handle.done;
    assert.strictEqual(outcome.exitCode, 0);
    assertNoEngineErrors(messages.filter((m) => m.type === 'log'));
    const result = outcome.result;
    assert.ok(result);
    assert.strictEqual(
      messages[messages.length - 1],
      messages.find((m) => m.type === 'lr-find'),
      'the result comes last',
    );
    const progress = messages.filter((m) => m.type === 'lr-find-progress');
    assert.strictEqual(progress.length, result.points.length);
    assert.deepStrictEqual(
      progress.map((p) => p.learningRate),
      result.points.map((p) => p.learningRate),
    );
    assert.strictEqual(result.specFile, specFile);
    assert.strictEqual(result.currentLearningRate, 0.3);
    const saved = path.join(dir, '.gradscope', 'lr-find', `${result.runId}.json`);
    assert.strictEqual(result.resultFile, saved);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(saved, 'utf8')), result);
    assert.deepStrictEqual(latestLrFind(specFile), result);
    assert.strictEqual(lrFindDir(specFile), path.dirname(saved));
    assert.ok(!fs.existsSync(path.join(dir, '.gradscope', 'runs')), 'a range test is not a run');
  });

  it('startLrFind: a stop request ends it with no result; an invalid spec reports its problems', async () => {
    const dir = tmp();
    const specFile = writeSpec(dir);
    let seen = 0;
    const handle = startLrFind({ specFile, lrFind: { start: 1e-5, end: 10, steps: 1000 } }, (m) => {
      if (m.type === 'lr-find-progress' && ++seen === 3) handle.stop();
    });
    const stopped = await handle.done;
    assert.strictEqual(stopped.result, undefined);
    assert.strictEqual(stopped.exitCode, 0);
    assert.ok(seen >= 3 && seen < 1000);
    assert.strictEqual(latestLrFind(specFile), undefined, 'nothing saved');

    const bad = path.join(dir, 'bad.gradscope.json');
    fs.writeFileSync(bad, '{ "model": { "layers": [ }');
    const messages: LrFindMessage[] = [];
    const invalid = await startLrFind({ specFile: bad }, (m) => messages.push(m)).done;
    assert.strictEqual(invalid.exitCode, EXIT.invalidSpec);
    assert.ok(messages.some((m) => m.type === 'spec-problems'));
  });

  it('--json: one line on stdout, the lr-find contract; human mode: a log-x plot and the suggestion', () => {
    const dir = tmp();
    const specFile = writeSpec(dir);
    const r = gradscope(dir, 'lr-find', 'tiny.gradscope.json', '--json', '--start', '1e-5', '--steps', '40');
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.strictEqual(lines.length, 1);
    const result = JSON.parse(lines[0]) as LrFindEvent;
    assert.strictEqual(result.type, 'lr-find');
    for (const key of ['points', 'suggestion', 'minLossLearningRate', 'stoppedEarly', 'secondOpinion', 'field'] as const)
      assert.ok(key in result, key);
    assert.ok(result.points.every((p) => typeof p.learningRate === 'number' && 'loss' in p && 'smoothedLoss' in p));
    assert.strictEqual(result.suggestion.method, result.conclusive ? 'steepest' : 'minLoss/10');
    assert.strictEqual(result.secondOpinion.method, 'minLoss/10');
    assert.strictEqual(result.points[0].learningRate, 1e-5);

    const human = gradscope(dir, 'lr-find', 'tiny.gradscope.json', '--start', '1e-5', '--steps', '40');
    assert.strictEqual(human.code, 0, human.stderr);
    assert.match(human.stdout, /\|.*\*/, 'plotted points');
    assert.match(human.stdout, /1e-5 .*1e-4 .*1e-3 .*1e-2 .*1e-1 .*1 .*1e1/, 'decade labels on the x axis');
    assert.match(human.stdout, /learning rate \(log scale\)/);
    assert.match(human.stdout, /the spec uses: +0\.3 \(training\.optimizer\.learningRate\)/);
    assert.match(human.stdout, /saved: \.gradscope[/\\]lr-find[/\\].+\.json/);
    assert.strictEqual(fs.readFileSync(specFile, 'utf8').includes('"learningRate": 0.3'), true, 'no --apply: spec untouched');
  });

  it('--apply writes the suggestion into the spec, comments kept', () => {
    const dir = tmp();
    const specFile = writeSpec(dir);
    const before = fs.readFileSync(specFile, 'utf8');
    const r = gradscope(dir, 'lr-find', 'tiny.gradscope.json', '--json', '--apply', '--start', '1e-5', '--steps', '40');
    assert.strictEqual(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as LrFindEvent;
    assert.ok(result.conclusive, 'adam on a small spiral net has a clear descent');
    const after = fs.readFileSync(specFile, 'utf8');
    assert.strictEqual(
      after,
      before.replace('"learningRate": 0.3', `"learningRate": ${result.suggestion.learningRate}`),
      'only the learning rate changed',
    );
    assert.match(r.stderr, /Use learning rate .+ from the range test \(optimizer\.learningRate 0\.3 → /);
    assert.ok(result.suggestion.learningRate < 0.3 / 10, `a far smaller rate than adam's 0.3: ${result.suggestion.learningRate}`);
  });

  it('--apply writes nothing when the test is inconclusive (exit 4)', () => {
    const dir = tmp();
    // Biases of −10 before every relu: no unit ever fires, only the output bias can learn, and the classes are
    // balanced: the loss does not fall at any rate.
    const dead = { type: 'dense', units: 16, activation: 'relu', biasInitializer: { type: 'constant', value: -10 } };
    const spec = smallClassifier({
      layers: [dead, dead, { type: 'dense', units: 3, activation: 'softmax' }],
      training: { epochs: 1, optimizer: { type: 'adam', learningRate: 0.01 } },
    });
    const file = path.join(dir, 'dead.gradscope.json');
    fs.writeFileSync(file, JSON.stringify(spec, null, 2));
    const before = fs.readFileSync(file, 'utf8');
    const r = gradscope(dir, 'lr-find', 'dead.gradscope.json', '--apply');
    assert.strictEqual(r.code, EXIT.noFix, r.stderr);
    assert.match(r.stdout, /inconclusive: the smoothed loss did not fall by 5%/);
    assert.match(r.stderr, /not changed: the range test was inconclusive/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), before);
  });

  it('bad input: usage errors exit 2 naming the option, an invalid spec exits 1 with file:line:col', () => {
    const dir = tmp();
    writeSpec(dir);
    for (const [args, message] of [
      [['--start', '0'], /--start must be a positive number/],
      [['--end', 'ten'], /--end must be a positive number/],
      [['--start', '1', '--end', '0.1'], /--end \(0\.1\) must be above --start \(1\)/],
      [['--steps', '1'], /--steps must be an integer ≥ 2/],
      [['--epochs', '3'], /unknown option --epochs/],
    ] as const) {
      const r = gradscope(dir, 'lr-find', 'tiny.gradscope.json', ...args);
      assert.strictEqual(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: gradscope lr-find <spec> \[--start LR\] \[--end LR\] \[--steps N\] \[--json\] \[--apply\]/);
    }
    fs.writeFileSync(path.join(dir, 'broken.gradscope.json'), '{\n  "model": { "layers": [ }\n');
    const broken = gradscope(dir, 'lr-find', 'broken.gradscope.json');
    assert.strictEqual(broken.code, EXIT.invalidSpec);
    assert.match(broken.stderr, /^broken\.gradscope\.json:2:\d+: error: /m);
    assert.doesNotMatch(broken.stderr, / {4}at /, 'no stack trace');
    assert.ok(!fs.existsSync(path.join(dir, '.gradscope')), 'nothing ran');
    const help = gradscope(dir, 'lr-find', '--help');
    assert.strictEqual(help.code, 0);
    for (const option of ['--start LR', '--end LR', '--steps N', '--json', '--apply'])
      assert.ok(
        help.stdout.split('\n').some((l) => l.startsWith(`  ${option}  `)),
        option,
      );
  });
});
