// `gradscope export` as a user runs it, its files read back by readers that share no code with the writers
// (support/independent_readers.py: Debian's python3-protobuf, python3-crc32c and Python's csv module). What they
// read is compared with the run's events.jsonl, parsed here line by line: every tag, step and value.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EpochEvent, RunEndEvent, RunStartEvent, StepEvent } from '../../src/shared/engineProtocol';
import { EXIT } from '../../src/shared/exitCodes';
import { gradscope, trainedWithCli } from './support/cli';
import { REPO, smallClassifier } from './support/specs';

const READERS = path.join(REPO, 'test', 'unit', 'support', 'independent_readers.py');
/** Debian's python (python3-protobuf, python3-crc32c: scripts/install-code-server.sh installs them). */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function read(kind: 'tfevents' | 'csv', file: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PYTHON, [READERS, kind, file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface DecodedRecord {
  wall_time: string;
  step: number;
  what: string | null;
  file_version: string | null;
  values: [string, string][];
}

function readEventFile(file: string): DecodedRecord[] {
  const r = read('tfevents', file);
  assert.equal(r.code, 0, `independent reader: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { records: DecodedRecord[] }).records;
}

function readCsv(file: string): string[][] {
  const r = read('csv', file);
  assert.equal(r.code, 0, `independent reader: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { rows: string[][] }).rows;
}

/** Python's repr of a float as a number. */
const pyFloat = (text: string): number =>
  text === 'nan' ? NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);

type RawEvent = (StepEvent | EpochEvent | RunStartEvent | RunEndEvent) & { type: string };

/** The run's events as written: JSON.parse of each line (null where the engine had NaN or ±Infinity). */
function rawEvents(runDir: string): RawEvent[] {
  return fs
    .readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as RawEvent);
}

/**
 * What the contract says the export holds, from the raw events: `tag@step` → value (NaN for null). Step values at
 * their step; an epoch's values at the last step of that epoch.
 */
function expectedPoints(events: RawEvent[]): Map<string, number> {
  const points = new Map<string, number>();
  const add = (tag: string, step: number, v: number | null | undefined): void => {
    if (v !== undefined) points.set(`${tag}@${step}`, v === null ? NaN : v);
  };
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  const clips = steps.some((e) => e.clippedGradNorm !== e.globalGradNorm);
  for (const e of steps) {
    add('loss/train', e.step, e.loss);
    add('learning_rate', e.step, e.lr);
    add('grad_norm/global', e.step, e.globalGradNorm);
    if (clips) add('grad_norm/global_clipped', e.step, e.clippedGradNorm);
    for (const l of e.layers ?? []) {
      add(`grad_norm/${l.name}`, e.step, l.gradNorm);
      add(`update_ratio/${l.name}`, e.step, l.updateRatio);
      add(`dead_units/${l.name}`, e.step, l.deadUnits);
      add(`activation_std/${l.name}`, e.step, l.activationStd);
    }
  }
  for (const e of events.filter((x): x is EpochEvent => x.type === 'epoch')) {
    const last = Math.max(...steps.filter((s) => s.epoch === e.epoch).map((s) => s.step));
    add('loss/train_epoch_mean', last, e.loss);
    add('loss/val', last, e.valLoss);
    add('accuracy/train', last, e.acc);
    add('accuracy/val', last, e.valAcc);
    add('mae/train', last, e.mae);
    add('mae/val', last, e.valMae);
  }
  return points;
}

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** Asserts the decoded event file holds exactly `expected`, each value as the float32 nearest the recorded one. */
function assertEventFile(records: DecodedRecord[], expected: Map<string, number>): void {
  assert.equal(records[0].what, 'file_version');
  assert.equal(records[0].file_version, 'brain.Event:2');
  const got = new Map<string, number>();
  for (const r of records.slice(1)) {
    assert.equal(r.what, 'summary');
    for (const [tag, v] of r.values) {
      const key = `${tag}@${r.step}`;
      assert.ok(!got.has(key), `${key} written twice`);
      got.set(key, pyFloat(v));
    }
  }
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
  for (const [key, v] of expected)
    assert.ok(same(got.get(key)!, Math.fround(v)), `${key}: read ${got.get(key)}, recorded ${v} (float32 ${Math.fround(v)})`);
}

