// One dashboard panel at a time: shows the live run while training, or a run opened from disk, and restores itself
// after a reload (WebviewPanelSerializer) on the run it last showed.
import * as vscode from 'vscode';
import { historyFromEvents } from '../shared/runHistory';
import type { RunRef } from '../shared/webviewProtocol';
import { readEvents } from '../training/run/runStore';
import type { Config } from './config';
import { DASHBOARD_VIEW_TYPE, DashboardPanel, type DashboardContent, type DashboardHandlers } from './dashboardPanel';
import { openDiagnosticDocs } from './diagnosticDocs';
import { revealSpecPath } from './revealSpec';
import type { LiveRun, TrainingController } from './trainingController';

const LAST_RUN_KEY = 'gradscope.dashboard.lastRun';

export class Dashboards implements vscode.Disposable {
  private panel: DashboardPanel | undefined;
  /** A run to overlay on the next live run (Apply Fix and Re-run), then on that run for as long as it is shown. */
  private compare: { runId?: string; content: NonNullable<DashboardContent['compare']> } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly controller: TrainingController,
    private readonly config: Config,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: (webviewPanel) => {
          this.adopt(new DashboardPanel(webviewPanel, context.extensionUri, this.handlers()));
          const last = context.workspaceState.get<RunRef>(LAST_RUN_KEY);
          const live = controller.current;
          if (live?.ref) this.panel?.show(this.liveContent(live));
          else if (last) this.showRunDir(last.runDir, false);
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
      openDocs: (code) => void openDiagnosticDocs(this.context.extensionUri, code),
      maxPoints: () => this.config.chartMaxPoints,
    };
  }

  private adopt(panel: DashboardPanel): DashboardPanel {
    this.panel?.dispose();
    this.panel = panel;
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    return panel;
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
      content.compare = this.compare.content;
    }
    return content;
  }

  /** The next live run is drawn over the run in `runDir` ("before" vs "after"). */
  compareNextRunWith(runDir: string): void {
    const history = historyFromEvents(readEvents(runDir), this.config.chartMaxPoints);
    const run: RunRef = { runId: history.start?.runId ?? runDir, specFile: history.start?.specFile ?? '', runDir, live: false };
    this.compare = { content: { run, history } };
  }

  private remember(run: RunRef): void {
    void this.context.workspaceState.update(LAST_RUN_KEY, run);
  }

  /** Opens the dashboard on the live run (or an empty dashboard that will show the next run). */
  showLive(): void {
    const panel = this.ensurePanel();
    const live = this.controller.current;
    if (live?.ref) {
      panel.show(this.liveContent(live));
      this.remember(live.ref);
    }
  }

  /** Opens the dashboard on the live run, else the last run shown, else an empty dashboard. */
  open(): void {
    const last = this.context.workspaceState.get<RunRef>(LAST_RUN_KEY);
    if (this.controller.current?.ref || !last) this.showLive();
    else this.showRunDir(last.runDir);
  }

  /** Opens a persisted run (replayed from its events.jsonl). */
  showRunDir(runDir: string, reveal = true): void {
    const live = this.controller.current;
    if (live?.ref?.runDir === runDir) {
      this.showLive();
      return;
    }
    const history = historyFromEvents(readEvents(runDir), this.config.chartMaxPoints);
    const run: RunRef = { runId: history.start?.runId ?? runDir, specFile: history.start?.specFile ?? '', runDir, live: false };
    const panel = reveal ? this.ensurePanel() : this.panel;
    panel?.show({ run, history });
    this.remember(run);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
