// A run on disk: `.gradscope/runs/<runId>/` with events.jsonl (appended as training goes), a copy of the
// spec, and the final weights. Lines are flushed at least every FLUSH_MS, so a killed process loses ≤ ~1 s.
import * as fs from 'fs';
import * as path from 'path';
import type { TrainingEvent } from '../shared/engineProtocol';

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