/** Asserts the CSV holds exactly `expected`: a row per step, each cell the recorded number, empty where none. */
function assertCsv(rows: string[][], events: RawEvent[], expected: Map<string, number>): void {
  const [header, ...body] = rows;
  assert.deepEqual(header.slice(0, 2), ['step', 'epoch']);
  const tags = new Set([...expected.keys()].map((k) => k.slice(0, k.lastIndexOf('@'))));
  assert.deepEqual([...header.slice(2)].sort(), [...tags].sort());
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  assert.deepEqual(
    body.map((r) => [Number(r[0]), Number(r[1])]),
    steps.map((s) => [s.step, s.epoch]),
  );
  for (const row of body)
    header.slice(2).forEach((tag, i) => {
      const cell = row[i + 2];
      const want = expected.get(`${tag}@${row[0]}`);
      if (want === undefined) assert.equal(cell, '', `${tag}@${row[0]} should be empty`);
      else assert.ok(same(Number(cell), want), `${tag}@${row[0]}: cell ${cell}, recorded ${want}`);
    });
}

/** TensorBoard's name for event files, in <logDir>/<runId>/. */
function eventFileIn(logDir: string, runId: string): string {
  const files = fs.readdirSync(path.join(logDir, runId));
  assert.equal(files.length, 1, files.join(', '));
  assert.match(files[0], /^events\.out\.tfevents\.\d{10}\.[^.]+/);
  return path.join(logDir, runId, files[0]);
}

