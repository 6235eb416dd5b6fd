// What a run list shows of a run (status, best validation loss, diagnostics), read from its events.jsonl without
// decoding the (many) step lines: they are skipped as bytes. Summaries are kept per run directory together with how
// far the file has been read; events.jsonl is only ever appended to, so when it has grown (a live run, or a run
// that ended since) reading goes on from there. A sidebar that refreshes while a long run streams thus reads each
// byte once, not the whole file each time. summarizeRunAsync reads in chunks, letting other work run in between.
// A summary handed out is shared and frozen: the sidebar asks for each run once per spec of its folder at every
// refresh, and copying it for each caller cost more than reading what was new.
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnosticEvent, RunEndEvent, RunStartEvent, TrainingEvent } from '../../shared/engineProtocol';
import { EVENTS_FILE, withSpecFile } from './runStore';

/** A run as a run list shows it. The summaries summarizeRun and summarizeRunAsync return are shared and frozen. */
export interface RunSummary {
  runDir: string;
  runId: string;
  start?: RunStartEvent;
  end?: RunEndEvent;
  /** `running` when the run has no run-end yet (still training, or its process died without a trace). */
  status: RunEndEvent['status'] | 'running';
  bestValLoss?: number;
  epochs: number;
  diagnostics: DiagnosticEvent[];
}

/** How far a run's events file has been read, and what it said up to there. */
interface Scan {
  ino: number;
  size: number;
  mtimeMs: number;
  /** The end of the last whole line read: reading goes on from here when the file grows. */
  offset: number;
  /** The summary of the lines before `offset`. */
  lines: RunSummary;
  /** `lines` and the file's last line when that one has no newline yet but is a whole event: what is shown. */
  shown: RunSummary;
}

const scans = new Map<string, Scan>();
/** The last read of each run directory that summarizeRunAsync queued; the next one waits for it. */
const queued = new Map<string, { read: Promise<RunSummary>; begun: boolean }>();
const MAX_CACHED_SUMMARIES = 500;
/** Bytes read (and scanned) at a time. */
const CHUNK_BYTES = 1 << 20;
const STEP_LINE = Buffer.from('{"type":"step"');

function emptySummary(runDir: string): RunSummary {
  return { runDir, runId: path.basename(runDir), status: 'running', epochs: 0, diagnostics: [] };
}

/** Applies one line (bytes [from, end)) to the summary; step lines, blank and unreadable lines change nothing. */
function applyLine(summary: RunSummary, bytes: Buffer, from: number, end: number): void {
  if (end === from || bytes.compare(STEP_LINE, 0, STEP_LINE.length, from, Math.min(end, from + STEP_LINE.length)) === 0) return;
  let e: TrainingEvent;
  try {
    e = JSON.parse(bytes.toString('utf8', from, end)) as TrainingEvent;
  } catch {
    return; // the last line of a killed run may be partial
  }
  if (e.type === 'run-start') summary.start = withSpecFile(e);
  else if (e.type === 'epoch') {
    summary.epochs++;
    if (Number.isFinite(e.valLoss) && (summary.bestValLoss === undefined || e.valLoss < summary.bestValLoss))
      summary.bestValLoss = e.valLoss;
  } else if (e.type === 'diagnostic') summary.diagnostics.push(e);
  else if (e.type === 'run-end') {
    summary.end = e;
    summary.status = e.status;
  }
}

/** Feeds a file's bytes from `offset` on, chunk by chunk, to a summary; lines may span chunks. */
class Reader {
  private carry = Buffer.alloc(0);
  constructor(
    readonly summary: RunSummary,
    private offset: number,
  ) {}

  /** Where the next chunk starts in the file. */
  get next(): number {
    return this.offset + this.carry.length;
  }

  feed(chunk: Buffer): void {
    const bytes = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let from = 0;
    for (let end = bytes.indexOf(10); end >= 0; end = bytes.indexOf(10, from)) {
      applyLine(this.summary, bytes, from, end);
      from = end + 1;
    }
    this.offset += from;
    this.carry = Buffer.from(bytes.subarray(from));
  }

