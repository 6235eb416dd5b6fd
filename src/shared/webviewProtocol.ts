// The extension host ⇄ dashboard webview channel. The webview says `ready`; the host answers with one full
// `snapshot`, then batched `events` (at most ~10 messages/s). A hidden, reopened or restored panel says `ready`
// again and gets a fresh snapshot, never the deltas it missed.
import type { TrainingEvent } from './engineProtocol';
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

/** host → webview: the whole state; replaces whatever the webview had. */
export interface SnapshotMessage {
  type: 'snapshot';
  run?: RunRef;
  history?: RunHistoryState;
  /** A run to overlay for comparison (e.g. before a fix), drawn dashed. */
  compare?: { run: RunRef; history: RunHistoryState };
  settings: DashboardSettings;
}

/** host → webview: new events of the run shown, in order. */
export interface EventsMessage {
  type: 'events';
  runId: string;
  events: TrainingEvent[];
}

export type ToWebviewMessage = SnapshotMessage | EventsMessage;

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

/** webview → host: the Stop button. */
export interface StopMessage {
  type: 'stop';
}

/** webview → host: "What is this?" on a diagnostic; open the learner's page for that code. */
export interface OpenDocsMessage {
  type: 'open-docs';
  code: string;
}

export type FromWebviewMessage = ReadyMessage | RevealSpecMessage | StopMessage | OpenDocsMessage;

/** State the webview persists with setState (UI only: the data always comes from the host). */
export interface WebviewUiState {
  runId?: string;
  hiddenLayers?: string[];
}
