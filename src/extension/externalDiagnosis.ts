// Diagnoses external runs (a PyTorch script's) while they train and when the window opens: for the newest run of each
// training script, a child process `gradscope diagnose <runDir> --json` (`--follow` while the run is live, ending at
// its run-end) re-derives the diagnostics with the same detectors as gradscope's own runs. The host only reads the
// process's lines: the detectors and the reading of a long events file stay out of it. Each diagnostic goes to
// Problems (ExternalDiagnostics) and to listeners (the dashboard showing that run).
import * as path from 'path';
import * as vscode from 'vscode';
import type { DiagnosticEvent } from '../shared/engineProtocol';
import { startDiagnose, type DiagnoseHandle } from '../training/run/diagnoseProcess';
import type { ExternalDiagnostics } from './externalDiagnostics';
import type { ExternalRunInfo, ExternalRuns } from './externalRuns';

/** Diagnosis processes at once (each follows one live run; external runs live at the same time are few). */
const MAX_PROCESSES = 4;

export interface ExternalRunDiagnostics {
  runDir: string;
  diagnostics: DiagnosticEvent[];
}

export class ExternalDiagnosis implements vscode.Disposable {
  /** The diagnosis process per run directory, while it runs, and whether it follows the run. */
  private readonly processes = new Map<string, { handle: DiagnoseHandle; follow: boolean }>();
  /** Diagnostics found per run directory (runs diagnosed or being diagnosed). */
  private readonly found = new Map<string, DiagnosticEvent[]>();
  /** Runs whose following process was stopped because they went quiet without a run-end. */
  private readonly quiet = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<ExternalRunDiagnostics>();
  private readonly disposables: vscode.Disposable[] = [];
  private started = false;
  /** New diagnostics of a run, as the process prints them. */
  readonly onDiagnostics = this.emitter.event;

  /** `cli`: the gradscope command's script (bin/gradscope.js of the extension). */
  constructor(
    private readonly cli: string,
    private readonly runs: ExternalRuns,
    private readonly problems: ExternalDiagnostics,
    private readonly output: vscode.OutputChannel,
  ) {
    this.disposables.push(
      this.emitter,
      runs.onDidUpdateRun((info) => {
        if (this.started) this.consider(info);
      }),
      runs.onDidDeleteRun((runDir) => this.forget(runDir)),
    );
  }

  /**
   * Once the runs found at activation are read: diagnoses the newest run of each script (a finished one once, a live
   * one following it), putting the last runs' diagnostics back in Problems. Resolves with how many scripts it started for.
   */
  async restore(): Promise<number> {
    await this.runs.ready;
    this.started = true;
    let n = 0;
    for (const script of this.runs.scripts()) {
      const newest = this.runs.runsOf(script)[0];
      if (newest && this.consider(newest)) n++;
    }
    return n;
  }

  /** What was found in a run so far (empty when it has not been diagnosed). */
  diagnosticsOf(runDir: string): DiagnosticEvent[] {
    return [...(this.found.get(path.resolve(runDir)) ?? [])];
  }

  /** Starts diagnosing `info`'s run when it is the newest of its script and is not diagnosed yet; true when started. */
  private consider(info: ExternalRunInfo): boolean {
    const dir = path.resolve(info.summary.runDir);
    if (this.runs.runsOf(info.script)[0]?.summary.runDir !== info.summary.runDir) return false;
    const running = this.processes.get(dir);
    if (running) {
      // A followed run that went quiet without a run-end (its script died?): the process would wait for ever.
      if (running.follow && !info.live) {
        this.quiet.add(dir);
        running.handle.stop();
      }
      return false;
    }
    if (!this.found.has(dir)) return this.start(info, info.live);
    // Diagnosed already; only a run that went quiet and is written to again is followed again (from its start).
    if (!info.live || !this.quiet.delete(dir)) return false;
    return this.start(info, true);
  }

  private start(info: ExternalRunInfo, follow: boolean): boolean {
    const dir = path.resolve(info.summary.runDir);
    if (this.processes.size >= MAX_PROCESSES) {
      this.output.appendLine(`not diagnosing ${dir} yet: ${MAX_PROCESSES} diagnosis processes are running`);
      return false;
    }
    // Older runs of the script keep no process: Problems show the newest run only.
    for (const other of this.runs.runsOf(info.script).slice(1))
      this.processes.get(path.resolve(other.summary.runDir))?.handle.stop();
    this.found.set(dir, []);
    this.problems.setRun(info.script, dir, []);
    const handle = startDiagnose(this.cli, dir, follow, {
      onDiagnostic: (d) => {
        this.found.get(dir)?.push(d);
        this.problems.add(info.script, dir, d);
        this.emitter.fire({ runDir: dir, diagnostics: [d] });
      },
      onLog: (line) => this.output.appendLine(`diagnose ${path.basename(dir)}: ${line}`),
    });
    this.processes.set(dir, { handle, follow });
    void handle.done.then(({ exitCode, signal, diagnostics }) => {
      if (this.processes.get(dir)?.handle === handle) this.processes.delete(dir);
      // 0: read fine; 1: an error-severity diagnostic was found; 130/143: stopped; else it could not diagnose.
      if (signal === null && exitCode !== null && ![0, 1, 130, 143].includes(exitCode))
        this.output.appendLine(
          `diagnose ${path.basename(dir)} ended with exit code ${exitCode} after ${diagnostics} diagnostic(s)`,
        );
    });
    return true;
  }

  private forget(runDir: string): void {
    const dir = path.resolve(runDir);
    this.processes.get(dir)?.handle.stop();
    this.found.delete(dir);
    this.quiet.delete(dir);
    this.problems.clearRun(dir);
  }

  dispose(): void {
    for (const { handle } of this.processes.values()) handle.stop(500);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
