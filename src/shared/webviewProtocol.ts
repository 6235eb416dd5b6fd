// The extension host ⇄ dashboard webview channel. The webview says `ready`; the host answers with one full
// `snapshot`, then batched `events` (at most ~10 messages/s). A hidden, reopened or restored panel says `ready`
// again and gets a fresh snapshot, never the deltas it missed.
import type { LrFindEvent, LrFindPoint, SourceLocation, TrainingEvent } from './engineProtocol';
import type { RunHistoryState } from './runHistory';

export interface DashboardSettings {
  /** Points kept per step series before the history halves its resolution. */
  maxPoints: number;
}

/** What the dashboard shows: the live run, or a run opened from disk. */
export interface RunRef {
  runId: string;
  specFile: string;
  runDir: string;
  live: boolean;
}

/** A run overlaid on the one shown, drawn dashed (Apply Fix and Re-run: the run before the fix; Compare Runs). */
export interface ComparedRun {
  run: RunRef;
  history: RunHistoryState;
  /** What the dashboard calls it: `before` after a Quick Fix re-run, else the spec's name (and run when ambiguous). */
  label: string;
}

/** host → webview: the whole state; replaces whatever the webview had. */
export interface SnapshotMessage {
  type: 'snapshot';
  run?: RunRef;
  history?: RunHistoryState;
  /** What the dashboard calls the shown run when runs are compared (`after` after a Quick Fix re-run). */
  label?: string;
  /** Runs overlaid for comparison, in the order of their line styles (at most MAX_COMPARED). */
  compare?: ComparedRun[];
  /** The learning-rate range test shown (running or finished), if any. */
  lrFind?: LrFindView;
  settings: DashboardSettings;
}

/** A learning-rate range test as the dashboard shows it: its points so far, then its result. */
export interface LrFindView {
  /** Identifies the test (its result file's name without `.json`). */
  id: string;
  specFile: string;
  /** The spec's file name without `.gradscope.json`, for titles. */
  specName: string;
  status: 'running' | 'done' | 'stopped' | 'failed';
  /** Steps the test runs at most (its settings). */
  steps?: number;
  /** Points so far (while running), then the result's. */
  points: LrFindPoint[];
  result?: LrFindEvent;
  /** Why it failed, when it did. */
  error?: string;
}

/** Runs overlaid on the shown one at most: each needs a line style of its own that still reads. */
export const MAX_COMPARED = 4;

/** host → webview: new events of the run shown, in order. */
export interface EventsMessage {
  type: 'events';
  runId: string;
  events: TrainingEvent[];
}

/** host → webview: the range test shown changed (a new point, its result, or another test). */
export interface LrFindViewMessage {
  type: 'lr-find';
  lrFind: LrFindView;
}

export type ToWebviewMessage = SnapshotMessage | EventsMessage | LrFindViewMessage;

/** webview → host: loaded and listening (sent on every load, including restore). */
export interface ReadyMessage {
  type: 'ready';
}

/** webview → host: the user clicked a diagnostic or layer; reveal its spec entry. */
export interface RevealSpecMessage {
  type: 'reveal-spec';
  specFile: string;
  specPath: string;
}

/** webview → host: the user clicked a diagnostic or layer of a run defined in code (a PyTorch run): open that line. */
export interface RevealSourceMessage {
  type: 'reveal-source';
  source: SourceLocation;
}

/** webview → host: the Stop button. */
export interface StopMessage {
  type: 'stop';
}

/** webview → host: "What is this?" on a diagnostic; open the learner's page for that code. */
export interface OpenDocsMessage {
  type: 'open-docs';
  code: string;
}

/** webview → host: "Use learning rate …" under the range test: write `learningRate` into the spec. */
export interface UseLearningRateMessage {
  type: 'use-learning-rate';
  /** The range test (LrFindView.id) whose suggestion it is. */
  id: string;
  learningRate: number;
}

/** webview → host: the range-test panel's Close: stop showing that test. */
export interface CloseLrFindMessage {
  type: 'close-lr-find';
}

/** webview → host: a chart's "Save PNG": ask where, then write the image. */
export interface SaveChartPngMessage {
  type: 'save-chart-png';
  /** Which chart (e.g. `grad-norm`): the suggested file name is `<runId>-<chart>.png`. */
  chart: string;
  /** The PNG file's bytes, base64. */
  png: string;
}

/** webview → host: a chart's "Copy CSV": put the chart's data on the clipboard. */
export interface CopyChartCsvMessage {
  type: 'copy-chart-csv';
  chart: string;
  /** The CSV text: a header row, then one row per x value. */
  csv: string;
  /** Data rows (the header not counted). */
  rows: number;
}

export type FromWebviewMessage =
  | ReadyMessage
  | RevealSpecMessage
  | RevealSourceMessage
  | StopMessage
  | OpenDocsMessage
  | UseLearningRateMessage
  | CloseLrFindMessage
  | SaveChartPngMessage
  | CopyChartCsvMessage;

/** State the webview persists with setState (UI only: the data always comes from the host). */
export interface WebviewUiState {
  runId?: string;
  hiddenLayers?: string[];
}
