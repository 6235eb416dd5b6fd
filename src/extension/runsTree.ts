// The sidebar: the workspace's specs, each with its persisted runs (status, best validation loss, diagnostics), and
// the training scripts whose runs a PyTorch monitor recorded (external runs, see externalRuns.ts), each with its runs.
// Selecting a run opens the dashboard on it; selecting two or more (Ctrl/Shift+click) overlays them (Compare Runs);
// specs have inline Train / Stop actions; a run with checkpoints offers Resume Run in its context menu.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { checkpointEpochs } from '../training/run/checkpointStore';
import { defaultRunsDir, listRuns } from '../training/run/runStore';
import { summarizeRunAsync, type RunSummary } from '../training/run/runSummary';
import type { ExternalRuns } from './externalRuns';
import { LIVE_RUN_ICON, runItemText, specFolderText } from './runText';
import type { TrainingController } from './trainingController';

export const SPEC_GLOB = '**/*.gradscope.json';
export const SPEC_EXCLUDE = '**/{node_modules,.gradscope}/**';
/** SPEC_EXCLUDE as a test of a path: a folder named node_modules or .gradscope on the way. */
const EXCLUDED_PATH = /\/(node_modules|\.gradscope)\//;

/** Whether a file is a spec (the files SPEC_GLOB finds). */
export function isSpec(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return uri !== undefined && uri.path.endsWith('.gradscope.json');
}

/** A spec, a training script with external runs, or a run (of a spec, or of a script: `specUri` is then the script's). */
export type RunsNode =
  | { kind: 'spec'; uri: vscode.Uri }
  | { kind: 'script'; uri: vscode.Uri }
  | { kind: 'run'; specUri: vscode.Uri; summary: RunSummary };

const STATUS_ICON: Record<RunSummary['status'], string> = {
  completed: 'pass',
  'early-stopped': 'pass-filled',
  stopped: 'debug-stop',
  diverged: 'error',
  failed: 'warning',
  running: LIVE_RUN_ICON,
};

