// Runs that gradscope did not start: a PyTorch script's monitor (python/gradscope_torch) writes them under
// `.gradscope/runs/<id>/events.jsonl`, and their run-start carries `external`. Found by a scan at activation and by a
// file watcher afterwards; each is summarized incrementally (runSummary reads only what the file gained). Such a run
// is live while it has no run-end and its file changed within LIVE_WINDOW_MS: the script may have died without one.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EVENTS_FILE } from '../training/run/runStore';
import { summarizeRunAsync, type RunSummary } from '../training/run/runSummary';

export const RUN_EVENTS_GLOB = '**/.gradscope/runs/*/events.jsonl';
/**
 * A run without run-end stops counting as live when its events file has not changed for this long (a step, or a
 * validation pass of a big model, can take minutes; a killed script writes no run-end).
 */
export const LIVE_WINDOW_MS = 5 * 60_000;
/** The sidebar and other listeners hear about changes at most this often (a live run's file changes several times a second). */
const CHANGE_BATCH_MS = 1000;
/** While some run is live, how often liveness is looked at again (a run that went quiet becomes not live). */
const LIVENESS_CHECK_MS = 30_000;

export interface ExternalRunInfo {
  summary: RunSummary;
  /** The training script (run-start specFile). */
  script: string;
  /** When the events file last changed (ms since the epoch). */
  mtimeMs: number;
  live: boolean;
}

/** Whether a run with this summary and file time counts as live at `now`. */
export function isLiveExternal(summary: RunSummary, mtimeMs: number, now = Date.now()): boolean {
  return !summary.end && now - mtimeMs < LIVE_WINDOW_MS;
}

export class ExternalRuns implements vscode.Disposable {
  private readonly runs = new Map<string, ExternalRunInfo>();
  /** Run directories whose run-start says gradscope started them: not looked at again until created anew. */
  private readonly own = new Set<string>();
  private readonly changedEmitter = new vscode.EventEmitter<void>();
  private readonly runEmitter = new vscode.EventEmitter<ExternalRunInfo>();
  private readonly deletedEmitter = new vscode.EventEmitter<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private changeTimer: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  /** The first scan: resolves when every run found at activation has been read. */
  readonly ready: Promise<void>;

  /** Some external run appeared, changed, went quiet or was deleted (batched). */
  readonly onDidChange = this.changedEmitter.event;
  /** One external run was read again (it appeared, grew, ended, or went quiet). */
  readonly onDidUpdateRun = this.runEmitter.event;
  /** An external run's events file was deleted (its run directory is given). */
  readonly onDidDeleteRun = this.deletedEmitter.event;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(RUN_EVENTS_GLOB);
    // A deleted folder (a run's, `runs/`, `.gradscope/`) is one event for the folder, none for the files in it.
    const folders = ['**/.gradscope', '**/.gradscope/**'].map((glob) =>
      vscode.workspace.createFileSystemWatcher(glob, true, true, false),
    );
    this.disposables.push(
      watcher,
      ...folders,
      watcher.onDidCreate((uri) => void this.update(path.dirname(uri.fsPath), true)),
      watcher.onDidChange((uri) => void this.update(path.dirname(uri.fsPath), false)),
      watcher.onDidDelete((uri) => this.remove(path.dirname(uri.fsPath))),
      ...folders.map((w) => w.onDidDelete(() => this.pruneDeleted())),
    );
    this.ready = this.scan();
  }

  /** Every external run known, newest first. */
  list(): ExternalRunInfo[] {
    return [...this.runs.values()].sort((a, b) => b.summary.runId.localeCompare(a.summary.runId));
  }

  get(runDir: string): ExternalRunInfo | undefined {
    return this.runs.get(path.resolve(runDir));
  }

  /** The training scripts of the external runs, sorted. */
  scripts(): string[] {
    return [...new Set(this.list().map((r) => r.script))].sort((a, b) => a.localeCompare(b));
  }

  /** The runs of one script, newest first. */
  runsOf(script: string): ExternalRunInfo[] {
    return this.list().filter((r) => r.script === script);
  }

  private async scan(): Promise<void> {
    const files = await vscode.workspace.findFiles(RUN_EVENTS_GLOB, '**/node_modules/**');
    await Promise.all(files.map((uri) => this.update(path.dirname(uri.fsPath), true)));
  }

  /** Reads a run again (from where its summary stopped); `created`: looked at even if it was one of gradscope's. */
  async update(runDir: string, created: boolean): Promise<ExternalRunInfo | undefined> {
    const dir = path.resolve(runDir);
    if (created) this.own.delete(dir);
    else if (this.own.has(dir)) return undefined;
    const summary = await summarizeRunAsync(dir);
    if (!summary.start) return undefined; // not begun yet: the next change reads it again
    if (!summary.start.external) {
      this.own.add(dir);
      if (this.runs.delete(dir)) this.changed();
      return undefined;
    }
    let mtimeMs: number;
    try {
      mtimeMs = (await fs.promises.stat(path.join(dir, EVENTS_FILE))).mtimeMs;
    } catch {
      return undefined; // deleted meanwhile: the watcher says so
    }
    const info: ExternalRunInfo = {
      summary,
      script: path.resolve(summary.start.specFile),
      mtimeMs,
      live: isLiveExternal(summary, mtimeMs),
    };
    this.runs.set(dir, info);
    this.runEmitter.fire(info);
    this.changed();
    return info;
  }

  /** Forgets the runs whose events file is gone. */
  private pruneDeleted(): void {
    for (const dir of [...this.runs.keys()]) if (!fs.existsSync(path.join(dir, EVENTS_FILE))) this.remove(dir);
  }

  private remove(runDir: string): void {
    const dir = path.resolve(runDir);
    this.own.delete(dir);
    if (!this.runs.delete(dir)) return;
    this.deletedEmitter.fire(dir);
    this.changed();
  }

  private changed(): void {
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      this.changedEmitter.fire();
    }, CHANGE_BATCH_MS);
    this.watchLiveness();
  }

  /** While some run is live, looks again now and then: a run whose file stopped changing is no longer live. */
  private watchLiveness(): void {
    const anyLive = [...this.runs.values()].some((r) => r.live);
    if (!anyLive) {
      if (this.livenessTimer) clearInterval(this.livenessTimer);
      this.livenessTimer = undefined;
      return;
    }
    this.livenessTimer ??= setInterval(() => {
      for (const info of this.runs.values()) {
        if (info.live && !isLiveExternal(info.summary, info.mtimeMs)) {
          info.live = false;
          this.runEmitter.fire(info);
          this.changed();
        }
      }
    }, LIVENESS_CHECK_MS);
  }

  dispose(): void {
    if (this.changeTimer) clearTimeout(this.changeTimer);
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.changedEmitter.dispose();
    this.runEmitter.dispose();
    this.deletedEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
