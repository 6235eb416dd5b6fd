// A run's numbers as named scalar series, the one source of both exports (`gradscope export --tensorboard` and
// `--csv`): TensorBoard tags and CSV column names are the same strings, defined here. The tags are a contract read by
// other tools: add tags, never rename one.
import type { EpochEvent, RunStartEvent, StepEvent, TrainingEvent } from '../../shared/engineProtocol';

/** Run-level tags, in the order the CSV lists their columns. */
export const TAGS = {
  /** Every step: the batch's training loss (StepEvent.loss). */
  lossTrain: 'loss/train',
  /** Every step: the learning rate the step trained at (StepEvent.lr). */
  learningRate: 'learning_rate',
  /** Measured steps: the global L2 norm of all gradients before clipping (StepEvent.globalGradNorm). */
  gradNormGlobal: 'grad_norm/global',
  /** Measured steps of a run that clips: the global norm after clipping (StepEvent.clippedGradNorm). */
  gradNormGlobalClipped: 'grad_norm/global_clipped',
  /** Epoch ends: the mean training loss over the epoch's batches (EpochEvent.loss). */
  lossTrainEpoch: 'loss/train_epoch_mean',
  /** Epoch ends: the validation loss (EpochEvent.valLoss). */
  lossVal: 'loss/val',
  /** Epoch ends, classification: accuracy over the epoch's training batches as trained (EpochEvent.acc). */
  accuracyTrain: 'accuracy/train',
  /** Epoch ends, classification: validation accuracy (EpochEvent.valAcc). */
  accuracyVal: 'accuracy/val',
  /** Epoch ends, regression: mean absolute error over the epoch's training batches (EpochEvent.mae). */
  maeTrain: 'mae/train',
  /** Epoch ends, regression: validation mean absolute error (EpochEvent.valMae). */
  maeVal: 'mae/val',
} as const;

/** Per-layer tags `<prefix>/<layer>` (layer = the run-start name, e.g. `dense_2`), from measured steps' `layers`. */
export const LAYER_TAGS = {
  /** L2 norm of the layer's kernel gradient before clipping (LayerStepMetrics.gradNorm). */
  grad_norm: 'gradNorm',
  /** ‖ΔW‖ / ‖W‖ of the kernel for the step's update (LayerStepMetrics.updateRatio). */
  update_ratio: 'updateRatio',
  /** Count of units whose activation derivative is zero for every sample of the batch (LayerStepMetrics.deadUnits). */
  dead_units: 'deadUnits',
  /** Standard deviation of the layer's activation output over the batch (LayerStepMetrics.activationStd). */
  activation_std: 'activationStd',
} as const;

type LayerMetric = (typeof LAYER_TAGS)[keyof typeof LAYER_TAGS];

/** The values recorded at one step: a step event's, or an epoch's (at the step where the epoch ended). */
export interface ScalarRecord {
  kind: 'step' | 'epoch';
  step: number;
  /** 0-based epoch the step belongs to. */
  epoch: number;
  /** Seconds since the Unix epoch, estimated (events.jsonl has no per-step time): see `estimateWallTimes`. */
  wallTime: number;
  /** Tag → value; NaN where events.jsonl holds null (a NaN or ±Infinity that JSON cannot write). */
  values: Map<string, number>;
}

export interface RunScalars {
  start: RunStartEvent;
  /** In file order: each step's record, and after an epoch's last step that epoch's record (same step). */
  records: ScalarRecord[];
  /** Every tag that has a value, in the CSV's column order: run-level tags, then per-layer tags in model order. */
  tags: string[];
}

export class RunScalarsError extends Error {}

/** A number from events.jsonl: JSON writes NaN and ±Infinity as null, read back as NaN. */
const value = (v: number | null | undefined): number | undefined => (v === undefined ? undefined : v === null ? NaN : v);

function put(values: Map<string, number>, tag: string, v: number | null | undefined): void {
  const n = value(v);
  if (n !== undefined) values.set(tag, n);
}

function stepValues(e: StepEvent, clips: boolean): Map<string, number> {
  const values = new Map<string, number>();
  put(values, TAGS.lossTrain, e.loss);
  put(values, TAGS.learningRate, e.lr);
  put(values, TAGS.gradNormGlobal, e.globalGradNorm);
  if (clips) put(values, TAGS.gradNormGlobalClipped, e.clippedGradNorm);
  for (const layer of e.layers ?? []) {
    for (const [prefix, field] of Object.entries(LAYER_TAGS) as [string, LayerMetric][])
      put(values, `${prefix}/${layer.name}`, layer[field]);
  }
  return values;
}

