// The run store's host-side helpers: appending after a line cut short by a killed engine, the run-end of a run whose
// engine died (what its events show), and runs recorded before run-start had specFile.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EpochEvent, RunEndEvent, RunStartEvent, StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { appendEvents, EVENTS_FILE, readEvents, runEndFromEvents, streamEvents } from '../../src/training/run/runStore';
import { summarizeRun } from '../../src/training/run/runSummary';
import { applyEvent, emptyHistory, historyFromEvents } from '../../src/shared/runHistory';

const start = {
  type: 'run-start',
  runId: 'r',
  specPath: '/specs/a.gradscope.json',
  specName: 'a',
  runDir: '/runs/r',
  backend: 'cpu',
  seed: 1,
  epochs: 5,
  stepsPerEpoch: 2,
  batchSize: 4,
  trainSamples: 8,
  validationSamples: 2,
  task: 'regression',
  totalParams: 3,
  layers: [],
  startedAt: '2026-01-01T00:00:00.000Z',
} as unknown as RunStartEvent; // as written before specFile existed
const step = (n: number): StepEvent => ({ type: 'step', step: n, epoch: Math.floor(n / 2), loss: 1 / (n + 1), lr: 0.1 });
const epoch = (n: number, valLoss: number): EpochEvent => ({
  type: 'epoch',
  epoch: n,
  loss: 1,
  valLoss,
  lr: 0.1,
  durationMs: 1,
  samplesPerSec: 1,
});

describe('run store', () => {
  it('streams a run line by line into the bounded reducer: the same events and history as reading it whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-store-'));
    const steps = Array.from({ length: 5000 }, (_, n): StepEvent => ({ ...step(n), layers: [] }));
    // Many more lines than one read chunk, a CRLF line, and a last line cut short by a killed process.
    const lines = [JSON.stringify(start), ...steps.map((e) => JSON.stringify(e))];
    fs.writeFileSync(path.join(dir, EVENTS_FILE), lines.join('\n') + '\r\n' + '{"type":"step","st');
    const streamed: TrainingEvent[] = [];
    await streamEvents(dir, (e) => streamed.push(e));
    assert.deepStrictEqual(streamed, readEvents(dir));
    assert.strictEqual(streamed.length, 5001);
    assert.strictEqual((streamed[0] as RunStartEvent).specFile, start.specPath, 'specFile filled in, as readEvents does');
    const history = emptyHistory(64);
    await streamEvents(dir, (e) => applyEvent(history, e));
    assert.deepStrictEqual(history, historyFromEvents(readEvents(dir), 64));
    assert.ok(history.steps.length < 64 && history.measured === 5000, 'bounded: the steps were decimated');
    await assert.rejects(streamEvents(path.join(dir, 'missing'), () => undefined));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appends a run-end on a fresh line after a partial last line, so both stay readable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-store-'));
    fs.writeFileSync(
      path.join(dir, EVENTS_FILE),
      JSON.stringify(start) + '\n' + JSON.stringify(step(0)) + '\n{"type":"step","st',
    );
    const end: RunEndEvent = { type: 'run-end', status: 'failed', epochsCompleted: 0, steps: 1, durationMs: 5 };
    appendEvents(dir, [end]);
    const events = readEvents(dir);
    assert.deepStrictEqual(
      events.map((e) => e.type),
      ['run-start', 'step', 'run-end'],
    );
    assert.deepStrictEqual(events[2], end);
  });

  it('a crashed run’s run-end: epochs completed, steps taken, best validation loss, time since start', () => {
    const events: TrainingEvent[] = [
      start,
      step(0),
      step(1),
      epoch(0, 0.9),
      step(2),
      step(3),
      epoch(1, 0.5),
      step(4),
      epoch(2, Number.NaN),
      step(5),
    ];
    const end = runEndFromEvents(events, 'failed', Date.parse('2026-01-01T00:00:07.000Z'));
    assert.deepStrictEqual(end, {
      type: 'run-end',
      status: 'failed',
      epochsCompleted: 3,
      steps: 6,
      durationMs: 7000,
      bestEpoch: 1,
      bestValLoss: 0.5,
    });
    assert.deepStrictEqual(runEndFromEvents([start], 'stopped', Date.parse(start.startedAt)), {
      type: 'run-end',
      status: 'stopped',
      epochsCompleted: 0,
      steps: 0,
      durationMs: 0,
    });
  });

  it('fills in specFile from specPath for runs recorded before it existed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-store-'));
    fs.writeFileSync(path.join(dir, EVENTS_FILE), JSON.stringify(start) + '\n');
    const read = readEvents(dir)[0];
    assert.ok(read.type === 'run-start');
    assert.strictEqual(read.specFile, '/specs/a.gradscope.json');
    assert.strictEqual(summarizeRun(dir).start?.specFile, '/specs/a.gradscope.json');
  });
});
