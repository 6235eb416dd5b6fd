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
  settings: DashboardSettings;
}

/** Runs overlaid on the shown one at most: each needs a line style of its own that still reads. */
export const MAX_COMPARED = 4;

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
