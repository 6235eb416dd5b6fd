// One dashboard panel at a time: shows the live run while training, or a run opened from disk, with other runs
// overlaid when asked (Compare Runs, or the run before a Quick Fix re-run), and restores itself after a reload
// (WebviewPanelSerializer) on the run it last showed. Runs on disk are streamed through the history reducer, so
// the extension host neither blocks on nor holds a whole events file: only the reducer's bounded series. An external
// run (a PyTorch script's) still being written is followed live: its file is tailed and the new lines go through the
// same reducer and webview deltas as a run gradscope trains; its diagnostics come from the diagnosis process.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DiagnosticEvent, ExplanationEvent } from '../shared/engineProtocol';
import { applyEvent, type RunHistoryState } from '../shared/runHistory';
import type { ComparedRun, LrFindView, RunRef } from '../shared/webviewProtocol';
import { followRun, type FollowedRun } from '../training/run/followRun';
import { EVENTS_FILE, loadHistory } from '../training/run/runStore';
import type { Config } from './config';
import { MAX_COMPARED } from '../shared/webviewProtocol';
import { DASHBOARD_VIEW_TYPE, DashboardPanel, type DashboardContent, type DashboardHandlers } from './dashboardPanel';
import { openDiagnosticDocs } from './diagnosticDocs';
import type { ExternalDiagnosis } from './externalDiagnosis';
import type { ExternalRuns } from './externalRuns';
import { revealSource, revealSpecPath } from './revealSpec';
import type { LiveRun, TrainingController } from './trainingController';

const LAST_RUN_KEY = 'gradscope.dashboard.lastRun';
/** The run directories of the last Compare Runs, while the dashboard shows them (restored with the panel). */
const LAST_COMPARE_KEY = 'gradscope.dashboard.lastCompare';

