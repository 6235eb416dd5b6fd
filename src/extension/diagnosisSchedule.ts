// Which external runs are diagnosed when, and which runs' diagnostics Problems show (no vscode here: the extension's
// ExternalDiagnosis wires it to the runs watcher, the diagnose child processes and Problems).
//
// Every external run is diagnosed: a live one by a process that follows it to its run-end, a finished (or quiet) one
// by a process that reads it once. At most `limit` processes run at once; the others wait, live runs first (their
// diagnoses matter now), then the newest. A run read while quiet (no run-end, not written for a while) is followed
// from its start again if it is written to again.
//
// Problems show, per training script, the diagnostics of its newest run (the greatest run id: ids begin with the
// start time) among those diagnosed or being diagnosed, and of every other run of the script that was still running
// when that one started (a sweep: runs of one script at once, each with its own learning rate, say). Why not every
// run: a script's runs put the same diagnoses at the same lines of the same code; its next run replaces its last
// one's Problems, as a spec's does. Runs side by side are all shown: the one diverging may well not be the newest.
// A run that had ended before the newest started keeps its diagnostics (its dashboard and sidebar row show them).
// Scripts are independent.
import * as path from 'path';
import type { DiagnosticEvent } from '../shared/engineProtocol';

/** What the schedule needs to know of a run (from ExternalRuns' info). */
export interface ScheduledRun {
  runDir: string;
  /** Sorts by start time (run ids begin with it). */
  runId: string;
  /** The training script (its Problems). */
  script: string;
  /** Written to now, without a run-end. */
  live: boolean;
  /** Its run-end was read. */
  ended: boolean;
  /** When it started (ms since the epoch: run-start startedAt). */
  startMs: number;
  /**
   * When it stopped being written (its run-end's time, or for a run that went quiet without one its file's last
   * change); undefined while it is live.
   */
  endMs?: number;
}

/** One run whose diagnostics Problems show. */
export interface ShownRun {
  runDir: string;
  runId: string;
  diagnostics: readonly DiagnosticEvent[];
}

/** A diagnosis process as the schedule sees it. */
export interface Launched {
  stop(): void;
  /** Settles when the process has exited. */
  readonly done: Promise<unknown>;
}

export interface ScheduleHooks {
  /** Starts diagnosing a run (`follow`: until its run-end); each diagnostic it prints goes to `onDiagnostic`. */
  launch(run: ScheduledRun, follow: boolean, onDiagnostic: (d: DiagnosticEvent) => void): Launched;
  /** Problems for `script` are these runs' diagnostics, newest run first (none when the list is empty). */
  show(script: string, runs: readonly ShownRun[]): void;
  /** New diagnostics of a run. */
  found?(runDir: string, diagnostics: DiagnosticEvent[]): void;
  /** A run's earlier diagnostics are void (it is diagnosed again, from its start). */
  reset?(runDir: string): void;
}

/** Which runs a list holds (runs are told apart by their directories). */
const keyOf = (runs: readonly ScheduledRun[]): string => runs.map((r) => r.runDir).join('\n');

interface Diagnosed {
  run: ScheduledRun;
  diagnostics: DiagnosticEvent[];
}

export class DiagnosisSchedule {
  private readonly runs = new Map<string, ScheduledRun>();
  /** Runs diagnosed or being diagnosed, with what was found: one entry per diagnosis (a new one voids the old). */
  private readonly diagnosed = new Map<string, Diagnosed>();
  /** Running processes by run directory, and whether each follows its run. */
  private readonly processes = new Map<string, { launched: Launched; follow: boolean }>();
  /** Runs waiting for a free process. */
  private readonly waiting = new Set<string>();
  /** Runs diagnosed while quiet (no run-end): followed again from their start if they are written to again. */
  private readonly quiet = new Set<string>();
  /** The run directories each script's Problems show now (to re-show a script only when they change). */
  private readonly shownKeys = new Map<string, string>();
  private disposed = false;

  constructor(
    private readonly limit: number,
    private readonly hooks: ScheduleHooks,
  ) {}

  /** How many processes run now (at most `limit`, plus stopped ones not exited yet after restartAll). */
  get running(): number {
    return this.processes.size;
  }

  /** What was found in a run so far (empty when it has not been diagnosed). */
  diagnosticsOf(runDir: string): DiagnosticEvent[] {
    return [...(this.diagnosed.get(path.resolve(runDir))?.diagnostics ?? [])];
  }