  /** What was read, as the scan to keep for `stat`; its `shown` is frozen (it is handed out, shared). */
  finish(runDir: string, stat: fs.Stats): Scan {
    const shown = structuredClone(this.summary);
    applyLine(shown, this.carry, 0, this.carry.length);
    deepFreeze(shown);
    const scan: Scan = { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, offset: this.offset, lines: this.summary, shown };
    if (scans.size >= MAX_CACHED_SUMMARIES && !scans.has(runDir)) scans.clear();
    scans.set(runDir, scan);
    return scan;
  }
}

/** The summary kept for a run when its file is as it was when last read. */
function unchanged(runDir: string, stat: fs.Stats): RunSummary | undefined {
  const scan = scans.get(runDir);
  return scan && scan.ino === stat.ino && scan.size === stat.size && scan.mtimeMs === stat.mtimeMs ? scan.shown : undefined;
}

/**
 * The kept summary when the file is as it was then (`done`), a reader that goes on from the kept scan when the file
 * only grew, or one from the start.
 */
function resume(runDir: string, stat: fs.Stats): { done: RunSummary } | { reader: Reader } {
  const done = unchanged(runDir, stat);
  if (done) return { done };
  const scan = scans.get(runDir);
  if (scan && scan.ino === stat.ino && stat.size >= scan.offset)
    return { reader: new Reader(structuredClone(scan.lines), scan.offset) };
  return { reader: new Reader(emptySummary(runDir), 0) };
}

/**
 * Reads what a run list shows (the CLI, and callers that cannot wait). A run's summary is kept, and a file that grew
 * since is read on from where the last read stopped.
 */
export function summarizeRun(runDir: string): RunSummary {
  const file = path.join(runDir, EVENTS_FILE);
  let stat: fs.Stats;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
    stat = fs.fstatSync(fd);
  } catch {
    return emptySummary(runDir);
  }
  try {
    const from = resume(runDir, stat);
    if ('done' in from) return from.done;
    const { reader } = from;
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, stat.size - reader.next)));
    while (reader.next < stat.size) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, stat.size - reader.next), reader.next);
      if (n === 0) break;
      reader.feed(chunk.subarray(0, n));
    }
    return reader.finish(runDir, stat).shown;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * summarizeRun for the extension host: the same summary, read a chunk at a time (each read is awaited, so other work
 * runs between chunks). Reads of one run queue up, and a caller gets the file as it is when its turn comes: callers
 * that ask while a read is queued but not begun (a sidebar asks once per spec of the run's folder) share that read.
 */
export function summarizeRunAsync(runDir: string): Promise<RunSummary> {
  const last = queued.get(runDir);
  if (last && !last.begun) return last.read;
  const begin = (): Promise<RunSummary> => {
    entry.begun = true;
    return readSummary(runDir);
  };
  const entry = { read: (last?.read ?? Promise.resolve()).then(begin, begin), begun: false };
  queued.set(runDir, entry);
  const done = (): void => {
    if (queued.get(runDir) === entry) queued.delete(runDir);
  };
  void entry.read.then(done, done);
  return entry.read;
}

/** Freezes an object and everything in it: a summary is shared by everyone who asks for it. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

async function readSummary(runDir: string): Promise<RunSummary> {
  const file = path.join(runDir, EVENTS_FILE);
  let handle: fs.promises.FileHandle;
  let stat: fs.Stats;
  try {
    // A file as it was when last read is known by its stat alone: opening it (three calls, not one) is for reading.
    const kept = unchanged(runDir, await fs.promises.stat(file));
    if (kept) return kept;
    handle = await fs.promises.open(file, 'r');
  } catch {
    return emptySummary(runDir);
  }
  try {
    stat = await handle.stat();
    const from = resume(runDir, stat);
    if ('done' in from) return from.done;
    const { reader } = from;
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, stat.size - reader.next)));
    while (reader.next < stat.size) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, stat.size - reader.next), reader.next);
      if (bytesRead === 0) break;
      reader.feed(chunk.subarray(0, bytesRead));
    }
    return reader.finish(runDir, stat).shown;
  } finally {
    await handle.close();
  }
}
