// A run's history as the dashboard draws it: bounded series built from training events. The extension host and
// the webview both feed the same events through this reducer, so a snapshot plus later deltas always equals the
// whole history. Memory stays bounded on long runs: step series keep at most `maxPoints` points by halving
// their resolution (keeping every other point) whenever they fill up.
import type {
  AugmentationSamplesEvent,
  DiagnosticEvent,
  EpochEvent,
  ExplanationEvent,
  LayerSummary,
  RunEndEvent,
  RunStartEvent,
  ScheduleEvent,
  StepEvent,
  TrainingEvent,
} from './engineProtocol';

export interface StepPoint {
  step: number;
  loss: number;
  lr: number;
  /** Momentum (SGD) or β1 (Adam family) in force at this step, when the run's step events report it. */
  momentum?: number;
  /** Global gradient norm before clipping. */
  globalGradNorm?: number;
  /** Global gradient norm after clipping (equal to globalGradNorm when no clipping applies). */
  clippedGradNorm?: number;
  /** Per layer with weights, in `layers` order: gradient norm (null when not finite). */
  gradNorm: Array<number | null>;
  /** Per layer with weights: ‖ΔW‖/‖W‖ of this step's update (null when not finite or not reported). */
  updateRatio: Array<number | null>;
  /**
   * Per layer with weights: the gradient norm of its second kernel, the recurrent one of a simpleRNN/lstm/gru
   * (recurrentGradNorm) or a highway layer's transform gate W_T (transformGradNorm); null for other layers.
   */
  secondGradNorm: Array<number | null>;
  /** Per layer in `signalLayers` order: std over the batch of the layer's activation output, or null. */
  activationStd: Array<number | null>;
  /** Per layer in `signalLayers` order: mean over the batch of the layer's activation output, or null. */
  activationMean: Array<number | null>;
  /** Per layer: dead units, or null for layers that do not report them. */
  dead: Array<number | null>;
  /** Per layer: saturated fraction, or null. */
  saturation: Array<number | null>;
  /** Per layer: frozen at this step (no gradient, no update); present only when some layer was. */
  frozen?: boolean[];
}

export interface RunHistoryState {
  start?: RunStartEvent;
  /** Layers with weights, in model order (the columns of the StepPoint arrays gradNorm…saturation). */
  layers: LayerSummary[];
  /**
   * Layers that can report activation statistics (those with weights or an activation), in model order: the
   * columns of `activationStd` / `activationMean`.
   */
  signalLayers: LayerSummary[];
  /** Measured steps, decimated to at most maxPoints. */
  steps: StepPoint[];
  /** Keep one measured step in `stride`; doubles whenever `steps` fills up. */
  stride: number;
  /** Measured steps seen so far (kept or not). */
  measured: number;
  epochs: EpochEvent[];
  /** Learning-rate changes the schedule made in reaction to the run (reduceOnPlateau), in order. */
  schedules: ScheduleEvent[];
  diagnostics: DiagnosticEvent[];
  end?: RunEndEvent;
  /** The first batch's samples before and after augmentation, when the run augments. */
  augmentation?: AugmentationSamplesEvent;
  /**
   * Grad-CAM explanations recorded during training (`monitor.explain`) or by the explain job, in epoch order; at most
   * MAX_EXPLANATIONS (thinned evenly, the first and the newest kept).
   */
  explanations: ExplanationEvent[];
  /** Momentum in force: step events carry it only when it changes. */
  momentum?: number;
  /**
   * Runs whose run-start says 0 steps per epoch (a PyTorch run whose script did not pass it): the steps taken by the
   * end of the first epoch, as its `epoch` event found them. Set only for such runs.
   */
  stepsPerEpochSeen?: number;
  /** Last step seen (measured or not), for progress. */
  lastStep: number;
  lastLoss?: number;
  maxPoints: number;
}

export const DEFAULT_MAX_POINTS = 2000;
/** Diagnostics kept per run (the newest replace nothing: a run rarely has more). */
const MAX_DIAGNOSTICS = 500;
/** Explanations kept per run: each holds a few maps per sample, so a long run keeps an even selection. */
export const MAX_EXPLANATIONS = 40;

export function emptyHistory(maxPoints = DEFAULT_MAX_POINTS): RunHistoryState {
  return {
    layers: [],
    signalLayers: [],
    steps: [],
    stride: 1,
    measured: 0,
    epochs: [],
    schedules: [],
    diagnostics: [],
    explanations: [],
    lastStep: -1,
    maxPoints: Math.max(16, maxPoints),
  };
}

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