describe('gradscope export', function () {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-export-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a TensorBoard event file and a CSV that independent readers decode to the run’s recorded numbers', () => {
    // Measured every 2nd step and clipped, so that both the empty cells and grad_norm/global_clipped show.
    const spec = smallClassifier({ training: { epochs: 2, batchSize: 48, measureEvery: 2, clipNorm: 0.05 } });
    const { runDir } = trainedWithCli(dir, 'cls', spec);
    const logDir = path.join(dir, 'tb');
    const csvFile = path.join(dir, 'out', 'cls.csv');
    const r = gradscope('export', runDir, '--tensorboard', logDir, '--csv', csvFile);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.equal(r.stderr, '');

    const events = rawEvents(runDir);
    const start = events[0] as RunStartEvent;
    const expected = expectedPoints(events);
    // The contract's tags are there: the run-level ones, and each per-layer one for a layer with weights.
    for (const tag of ['loss/train', 'loss/val', 'accuracy/train', 'accuracy/val', 'learning_rate', 'grad_norm/global'])
      assert.ok(
        [...expected.keys()].some((k) => k.startsWith(`${tag}@`)),
        tag,
      );
    for (const l of start.layers.filter((x) => x.hasWeights))
      assert.ok(expected.has(`grad_norm/${l.name}@0`) && expected.has(`update_ratio/${l.name}@0`), l.name);
    assert.ok(expected.has('grad_norm/global_clipped@0'));

    const file = eventFileIn(logDir, start.runId);
    const records = readEventFile(file);
    assertEventFile(records, expected);
    // Wall times: from the run's start, never backwards, within the run's duration.
    const t0 = Date.parse(start.startedAt) / 1000;
    const end = events.at(-1) as RunEndEvent;
    const times = records.map((x) => pyFloat(x.wall_time));
    times.forEach((t, i) => {
      assert.ok(t >= t0 && t <= t0 + end.durationMs / 1000 + 1, `wall_time ${t} outside the run`);
      if (i > 0) assert.ok(t >= times[i - 1], `wall_time goes back at record ${i}`);
    });
    assert.match(r.stdout, new RegExp(`${records.length} events`));

    const rows = readCsv(csvFile);
    assertCsv(rows, events, expected);
    // measureEvery 2: odd steps carry loss and learning rate only.
    const header = rows[0];
    assert.equal(rows[2][header.indexOf('grad_norm/dense_1')], '');
    assert.notEqual(rows[2][header.indexOf('loss/train')], '');
    assert.match(r.stdout, new RegExp(`${rows.length - 1} rows \\(one per step\\), ${header.length} columns`));

    // Exporting again replaces the run's event file (TensorBoard would show every point twice otherwise).
    assert.equal(gradscope('export', runDir, '--tensorboard', logDir).code, EXIT.ok);
    assert.equal(eventFileIn(logDir, start.runId), file);
  });

  it('the independent reader refuses a corrupted record: the CRCs it checks are real', () => {
    const runDir = handWrittenRun(path.join(dir, 'crc'));
    const logDir = path.join(dir, 'crc-tb');
    assert.equal(gradscope('export', runDir, '--tensorboard', logDir).code, EXIT.ok);
    const file = eventFileIn(logDir, 'hand-run');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] ^= 0x01;
    fs.writeFileSync(file, bytes);
    const r = read('tfevents', file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /data crc mismatch/);
  });

  it('a regression run exports mae/train and mae/val at the steps where epochs ended', () => {
    const spec = {
      name: 'sine-export',
      seed: 2,
      data: { dataset: 'sine', samples: 120 },
      model: {
        inputShape: [1],
        layers: [
          { type: 'dense', units: 8, activation: 'tanh' },
          { type: 'dense', units: 1 },
        ],
      },
      training: { epochs: 2, batchSize: 32 },
    };
    const { runDir } = trainedWithCli(dir, 'reg', spec);
    const csvFile = path.join(dir, 'reg.csv');
    const logDir = path.join(dir, 'reg-tb');
    assert.equal(gradscope('export', runDir, '--csv', csvFile, '--tensorboard', logDir).code, EXIT.ok);
    const events = rawEvents(runDir);
    const expected = expectedPoints(events);
    assert.ok([...expected.keys()].some((k) => k.startsWith('mae/val@')));
    assertCsv(readCsv(csvFile), events, expected);
    assertEventFile(readEventFile(eventFileIn(logDir, (events[0] as RunStartEvent).runId)), expected);
  });

  it('keeps a layer name with a comma and a quote in one CSV cell, NaN where events.jsonl has null, estimated wall times', () => {
    const runDir = handWrittenRun(path.join(dir, 'hand'));
    const csvFile = path.join(dir, 'hand.csv');
    const logDir = path.join(dir, 'hand-tb');
    const r = gradscope('export', runDir, '--csv', csvFile, '--tensorboard', logDir);
    assert.equal(r.code, EXIT.ok, r.stderr);
    const events = rawEvents(runDir);
    const expected = expectedPoints(events);
    const rows = readCsv(csvFile);
    assert.ok(rows[0].includes('grad_norm/dense,"1"'), rows[0].join(' | '));
    assertCsv(rows, events, expected);
    assert.equal(rows[1][rows[0].indexOf('grad_norm/dense,"1"')], 'NaN');
    assert.equal(rows[2][rows[0].indexOf('loss/train')], 'NaN');
    assert.equal(rows[2][rows[0].indexOf('loss/val')], '1.1');
    // `--csv -`: the same table on stdout, nothing else there.
    const piped = gradscope('export', runDir, '--csv', '-');
    assert.equal(piped.code, EXIT.ok, piped.stderr);
    assert.equal(piped.stdout, fs.readFileSync(csvFile, 'utf8'));

    const records = readEventFile(eventFileIn(logDir, 'hand-run'));
    assertEventFile(records, expected);
    // 2 steps in a 2 s epoch: at +1 s and +2 s; the epoch's values at its end (+2 s); the unfinished epoch's step at
    // the finished epoch's 1 s per step (+3 s).
    const t0 = Date.parse('2026-12-04T10:00:00.000Z') / 1000;
    assert.deepEqual(
      records.slice(1).map((x) => [x.step, pyFloat(x.wall_time) - t0]),
      [
        [0, 1],
        [1, 2],
        [1, 2],
        [2, 3],
      ],
    );
  });

  describe('bad input: one message, exit 2, no stack trace', () => {
    function assertUsage(args: string[], message: RegExp): void {
      const r = gradscope('export', ...args);
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.split('\n')[0].startsWith('gradscope: export: '), true, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    }

    it('neither --tensorboard nor --csv', () => {
      const runDir = handWrittenRun(path.join(dir, 'bad1'));
      assertUsage([runDir], /nothing to export: give --tensorboard DIR, --csv FILE, or both/);
    });
    it('no such directory, a file, a directory without events.jsonl, events without a run-start, unreadable events', () => {
      assertUsage([path.join(dir, 'nope'), '--csv', '-'], /no such run directory: .*nope/);
      const file = path.join(dir, 'plain.txt');
      fs.writeFileSync(file, 'x');
      assertUsage([file, '--csv', '-'], /plain\.txt is a file, not a run directory/);
      const empty = path.join(dir, 'empty-dir');
      fs.mkdirSync(empty, { recursive: true });
      assertUsage([empty, '--csv', '-'], /empty-dir is not a run directory: it has no events\.jsonl/);
      const noStart = path.join(dir, 'no-start');
      fs.mkdirSync(noStart, { recursive: true });
      fs.writeFileSync(path.join(noStart, 'events.jsonl'), '{"type":"step","step":0,"epoch":0,"loss":1,"lr":0.1}\n');
      assertUsage([noStart, '--csv', '-'], /no-start\/events\.jsonl:1:1: has no run-start event/);
      const unreadable = path.join(dir, 'unreadable');
      fs.mkdirSync(path.join(unreadable, 'events.jsonl'), { recursive: true });
      assertUsage([unreadable, '--csv', '-'], /cannot read .*unreadable\/events\.jsonl: it is a directory/);
    });
    it('an output it cannot write', () => {
      const runDir = handWrittenRun(path.join(dir, 'bad2'));
      const file = path.join(dir, 'a-file');
      fs.writeFileSync(file, 'x');
      assertUsage([runDir, '--tensorboard', path.join(file, 'tb')], /cannot write .*a-file\/tb: a part of the path is a file/);
      assertUsage([runDir, '--csv', dir], /cannot write .*: it is a directory/);
    });
  });

  it('--help names both formats', () => {
    const r = gradscope('export', '--help');
    assert.equal(r.code, EXIT.ok);
    assert.match(r.stdout, /usage: gradscope export <runDir> \[--tensorboard DIR\] \[--csv FILE\]/);
    assert.match(r.stdout, /--csv FILE\s+write a CSV table/);
    assert.match(gradscope('--help').stdout, /gradscope export <runDir>/);
  });
});

