// Following a growing events.jsonl that another process writes (the dashboard's view of a PyTorch run): the tailer
// hands over exactly the whole lines appended, in order, whatever the write boundaries (a line written in pieces, a
// read while the last line is half there, chunk boundaries inside lines); a file that shrank or was replaced starts
// over after onReset; concurrent reads never hand a line over twice. followRun keeps a history equal to the reducer's
// over the whole file; a run that did not plan its epochs (stepsPerEpoch 0) shows progress without dividing by zero.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { TrainingEvent } from '../../src/shared/engineProtocol';
import { historyFromEvents, runProgress, stepsPerEpochOf } from '../../src/shared/runHistory';
import { EventTail } from '../../src/training/run/eventTail';
import { followRun } from '../../src/training/run/followRun';
import { EVENTS_FILE, loadHistory } from '../../src/training/run/runStore';
import { end, epochEvent, externalStart, step } from './support/externalEvents';

const line = (e: TrainingEvent): string => `${JSON.stringify(e)}\n`;

describe('EventTail (following a growing events.jsonl)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-tail-'));
    file = path.join(dir, EVENTS_FILE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A tailer that collects what it hands over: the batches, and how many resets. */
  function collecting(options?: { offset?: number; maxLineBytes?: number }): {
    tail: EventTail;
    batches: TrainingEvent[][];
    resets: () => number;
  } {
    const batches: TrainingEvent[][] = [];
    let resets = 0;
    const tail = new EventTail(
      file,
      {
        onEvents: (events) => batches.push(events),
        onReset: () => resets++,
      },
      options,
    );
    return { tail, batches, resets: () => resets };
  }

  it('reads nothing from a file that does not exist yet, then the lines once it does', async () => {
    const { tail, batches } = collecting();
    await tail.read();
    assert.deepStrictEqual(batches, []);
    const start = externalStart(dir);
    fs.writeFileSync(file, line(start));
    await tail.read();
    assert.deepStrictEqual(batches, [[start]]);
    assert.strictEqual(tail.position, fs.statSync(file).size);
  });

  it('holds a partial last line back until its newline arrives, whatever the write boundaries', async () => {
    const events: TrainingEvent[] = [externalStart(dir), step(0, 0), step(1, 0), epochEvent(0), end(2, 1)];
    const text = events.map(line).join('');
    const { tail, batches } = collecting();
    // Cut the text at awkward places: inside the first line, right before a newline, right after one, inside a number.
    const cuts = [
      7,
      text.indexOf('\n') - 1,
      text.indexOf('\n') + 1,
      text.indexOf('"loss"', 400) + 9,
      text.length - 3,
      text.length,
    ];
    let written = 0;
    const seenAfterCut: number[] = [];
    for (const cut of cuts) {
      fs.appendFileSync(file, text.slice(written, cut));
      written = cut;
      await tail.read();
      const handed = batches.flat().length;
      seenAfterCut.push(handed);
      // Exactly the lines whose newline has been written so far.
      const whole = text.slice(0, written).split('\n').length - 1;
      assert.strictEqual(handed, whole, `after ${written} bytes: ${handed} events handed over, ${whole} whole lines written`);
      assert.strictEqual(tail.position, text.slice(0, written).lastIndexOf('\n') + 1);
    }
    assert.deepStrictEqual(batches.flat(), events);
    assert.deepStrictEqual(seenAfterCut, [0, 0, 1, seenAfterCut[3], 4, 5]);
  });

  it('hands over a file larger than a read chunk line by line, each line once, in order', async () => {
    const events: TrainingEvent[] = [externalStart(dir, 20)];
    for (let n = 0; n < 2000; n++) events.push(step(n, Math.floor(n / 500), 20));
    events.push(end(2000, 4));
    const text = events.map(line).join('');
    assert.ok(text.length > 2 * (1 << 20), `${text.length} bytes span several 1 MiB chunks`);
    fs.writeFileSync(file, text);
    const { tail, batches } = collecting();
    await tail.read();
    assert.deepStrictEqual(batches.flat(), events);
    assert.strictEqual(tail.position, text.length);
  });

  it('reads again from the start after the file was truncated or replaced (onReset first)', async () => {
    const first = [externalStart(dir), step(0, 0), step(1, 0)];
    fs.writeFileSync(file, first.map(line).join(''));
    const { tail, batches, resets } = collecting();
    await tail.read();
    assert.strictEqual(batches.flat().length, 3);

    // Truncated and written again, shorter than before.
    const second = [externalStart(dir, 1)];
    fs.writeFileSync(file, second.map(line).join(''));
    await tail.read();
    assert.strictEqual(resets(), 1);
    assert.deepStrictEqual(batches[batches.length - 1], second);

    // Replaced by another file (a new inode) that is longer than what was read.
    const third = [externalStart(dir, 2), step(0, 0), step(1, 0), step(2, 0)];
    const other = path.join(dir, 'other.jsonl');
    fs.writeFileSync(other, third.map(line).join(''));
    fs.renameSync(other, file);
    await tail.read();
    assert.strictEqual(resets(), 2);
    assert.deepStrictEqual(batches[batches.length - 1], third);
  });

  it('never hands a line over twice when reads are asked for while one runs', async () => {
    const events: TrainingEvent[] = [externalStart(dir)];
    for (let n = 0; n < 200; n++) events.push(step(n, 0));
    const { tail, batches } = collecting();
    const reads: Promise<void>[] = [];
    for (const e of events) {
      fs.appendFileSync(file, line(e));
      reads.push(tail.read());
    }
    await Promise.all(reads);
    await tail.read();
    assert.deepStrictEqual(batches.flat(), events);
  });

  it('starts at a given offset (after what a load already read) and skips a line too long to be an event', async () => {
    const start = externalStart(dir);
    const s0 = step(0, 0);
    fs.writeFileSync(file, line(start) + line(s0));
    const { tail, batches } = collecting({ offset: line(start).length, maxLineBytes: 1000 });
    await tail.read();
    assert.deepStrictEqual(batches, [[s0]]);
    // A 5000-byte line arriving in pieces is counted as read but neither held nor parsed; the next line is read.
    const huge = `{"type":"log","message":"${'x'.repeat(5000)}"}\n`;
    fs.appendFileSync(file, huge.slice(0, 2500));
    await tail.read();
    fs.appendFileSync(file, huge.slice(2500));
    const s1 = step(1, 0);
    fs.appendFileSync(file, line(s1));
    await tail.read();
    assert.deepStrictEqual(batches.flat(), [s0, s1]);
    assert.strictEqual(tail.position, fs.statSync(file).size);
  });

  it('hands nothing over after close()', async () => {
    const { tail, batches } = collecting();
    tail.close();
    fs.writeFileSync(file, line(externalStart(dir)));
    await tail.read();
    assert.deepStrictEqual(batches, []);
  });
});