function toPoint(state: RunHistoryState, e: StepEvent): StepPoint {
  const byName = new Map((e.layers ?? []).map((l) => [l.name, l]));
  const point: StepPoint = {
    step: e.step,
    loss: e.loss,
    lr: e.lr,
    gradNorm: [],
    updateRatio: [],
    secondGradNorm: [],
    dead: [],
    saturation: [],
    activationStd: [],
    activationMean: [],
  };
  if (state.momentum !== undefined) point.momentum = state.momentum;
  if (e.globalGradNorm !== undefined) point.globalGradNorm = e.globalGradNorm;
  if (e.clippedGradNorm !== undefined) point.clippedGradNorm = e.clippedGradNorm;
  const frozen = state.layers.map((l) => byName.get(l.name)?.frozen === true);
  if (frozen.includes(true)) point.frozen = frozen;
  for (const layer of state.layers) {
    const m = byName.get(layer.name);
    point.gradNorm.push(finite(m?.gradNorm));
    point.updateRatio.push(finite(m?.updateRatio));
    point.secondGradNorm.push(finite(m?.recurrentGradNorm ?? m?.transformGradNorm));
    point.dead.push(m?.deadUnits ?? null);
    point.saturation.push(m?.saturation ?? null);
  }
  for (const layer of state.signalLayers) {
    const m = byName.get(layer.name);
    point.activationStd.push(finite(m?.activationStd));
    point.activationMean.push(finite(m?.activationMean));
  }
  return point;
}

function addStep(state: RunHistoryState, e: StepEvent): void {
  state.lastStep = e.step;
  state.lastLoss = e.loss;
  if (e.momentum !== undefined) state.momentum = e.momentum;
  if (!e.layers) return;
  const index = state.measured++;
  if (index % state.stride !== 0) return;
  state.steps.push(toPoint(state, e));
  if (state.steps.length >= state.maxPoints) {
    // Kept points sit at measured indices 0, s, 2s…; keeping the even ones leaves exactly the 2s grid.
    state.stride *= 2;
    state.steps = state.steps.filter((_, i) => i % 2 === 0);
  }
}

function addExplanation(state: RunHistoryState, e: ExplanationEvent): void {
  // The explain job on a finished run may explain an epoch again: the newer one replaces it.
  const list = state.explanations.filter((x) => x.epoch !== e.epoch);
  list.push(e);
  list.sort((a, b) => a.epoch - b.epoch);
  // Past the bound every other one goes (an even selection remains); the first and the newest stay.
  state.explanations = list.length > MAX_EXPLANATIONS ? list.filter((_, i) => i % 2 === 0 || i === list.length - 1) : list;
}

/** Applies one event to the history (mutates and returns it). */
export function applyEvent(state: RunHistoryState, e: TrainingEvent): RunHistoryState {
  switch (e.type) {
    case 'run-start':
      Object.assign(state, emptyHistory(state.maxPoints), {
        start: e,
        layers: e.layers.filter((l) => l.hasWeights),
        signalLayers: e.layers.filter((l) => l.hasWeights || l.activation !== undefined),
      });
      break;
    case 'augmentation-samples':
      state.augmentation = e;
      break;
    case 'step':
      addStep(state, e);
      break;
    case 'epoch':
      state.epochs.push(e);
      if (state.start && !(state.start.stepsPerEpoch > 0) && state.stepsPerEpochSeen === undefined && state.lastStep >= 0)
        state.stepsPerEpochSeen = state.lastStep + 1;
      break;
    case 'schedule':
      state.schedules.push(e);
      break;
    case 'explanation':
      addExplanation(state, e);
      break;
    case 'diagnostic':
      if (state.diagnostics.length < MAX_DIAGNOSTICS) state.diagnostics.push(e);
      break;
    case 'run-end':
      state.end = e;
      break;
  }
  return state;
}

/**
 * The stride the reducer ends with after `measured` measured steps: it keeps measured indices 0, s, 2s… and
 * doubles s (keeping every other point) whenever it holds maxPoints. A reader that knows a run's measured steps
 * in advance can set this stride first and skip the steps it would drop, with the same result.
 */
export function finalStride(measured: number, maxPoints: number): number {
  const max = Math.max(16, maxPoints);
  let stride = 1;
  let kept = 0;
  for (let i = 0; i < measured; i += stride) {
    kept++;
    if (kept >= max) {
      stride *= 2;
      kept = Math.ceil(kept / 2);
      // The next kept index is the next multiple of the new stride.
      i = Math.floor(i / stride) * stride;
    }
  }
  return stride;
}

/**
 * A step the reader skipped because the reducer would drop it (not at a multiple of the final stride, no momentum
 * change): counted as measured when it was, and its step and loss remembered when it is the run's last.
 */
export function skipStep(state: RunHistoryState, measured: boolean, last?: { step: number; loss: number }): void {
  if (measured) state.measured++;
  if (last) {
    state.lastStep = last.step;
    state.lastLoss = last.loss;
  }
}

/**
 * The events a copy of `state` (the dashboard's, fed the same events) needs, given that `state` has applied them: a
 * measured step whose point the reducer does not hold (skipped at its stride, or dropped when the series halved)
 * brings the copy to the same state without its per-layer statistics, so it goes as a step with empty `layers`
 * (still counted as measured). Points never steer the reducer; only which steps were measured does. On a long run
 * most steps are such steps: a 20-layer step is ~5 kB of JSON the extension host would serialize for nothing.
 */
