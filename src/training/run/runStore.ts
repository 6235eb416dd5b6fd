// A run on disk: `.gradscope/runs/<runId>/` with events.jsonl (appended as training goes), a copy of the
// spec, and the final weights. Lines are flushed at least every FLUSH_MS, so a killed process loses ≤ ~1 s.
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { setImmediate as nextTurn } from 'timers/promises';
import type { RunEndEvent, RunStartEvent, RunStatus, TrainingEvent } from '../../shared/engineProtocol';
import { applyEvent, emptyHistory, finalStride, skipStep, type RunHistoryState } from '../../shared/runHistory';

export const EVENTS_FILE = 'events.jsonl';
export const SPEC_COPY = 'spec.gradscope.json';
export const WEIGHTS_DIR = 'model';
const FLUSH_MS = 250;

export function defaultRunsDir(specFile: string): string {
  return path.join(path.dirname(specFile), '.gradscope', 'runs');
}

export function newRunId(specName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug =
    specName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'run';
  const suffix = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${stamp}-${slug}-${suffix}`;
}

export class RunWriter {
  private fd: number | undefined;
  private buffer: string[] = [];
  private lastFlush = Date.now();

  private constructor(readonly dir: string) {
    this.fd = fs.openSync(path.join(dir, EVENTS_FILE), 'a');
  }

  /** Creates the run directory and copies the spec into it. */
  static create(runsDir: string, runId: string, specFile: string): RunWriter {
    const dir = path.join(runsDir, runId);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(specFile, path.join(dir, SPEC_COPY));
    return new RunWriter(dir);
  }

  append(event: TrainingEvent): void {
    this.buffer.push(JSON.stringify(event));
    // Rare, important events go to disk at once; steps are batched.
    if (event.type !== 'step' || Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  }

  flush(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.lastFlush = Date.now();
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Appends events to an existing run (the front-end uses it when the engine died without a `run-end`). */
export function appendEvents(runDir: string, events: TrainingEvent[]): void {
  const file = path.join(runDir, EVENTS_FILE);
  // A process killed mid-write can leave a partial last line: start on a fresh one so the new events stay readable.
  const partial = fs.existsSync(file) && !endsWithNewline(file);
  fs.appendFileSync(file, (partial ? '\n' : '') + events.map((e) => JSON.stringify(e) + '\n').join(''));
}

function endsWithNewline(file: string): boolean {
  const size = fs.statSync(file).size;
  if (size === 0) return true;
  const fd = fs.openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A gradscope run's spec text: its copy in the run directory (what it trained) or the spec file as it is now (what
 * the editor shows), whichever `prefer` names, else the other; a byte-order mark dropped. Undefined when neither
 * can be read.
 */
export function readRunSpec(
  start: RunStartEvent,
  runDir: string,
  prefer: 'copy' | 'current',
): { file: string; text: string } | undefined {
  const copy = path.join(runDir, SPEC_COPY);
  for (const file of prefer === 'copy' ? [copy, start.specFile] : [start.specFile, copy]) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      return { file, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
    } catch {
      // not readable: try the other
    }
  }
  return undefined;
}

/** Runs recorded before `run-start` had `specFile` carry the file path in `specPath` only. */
export function withSpecFile(start: RunStartEvent): RunStartEvent {
  return typeof start.specFile === 'string' ? start : { ...start, specFile: start.specPath };
}

/**
 * The run-end of a run whose engine ended without writing one (killed, crashed, or stopped by force): how far it got
 * is what its events show — epochs completed, steps taken, the best validation loss, time since it started.
 */
export function runEndFromEvents(events: readonly TrainingEvent[], status: RunStatus, now = Date.now()): RunEndEvent {
  let startedAt: number | undefined;
  let steps = 0;
  let epochsCompleted = 0;
  let best: { epoch: number; valLoss: number } | undefined;
  for (const e of events) {
    if (e.type === 'run-start') startedAt = Date.parse(e.startedAt);
    else if (e.type === 'step') steps = Math.max(steps, e.step + 1);
    else if (e.type === 'epoch') {
      epochsCompleted = Math.max(epochsCompleted, e.epoch + 1);
      if (Number.isFinite(e.valLoss) && (best === undefined || e.valLoss < best.valLoss))
        best = { epoch: e.epoch, valLoss: e.valLoss };
    }
  }
  const end: RunEndEvent = {
    type: 'run-end',
    status,
    epochsCompleted,
    steps,
    durationMs: startedAt !== undefined && Number.isFinite(startedAt) ? Math.max(0, now - startedAt) : 0,
  };
  if (best) {
    end.bestEpoch = best.epoch;
    end.bestValLoss = best.valLoss;
  }
  return end;
}

/** One line of events.jsonl as an event; undefined for a blank line or one cut short by a killed process. */
export function parseEventLine(line: string): TrainingEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    const e = JSON.parse(line) as TrainingEvent;
    return e.type === 'run-start' ? withSpecFile(e) : e;
  } catch {
    return undefined; // the last line of a killed run may be partial
  }
}

/** Reads a run's events; a line cut short by a killed process is skipped, never fatal. */
export function readEvents(runDir: string): TrainingEvent[] {
  const text = fs.readFileSync(path.join(runDir, EVENTS_FILE), 'utf8');
  const events: TrainingEvent[] = [];
  for (const line of text.split('\n')) {
    const e = parseEventLine(line);
    if (e) events.push(e);
  }
  return events;
}

/**
 * Streams a run's events to `onEvent` line by line, without holding the file (or its events) in memory and
 * without blocking the caller's thread: for the extension host, which must stay responsive while it replays a
 * long run. Resolves when the file has been read; a missing file rejects.
 */
export async function streamEvents(runDir: string, onEvent: (e: TrainingEvent) => void): Promise<void> {
  const input = fs.createReadStream(path.join(runDir, EVENTS_FILE), { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      const e = parseEventLine(line);
      if (e) onEvent(e);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

const STEP_LINE = Buffer.from('{"type":"step"');
const RUN_START_LINE = Buffer.from('{"type":"run-start"');
const LAYERS_KEY = Buffer.from('"layers":[');
const MOMENTUM_KEY = Buffer.from('"momentum":');
/** Bytes of events.jsonl loadHistory reads before it lets other work run (the extension host must not block). */
const LOAD_SLICE_BYTES = 1 << 20;

function startsWith(bytes: Buffer, from: number, end: number, prefix: Buffer): boolean {
  return end - from >= prefix.length && bytes.compare(prefix, 0, prefix.length, from, from + prefix.length) === 0;
}

/** Whether the line [from, end) holds `needle` (searched in a view of the line: never past its end). */
function contains(bytes: Buffer, from: number, end: number, needle: Buffer): boolean {
  return bytes.subarray(from, end).indexOf(needle) >= 0;
}

/**
 * A run's history as the reducer builds it from its events (`historyFromEvents` of the whole file, the same
 * result), read for the dashboard without parsing the step lines the reducer would drop: the measured steps are
 * counted first (as bytes), which fixes the reducer's final stride, and only steps at multiples of it (and those
 * that change momentum, and the last) are parsed. Reads the file asynchronously and yields between slices.
 */
export async function loadHistory(runDir: string, maxPoints?: number): Promise<RunHistoryState> {
  return historyOfBytes(await fs.promises.readFile(path.join(runDir, EVENTS_FILE)), maxPoints);
}

/**
 * loadHistory of a run that is still being written, for a reader that goes on following it (an EventTail from
 * `offset`): the history of the file's whole lines, and the byte offset where they end (a last line without its
 * newline yet is left to the follower).
 */
export async function loadLiveHistory(runDir: string, maxPoints?: number): Promise<{ history: RunHistoryState; offset: number }> {
  const bytes = await fs.promises.readFile(path.join(runDir, EVENTS_FILE));
  const offset = bytes.lastIndexOf(10) + 1;
  return { history: await historyOfBytes(bytes.subarray(0, offset), maxPoints), offset };
}

async function historyOfBytes(bytes: Buffer, maxPoints?: number): Promise<RunHistoryState> {
  const lines: Array<[number, number]> = [];
  let lastStart = -1;
  let runStarts = 0;
  for (let from = 0, next = 8 * LOAD_SLICE_BYTES; from < bytes.length;) {
    if (from >= next) {
      next = from + 8 * LOAD_SLICE_BYTES;
      await nextTurn();
    }
    let end = bytes.indexOf(10, from);
    if (end < 0) end = bytes.length;
    if (startsWith(bytes, from, end, RUN_START_LINE)) {
      lastStart = lines.length;
      runStarts++;
    }
    if (end > from) lines.push([from, end]);
    from = end + 1;
  }
  // The last line of a killed run may be cut short: the reducer never sees it, so it is not counted either.
  const tail = lines[lines.length - 1];
  if (tail && !parseEventLine(bytes.toString('utf8', tail[0], tail[1]))) lines.pop();
  let measured = 0;
  for (let i = Math.max(0, lastStart); i < lines.length; i++) {
    const [from, end] = lines[i];
    if (i % 4096 === 0) await nextTurn();
    if (startsWith(bytes, from, end, STEP_LINE) && contains(bytes, from, end, LAYERS_KEY)) measured++;
  }
  const state = emptyHistory(maxPoints);
  // One run-start (the usual file): steps the reducer would drop are skipped. Otherwise every line is applied.
  const stride = runStarts === 1 ? finalStride(measured, state.maxPoints) : 1;
  let index = 0;
  let lastSkipped = -1;
  let lastParsedStep = -1;
  let sliceEnd = LOAD_SLICE_BYTES;
  for (let i = 0; i < lines.length; i++) {
    const [from, end] = lines[i];
    if (from >= sliceEnd) {
      sliceEnd = from + LOAD_SLICE_BYTES;
      await nextTurn();
    }
    if (stride > 1 && i > lastStart && startsWith(bytes, from, end, STEP_LINE)) {
      const isMeasured = contains(bytes, from, end, LAYERS_KEY);
      const kept = isMeasured && index % stride === 0;
      if (isMeasured) index++;
      if (!kept && !contains(bytes, from, end, MOMENTUM_KEY)) {
        skipStep(state, isMeasured);
        lastSkipped = i;
        continue;
      }
      lastParsedStep = i;
    }
    const e = parseEventLine(bytes.toString('utf8', from, end));
    if (!e) continue;
    // An epoch reads the run's last step (a PyTorch run's steps per epoch): it is the skipped one, if one was.
    if (e.type === 'epoch' && lastSkipped > lastParsedStep) {
      catchUp(state, bytes, lines[lastSkipped]);
      lastParsedStep = lastSkipped;
    }
    applyEvent(state, e);
    if (e.type === 'run-start' && stride > 1) state.stride = stride;
  }
  if (lastSkipped > lastParsedStep) catchUp(state, bytes, lines[lastSkipped]);
  return state;
}

/** Makes a skipped step line the history's last step (its step and loss). */
function catchUp(state: RunHistoryState, bytes: Buffer, [from, end]: [number, number]): void {
  const e = parseEventLine(bytes.toString('utf8', from, end));
  if (e?.type === 'step') skipStep(state, false, e);
}
/** Runs in a runs directory, newest first (run ids start with a UTC timestamp). */
export function listRuns(runsDir: string): string[] {
  try {
    return fs
      .readdirSync(runsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(runsDir, d.name, EVENTS_FILE)))
      .map((d) => path.join(runsDir, d.name))
      .sort()
      .reverse();
  } catch {
    return [];
  }
}
