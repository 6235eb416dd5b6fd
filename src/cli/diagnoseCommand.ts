// `gradscope diagnose <runDir|events.jsonl> [--json] [--follow] [--thresholds JSON]`: runs the training-health detectors over a recorded
// run — one gradscope trained, or one a PyTorch script's monitor recorded (run-start.external) — and prints what they
// find in `check`'s format (`file:line:col: severity: message [code]`, at the spec entry or at the Python source line),
// or as `diagnostic` events (--json). With --follow it tails a growing events.jsonl and prints each diagnosis as it
// fires, until the run-end (or Ctrl-C / SIGTERM). The detectors re-derive every diagnosis from the steps and epochs;
// the diagnostics the run recorded are not echoed. No engine, no TensorFlow.js.
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnosticEvent, RunEndEvent, RunStartEvent, TrainingEvent } from '../shared/engineProtocol';
import { EXIT, exitCodeForSignal, type ExitCode } from '../shared/exitCodes';
import { readThresholdOverrides } from '../training/diagnosis/defaults';
import { RunDiagnosis, isExternalRun } from '../training/diagnosis/runDiagnosis';
import type { Thresholds } from '../training/diagnosis/types';
import { readEventLine } from '../training/run/eventLines';
import { LineSplitter, type NumberedLine } from '../training/run/lineSplitter';
import { EVENTS_FILE, withSpecFile } from '../training/run/runStore';
import { UsageError } from './args';
import { displayPath } from './displayPath';
import { diagnosticLines } from './diagnoseOutput';
import type { StopSignal } from './stopSignals';

export interface DiagnoseOptions {
  json: boolean;
  follow: boolean;
  /** Threshold overrides (--thresholds); a gradscope run's spec `monitor` section wins over them. */
  thresholds?: Thresholds;
}

/** `--thresholds <json>`: an object of known threshold names and finite numbers, else a usage error (exit 2). */
export function thresholdsOption(text: string): Thresholds {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `diagnose: --thresholds takes a JSON object such as '{"vanishingRatio":1e-4}': ${(err as Error).message}`,
      'diagnose',
    );
  }
  const { thresholds, problems } = readThresholdOverrides(value);
  if (problems.length) throw new UsageError(`diagnose: --thresholds: ${problems.join('; ')}`, 'diagnose');
  return thresholds;
}

/** The events file a `diagnose` argument names, and its run directory. */
function eventsFileOf(arg: string): { file: string; runDir: string } {
  const target = path.resolve(arg);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new UsageError(`diagnose: no such run directory or events file: ${arg}`, 'diagnose');
  }
  if (!stat.isDirectory()) return { file: target, runDir: path.dirname(target) };
  const file = path.join(target, EVENTS_FILE);
  if (!fs.existsSync(file)) throw new UsageError(`diagnose: ${arg} is not a run directory: it has no ${EVENTS_FILE}`, 'diagnose');
  return { file, runDir: target };
}

/** The stream's state as lines arrive: the diagnosis, what was seen, and the first problem that stops it. */
class StreamState {
  readonly diagnosis: RunDiagnosis;
  readonly found: DiagnosticEvent[] = [];
  steps = 0;
  epochs = 0;
  end: RunEndEvent | undefined;
  private seenEvent = false;
  private skipped: number[] = [];

  constructor(
    readonly file: string,
    runDir: string,
    thresholds: Thresholds | undefined,
    private readonly print: (d: DiagnosticEvent, start: RunStartEvent) => void,
  ) {
    this.diagnosis = new RunDiagnosis({
      runDir,
      thresholds,
      log: (e) => process.stderr.write(`${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`),
    });
  }

  get start(): RunStartEvent | undefined {
    return this.diagnosis.start;
  }

  /** Reads one complete line; a line that stops the diagnosis throws a UsageError naming file:line:col. */
  line(l: NumberedLine): void {
    const reading = readEventLine(l.text);
    if ('blank' in reading) return;
    const at = `${displayPath(this.file)}:${l.line}`;
    if ('problem' in reading) {
      // Before any event the file is not an events file; later, a writer killed mid-line leaves such a line
      // (runStore.appendEvents goes on on a fresh line): it is skipped, and said so at the end.
      if (!this.seenEvent)
        throw new UsageError(
          `diagnose: ${at}:${reading.column}: ${reading.problem}; an ${EVENTS_FILE} has one event per line`,
          'diagnose',
        );
      this.skipped.push(l.line);
      return;
    }
    const event: TrainingEvent = reading.event.type === 'run-start' ? withSpecFile(reading.event) : reading.event;
    if (!this.seenEvent && event.type !== 'run-start')
      throw new UsageError(
        `diagnose: ${at}:1: no run-start: the first event is "${event.type}"; a run's ${EVENTS_FILE} begins with its run-start`,
        'diagnose',
      );
    this.seenEvent = true;
    if (event.type === 'step') this.steps++;
    if (event.type === 'epoch') this.epochs++;
    if (event.type === 'run-end') this.end = event;
    for (const d of this.diagnosis.push(event)) {
      this.found.push(d);
      this.print(d, this.start!);
    }
  }

  /** Whether any event was read. */
  get started(): boolean {
    return this.seenEvent;
  }

  /** Lines skipped because they were not JSON, for the closing note. */
  get skippedLines(): readonly number[] {
    return this.skipped;
  }
}

