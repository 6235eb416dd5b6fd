// A run's summary (what the sidebar and the run pickers show) stays what its whole events file says while the file
// grows: read on from where the last read stopped (a live run), a line written in two pieces, chunk boundaries
// inside lines, and the async reader (the extension host's) agreeing with the sync one (the CLI's).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type {
  DiagnosticEvent,
  EpochEvent,
  RunEndEvent,
  RunStartEvent,
  StepEvent,
  TrainingEvent,
} from '../../src/shared/engineProtocol';
import { EVENTS_FILE } from '../../src/training/run/runStore';
import { summarizeRun, summarizeRunAsync, type RunSummary } from '../../src/training/run/runSummary';

const start = {
  type: 'run-start',
  runId: 'r',
  specFile: '/specs/a.gradscope.json',
  specPath: '/specs/a.gradscope.json',
  specName: 'a',
  runDir: '/runs/r',
  layers: [],
  startedAt: '2026-01-01T00:00:00.000Z',
} as unknown as RunStartEvent;
// Step lines as long as a 20-layer model's (~5 kB), so a thousand of them span several 1 MiB read chunks.
const step = (n: number): StepEvent =>
  ({
    type: 'step',
    step: n,
    epoch: 0,
    loss: 1 / (n + 1),
    lr: 0.1,
    layers: Array.from({ length: 20 }, (_, i) => ({ name: `dense_${i}`, gradNorm: n + i / 7, deadUnits: i, saturation: 0.125 })),
  }) as unknown as StepEvent;
const epoch = (n: number, valLoss: number): EpochEvent => ({
  type: 'epoch',
  epoch: n,
  loss: 1,
  valLoss,
  lr: 0.1,
  durationMs: 1,
  samplesPerSec: 1,
});
const diagnostic = (n: number): DiagnosticEvent =>
  ({ type: 'diagnostic', code: 'dead-relu', severity: 'warning', step: n, message: `m${n}` }) as unknown as DiagnosticEvent;
const end: RunEndEvent = { type: 'run-end', status: 'completed', epochsCompleted: 3, steps: 1500, durationMs: 5 };

/** The summary as its definition says, from the events themselves (not from bytes). */
function expected(dir: string, events: TrainingEvent[]): RunSummary {
  const s: RunSummary = { runDir: dir, runId: path.basename(dir), status: 'running', epochs: 0, diagnostics: [] };
  for (const e of events) {
    if (e.type === 'run-start') s.start = e;
    if (e.type === 'epoch') {
      s.epochs++;
      if (Number.isFinite(e.valLoss) && (s.bestValLoss === undefined || e.valLoss < s.bestValLoss)) s.bestValLoss = e.valLoss;
    }
    if (e.type === 'diagnostic') s.diagnostics.push(JSON.parse(JSON.stringify(e)) as DiagnosticEvent);
    if (e.type === 'run-end') {
      s.end = e;
      s.status = e.status;
    }
  }
  return s;
}

function newRunDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-summary-'));
}

const events: TrainingEvent[] = [start];
for (let n = 0; n < 1500; n++) {
  events.push(step(n));
  if (n % 500 === 499) events.push(epoch(Math.floor(n / 500), [0.9, 0.4, 0.6][Math.floor(n / 500)]));
  if (n % 400 === 0) events.push(diagnostic(n));
}
events.push(end);
const lines = events.map((e) => JSON.stringify(e) + '\n');

describe('run summary', () => {
  it('a growing events file: after each append (even half a line) the summary is the whole file’s', async () => {
    const dir = newRunDir();
    const file = path.join(dir, EVENTS_FILE);
    fs.writeFileSync(file, '');
    const written: TrainingEvent[] = [];
    for (let i = 0; i < lines.length; i += 98) {
      for (const line of lines.slice(i, i + 97)) fs.appendFileSync(file, line);
      written.push(...events.slice(i, i + 97));
      // The next line written in two pieces, as by an engine flushing mid-line: its first piece is no event yet.
      const split = lines[i + 97];
      if (split) fs.appendFileSync(file, split.slice(0, 40));
      assert.deepStrictEqual(summarizeRun(dir), expected(dir, written), `after ${written.length} events (sync)`);
      assert.deepStrictEqual(await summarizeRunAsync(dir), expected(dir, written), `after ${written.length} events (async)`);
      if (!split) continue;
      fs.appendFileSync(file, split.slice(40));
      written.push(events[i + 97]);
    }
    const whole = expected(dir, events);
    assert.strictEqual(whole.status, 'completed');
    assert.strictEqual(whole.bestValLoss, 0.4);
    assert.strictEqual(whole.diagnostics.length, 4);
    assert.deepStrictEqual(summarizeRun(dir), whole);
    assert.deepStrictEqual(await summarizeRunAsync(dir), whole);
    assert.ok(fs.statSync(file).size > 2 * (1 << 20), 'the file spans several read chunks');
  });

  it('the async reader, asked many times at once on a fresh file, agrees with the sync one and with the events', async () => {
    const dir = newRunDir();
    fs.writeFileSync(path.join(dir, EVENTS_FILE), lines.join(''));
    const summaries = await Promise.all(Array.from({ length: 25 }, () => summarizeRunAsync(dir)));
    for (const s of summaries) assert.deepStrictEqual(s, expected(dir, events));
    // Callers that ask before the read begins share it: one summary, frozen through and through, so no caller can
    // change what the others (and the next reads) get.
    for (const s of summaries) assert.strictEqual(s, summaries[0]);
    assert.throws(() => {
      summaries[0].diagnostics.length = 0;
    }, TypeError);
    assert.throws(() => {
      (summaries[0].start as { specName: string }).specName = 'b';
    }, TypeError);
    assert.throws(() => {
      summaries[0].status = 'failed';
    }, TypeError);
    assert.deepStrictEqual(summarizeRun(dir), expected(dir, events));
    assert.strictEqual(summarizeRun(dir), summaries[0], 'the file is unchanged: the kept summary, not a new read');
  });

  it('a caller that asks after an append sees it, even while an earlier read is under way', async () => {
    const dir = newRunDir();
    const file = path.join(dir, EVENTS_FILE);
    fs.writeFileSync(file, lines.slice(0, -1).join(''));
    const before = summarizeRunAsync(dir);
    await Promise.resolve(); // the read begins (a microtask later) and waits on the file system
    fs.appendFileSync(file, lines[lines.length - 1]);
    const after = summarizeRunAsync(dir);
    assert.notStrictEqual(after, before, 'a read under way is not shared with a later caller');
    assert.strictEqual((await after).status, 'completed');
    assert.ok(['running', 'completed'].includes((await before).status));
  });

  it('a file replaced by a shorter one is read again from the start; a missing one reads as a run without events', async () => {
    const dir = newRunDir();
    const file = path.join(dir, EVENTS_FILE);
    fs.writeFileSync(file, lines.join(''));
    assert.strictEqual(summarizeRun(dir).status, 'completed');
    fs.writeFileSync(file, lines.slice(0, 3).join(''));
    assert.deepStrictEqual(await summarizeRunAsync(dir), expected(dir, events.slice(0, 3)));
    fs.rmSync(file);
    const none = { runDir: dir, runId: path.basename(dir), status: 'running', epochs: 0, diagnostics: [] };
    assert.deepStrictEqual(summarizeRun(dir), none);
    assert.deepStrictEqual(await summarizeRunAsync(dir), none);
  });
});