/** A file's folder as a sidebar row's description (relative to its workspace folder). */
function folderText(uri: vscode.Uri): string {
  return specFolderText(
    uri.fsPath,
    (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
  );
}

/** Whether a run is one of this spec's (the runs directory is shared by the specs of a folder; run-start says whose). */
function ofSpec(run: RunSummary, specUri: vscode.Uri): boolean {
  return !run.start || path.resolve(run.start.specFile) === path.resolve(specUri.fsPath);
}

/** Runs of one spec, newest first. */
async function runsOfSpec(specUri: vscode.Uri): Promise<RunSummary[]> {
  const runs = await Promise.all(listRuns(defaultRunsDir(specUri.fsPath)).map(summarizeRunAsync));
  return runs.filter((s) => ofSpec(s, specUri));
}

/** The newest run of one spec: reads the runs newest first and stops at the first of this spec's. */
export async function latestRunOfSpec(specUri: vscode.Uri): Promise<RunSummary | undefined> {
  for (const runDir of listRuns(defaultRunsDir(specUri.fsPath))) {
    const run = await summarizeRunAsync(runDir);
    if (ofSpec(run, specUri)) return run;
  }
  return undefined;
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly controller: TrainingController,
    private readonly external: ExternalRuns,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{*.gradscope.json,.gradscope/runs/*/events.jsonl}');
    // A spec created or deleted updates the list in place at once. The watcher does not report every file of a new
    // folder (a spec written into a folder just made can go unreported), so a created spec also makes the list stale:
    // it is searched for again once no run is live (a search starts a process: see `specs`).
    const fileAddedOrRemoved = (uri: vscode.Uri, added: boolean): void => {
      if (isSpec(uri) && !EXCLUDED_PATH.test(uri.path) && this.specs) {
        const others = this.specs.then((specs) => specs.filter((s) => s.fsPath !== uri.fsPath));
        this.specs = added ? others.then((specs) => [...specs, uri]) : others;
        if (added) this.stale = true;
      }
      this.refresh();
    };
    this.disposables.push(
      watcher,
      this.changed,
      watcher.onDidCreate((uri) => fileAddedOrRemoved(uri, true)),
      watcher.onDidDelete((uri) => fileAddedOrRemoved(uri, false)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.specs = undefined;
        this.refresh();
      }),
      controller.onDidChangeRun(() => this.refresh()),
      external.onDidChange(() => this.refresh()),
    );
  }

  /**
   * The workspace's specs: the watcher adds and removes specs created and deleted since the last search, and a new
   * search waits until no run is live. A run refreshes the tree several times, and each workspace.findFiles makes
   * the extension host start a file search process: its thread waits in the spawn until the child has started,
   * 10-90 ms on a busy machine (scheduler traces of the responsiveness test, whose new spec made it search again
   * as the run started).
   */
  private specs: Thenable<vscode.Uri[]> | undefined;
  /** A spec was created since the last search: search again when no run is live. */
  private stale = false;

  refresh(): void {
    this.changed.fire(undefined);
  }

  /**
   * The workspace's specs: searched for on the first call, then kept by the watcher. Activation's restoring of
   * diagnostics asks first, so showing the sidebar (often just before a first run) starts no search.
   */
  async specUris(): Promise<vscode.Uri[]> {
    if (this.stale && !this.controller.current) {
      this.stale = false;
      this.specs = undefined;
    }
    this.specs ??= vscode.workspace.findFiles(SPEC_GLOB, SPEC_EXCLUDE);
    // A folder deleted with its specs in it tells the watcher nothing about them: those that are gone are left out.
    return (await this.specs).filter((uri) => fs.existsSync(uri.fsPath));
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) {
      const specs = await this.specUris();
      return [
        ...specs.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((uri): RunsNode => ({ kind: 'spec', uri })),
        ...this.external.scripts().map((file): RunsNode => ({ kind: 'script', uri: vscode.Uri.file(file) })),
      ];
    }
    if (node.kind === 'spec') return (await runsOfSpec(node.uri)).map((summary) => ({ kind: 'run', specUri: node.uri, summary }));
    if (node.kind === 'script')
      return this.external.runsOf(node.uri.fsPath).map((r) => ({ kind: 'run', specUri: node.uri, summary: r.summary }));
    return [];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'script') return this.scriptItem(node.uri);
    if (node.kind === 'spec') {
      const running = this.controller.current?.specUri.fsPath === node.uri.fsPath;
      const item = new vscode.TreeItem(
        path.basename(node.uri.fsPath, '.gradscope.json'),
        vscode.TreeItemCollapsibleState.Expanded,
      );
      item.resourceUri = node.uri;
      item.description = folderText(node.uri);
      item.contextValue = running ? 'gradscope.spec.running' : 'gradscope.spec';
      item.iconPath = new vscode.ThemeIcon(running ? LIVE_RUN_ICON : 'graph-line');
      item.command = { command: 'vscode.open', title: 'Open Spec', arguments: [node.uri] };
      return item;
    }
    const s = node.summary;
    const { live, checkpoints, text } = this.runText(s);
    const item = new vscode.TreeItem(text.label, vscode.TreeItemCollapsibleState.None);
    item.description = text.description;
    // The tooltip (Markdown, which the host parses when it sends it) is made on hover: resolveTreeItem.
    item.iconPath = new vscode.ThemeIcon(live ? STATUS_ICON.running : STATUS_ICON[s.status]);
    // A run with a checkpoint can be resumed (its context menu offers Resume Run); an external run (a PyTorch
    // script's) can be opened and compared, nothing that needs gradscope's model (resume, explain).
    item.contextValue = s.start?.external
      ? 'gradscope.run.external'
      : live
        ? 'gradscope.run.live'
        : checkpoints.length > 0
          ? 'gradscope.run.resumable'
          : 'gradscope.run';
    item.command = { command: 'gradscope.openRun', title: 'Open Run', arguments: [s.runDir] };
    // An external run's row keeps its identity while the tree is redrawn under a live run (a click is not lost).
    if (s.start?.external) item.id = `external-run:${s.runDir}`;
    return item;
  }

  /**
   * A training script whose runs a PyTorch monitor recorded: the file's own icon, the live run's icon while one of
   * its runs is live.
   */
  private scriptItem(uri: vscode.Uri): vscode.TreeItem {
    const live = this.external.runsOf(uri.fsPath).some((r) => r.live);
    const item = new vscode.TreeItem(path.basename(uri.fsPath), vscode.TreeItemCollapsibleState.Expanded);
    item.resourceUri = uri;
    item.description = folderText(uri);
    item.tooltip = `${uri.fsPath}: runs recorded by its PyTorch monitor (gradscope_torch), not started by gradscope`;
    item.contextValue = 'gradscope.script';
    item.id = `external-script:${uri.fsPath}`;
    item.iconPath = live ? new vscode.ThemeIcon(LIVE_RUN_ICON) : vscode.ThemeIcon.File;
    item.command = { command: 'vscode.open', title: 'Open Script', arguments: [uri] };
    return item;
  }

  /**
   * A run's start as `Date.prototype.toLocaleString` writes it, with one formatter for all rows: toLocaleString makes
   * a new one at each call (~70 µs, for each run row at each refresh).
   */
  private readonly dateTime = new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });

  private startedAt(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? date.toLocaleString() : this.dateTime.format(date);
  }

  private runText(s: RunSummary): { live: boolean; checkpoints: number[]; text: ReturnType<typeof runItemText> } {
    if (s.start?.external) {
      const live = this.external.get(s.runDir)?.live ?? false;
      const when = this.startedAt(s.start.startedAt);
      return { live, checkpoints: [], text: runItemText(s, live, when) };
    }
    const live = this.controller.current?.ref?.runId === s.runId;
    const when = s.start ? this.startedAt(s.start.startedAt) : s.runId;
    const checkpoints = live ? [] : checkpointEpochs(s.runDir);
    return { live, checkpoints, text: runItemText(s, live, when, checkpoints) };
  }

  /**
   * A run's tooltip, asked for when the pointer rests on its row: a refresh then sends rows without one, as the host
   * would otherwise parse every run's Markdown tooltip at each refresh (every few seconds while a run streams).
   */
  resolveTreeItem(item: vscode.TreeItem, node: RunsNode): vscode.TreeItem {
    if (node.kind !== 'run') return item;
    const { text } = this.runText(node.summary);
    item.tooltip = new vscode.MarkdownString(text.tooltip.join('\n\n'));
    return item;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The sidebar view over `tree`: several runs can be selected at once, and selecting two or more compares them. */
export function createRunsView(tree: RunsTreeProvider): vscode.Disposable {
  const view = vscode.window.createTreeView('gradscope.runs', { treeDataProvider: tree, canSelectMany: true });
  const selection = view.onDidChangeSelection((e) => {
    const runs = e.selection.flatMap((n) => (n.kind === 'run' ? [n.summary.runDir] : []));
    if (runs.length >= 2) void vscode.commands.executeCommand('gradscope.compareRuns', runs);
  });
  return vscode.Disposable.from(selection, view);
}
