// Runs that gradscope did not start: a PyTorch script's monitor (python/gradscope_torch) writes them under
// `.gradscope/runs/<id>/events.jsonl`, and their run-start carries `external`. Found by a scan at activation, by a file
// watcher, and by a light poll every POLL_MS (a readdir of each runs folder, a stat of each run without run-end): a
// watcher can miss a file created together with its new folders (mkdir -p, then a write), and then never report it.
// Each run is summarized incrementally (runSummary reads only what the file gained). Such a run is live while it has
// no run-end and its file changed within LIVE_WINDOW_MS: the script may have died without one.
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
/** How often the runs folders are listed and the unfinished runs' files looked at (what a watcher missed, liveness). */
const POLL_MS = 2000;

export interface ExternalRunInfo {
  summary: RunSummary;
  /** The training script (run-start specFile). */
  script: string;
  /** When the events file last changed (ms since the epoch), and its size then. */
  mtimeMs: number;
  size: number;
  live: boolean;
}

/** What the sidebar shows of a run (its row: status, epochs, best validation loss, diagnostics). */
function shownOf(info: ExternalRunInfo): string {
  const s = info.summary;
  return JSON.stringify([info.live, info.script, s.status, s.epochs, s.bestValLoss, s.diagnostics.length]);
}

/** Whether a run with this summary and file time counts as live at `now`. */
export function isLiveExternal(summary: RunSummary, mtimeMs: number, now = Date.now()): boolean {
  return !summary.end && now - mtimeMs < LIVE_WINDOW_MS;
}

export class ExternalRuns implements vscode.Disposable {
  private readonly runs = new Map<string, ExternalRunInfo>();
  /** Run directories whose run-start says gradscope started them: not looked at again until created anew. */
  private readonly own = new Set<string>();
  /** `.gradscope/runs` folders to list at each poll: each workspace folder's, and every one a run was found in. */
  private readonly runsFolders = new Set<string>();
  private readonly changedEmitter = new vscode.EventEmitter<void>();
  private readonly runEmitter = new vscode.EventEmitter<ExternalRunInfo>();
  private readonly deletedEmitter = new vscode.EventEmitter<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private changeTimer: NodeJS.Timeout | undefined;
  private readonly pollTimer: NodeJS.Timeout;
  private polling = false;
  /** The first scan: resolves when every run found at activation has been read. */
  readonly ready: Promise<void>;

  /** Some external run appeared, changed, went quiet or was deleted (batched). */
  readonly onDidChange = this.changedEmitter.event;
  /** One external run was read again (it appeared, grew, ended, or went quiet). */
  readonly onDidUpdateRun = this.runEmitter.event;
  /** An external run's events file was deleted (its run directory is given). */
  readonly onDidDeleteRun = this.deletedEmitter.event;

  /** `log`: where it says which runs it found (the output channel). */
  constructor(private readonly log: (line: string) => void = () => {}) {
    const watcher = vscode.workspace.createFileSystemWatcher(RUN_EVENTS_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.update(path.dirname(uri.fsPath), true)),
      watcher.onDidChange((uri) => void this.update(path.dirname(uri.fsPath), false)),
      watcher.onDidDelete((uri) => this.remove(path.dirname(uri.fsPath))),
    );
    for (const folder of vscode.workspace.workspaceFolders ?? [])
      this.runsFolders.add(path.join(folder.uri.fsPath, '.gradscope', 'runs'));
    this.ready = this.scan();
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
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
    for (const uri of files) this.runsFolders.add(path.dirname(path.dirname(uri.fsPath)));
    await Promise.all(files.map((uri) => this.update(path.dirname(uri.fsPath), true)));
    this.log(`${this.runs.size} external run(s) of ${this.scripts().length} training script(s) in the workspace`);
  }

  /**
   * What a watcher may have missed: run folders not seen yet, unfinished runs whose file changed, runs gone, and
   * runs gone quiet (no longer live). One poll at a time.
   */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const folder of this.runsFolders) {
        let names: string[];
        try {
          names = await fs.promises.readdir(folder);
        } catch {
          continue; // no runs there (yet)
        }
        for (const name of names) {
          const dir = path.join(folder, name);
          if (!this.runs.has(dir) && !this.own.has(dir) && fs.existsSync(path.join(dir, EVENTS_FILE)))
            await this.update(dir, false);
        }
      }
      for (const [dir, info] of this.runs) {
        let stat: fs.Stats;
        try {
          stat = await fs.promises.stat(path.join(dir, EVENTS_FILE));
        } catch {
          this.remove(dir);
          continue;
        }
        if (stat.mtimeMs !== info.mtimeMs || stat.size !== info.size) await this.update(dir, false);
        else if (info.live && !isLiveExternal(info.summary, info.mtimeMs)) {
          info.live = false;
          this.runEmitter.fire(info);
          this.changed();
        }
      }
    } finally {
      this.polling = false;
    }
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
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(path.join(dir, EVENTS_FILE));
    } catch {
      return undefined; // deleted meanwhile: the watcher or the next poll says so
    }
    const info: ExternalRunInfo = {
      summary,
      script: path.resolve(summary.start.specFile),
      mtimeMs: stat.mtimeMs,
      size: stat.size,
      live: isLiveExternal(summary, stat.mtimeMs),
    };
    const before = this.runs.get(dir);
    if (!before) this.log(`external run ${path.basename(dir)} of ${info.script}`);
    this.runsFolders.add(path.dirname(dir));
    this.runs.set(dir, info);
    this.runEmitter.fire(info);
    // The sidebar is redrawn when what it shows of the run changed, not at every line a live run writes.
    if (!before || shownOf(before) !== shownOf(info)) this.changed();
    return info;
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
  }

  dispose(): void {
    if (this.changeTimer) clearTimeout(this.changeTimer);
    clearInterval(this.pollTimer);
    this.changedEmitter.dispose();
    this.runEmitter.dispose();
    this.deletedEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