  /**
   * Runs appeared or changed (at activation: all of them at once, so that the live ones go first): each is diagnosed
   * when it has not been, followed again if it came back, stopped if it went quiet.
   */
  update(...runs: ScheduledRun[]): void {
    if (this.disposed) return;
    for (const given of runs) {
      const dir = path.resolve(given.runDir);
      const run = { ...given, runDir: dir };
      this.runs.set(dir, run);
      const process = this.processes.get(dir);
      if (process) {
        // A followed run that went quiet without a run-end (its script died?): its process would wait for ever.
        if (process.follow && !run.live && !run.ended) {
          this.quiet.add(dir);
          process.launched.stop();
        }
      } else if (!this.diagnosed.has(dir) || (run.live && this.quiet.delete(dir))) this.waiting.add(dir);
    }
    // A run's end can change which of its script's runs Problems show.
    for (const script of new Set(runs.map((r) => r.script))) {
      const shown = this.shownRuns(script);
      if (this.shownKeys.has(script) && this.shownKeys.get(script) !== keyOf(shown)) this.showScript(script, shown);
    }
    this.pump();
  }

  /** A run was deleted: its process stops, its diagnostics go, its script shows its newest remaining run. */
  remove(runDir: string): void {
    const dir = path.resolve(runDir);
    const run = this.runs.get(dir);
    this.runs.delete(dir);
    this.waiting.delete(dir);
    this.quiet.delete(dir);
    this.diagnosed.delete(dir);
    this.processes.get(dir)?.launched.stop();
    if (run) this.showScript(run.script);
  }

  /** Every run diagnosed again from its start (the thresholds changed): processes stop, what they found is void. */
  restartAll(): void {
    if (this.disposed) return;
    for (const { launched } of this.processes.values()) launched.stop();
    const scripts = new Set([...this.runs.values()].map((r) => r.script));
    for (const dir of this.diagnosed.keys()) this.hooks.reset?.(dir);
    this.diagnosed.clear();
    this.quiet.clear();
    for (const dir of this.runs.keys()) this.waiting.add(dir);
    for (const script of scripts) this.showScript(script);
    this.pump();
  }

  /** Starts waiting runs while processes are free: live runs first, then the newest. */
  private pump(): void {
    while (!this.disposed && this.processes.size < this.limit) {
      const next = [...this.waiting]
        .filter((dir) => !this.processes.has(dir)) // stopped after restartAll, not exited yet
        .map((dir) => this.runs.get(dir)!)
        .sort((a, b) => Number(b.live) - Number(a.live) || b.runId.localeCompare(a.runId))[0];
      if (!next) return;
      this.waiting.delete(next.runDir);
      this.start(next);
    }
  }

  private start(run: ScheduledRun): void {
    const dir = run.runDir;
    const follow = run.live;
    if (!follow && !run.ended) this.quiet.add(dir);
    if (this.diagnosed.has(dir)) this.hooks.reset?.(dir);
    const entry: Diagnosed = { run, diagnostics: [] };
    this.diagnosed.set(dir, entry);
    this.showScript(run.script);
    const launched = this.hooks.launch(run, follow, (d) => {
      // A stopped process's last lines, or one whose diagnosis was voided (restartAll, a new pass), are dropped.
      if (this.diagnosed.get(dir) !== entry) return;
      entry.diagnostics.push(d);
      const shown = this.shownRuns(run.script);
      if (shown.some((r) => r.runDir === dir)) this.showScript(run.script, shown);
      this.hooks.found?.(dir, [d]);
    });
    this.processes.set(dir, { launched, follow });
    void launched.done.then(
      () => this.ended(dir, launched),
      () => this.ended(dir, launched),
    );
  }

  private ended(dir: string, launched: Launched): void {
    if (this.processes.get(dir)?.launched === launched) this.processes.delete(dir);
    this.pump();
  }

  /**
   * The runs whose diagnostics Problems show for `script`, newest first: its newest run diagnosed or being diagnosed,
   * and every other one that was still running when that one started.
   */
  private shownRuns(script: string): ScheduledRun[] {
    const runs = [...this.diagnosed.values()]
      .map((d) => this.runs.get(d.run.runDir) ?? d.run) // as last updated (live, endMs)
      .filter((r) => r.script === script);
    runs.sort((a, b) => b.runId.localeCompare(a.runId));
    const newest = runs[0];
    if (!newest) return [];
    return runs.filter((r) => r === newest || r.live || (r.endMs ?? Infinity) >= newest.startMs);
  }

  /** Problems for `script` show `runs` (its shownRuns, when the caller has them already). */
  private showScript(script: string, runs = this.shownRuns(script)): void {
    this.shownKeys.set(script, keyOf(runs));
    this.hooks.show(
      script,
      runs.map((r) => ({
        runDir: r.runDir,
        runId: r.runId,
        diagnostics: this.diagnosed.get(r.runDir)?.diagnostics ?? [],
      })),
    );
  }

  /** Stops every process; nothing starts after. */
  dispose(): void {
    this.disposed = true;
    this.waiting.clear();
    for (const { launched } of this.processes.values()) launched.stop();
  }
}
