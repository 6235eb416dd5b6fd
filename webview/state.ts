// The dashboard's data model: the host's snapshot plus every later event, fed through the same reducer the host
// uses (`applyEvent`), so the page always equals the run's history. No DOM here: views read this model.
import type { DiagnosticEvent, RunStatus, TrainingEvent } from '../src/shared/engineProtocol';
import { formatCount } from '../src/shared/format';
import { applyEvent, emptyHistory, type RunHistoryState } from '../src/shared/runHistory';
import type {
  ComparedRun,
  DashboardSettings,
  EventsMessage,
  LrFindViewMessage,
  LrFindView,
  RunRef,
  SnapshotMessage,
} from '../src/shared/webviewProtocol';

export interface DashboardModel {
  /** `connecting` until the first snapshot arrives. */
  phase: 'connecting' | 'ready';
  run?: RunRef;
  history?: RunHistoryState;
  /** What the shown run is called while runs are compared. */
  label?: string;
  /** Runs overlaid on the shown one (empty: none). */
  compare: ComparedRun[];
  settings: DashboardSettings;
  /** Bumped whenever the data is replaced (snapshot, new run): views rebuild from scratch. */
  generation: number;
  /** Bumped on every change: views redraw when it moved. */
  revision: number;
  /** The user pressed Stop; cleared when the run ends or another run is shown. */
  stopRequested: boolean;
  /** The learning-rate range test shown above the run's panels (running or finished). */
  lrFind?: LrFindView;
}

export function initialModel(): DashboardModel {
  return {
    phase: 'connecting',
    compare: [],
    settings: { maxPoints: 2000 },
    generation: 0,
    revision: 0,
    stopRequested: false,
  };
}

export function currentRunId(model: DashboardModel): string | undefined {
  return model.run?.runId ?? model.history?.start?.runId;
}

/** Replaces everything with the snapshot. */
export function applySnapshot(model: DashboardModel, msg: SnapshotMessage): void {
  model.phase = 'ready';
  model.settings = msg.settings;
  model.run = msg.run;
  model.history = msg.history;
  model.label = msg.label;
  model.compare = msg.compare ?? [];
  model.lrFind = msg.lrFind;
  model.stopRequested = false;
  model.generation++;
  model.revision++;
}

/** Replaces the range test shown (a new point, its result, or another test). */
export function applyLrFind(model: DashboardModel, msg: LrFindViewMessage): void {
  model.phase = 'ready';
  model.lrFind = msg.lrFind;
  model.revision++;
}

/**
 * Applies a batch of events of the shown run. A batch for another run is ignored unless it starts that run
 * (contains its `run-start`): then the dashboard switches to it. Returns whether anything changed.
 */
export function applyEvents(model: DashboardModel, msg: EventsMessage): boolean {
  let events: TrainingEvent[] = msg.events;
  if (msg.runId !== currentRunId(model) || !model.history) {
    const startAt = events.findIndex((e) => e.type === 'run-start' && e.runId === msg.runId);
    if (startAt < 0) return false;
    const start = events[startAt];
    if (start.type !== 'run-start') return false;
    model.phase = 'ready';
    model.history = emptyHistory(model.settings.maxPoints);
    model.run = { runId: start.runId, specFile: start.specPath, runDir: start.runDir, live: true };
    model.label = undefined;
    model.compare = [];
    model.stopRequested = false;
    model.generation++;
    events = events.slice(startAt);
  }
  if (events.length === 0) return false;
  const history = model.history;
  if (!history) return false;
  for (const e of events) applyEvent(history, e);
  if (history.end) model.stopRequested = false;
  model.revision++;
  return true;
}

export type DisplayStatus = 'running' | RunStatus | 'incomplete';

/** What the header says about the run: running while live without run-end; `incomplete` for a dead run without one. */
export function displayStatus(model: DashboardModel): DisplayStatus {
  const h = model.history;
  if (h?.end) return h.end.status;
  return model.run?.live === false ? 'incomplete' : 'running';
}

export function hasData(model: DashboardModel): boolean {
  return !!model.history?.start;
}