export function eventsForCopy(state: RunHistoryState, events: TrainingEvent[]): TrainingEvent[] {
  return events.map((e) =>
    e.type === 'step' && e.layers?.length && nearestStep(state.steps, e.step)?.step !== e.step ? { ...e, layers: [] } : e,
  );
}

export function historyFromEvents(events: TrainingEvent[], maxPoints = DEFAULT_MAX_POINTS): RunHistoryState {
  const state = emptyHistory(maxPoints);
  for (const e of events) applyEvent(state, e);
  return state;
}

export interface RunProgress {
  /** The epoch the run is in (or ended in), 1-based as people count: never 0. */
  epoch: number;
  /** Epochs planned; 0 when unknown (a PyTorch run whose script did not say). */
  epochs: number;
  /** Steps done (a count, so the step in progress is `step`, 1-based). */
  step: number;
  /** Steps planned; 0 when unknown (epochs or steps per epoch unknown). */
  totalSteps: number;
  /** 0..1 of the planned steps (of the planned epochs when only those are known); 0 when nothing planned is known. */
  fraction: number;
}

/**
 * Steps per epoch: the run-start's, else (a PyTorch run that did not say) the steps its first epoch took once that
 * epoch has ended; undefined until then.
 */
export function stepsPerEpochOf(history: RunHistoryState): number | undefined {
  const planned = history.start?.stepsPerEpoch ?? 0;
  return planned > 0 ? planned : history.stepsPerEpochSeen;
}

/**
 * Steps per epoch for drawing steps on an epoch axis: stepsPerEpochOf, else the steps taken so far (the first epoch,
 * still under way, spans the axis up to 1). Never below 1.
 */
export function drawnStepsPerEpoch(history: RunHistoryState): number {
  return Math.max(1, stepsPerEpochOf(history) ?? history.lastStep + 1);
}

/**
 * Epoch x/y and step counts for a person to read, from the start event, the last step seen and the run-end.
 * A run that ends inside an epoch (diverged, stopped, failed) shows the epoch it ended in: a run that diverged
 * at its 5th step reads "epoch 1 / 10", not "epoch 0 / 10" (run-end's `epochsCompleted` counts finished epochs).
 * A run that did not plan its epochs (a PyTorch run) has `epochs` and `totalSteps` 0: its epoch is counted from its
 * epoch events and steps, never capped.
 */
export function runProgress(history: RunHistoryState): RunProgress | undefined {
  const start = history.start;
  if (!start) return undefined;
  const spe = stepsPerEpochOf(history);
  const epochs = start.epochs > 0 ? start.epochs : 0;
  const totalSteps = spe !== undefined ? epochs * spe : 0;
  const step = Math.max(history.end?.steps ?? 0, history.lastStep + 1);
  const epochOfLastStep = spe !== undefined && step > 0 ? Math.floor((step - 1) / spe) + 1 : 1;
  const reached = Math.max(1, history.epochs.length, history.end?.epochsCompleted ?? 0, epochOfLastStep);
  const epoch = epochs > 0 ? Math.min(epochs, reached) : reached;
  const fraction = totalSteps > 0 ? Math.min(1, step / totalSteps) : epochs > 0 ? Math.min(1, history.epochs.length / epochs) : 0;
  return { epoch, epochs, step, totalSteps, fraction };
}

/** The kept step nearest `step` (binary search over the sorted steps), or undefined when there are none. */
export function nearestStep(steps: StepPoint[], step: number): StepPoint | undefined {
  let lo = 0;
  let hi = steps.length - 1;
  if (hi < 0) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid].step < step) lo = mid + 1;
    else hi = mid;
  }
  const a = steps[lo];
  const b = steps[lo - 1];
  return b && Math.abs(b.step - step) < Math.abs(a.step - step) ? b : a;
}

export interface SignalProfile {
  /** The step the profile is of (the kept step nearest the one asked for). */
  step: number;
  /** Layers that reported activation statistics at that step, input side first. */
  layers: Array<{ name: string; std: number; mean: number | null }>;
}

/**
 * The forward signal by depth at one step: each layer's activation std (and mean) over the batch, in model
 * order, so shrinking or growing with depth reads as one line. `step` undefined: the last kept step.
 */
export function signalProfile(h: RunHistoryState, step?: number): SignalProfile | undefined {
  const p = step === undefined ? h.steps[h.steps.length - 1] : nearestStep(h.steps, step);
  if (!p) return undefined;
  const layers: SignalProfile['layers'] = [];
  h.signalLayers.forEach((l, i) => {
    const std = p.activationStd[i];
    if (std !== null && std !== undefined) layers.push({ name: l.name, std, mean: p.activationMean[i] ?? null });
  });
  return { step: p.step, layers };
}