function epochValues(e: EpochEvent): Map<string, number> {
  const values = new Map<string, number>();
  put(values, TAGS.lossTrainEpoch, e.loss);
  put(values, TAGS.lossVal, e.valLoss);
  put(values, TAGS.accuracyTrain, e.acc);
  put(values, TAGS.accuracyVal, e.valAcc);
  put(values, TAGS.maeTrain, e.mae);
  put(values, TAGS.maeVal, e.valMae);
  return values;
}

/** The events of the file's last run (a file holds one; should it hold more, the last run-start begins the run). */
function lastRun(events: readonly TrainingEvent[]): { start: RunStartEvent; events: readonly TrainingEvent[] } {
  let index = -1;
  events.forEach((e, i) => {
    if (e.type === 'run-start') index = i;
  });
  if (index < 0) throw new RunScalarsError('has no run-start event');
  return { start: events[index] as RunStartEvent, events: events.slice(index + 1) };
}

/**
 * Wall times for records: events.jsonl records when the run started and how long each epoch took, not when each step
 * ran. An epoch's steps are spread evenly over its duration (epoch k starts at startedAt + the durations of the
 * epochs before it); an epoch's own values get its end. A last epoch without an epoch event (the run was stopped
 * inside it) runs at the finished epochs' mean time per step, or at the start time when there is none.
 */
function estimateWallTimes(start: RunStartEvent, records: ScalarRecord[], epochs: Map<number, EpochEvent>): void {
  const t0 = Date.parse(start.startedAt);
  const counts = new Map<number, number>();
  for (const r of records) if (r.kind === 'step') counts.set(r.epoch, (counts.get(r.epoch) ?? 0) + 1);
  let finishedMs = 0;
  let finishedSteps = 0;
  for (const [epoch, e] of epochs) {
    finishedMs += e.durationMs;
    finishedSteps += counts.get(epoch) ?? 0;
  }
  const perStep = finishedSteps > 0 ? finishedMs / finishedSteps : 0;
  const duration = (epoch: number): number => epochs.get(epoch)?.durationMs ?? perStep * (counts.get(epoch) ?? 0);
  let epochStart = Number.isFinite(t0) ? t0 : 0;
  let current: number | undefined;
  let index = 0;
  for (const r of records) {
    if (r.epoch !== current) {
      if (current !== undefined) epochStart += duration(current);
      current = r.epoch;
      index = 0;
    }
    const ms = r.kind === 'step' ? (duration(r.epoch) * ++index) / Math.max(1, counts.get(r.epoch) ?? 0) : duration(r.epoch);
    r.wallTime = (epochStart + ms) / 1000;
  }
}

/** Run-level tags first (TAGS order), then each layer's tags (model order, LAYER_TAGS order within a layer). */
function orderedTags(start: RunStartEvent, present: Set<string>): string[] {
  const tags: string[] = Object.values(TAGS).filter((t) => present.has(t));
  for (const layer of start.layers)
    for (const prefix of Object.keys(LAYER_TAGS)) {
      const tag = `${prefix}/${layer.name}`;
      if (present.has(tag)) tags.push(tag);
    }
  // A layer a step names that run-start did not list (never written by the engine) still gets its columns.
  const listed = new Set(tags);
  return [...tags, ...[...present].filter((t) => !listed.has(t)).sort()];
}

/** A run's scalar series from its events (readEvents of its events.jsonl). Throws RunScalarsError without a run-start. */
export function runScalars(events: readonly TrainingEvent[]): RunScalars {
  const run = lastRun(events);
  const steps = run.events.filter((e): e is StepEvent => e.type === 'step');
  const clips = steps.some((e) => e.clippedGradNorm !== undefined && e.clippedGradNorm !== e.globalGradNorm);
  const records: ScalarRecord[] = [];
  const epochs = new Map<number, EpochEvent>();
  const lastStepOf = new Map<number, number>();
  for (const e of run.events) {
    if (e.type === 'step') {
      records.push({ kind: 'step', step: e.step, epoch: e.epoch, wallTime: 0, values: stepValues(e, clips) });
      lastStepOf.set(e.epoch, e.step);
    } else if (e.type === 'epoch') {
      epochs.set(e.epoch, e);
      // The step where the epoch ended: its last step event (else where it ends by the run's steps per epoch).
      const step = lastStepOf.get(e.epoch) ?? (e.epoch + 1) * run.start.stepsPerEpoch - 1;
      records.push({ kind: 'epoch', step, epoch: e.epoch, wallTime: 0, values: epochValues(e) });
    }
  }
  estimateWallTimes(run.start, records, epochs);
  const present = new Set(records.flatMap((r) => [...r.values.keys()]));
  return { start: run.start, records, tags: orderedTags(run.start, present) };
}