export class Dashboards implements vscode.Disposable {
  private panel: DashboardPanel | undefined;
  /** Runs to overlay on the next live run (Apply Fix and Re-run), then on that run for as long as it is shown. */
  private compare: { runId?: string; label: string; runs: ComparedRun[] } | undefined;
  /** The range test shown above the runs (kept across panels: a new or restored panel shows it too). */
  private lrFind: LrFindView | undefined;
  private readonly useLearningRateEmitter = new vscode.EventEmitter<{ id: string; learningRate: number }>();
  /** The dashboard's "Use learning rate …" button was clicked under range test `id`. */
  readonly onUseLearningRate = this.useLearningRateEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * Explanations computed in this window (Explain Run) by run directory: the job does not write them into the
   * run's events, so they are applied over the events each time the run is loaded (the newest per epoch wins).
   */
  private readonly explanations = new Map<string, ExplanationEvent[]>();
  /** The external run shown while its script still writes it: tailed until its run-end or until another run is shown. */
  private followed: FollowedRun | undefined;
  /** Counts showFollowed calls: a load that finishes after a later one started is dropped. */
  private followSeq = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly controller: TrainingController,
    private readonly config: Config,
    private readonly external: ExternalRuns,
    private readonly diagnosis: ExternalDiagnosis,
  ) {
    this.disposables.push(
      // The watcher saw the followed run's file change: read it now rather than at the next poll.
      external.onDidUpdateRun((info) => {
        if (!this.followed || path.resolve(info.summary.runDir) !== path.resolve(this.followed.runDir)) return;
        void this.followed.read();
        // It went quiet without a run-end (the dashboard says "incomplete"), or came back: a fresh snapshot says so.
        const shown = this.panel?.shown;
        const live = info.live && !this.followed.history.end;
        if (shown && shown.run.runDir === this.followed.runDir && shown.run.live !== live)
          this.panel?.show({ ...shown, run: { ...shown.run, live } });
      }),
      // Diagnostics of the external run shown (from its diagnosis process) join its history like the engine's would.
      diagnosis.onDiagnostics(({ runDir, diagnostics, reset }) => {
        // Diagnosed again (the thresholds changed): the run shown is loaded again, with what is found from now on.
        if (reset) {
          if (this.panel?.shown && path.resolve(this.panel.shown.run.runDir) === path.resolve(runDir))
            void this.showRunDir(runDir, false);
        } else this.addDiagnostics(runDir, diagnostics);
      }),
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: (webviewPanel) => {
          this.adopt(new DashboardPanel(webviewPanel, context.extensionUri, this.handlers()));
          const last = context.workspaceState.get<RunRef>(LAST_RUN_KEY);
          const compared = context.workspaceState.get<string[]>(LAST_COMPARE_KEY);
          const live = controller.current;
          if (live?.ref) this.panel?.show(this.liveContent(live));
          else if (compared?.length) return this.compareRuns(compared);
          else if (last) return this.showRunDir(last.runDir, false);
          return Promise.resolve();
        },
      }),
      // A run that starts (it passed validation) brings the dashboard up; an invalid spec opens nothing.
      controller.onDidChangeRun((run) => {
        if (run && !run.ref) this.showLive();
      }),
      controller.onEvents(({ run, events }) => {
        if (!run.ref || !this.panel) return;
        if (events.some((e) => e.type === 'run-start') && this.panel.shownRunId !== run.ref.runId) {
          this.unfollow();
          this.panel.show(this.liveContent(run));
          return;
        }
        this.panel.push(run.ref.runId, events);
        if (events.some((e) => e.type === 'run-end')) this.panel.setLive(run.ref.runId, false);
      }),
    );
  }

  private handlers(): DashboardHandlers {
    return {
      stop: () => this.controller.stop(),
      revealSpec: (file, specPath) => void revealSpecPath(vscode.Uri.file(file), specPath),
      revealSource: (source) => void revealSource(source),
      openDocs: (code) => void openDiagnosticDocs(this.context.extensionUri, code),
      maxPoints: () => this.config.chartMaxPoints,
      useLearningRate: (id, learningRate) => this.useLearningRateEmitter.fire({ id, learningRate }),
      closeLrFind: () => (this.lrFind = undefined),
    };
  }

  private adopt(panel: DashboardPanel): DashboardPanel {
    this.panel?.dispose();
    this.panel = panel;
    if (this.lrFind) panel.showLrFind(this.lrFind);
    panel.onDidDispose(() => {
      if (this.panel !== panel) return;
      this.panel = undefined;
      this.unfollow();
    });
    return panel;
  }

  private unfollow(): void {
    this.followed?.close();
    this.followed = undefined;
  }

  /** New diagnostics of an external run: applied to its history and posted, when it is the run shown. */
  private addDiagnostics(runDir: string, diagnostics: DiagnosticEvent[]): void {
    const content = this.panel?.shown;
    if (!content || path.resolve(content.run.runDir) !== path.resolve(runDir)) return;
    for (const d of diagnostics) applyEvent(content.history, d);
    this.panel?.push(content.run.runId, diagnostics);
  }

  private ensurePanel(): DashboardPanel {
    if (this.panel) {
      this.panel.panel.reveal(undefined, true);
      return this.panel;
    }
    return this.adopt(DashboardPanel.create(this.context.extensionUri, this.handlers()));
  }

  private liveContent(run: LiveRun): DashboardContent {
    const content: DashboardContent = { run: run.ref!, history: run.history };
    if (this.compare && (this.compare.runId ?? run.ref!.runId) === run.ref!.runId) {
      this.compare.runId = run.ref!.runId;
      content.label = this.compare.label;
      content.compare = this.compare.runs;
    }
    return content;
  }

  /** A persisted run, replayed from its events.jsonl through the reducer (bounded to `maxPoints` per series). */
  private async loadRun(
    runDir: string,
    maxPoints = this.config.chartMaxPoints,
  ): Promise<{ run: RunRef; history: RunHistoryState }> {
    const history = await loadHistory(runDir, maxPoints);
    for (const e of this.explanations.get(path.resolve(runDir)) ?? []) applyEvent(history, e);
    this.withExternalDiagnostics(runDir, history);
    const run: RunRef = { runId: history.start?.runId ?? runDir, specFile: history.start?.specFile ?? '', runDir, live: false };
    return { run, history };
  }

  /** An external run's events hold no diagnostics: those its diagnosis process found so far are applied. */
  private withExternalDiagnostics(runDir: string, history: RunHistoryState): void {
    if (history.start?.external) for (const d of this.diagnosis.diagnosticsOf(runDir)) applyEvent(history, d);
  }

  /**
   * Shows an external run that has no run-end yet and follows it: new lines of its events file reach the dashboard
   * as they are written, until its run-end.
   */
  private async showFollowed(runDir: string, reveal: boolean): Promise<void> {
    this.unfollow();
    const seq = ++this.followSeq;
    const followed = await followRun(runDir, this.config.chartMaxPoints, {
      onEvents: (events) => {
        const panel = this.panel;
        if (!panel || this.followed !== followed) return;
        const runId = followed.history.start?.runId ?? runDir;
        panel.push(runId, events);
        if (followed.history.end) panel.setLive(runId, false);
      },
      // The file shrank or was replaced: shown again from its start.
      onReset: () => {
        if (this.followed === followed) void this.showRunDir(runDir, false);
      },
    });
    this.withExternalDiagnostics(runDir, followed.history);
    const history = followed.history;
    const live = !history.end && (this.external.get(runDir)?.live ?? true);
    const run: RunRef = { runId: history.start?.runId ?? runDir, specFile: history.start?.specFile ?? '', runDir, live };
    const panel = reveal ? this.ensurePanel() : this.panel;
    if (!panel || seq !== this.followSeq) {
      followed.close();
      return;
    }
    this.followed = followed;
    panel.show({ run, history });
    this.remember(run);
    void followed.read();
  }

  /** The next live run is drawn over the run in `runDir` ("before" vs "after"). */
  async compareNextRunWith(runDir: string): Promise<void> {
    const before = await this.loadRun(runDir);
    this.compare = { label: 'after', runs: [{ ...before, label: 'before' }] };
  }

  /**
   * Overlays persisted runs (and the live run, when it is one of them) in one dashboard: the newest is shown, the
   * others are drawn over it in their dash patterns. At most MAX_COMPARED + 1 runs; their series share the
   * configured point budget so that comparing many runs costs no more memory than showing one.
   */
  async compareRuns(runDirs: string[]): Promise<void> {
    // Newest last; a run deleted since it was picked (or since the panel was restored) is left out.
    const dirs = [...new Set(runDirs)]
      .filter((d) => fs.existsSync(path.join(d, EVENTS_FILE)))
      .sort()
      .slice(-(MAX_COMPARED + 1));
    if (dirs.length < 2) return;
    const live = this.controller.current;
    const isLive = (d: string): boolean => live?.ref?.runDir === d;
    const budget = Math.max(200, Math.floor(this.config.chartMaxPoints / dirs.length));
    // The live run's history is the controller's (it keeps growing); the others are replayed from disk.
    const loaded = await Promise.all(
      dirs.map((d) =>
        isLive(d) && live?.ref ? Promise.resolve({ run: live.ref, history: live.history }) : this.loadRun(d, budget),
      ),
    );
    const names = loaded.map((r) => r.history.start?.specName ?? r.run.runId);
    const label = (i: number): string => (names.filter((n) => n === names[i]).length > 1 ? `${names[i]} #${i + 1}` : names[i]);
    const shown = loaded.length - 1; // the newest (run ids start with their UTC start time)
    const runs: ComparedRun[] = loaded.slice(0, shown).map((r, i) => ({ ...r, label: label(i) }));
    const panel = this.ensurePanel();
    this.unfollow();
    if (live?.ref && isLive(dirs[shown])) {
      this.compare = { runId: live.ref.runId, label: label(shown), runs };
      panel.show(this.liveContent(live));
      return;
    }
    panel.show({ ...loaded[shown], label: label(shown), compare: runs });
    this.remember(loaded[shown].run, dirs);
  }

  private remember(run: RunRef, compared?: string[]): void {
    void this.context.workspaceState.update(LAST_RUN_KEY, run);
    void this.context.workspaceState.update(LAST_COMPARE_KEY, compared);
  }

  /** Shows (or updates) a range test in the dashboard, opening the dashboard when `reveal`. */
  showLrFind(view: LrFindView, reveal = false): void {
    this.lrFind = view;
    const panel = reveal ? this.ensurePanel() : this.panel;
    panel?.showLrFind(view);
  }

  /** Opens the dashboard on the live run (or an empty dashboard that will show the next run). */
  showLive(): void {
    this.unfollow();
    const panel = this.ensurePanel();
    const live = this.controller.current;
    if (live?.ref) {
      panel.show(this.liveContent(live));
      this.remember(live.ref);
    }
  }

  /** Opens the dashboard on the live run, else the last run shown, else an empty dashboard. */
  async open(): Promise<void> {
    const last = this.context.workspaceState.get<RunRef>(LAST_RUN_KEY);
    if (this.controller.current?.ref || !last) this.showLive();
    else await this.showRunDir(last.runDir);
  }

  /** Shows a finished run's explanation (Explain Run) in its dashboard, and keeps it for when the run is shown again. */
  async showExplanation(runDir: string, event: ExplanationEvent): Promise<void> {
    const key = path.resolve(runDir);
    this.explanations.set(key, [...(this.explanations.get(key) ?? []).filter((e) => e.epoch !== event.epoch), event]);
    await this.showRunDir(runDir);
  }

  /** Opens a persisted run (replayed from its events.jsonl). */
  async showRunDir(runDir: string, reveal = true): Promise<void> {
    const live = this.controller.current;
    if (live?.ref?.runDir === runDir) {
      this.unfollow();
      this.showLive();
      return;
    }
    const external = this.external.get(runDir) ?? (await this.external.update(runDir, true));
    if (external && !external.summary.end) return this.showFollowed(runDir, reveal);
    this.unfollow();
    const { run, history } = await this.loadRun(runDir);
    const panel = reveal ? this.ensurePanel() : this.panel;
    panel?.show({ run, history });
    this.remember(run);
  }

  dispose(): void {
    this.unfollow();
    this.useLearningRateEmitter.dispose();
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
