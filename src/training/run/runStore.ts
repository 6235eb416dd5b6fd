// A run on disk: `.gradscope/runs/<runId>/` with events.jsonl (appended as training goes), a copy of the
// spec, and the final weights. Lines are flushed at least every FLUSH_MS, so a killed process loses ≤ ~1 s.
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnosticEvent, RunEndEvent, RunStartEvent, TrainingEvent } from '../../shared/engineProtocol';

export const EVENTS_FILE = 'events.jsonl';
export const SPEC_COPY = 'spec.gradscope.json';
export const WEIGHTS_DIR = 'model';
const FLUSH_MS = 250;

export function defaultRunsDir(specFile: string): string {
  return path.join(path.dirname(specFile), '.gradscope', 'runs');
}

export function newRunId(specName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = specName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  const suffix = Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0');
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
  fs.appendFileSync(path.join(runDir, EVENTS_FILE), events.map((e) => JSON.stringify(e) + '\n').join(''));
}

/** Reads a run's events; a line cut short by a killed process is skipped, never fatal. */
export function readEvents(runDir: string): TrainingEvent[] {
  const text = fs.readFileSync(path.join(runDir, EVENTS_FILE), 'utf8');
  const events: TrainingEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as TrainingEvent);
    } catch {
      // the last line of a killed run may be partial
    }
  }
  return events;
}

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

/** Reads what a run list shows without parsing its (many) step lines. */
export function summarizeRun(runDir: string): RunSummary {
  const summary: RunSummary = { runDir, runId: path.basename(runDir), status: 'running', epochs: 0, diagnostics: [] };
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, EVENTS_FILE), 'utf8');
  } catch {
    return summary;
  }
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('{"type":"step"')) continue;
    let e: TrainingEvent;
    try { e = JSON.parse(line) as TrainingEvent; } catch { continue; }
    if (e.type === 'run-start') summary.start = e;
    else if (e.type === 'epoch') {
      summary.epochs++;
      if (Number.isFinite(e.valLoss) && (summary.bestValLoss === undefined || e.valLoss < summary.bestValLoss)) summary.bestValLoss = e.valLoss;
    } else if (e.type === 'diagnostic') summary.diagnostics.push(e);
    else if (e.type === 'run-end') { summary.end = e; summary.status = e.status; }
  }
  return summary;
}

/** Runs in a runs directory, newest first (run ids start with a UTC timestamp). */
export function listRuns(runsDir: string): string[] {
  try {
    return fs.readdirSync(runsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(runsDir, d.name, EVENTS_FILE)))
      .map((d) => path.join(runsDir, d.name))
      .sort()
      .reverse();
  } catch {
    return [];
  }
}