/** The closing summary on stderr: what was found and how far the run had got. */
function summary(state: StreamState, interrupted?: StopSignal): string {
  const count = (s: DiagnosticEvent['severity']): number => state.found.filter((d) => d.severity === s).length;
  const n = state.found.length;
  const found =
    n === 0
      ? 'no diagnosis'
      : `${n} ${n === 1 ? 'diagnosis' : 'diagnoses'} (${count('error')} error, ${count('warning')} warning, ${count('info')} info)`;
  const what = state.start && isExternalRun(state.start) ? `${state.start.external!.framework} run` : 'run';
  const plural = (k: number, word: string): string => `${k} ${word}${k === 1 ? '' : 's'}`;
  const progress = `${plural(state.steps, 'step')}, ${plural(state.epochs, 'epoch')}`;
  const status = state.end
    ? `the ${what} ended ${state.end.status} (${progress})`
    : `the ${what} has not ended (no run-end yet): diagnosed the ${progress} recorded so far` +
      (interrupted ? `; stopped following on ${interrupted}` : '');
  const skipped = state.skippedLines.length
    ? `\nnote: skipped ${state.skippedLines.length} line(s) that are not JSON (line ${state.skippedLines.slice(0, 5).join(', ')}${state.skippedLines.length > 5 ? ', …' : ''}): a writer killed mid-line leaves one`
    : '';
  return `${displayPath(state.file)}: ${found}; ${status}.${skipped}\n`;
}

function exitCode(state: StreamState): ExitCode {
  // As `check`: problems of severity error make the exit code 1.
  return state.found.some((d) => d.severity === 'error') ? EXIT.invalidSpec : EXIT.ok;
}

const describeError = (err: unknown): string => (typeof err === 'string' ? err : (JSON.stringify(err) ?? 'unknown error'));

/** Reads what the file holds now, from `offset`; returns the new offset. */
function readFrom(file: string, offset: number, onChunk: (chunk: Buffer) => void): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < offset)
      throw new UsageError(`diagnose: ${displayPath(file)} shrank while it was followed (rewritten?)`, 'diagnose');
    const buffer = Buffer.alloc(1 << 16);
    while (offset < size) {
      const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
      if (n <= 0) break;
      onChunk(buffer.subarray(0, n));
      offset += n;
    }
    return offset;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Tails `file` until the run-end is read (resolves undefined) or SIGINT/SIGTERM arrives (resolves the signal). New
 * bytes are read when the file changes (fs.watch) and on a 250 ms poll (fs.watchFile), for file systems whose
 * change notices do not arrive.
 */
function follow(file: string, state: StreamState, lines: LineSplitter): Promise<StopSignal | undefined> {
  return new Promise((resolve, reject) => {
    let offset = 0;
    let done = false;
    let watcher: fs.FSWatcher | undefined;
    const finish = (result: StopSignal | undefined, err?: Error): void => {
      if (done) return;
      done = true;
      watcher?.close();
      fs.unwatchFile(file, poll);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      if (err) reject(err);
      else resolve(result);
    };
    const read = (): void => {
      if (done) return;
      try {
        offset = readFrom(file, offset, (chunk) => {
          for (const l of lines.push(chunk)) if (!done && !state.end) state.line(l);
        });
      } catch (err) {
        finish(undefined, err instanceof Error ? err : new Error(describeError(err)));
        return;
      }
      if (state.end) finish(undefined);
    };
    const poll = (): void => read();
    const onSigint = (): void => finish('SIGINT');
    const onSigterm = (): void => finish('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    try {
      watcher = fs.watch(file, () => read());
      watcher.on('error', () => undefined); // the poll below still reads
    } catch {
      watcher = undefined;
    }
    fs.watchFile(file, { interval: 250 }, poll);
    read();
  });
}

export async function runDiagnose(arg: string, options: DiagnoseOptions): Promise<ExitCode> {
  const { file, runDir } = eventsFileOf(arg);
  const print = (d: DiagnosticEvent, start: RunStartEvent): void => {
    process.stdout.write(options.json ? `${JSON.stringify(d)}\n` : diagnosticLines(d, start, runDir));
  };
  const state = new StreamState(file, runDir, options.thresholds, print);
  const lines = new LineSplitter();
  let signal: StopSignal | undefined;
  if (options.follow) {
    process.stderr.write(`following ${displayPath(file)} until its run-end (Ctrl-C stops)…\n`);
    signal = await follow(file, state, lines);
  } else {
    let text: Buffer;
    try {
      text = fs.readFileSync(file);
    } catch (err) {
      throw new UsageError(`diagnose: cannot read ${displayPath(file)}: ${(err as Error).message}`, 'diagnose');
    }
    for (const l of lines.push(text)) state.line(l);
    // No newline after the last line: a writer may still be writing it; as readEvents, take it if it parses.
    const last = lines.partial;
    if (last.text.trim() !== '' && 'event' in readEventLine(last.text)) state.line(last);
    else if (last.text.trim() !== '' && state.started)
      process.stderr.write(
        `note: ${displayPath(file)}:${last.line}: the last line is incomplete (still being written?): skipped\n`,
      );
  }
  if (!state.started && signal) {
    process.stderr.write(`${displayPath(file)}: no event was written before ${signal}: nothing diagnosed.\n`);
    return exitCodeForSignal(signal);
  }
  if (!state.started)
    throw new UsageError(`diagnose: ${displayPath(file)}:1:1: no run-start: the file holds no event`, 'diagnose');
  process.stderr.write(summary(state, signal));
  if (signal) return exitCodeForSignal(signal);
  return exitCode(state);
}