/**
 * A run written by hand, with what a trained run rarely shows: a layer name with a comma and a quote, a gradient
 * norm and a loss recorded as null (NaN), a stop inside the second epoch.
 */
function handWrittenRun(root: string): string {
  const runDir = path.join(root, 'hand-run');
  fs.mkdirSync(runDir, { recursive: true });
  const layer = 'dense,"1"';
  const events = [
    {
      type: 'run-start',
      runId: 'hand-run',
      specFile: path.join(root, 'x.gradscope.json'),
      specPath: path.join(root, 'x.gradscope.json'),
      specName: 'x',
      runDir,
      backend: 'cpu',
      seed: 1,
      epochs: 2,
      stepsPerEpoch: 2,
      batchSize: 4,
      trainSamples: 8,
      validationSamples: 4,
      task: 'classification',
      totalParams: 10,
      layers: [{ name: layer, kind: 'dense', params: 10, outputShape: [2], specPath: '/model/layers/0', hasWeights: true }],
      startedAt: '2026-12-04T10:00:00.000Z',
    },
    {
      type: 'step',
      step: 0,
      epoch: 0,
      loss: 1.5,
      lr: 0.1,
      globalGradNorm: 2.25,
      clippedGradNorm: 2.25,
      layers: [{ name: layer, gradNorm: null, weightNorm: 1, updateRatio: 0.01, deadUnits: 3, activationStd: 0.5 }],
    },
    { type: 'step', step: 1, epoch: 0, loss: null, lr: 0.1 },
    { type: 'epoch', epoch: 0, loss: 0.9, valLoss: 1.1, acc: 0.5, valAcc: 0.25, lr: 0.1, durationMs: 2000, samplesPerSec: 4 },
    { type: 'step', step: 2, epoch: 1, loss: 0.8, lr: 0.05 },
    { type: 'run-end', status: 'stopped', epochsCompleted: 1, steps: 3, durationMs: 3500 },
  ];
  fs.writeFileSync(path.join(runDir, 'events.jsonl'), events.map((e) => JSON.stringify(e) + '\n').join(''));
  return runDir;
}
