// Every formatter a person reads numbers through (src/shared/format.ts for host and dashboard, runText.ts for the
// host's own lines) takes null (JSON's NaN/±Infinity), NaN and ±Infinity without throwing, and epochs read
// 1-based. The status bar used to throw "Cannot read properties of null (reading 'toFixed')" on a NaN loss.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EngineMessage, EpochEvent, RunEndEvent, RunStartEvent, StepEvent } from '../../src/shared/engineProtocol';
import * as format from '../../src/shared/format';
import { applyEvent, emptyHistory, historyFromEvents } from '../../src/shared/runHistory';
import * as runText from '../../src/extension/runText';
import { startRun } from '../../src/training/run/runner';
import type { RunSummary } from '../../src/training/run/runSummary';
import { EXAMPLES } from './support/specs';

/** What the values look like after a trip through JSON (the engine channel, events.jsonl). */
const BAD = [null, undefined, NaN, Infinity, -Infinity] as const;
const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const start: RunStartEvent = {
  type: 'run-start',
  runId: 'r1',
  specFile: '/w/a.gradscope.json',
  specPath: '/w/a.gradscope.json',
  specName: 'a',
  runDir: '/w/.gradscope/runs/r1',
  backend: 'wasm',
  seed: 1,
  epochs: 10,
  stepsPerEpoch: 20,
  batchSize: 8,
  trainSamples: 160,
  validationSamples: 40,
  task: 'classification',
  totalParams: 99,
  layers: [],
  startedAt: new Date(0).toISOString(),
};

describe('number formatting (host and dashboard)', () => {
  const fns: Array<[string, (v: number | null | undefined) => string]> = [
    ['formatNumber', format.formatNumber],
    ['formatExp', format.formatExp],
    ['formatPercent', format.formatPercent],
    ['formatDuration', format.formatDuration],
    ['formatCount', format.formatCount],
    ['formatFixed', (v) => format.formatFixed(v, 4)],
  ];
  for (const [name, fn] of fns) {
    it(`${name} writes null, undefined, NaN and ±Infinity as words, never throws`, () => {
      assert.deepStrictEqual(
        BAD.map((v) => fn(v)),
        ['non-finite', 'non-finite', 'NaN', '∞', '−∞'],
      );
    });
  }

  it('decadeLabel labels only positive finite powers of ten', () => {
    assert.deepStrictEqual(
      [...BAD, 0, -10].map((v) => format.decadeLabel(v)),
      ['', '', '', '', '', '', ''],
    );
    assert.deepStrictEqual([1e-6, 1, 10, 1000, 2].map(format.decadeLabel), ['1e-6', '1', '10', '1e3', '']);
  });

  it('finite values keep their usual forms', () => {
    assert.strictEqual(format.formatNumber(0.693147), '0.6931');
    assert.strictEqual(format.formatNumber(3.17e9), '3.17e9');
    assert.strictEqual(format.formatFixed(0.5, 4), '0.5000');
    assert.strictEqual(format.formatPercent(0.0123), '1.2%');
    assert.strictEqual(format.formatCount(12867), '12,867');
    assert.strictEqual(format.formatDuration(61_000), '1 min 1 s');
    assert.strictEqual(format.displayEpoch(0), 1);
  });
});