/** Where a diagnostic sits on a step axis: its step, else the first step of its epoch. */
export function diagnosticStep(d: DiagnosticEvent, stepsPerEpoch: number): number | undefined {
  if (d.step !== undefined) return d.step;
  if (d.epoch !== undefined) return d.epoch * stepsPerEpoch;
  return undefined;
}

/**
 * Where a diagnostic sits on the epoch axis, where epoch k (0-based) is plotted at k + 1 and step s ends at
 * (s + 1) / stepsPerEpoch.
 */
export function diagnosticEpochX(d: DiagnosticEvent, stepsPerEpoch: number): number | undefined {
  if (d.step !== undefined) return (d.step + 1) / Math.max(1, stepsPerEpoch);
  if (d.epoch !== undefined) return d.epoch + 1;
  return undefined;
}

/** Units of a layer (last dimension of its output: dense units, conv filters). */
export function layerUnits(outputShape: number[]): number | undefined {
  const n = outputShape[outputShape.length - 1];
  return typeof n === 'number' && n > 0 ? n : undefined;
}

/**
 * Tooltip title for a point at `x` on the epoch axis, 1-based as people count: x = k is the end of epoch k
 * ("after epoch 3"); a step's point sits at (step + 1) / stepsPerEpoch ("epoch 1, step 4 of 10").
 */
export function epochTooltipTitle(x: number, stepsPerEpoch: number): string {
  const spe = Math.max(1, stepsPerEpoch);
  const step = Math.round(x * spe); // steps done, 1-based index of this step
  if (step % spe === 0) return `after epoch ${formatCount(step / spe)}`;
  const epoch = Math.floor(step / spe) + 1;
  return `epoch ${formatCount(epoch)}, step ${formatCount(step - (epoch - 1) * spe)} of ${formatCount(spe)}`;
}

/** One row of the compared runs' table: how each run ended and its final and best numbers. */
export interface RunMetrics {
  label: string;
  runId: string;
  specName?: string;
  status: DisplayStatus;
  /** Steps taken. */
  steps: number;
  finalLoss?: number;
  finalValLoss?: number;
  finalAcc?: number;
  finalValAcc?: number;
  bestValLoss?: number;
  /** 0-based epoch of bestValLoss. */
  bestEpoch?: number;
}

/** The table row of one run: final = the last finished epoch's numbers; best = the lowest finite validation loss. */
export function runMetrics(label: string, run: RunRef | undefined, h: RunHistoryState): RunMetrics {
  const last = h.epochs[h.epochs.length - 1];
  let best: { epoch: number; valLoss: number } | undefined;
  for (const e of h.epochs)
    if (Number.isFinite(e.valLoss) && (best === undefined || e.valLoss < best.valLoss))
      best = { epoch: e.epoch, valLoss: e.valLoss };
  const status: DisplayStatus = h.end ? h.end.status : run?.live === false ? 'incomplete' : 'running';
  return {
    label,
    runId: run?.runId ?? h.start?.runId ?? '',
    specName: h.start?.specName,
    status,
    steps: Math.max(h.end?.steps ?? 0, h.lastStep + 1),
    finalLoss: last?.loss,
    finalValLoss: last?.valLoss,
    finalAcc: last?.acc,
    finalValAcc: last?.valAcc,
    bestValLoss: best?.valLoss,
    bestEpoch: best?.epoch,
  };
}

/** Every run drawn, the shown one first: its label, history and line style (0 solid, then dashed patterns). */
export interface DrawnRun {
  label: string;
  run?: RunRef;
  history: RunHistoryState;
  /** 0 for the shown run, k for the k-th compared run. */
  style: number;
}

export function drawnRuns(model: DashboardModel): DrawnRun[] {
  const out: DrawnRun[] = [];
  if (model.history) out.push({ label: model.label ?? 'this run', run: model.run, history: model.history, style: 0 });
  model.compare.forEach((c, k) => out.push({ label: c.label, run: c.run, history: c.history, style: k + 1 }));
  return out;
}