describe('followRun (a dashboard following an external run)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-follow-'));
    file = path.join(dir, EVENTS_FILE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps the history equal to the reducer over the whole file, a half-written line at load included', async () => {
    const events: TrainingEvent[] = [externalStart(dir)];
    for (let n = 0; n < 30; n++) events.push(step(n, Math.floor(n / 10)));
    const before = events.map(line).join('');
    // Loaded while the 31st line is half written: the load leaves it to the tail.
    const next = line(epochEvent(0));
    fs.writeFileSync(file, before + next.slice(0, 10));
    const batches: TrainingEvent[][] = [];
    const followed = await followRun(
      dir,
      2000,
      { onEvents: (e) => batches.push(e), onReset: () => assert.fail('no reset') },
      60_000,
    );
    try {
      assert.deepStrictEqual(followed.history, historyFromEvents(events));
      fs.appendFileSync(file, next.slice(10));
      const rest: TrainingEvent[] = [];
      for (let n = 30; n < 40; n++) rest.push(step(n, 3));
      rest.push(end(40, 4));
      fs.appendFileSync(file, rest.map(line).join(''));
      await followed.read();
      assert.deepStrictEqual(batches.flat(), [epochEvent(0), ...rest]);
      const all = [...events, epochEvent(0), ...rest];
      assert.deepStrictEqual(followed.history, historyFromEvents(all));
      assert.deepStrictEqual(followed.history, await loadHistory(dir));
      // Ended: the tail stopped; a line written after the run-end is not read.
      fs.appendFileSync(file, line(step(99, 9)));
      await followed.read();
      assert.strictEqual(batches.flat().length, rest.length + 1);
    } finally {
      followed.close();
    }
  });

  it('progress of a run that planned no epochs: counts, no fraction, no division by zero', () => {
    const events: TrainingEvent[] = [externalStart(dir)];
    const h = historyFromEvents(events);
    assert.deepStrictEqual(runProgress(h), { epoch: 1, epochs: 0, step: 0, totalSteps: 0, fraction: 0 });
    for (let n = 0; n < 25; n++) events.push(step(n, 0));
    const during = historyFromEvents(events);
    assert.strictEqual(stepsPerEpochOf(during), undefined, 'unknown until the first epoch ends');
    assert.deepStrictEqual(runProgress(during), { epoch: 1, epochs: 0, step: 25, totalSteps: 0, fraction: 0 });
    events.push(epochEvent(0));
    for (let n = 25; n < 60; n++) events.push(step(n, Math.floor(n / 25)));
    const later = historyFromEvents(events);
    assert.strictEqual(stepsPerEpochOf(later), 25, 'the first epoch took 25 steps');
    // Step 60 is in the third epoch of 25 steps.
    assert.deepStrictEqual(runProgress(later), { epoch: 3, epochs: 0, step: 60, totalSteps: 0, fraction: 0 });
  });

  it('a long external run loaded with skipped steps knows its steps per epoch as the reducer does', async () => {
    // 3000 measured steps over 3 epochs: more than the 2000 points kept, so loadHistory skips step lines.
    const events: TrainingEvent[] = [externalStart(dir)];
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let n = 0; n < 1000; n++) events.push(step(epoch * 1000 + n, epoch));
      events.push(epochEvent(epoch));
    }
    events.push(end(3000, 3));
    fs.writeFileSync(file, events.map(line).join(''));
    const loaded = await loadHistory(dir);
    assert.ok(loaded.stride > 1, 'steps were skipped');
    assert.strictEqual(loaded.stepsPerEpochSeen, 1000);
    assert.deepStrictEqual(loaded, historyFromEvents(events));
    assert.deepStrictEqual(runProgress(loaded), { epoch: 3, epochs: 0, step: 3000, totalSteps: 0, fraction: 0 });
  });
});