describe('host text (status bar, output channel, sidebar, messages)', () => {
  const epoch0: EpochEvent = viaJson({
    type: 'epoch',
    epoch: 0,
    loss: NaN,
    valLoss: Infinity,
    valAcc: NaN,
    acc: NaN,
    lr: 0.1,
    durationMs: 5,
    samplesPerSec: 100,
  });
  const nanStep: StepEvent = viaJson({ type: 'step', step: 3, epoch: 0, loss: NaN, lr: 0.1, nonFinite: true });
  const diverged: RunEndEvent = viaJson({
    type: 'run-end',
    status: 'diverged',
    bestValLoss: NaN,
    epochsCompleted: 0,
    steps: 4,
    durationMs: 9,
  });

  it('the status bar reads a NaN step loss (null after JSON) and counts the epoch from 1', () => {
    const h = historyFromEvents([start, nanStep]);
    assert.strictEqual(h.lastLoss, null, 'JSON turned the NaN into null');
    assert.strictEqual(runText.liveStatusText(h), 'gradscope: epoch 1/10 · step 3 · step loss non-finite · wasm');
    assert.strictEqual(runText.liveStatusText(historyFromEvents([start])), 'gradscope: epoch 1/10 · wasm');
    assert.strictEqual(runText.endStatusText(diverged, 1), 'gradscope: diverged · best val_loss non-finite · 1 diagnostic');
  });

  it('epoch lines and the progress notification take non-finite losses and say "epoch 1/10" for epoch 0', () => {
    assert.strictEqual(runText.epochLine(epoch0, 10), 'epoch 1/10: loss non-finite val_loss non-finite, val_acc non-finite');
    assert.strictEqual(runText.epochProgressText(epoch0, 10), 'epoch 1/10: val_loss non-finite, val_acc non-finite');
    assert.strictEqual(
      runText.trainEndMessage('a.gradscope.json', { ...diverged, error: 'loss became NaN' }),
      'a.gradscope.json: diverged, best val_loss non-finite (loss became NaN)',
    );
  });

  it('a sidebar run row puts the status first (the label is never the part cut off) and handles a NaN best loss', () => {
    const summary: RunSummary = {
      runDir: '/w/.gradscope/runs/r1',
      runId: 'r1',
      start,
      status: 'completed',
      bestValLoss: 0.12345,
      epochs: 10,
      diagnostics: [],
    };
    assert.deepStrictEqual(runText.runItemText(summary, false, '3 Dec, 09:00'), {
      label: 'completed',
      description: 'best val 0.1235 · 3 Dec, 09:00',
      tooltip: ['**r1**', 'status: completed', 'epochs completed: 10', 'backend: wasm'],
    });
    const nan = runText.runItemText(viaJson({ ...summary, bestValLoss: NaN }), false, 'now');
    assert.strictEqual(nan.description, 'now');
    assert.strictEqual(runText.runItemText({ ...summary, status: 'running' }, false, 'now').label, 'interrupted');
    assert.strictEqual(runText.runItemText({ ...summary, status: 'running' }, true, 'now').label, 'running');
    assert.strictEqual(runText.runPickDescription(viaJson({ ...summary, bestValLoss: NaN })), 'completed');
  });

  it('a resumed run names the run it continues in its sidebar row; a run with checkpoints says where Resume Run continues', () => {
    const summary: RunSummary = {
      runDir: '/w/.gradscope/runs/r2',
      runId: 'r2',
      start: {
        ...start,
        resumedFrom: {
          runDir: '/w/.gradscope/runs/r1',
          checkpoint: '/w/.gradscope/runs/r1/checkpoints/epoch-2',
          epoch: 2,
          step: 20,
        },
      },
      status: 'completed',
      epochs: 4,
      diagnostics: [],
    };
    const text = runText.runItemText(summary, false, 'now', [3, 4]);
    assert.strictEqual(text.description, 'resumed from r1 at epoch 2 · now');
    assert.deepStrictEqual(text.tooltip, [
      '**r2**',
      'status: completed',
      'epochs completed: 6 (3–6 in this run)',
      'backend: wasm',
      'resumed from r1 at epoch 2',
      'checkpoints after epoch 3, 4: Resume Run continues from epoch 4',
    ]);
    assert.strictEqual(runText.resumedFromText({ ...summary, start }), undefined, 'a run started afresh says nothing');
  });

  it('a spec folder in the sidebar is workspace-relative: empty at the top, never absolute inside the workspace', () => {
    assert.strictEqual(runText.specFolderText('/w/a.gradscope.json', ['/w']), '');
    assert.strictEqual(runText.specFolderText('/w/models/deep/a.gradscope.json', ['/other', '/w']), 'models/deep');
    assert.strictEqual(runText.specFolderText('/elsewhere/a.gradscope.json', ['/w']), '/elsewhere');
  });

  it('a plateau reduction reads the same in the output channel, the CLI and the LR chart: old → new rate, the best loss, the epoch 1-based', () => {
    const e = {
      type: 'schedule' as const,
      epoch: 11,
      step: 300,
      learningRate: 0.003,
      previousLearningRate: 0.01,
      reason: 'plateau' as const,
      monitor: 'val_loss' as const,
      best: 0.11158,
    };
    const line = 'plateau: lr 0.01 → 0.003 (val_loss best 0.1116, no improvement by epoch 12)';
    assert.strictEqual(format.scheduleLine(e), line);
    assert.strictEqual(runText.outputLineFor(e, emptyHistory()), line);
    assert.strictEqual(
      format.scheduleLine({ ...e, learningRate: 1e-4, previousLearningRate: 3e-4 }).slice(0, 30),
      'plateau: lr 3.00e-4 → 1.00e-4 ',
    );
    const history = historyFromEvents([e]);
    assert.deepStrictEqual(history.schedules, [e], 'the run history keeps it for the chart');
  });

  it('the output channel gets one line per run end, also when the engine logs its own closing line', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-output-'));
    const messages: EngineMessage[] = [];
    const handle = startRun({ specFile: path.join(EXAMPLES, 'healthy-spiral.gradscope.json'), outDir: out, epochs: 1 }, (m) =>
      messages.push(m),
    );
    const outcome = await handle.done;
    assert.strictEqual(outcome.end?.status, 'completed');
    // What the extension host does with each message: the line first (it reads the history so far), then apply.
    const history = emptyHistory();
    const lines: string[] = [];
    for (const m of messages) {
      const line = runText.outputLineFor(m, history);
      if (line !== undefined) lines.push(line);
      if (m.type !== 'log' && m.type !== 'spec-problems') applyEvent(history, m);
    }
    const ends = lines.filter((l) => l.startsWith(`run ${outcome.end && history.start?.runId}:`) && /completed/.test(l));
    assert.deepStrictEqual(
      ends,
      [`run ${history.start?.runId}: completed (1 epoch completed, ${outcome.end?.steps} steps)`],
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^epoch 1\/1: loss \d/.test(l)),
      'the epoch line counts from 1',
    );
    fs.rmSync(out, { recursive: true, force: true });
  });
});
