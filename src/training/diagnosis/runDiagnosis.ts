// Diagnosing a recorded run — finished, or still growing — from its events: the one entry point the CLI (`gradscope
// diagnose`) and the editor use. It picks the diagnoser from the run-start: an external run (run-start.external: a
// PyTorch script's monitor recorded it) is judged from run-start alone; a gradscope run with the spec it trained (the
// copy in its run directory, SPEC_COPY), exactly as the engine judged it while training. Recorded `diagnostic` events
// are not echoed: the detectors re-derive them from the steps and epochs.
import * as path from 'path';
import type { DiagnosticEvent, LogEvent, RunStartEvent, TrainingEvent } from '../../shared/engineProtocol';
import { SPEC_COPY, readRunSpec } from '../run/runStore';
import { parseSpecText } from '../spec/parse';
import { resolveThresholds } from './defaults';
import { createDiagnoser, createExternalDiagnoser } from './diagnoser';
import type { Diagnoser, Thresholds } from './types';

export interface RunDiagnoserOptions {
  /** The run directory (events.jsonl, and a gradscope run's spec copy); default `start.runDir`. */
  runDir?: string;
  /** Threshold overrides (e.g. VS Code settings); a gradscope run's spec `monitor` section wins over them. */
  thresholds?: Thresholds;
  /** Where set-up problems and detector failures go; default stderr. */
  log?: (event: LogEvent) => void;
}

/** A run gradscope did not start: a monitor inside another framework's training loop recorded it. */
export function isExternalRun(start: RunStartEvent): boolean {
  return start.external !== undefined;
}

function logToStderr(e: LogEvent): void {
  process.stderr.write(`${e.message}\n`);
}

const silent: Diagnoser = { step: () => [], epoch: () => [], end: () => [] };

/**
 * The diagnoser of one recorded run, chosen from its run-start: external runs by createExternalDiagnoser; gradscope
 * runs by createDiagnoser with the spec parsed from the run directory's copy (paths in it resolved against the
 * original spec file). A gradscope run whose spec cannot be read or parsed is logged (level error) and not diagnosed.
 */
export function diagnoserForRun(start: RunStartEvent, options: RunDiagnoserOptions = {}): Diagnoser {
  const log = options.log ?? logToStderr;
  if (isExternalRun(start)) return createExternalDiagnoser(start, resolveThresholds(options.thresholds), { log });
  const runDir = options.runDir ?? start.runDir;
  const source = readRunSpec(start, runDir, 'copy');
  if (!source) {
    log({
      type: 'log',
      level: 'error',
      message: `diagnosis: this run is not diagnosed: neither ${path.join(runDir, SPEC_COPY)} nor ${start.specFile} can be read`,
    });
    return silent;
  }
  const parsed = parseSpecText(source.text, start.specFile);
  if (!parsed.spec) {
    const first = parsed.problems.find((p) => p.severity === 'error');
    log({
      type: 'log',
      level: 'error',
      message:
        `diagnosis: this run is not diagnosed: its spec ${source.file} does not parse` +
        (first ? ` (${first.range.start.line}:${first.range.start.column}: ${first.message})` : ''),
    });
    return silent;
  }
  return createDiagnoser(parsed.spec, start, resolveThresholds(options.thresholds, parsed.spec.monitor), {
    specText: source.text,
    log,
  });
}

/**
 * A run's event stream diagnosed event by event, in file order: the diagnoser is made at run-start; steps, epochs and
 * run-end go to it; everything else (recorded diagnostics included) is skipped. A second run-start starts over.
 */
export class RunDiagnosis {
  private diagnoser: Diagnoser | undefined;
  private runStart: RunStartEvent | undefined;
  private over = false;

  constructor(private readonly options: RunDiagnoserOptions = {}) {}

  /** The run-start seen, if any. */
  get start(): RunStartEvent | undefined {
    return this.runStart;
  }

  /** True once the run's run-end has been pushed. */
  get ended(): boolean {
    return this.over;
  }

  /** Feeds one event; returns the diagnostics it triggered. Events before a run-start trigger nothing. */
  push(e: TrainingEvent): DiagnosticEvent[] {
    switch (e.type) {
      case 'run-start':
        this.runStart = e;
        this.over = false;
        this.diagnoser = diagnoserForRun(e, this.options);
        return [];
      case 'step':
        return this.diagnoser?.step(e) ?? [];
      case 'epoch':
        return this.diagnoser?.epoch(e) ?? [];
      case 'run-end': {
        if (!this.diagnoser || this.over) return [];
        this.over = true;
        return this.diagnoser.end(e);
      }
      case 'augmentation-samples':
      case 'explanation':
      case 'schedule':
      case 'diagnostic':
        return [];
      default: {
        const unknown: never = e;
        void unknown;
        return [];
      }
    }
  }
}
