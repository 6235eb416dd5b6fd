// Hosts the dashboard webview: strict CSP with a nonce, assets only from the extension's dist/ and media/, a ready
// handshake answered with one full snapshot, then event batches at most every BATCH_MS. A hidden panel is not
// kept alive (retainContextWhenHidden off): when it shows again it says `ready` and gets a fresh snapshot.
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import { copyChartCsv, saveChartPng } from './chartExport';
import type { SourceLocation, TrainingEvent } from '../shared/engineProtocol';
import { eventsForCopy, type RunHistoryState } from '../shared/runHistory';
import type {
  ComparedRun,
  FromWebviewMessage,
  LrFindView,
  RunRef,
  SnapshotMessage,
  ToWebviewMessage,
} from '../shared/webviewProtocol';

export const DASHBOARD_VIEW_TYPE = 'gradscope.dashboard';
const BATCH_MS = 100;

/** What the dashboard shows: a run and its history (live: the controller keeps updating that same object). */
export interface DashboardContent {
  run: RunRef;
  history: RunHistoryState;
  /** What the shown run is called while other runs are overlaid. */
  label?: string;
  compare?: ComparedRun[];
}

export interface DashboardHandlers {
  stop(): void;
  revealSpec(specFile: string, specPath: string): void;
  /** A run defined in code: open the source line of a layer or diagnostic. */
  revealSource(source: SourceLocation): void;
  openDocs(code: string): void;
  maxPoints(): number;
  /** "Use learning rate …" under the range test `id`. */
  useLearningRate(id: string, learningRate: number): void;
  /** The range-test panel was closed. */
  closeLrFind(): void;
}

export class DashboardPanel implements vscode.Disposable {
  private content: DashboardContent | undefined;
  private lrFind: LrFindView | undefined;
  private lrFindTimer: NodeJS.Timeout | undefined;
  private ready = false;
  private pending: TrainingEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposedEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly handlers: DashboardHandlers,
  ) {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'gradscope.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: FromWebviewMessage) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  static create(extensionUri: vscode.Uri, handlers: DashboardHandlers): DashboardPanel {
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'gradscope', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    return new DashboardPanel(panel, extensionUri, handlers);
  }

  get shownRunId(): string | undefined {
    return this.content?.run.runId;
  }

  /** The run shown and its history (the object events are applied to), if any. */
  get shown(): DashboardContent | undefined {
    return this.content;
  }

  /** Shows a run (replacing what was shown) and sends a snapshot when the webview is listening. */
  show(content: DashboardContent): void {
    this.content = content;
    this.pending = [];
    const name = content.history.start?.specName ?? content.run.runId;
    this.panel.title = content.compare?.length ? `gradscope: ${name} + ${content.compare.length} compared` : `gradscope: ${name}`;
    if (this.ready) this.sendSnapshot();
  }

  /** Queues events of the run shown; they are posted in batches while the webview is ready. */
  push(runId: string, events: TrainingEvent[]): void {
    if (!this.content || this.content.run.runId !== runId || !this.ready) return;
    this.pending.push(...events);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /**
   * Shows a range test above the run (replacing the one shown) or updates it; posted at most every BATCH_MS while
   * it runs, at once when it ends.
   */
  showLrFind(view: LrFindView): void {
    this.lrFind = view;
    if (!this.content) this.panel.title = `gradscope: range test of ${view.specName}`;
    if (!this.ready) return;
    if (view.status !== 'running') {
      if (this.lrFindTimer) clearTimeout(this.lrFindTimer);
      this.lrFindTimer = undefined;
      this.postLrFind();
      return;
    }
    this.lrFindTimer ??= setTimeout(() => {
      this.lrFindTimer = undefined;
      this.postLrFind();
    }, BATCH_MS);
  }

  private postLrFind(): void {
    if (this.lrFind && this.ready) this.post({ type: 'lr-find', lrFind: this.lrFind });
  }

  /** Marks the shown run as no longer live (e.g. its run ended). */
  setLive(runId: string, live: boolean): void {
    if (this.content?.run.runId === runId) this.content.run = { ...this.content.run, live };
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.content || !this.ready || this.pending.length === 0) return;
    // The webview's history had the same events applied up to the last batch: it needs no statistics of steps it will not keep.
    this.post({ type: 'events', runId: this.content.run.runId, events: eventsForCopy(this.content.history, this.pending) });
    this.pending = [];
  }

  private sendSnapshot(): void {
    this.pending = [];
    const message: SnapshotMessage = { type: 'snapshot', settings: { maxPoints: this.handlers.maxPoints() } };
    if (this.lrFind) message.lrFind = this.lrFind;
    if (this.content) {
      message.run = this.content.run;
      message.history = this.content.history;
      if (this.content.label !== undefined) message.label = this.content.label;
      if (this.content.compare?.length) message.compare = this.content.compare;
    }
    this.post(message);
  }

  private post(message: ToWebviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private onMessage(m: FromWebviewMessage): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendSnapshot();
        break;
      case 'stop':
        this.handlers.stop();
        break;
      case 'reveal-spec':
        this.handlers.revealSpec(m.specFile, m.specPath);
        break;
      case 'reveal-source':
        this.handlers.revealSource(m.source);
        break;
      case 'open-docs':
        this.handlers.openDocs(m.code);
        break;
      case 'use-learning-rate':
        this.handlers.useLearningRate(m.id, m.learningRate);
        break;
      case 'close-lr-find':
        this.lrFind = undefined;
        this.handlers.closeLrFind();
        break;
      case 'save-chart-png':
        void saveChartPng(m, this.content?.run);
        break;
      case 'copy-chart-csv':
        void copyChartCsv(m);
        break;
    }
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const asset = (name: string): vscode.Uri => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', name));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource} 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset('webview.css').toString()}" nonce="${nonce}">
  <title>gradscope</title>
</head>
<body>
  <div id="app"></div>
  <script nonce="${nonce}" src="${asset('webview.js').toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lrFindTimer) clearTimeout(this.lrFindTimer);
    this.lrFindTimer = undefined;
    this.disposedEmitter.fire();
    this.disposedEmitter.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
