// Diagnoses external runs (a PyTorch script's) while they train and when the window opens: each run gets a child
// process `gradscope diagnose <runDir> --json [--follow] [--thresholds <json>]` that re-derives the diagnostics with
// the same detectors as gradscope's own runs, with the `gradscope.diagnosis.thresholds` setting; a change of the
// setting diagnoses every run again. The host only reads the processes' lines: the detectors and the reading of a long
// events file stay out of it. Which run is diagnosed when, and which run's diagnostics Problems show per script, is
// DiagnosisSchedule's (diagnosisSchedule.ts). Each diagnostic goes to Problems (ExternalDiagnostics) and to listeners
// (the dashboard showing that run).
import * as path from 'path';
import * as vscode from 'vscode';
import type { DiagnosticEvent } from '../shared/engineProtocol';
import { readThresholdOverrides } from '../training/diagnosis/defaults';
import type { Thresholds } from '../training/diagnosis/types';
import { startDiagnose } from '../training/run/diagnoseProcess';
import { DiagnosisSchedule, type ScheduledRun } from './diagnosisSchedule';
import type { ExternalDiagnostics } from './externalDiagnostics';
import type { ExternalRunInfo, ExternalRuns } from './externalRuns';

/** Diagnosis processes at once (live runs followed and finished runs read once share them; the others wait). */
const MAX_PROCESSES = 4;
/** The setting whose thresholds the diagnosis processes get. */
const THRESHOLDS_SETTING = 'gradscope.diagnosis.thresholds';

export interface ExternalRunDiagnostics {
  runDir: string;
  diagnostics: DiagnosticEvent[];
  /** The run's earlier diagnostics are void: it is being diagnosed again from its start. */
  reset?: boolean;
}

function scheduled(info: ExternalRunInfo): ScheduledRun {
  const { summary } = info;
  const started = Date.parse(summary.start?.startedAt ?? '');
  const startMs = Number.isFinite(started) ? started : info.mtimeMs;
  let endMs: number | undefined;
  if (summary.end) endMs = startMs + summary.end.durationMs;
  else if (!info.live) endMs = info.mtimeMs; // went quiet without a run-end: its last write
  return {
    runDir: summary.runDir,
    runId: summary.runId,
    script: info.script,
    live: info.live,
    ended: !!summary.end,
    startMs,
    endMs,
  };
}

export class ExternalDiagnosis implements vscode.Disposable {
  private readonly schedule: DiagnosisSchedule;
  private readonly emitter = new vscode.EventEmitter<ExternalRunDiagnostics>();
  private readonly disposables: vscode.Disposable[] = [];
  private started = false;
  private thresholds: Thresholds = {};
  /** New diagnostics of a run, as its process prints them, and resets of a run diagnosed again. */
  readonly onDiagnostics = this.emitter.event;

  /** `cli`: the gradscope command's script (bin/gradscope.js of the extension); `setting`: the thresholds setting now. */
  constructor(
    cli: string,
    private readonly runs: ExternalRuns,
    problems: ExternalDiagnostics,
    private readonly output: vscode.OutputChannel,
    private readonly setting: () => unknown,
  ) {
    this.schedule = new DiagnosisSchedule(MAX_PROCESSES, {
      launch: (run, follow, onDiagnostic) => {
        const name = path.basename(run.runDir);
        const handle = startDiagnose(
          cli,
          run.runDir,
          { follow, thresholds: this.thresholds },
          { onDiagnostic, onLog: (line) => this.output.appendLine(`diagnose ${name}: ${line}`) },
        );
        const done = handle.done.then(({ exitCode, signal, diagnostics }) => {
          // 0: read fine; 1: an error-severity diagnostic was found; 130/143: stopped; else it could not diagnose.
          if (signal === null && exitCode !== null && ![0, 1, 130, 143].includes(exitCode))
            this.output.appendLine(`diagnose ${name} ended with exit code ${exitCode} after ${diagnostics} diagnostic(s)`);
        });
        return { stop: () => handle.stop(), done };
      },
      show: (script, shown) => problems.show(script, shown),
      found: (runDir, diagnostics) => this.emitter.fire({ runDir, diagnostics }),
      reset: (runDir) => this.emitter.fire({ runDir, diagnostics: [], reset: true }),
    });
    this.disposables.push(
      this.emitter,
      runs.onDidUpdateRun((info) => {
        if (this.started) this.schedule.update(scheduled(info));
      }),
      runs.onDidDeleteRun((runDir) => this.schedule.remove(runDir)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!this.started || !e.affectsConfiguration(THRESHOLDS_SETTING)) return;
        this.readSetting();
        this.output.appendLine(`${THRESHOLDS_SETTING} changed: diagnosing the external runs again`);
        this.schedule.restartAll();
      }),
    );
  }

  /**
   * Once the runs found at activation are read: diagnoses every one (a finished one once, a live one following it),
   * putting each script's newest runs' diagnostics back in Problems. Resolves with how many runs it scheduled.
   */
  async restore(): Promise<number> {
    await this.runs.ready;
    this.readSetting();
    this.started = true;
    const list = this.runs.list();
    this.schedule.update(...list.map(scheduled));
    return list.length;
  }

  /** What was found in a run so far (empty when it has not been diagnosed). */
  diagnosticsOf(runDir: string): DiagnosticEvent[] {
    return this.schedule.diagnosticsOf(runDir);
  }

  /** The setting's valid thresholds; what is wrong in it is said in the output channel and left out. */
  private readSetting(): void {
    const { thresholds, problems } = readThresholdOverrides(this.setting() ?? {});
    this.thresholds = thresholds;
    for (const p of problems) this.output.appendLine(`${THRESHOLDS_SETTING}: ${p}: left out of the external runs' diagnosis`);
  }

  dispose(): void {
    this.schedule.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
