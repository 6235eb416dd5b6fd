// The custom training loop: batches, measured steps, per-epoch validation, early stopping, NaN handling, stop
// requests. It only emits events; where they go (disk, parent process, stdout) is the caller's business.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type {
  AugmentationSamplesEvent,
  Backend,
  DiagnosticEvent,
  EpochEvent,
  LogEvent,
  RunEndEvent,
  RunStartEvent,
  RunStatus,
  ScheduleEvent,
  StepEvent,
  TestScores,
  TrainingEvent,
} from '../../shared/engineProtocol';
import { augmentBatch } from './augment';
import { encodeSplit, makeBatch, type EncodedSplit, type TensorShapes } from './batches';
import type { Dataset } from '../data/types';
import { loadDataset } from '../data/load';
import { createRng, shuffledIndices } from '../data/random';
import { resolveThresholds } from '../diagnosis/defaults';
import { createDiagnoser } from '../diagnosis/diagnoser';
import type { Thresholds } from '../diagnosis/types';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { BestTracker } from './earlyStopping';
import { classLabels, evaluate, type SplitScores } from './evaluate';
import { explainLayer } from './explain/convLayer';
import { pickExplainIndices } from './explain/samplePick';
import { explanationOf, type ExplainInput } from './explainEvent';
import { unfreezeForEpoch, unfreezePlan } from './freezing';
import { buildModel, disposeBuiltModel, ModelBuildError, type BuiltModel } from './model/buildModel';
import { loadRunWeights } from './model/runWeights';
import { makeOptimizer } from './optim/optimizer';
import { PlateauTracker } from './optim/plateau';
import { learningRatePlan, learningRateAt, momentumAt, warmupStepCount } from './optim/schedule';
import type { CheckpointManifest, TrainerState } from '../run/checkpointStore';
import { rangeOfPath } from '../spec/parse';
import type { AugmentationSpec, ParsedSpec } from '../spec/types';
import { runStep, unpackStep, type StepNumbers } from './step';

export interface TrainOptions {
  spec: ParsedSpec;
  specFile: string;
  runId: string;
  runDir: string;
  backend: Backend;
  emit: (event: TrainingEvent) => void;
  /** Polled once per step; true ends the run with status `stopped`. */
  shouldStop: () => boolean;
  /**
   * Called with the trained model (best-epoch weights restored when the spec asks) and its data before it is
   * disposed, e.g. to save it; returns where it saved the model, or why it did not (both go into run-end).
   */
  onFinished?: (
    built: BuiltModel,
    status: RunStatus,
    dataset: Dataset,
  ) => Promise<Pick<RunEndEvent, 'weightsDir' | 'modelNotSaved'> | undefined>;
  /** Diagnosis thresholds from the caller (StartOptions); the spec's `monitor` section wins over them. */
  thresholds?: Thresholds;
  /** The spec file's text, so that diagnosis fixes can tell properties written in it from defaults. */
  specText?: string;
  /** Log lines about the run (e.g. a diagnosis detector that failed); default: written to stderr. */
  log?: (event: LogEvent) => void;
  /** Continue the run whose checkpoint this is (checkpointStore.findResumePoint) instead of starting afresh. */
  resume?: { runDir: string; dir: string; manifest: CheckpointManifest };
}

function isFiniteStep(n: StepNumbers): boolean {
  if (!Number.isFinite(n.loss)) return false;
  if (n.globalGradNorm !== undefined && !Number.isFinite(n.globalGradNorm)) return false;
  // A frozen layer has no gradient to check.
  return (n.layers ?? []).every((l) => (l.frozen || Number.isFinite(l.gradNorm)) && Number.isFinite(l.weightNorm));
}

/** buildModel, with a layer TensorFlow.js refuses named by its line and column in the spec text when there is one. */
function buildModelAt(spec: ParsedSpec, specText: string | undefined): BuiltModel {
  try {
    return buildModel(spec, spec.seed);
  } catch (err) {
    const range = err instanceof ModelBuildError && specText !== undefined ? rangeOfPath(specText, err.specPath) : undefined;
    if (!range || !(err instanceof ModelBuildError)) throw err;
    throw new ModelBuildError(err.specPath, err.layerType, err.reason, `line ${range.start.line}, column ${range.start.column}`);
  }
}

/** The plateau tracker of a reduceOnPlateau schedule, else undefined. */
function plateauTracker(spec: ParsedSpec, baseLearningRate: number): PlateauTracker | undefined {
  const s = spec.training.schedule;
  return s.type === 'reduceOnPlateau' ? new PlateauTracker(s, baseLearningRate) : undefined;
}

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The spec's data, encoded for its model, and the model with its initial (seeded) weights. */
export function prepareTraining(
  spec: ParsedSpec,
  specText: string | undefined,
): {
  dataset: Dataset;
  built: BuiltModel;
  shapes: TensorShapes;
  trainSplit: EncodedSplit;
  validation: EncodedSplit;
  test?: EncodedSplit;
} {
  const dataset = loadDataset(spec.data, spec.seed);
  const built = buildModelAt(spec, specText);
  const outputShape = built.model.outputs[0].shape;
  const shapes: TensorShapes = { inputShape: spec.model.inputShape, outputUnits: outputShape[outputShape.length - 1] ?? 1 };
  const trainSplit = encodeSplit(dataset, dataset.train, shapes.outputUnits);
  const validation = encodeSplit(dataset, dataset.validation, shapes.outputUnits);
  const test = dataset.test ? encodeSplit(dataset, dataset.test, shapes.outputUnits) : undefined;
  return { dataset, built, shapes, trainSplit, validation, ...(test ? { test } : {}) };
}

/** The scores a task reports: accuracy for classification, MAE/RMSE/R² for regression. */
export function taskScores(scores: SplitScores, classification: boolean, samples: number): TestScores {
  return classification
    ? { loss: scores.loss, acc: scores.acc, samples }
    : { loss: scores.loss, mae: scores.mae, rmse: scores.rmse, r2: scores.r2, samples };
}

/** How many samples of the first batch `augmentation-samples` shows. */
const AUGMENTATION_SAMPLES = 8;

/** The first samples of a training batch as it was drawn (`x`) and as augmented (`augmented`). */
async function augmentationSamples(
  x: tf.Tensor,
  augmented: tf.Tensor,
  augmentation: AugmentationSpec,
  step: number,
  epoch: number,
): Promise<AugmentationSamplesEvent> {
  const count = Math.min(AUGMENTATION_SAMPLES, x.shape[0]);
  const shape = x.shape.slice(1);
  const size = shape.reduce((a, b) => a * b, 1);
  const rows = async (t: tf.Tensor): Promise<number[][]> => {
    const part = tf.slice(t, 0, count);
    const values = await part.data();
    part.dispose();
    return Array.from({ length: count }, (_, i) =>
      Array.from(values.subarray(i * size, (i + 1) * size), (v) => Math.round(v * 1e4) / 1e4),
    );
  };
  return { type: 'augmentation-samples', epoch, step, shape, augmentation, before: await rows(x), after: await rows(augmented) };
}

/**
 * `monitor.explain`: the conv layer and the validation rows every explanation of the run uses (the same rows each
 * epoch, so a learner can watch the maps form). The parser has checked the layer; a model that still has none
 * (a spec not from the parser) is refused before the run starts.
 */
function explainPlan(
  spec: ParsedSpec,
  built: BuiltModel,
  validationCount: number,
): { every: number; input: Pick<ExplainInput, 'layer' | 'indices'> } | undefined {
  if (!spec.explain) return undefined;
  const found = explainLayer(built, spec.explain.layer);
  if ('problem' in found) throw new Error(`monitor.explain: ${found.problem}`);
  const indices = pickExplainIndices(validationCount, Math.min(spec.explain.samples, validationCount), spec.seed);
  return { every: spec.explain.every, input: { layer: found.layer, indices } };
}

export async function train(opts: TrainOptions): Promise<RunEndEvent> {
  const { spec, emit } = opts;
  const t0 = Date.now();
  const { dataset, built, shapes, trainSplit, validation, test } = prepareTraining(spec, opts.specText);
  const { schedule: scheduleSpec } = spec.training;
  const cycled = scheduleSpec.type === 'oneCycle' && scheduleSpec.cycleMomentum;
  const { optimizer, setLearningRate, setMomentum } = makeOptimizer(spec.training.optimizer, cycled);
  const tracker = new BestTracker(built.weights, spec.training.earlyStopping);
  const { epochs, batchSize, measureEvery } = spec.training;
  const stepsPerEpoch = Math.ceil(trainSplit.count / batchSize);
  const schedule = { baseLearningRate: spec.training.optimizer.learningRate, stepsPerEpoch, totalSteps: epochs * stepsPerEpoch };
  const plan = learningRatePlan(spec.training.schedule, schedule);
  const plateau = plateauTracker(spec, schedule.baseLearningRate);
  const warmupSteps = warmupStepCount(spec.training.schedule, schedule);
  const shuffleRng = createRng(spec.seed, 'batches');
  const augmentation =
    spec.data.augmentation && Object.keys(spec.data.augmentation).length > 0 ? spec.data.augmentation : undefined;
  const classification = dataset.task === 'classification';

  let step = 0;
  let epochsCompleted = 0;
  let momentum: number | undefined;
  const resume = opts.resume;
  // model.initFrom: the source run's weights replace the initializers' draws (a resumed run takes its checkpoint's).
  const initFrom = spec.model.initFrom && !resume ? spec.model.initFrom : undefined;
  const initFromLoaded = initFrom ? loadRunWeights(built, initFrom.runDir, initFrom.layers) : undefined;
  if (resume) {
    const { state } = resume.manifest;
    await loadCheckpoint({ dir: resume.dir, manifest: resume.manifest, weights: built.weights, optimizer, tracker });
    if (plateau && state.plateau) plateau.restore({ ...state.plateau, best: state.plateau.best ?? Infinity });
    ({ step, epochs: epochsCompleted, momentum } = state);
    // The layers unfrozen in the epochs already trained train again, and the optimizer sees the variables in the
    // order it had them in (its slots are by position).
    for (let e = 1; e <= epochsCompleted; e++) unfreezeForEpoch(built, spec.training.unfreeze, e);
    if (state.variableOrder) built.variableOrder = state.variableOrder.map((i) => built.weights[i].name);
    // The optimizer was built with the spec's momentum; the schedule had moved it.
    if (momentum !== undefined) setMomentum?.(momentum);
    // The batches of the epochs already trained: drawn again so that the next epoch's order is the one it had.
    for (let e = 0; e < epochsCompleted; e++) shuffledIndices(trainSplit.count, shuffleRng);
  }

  const start: RunStartEvent = {
    type: 'run-start',
    runId: opts.runId,
    specFile: opts.specFile,
    specPath: opts.specFile,
    specName: spec.name,
    runDir: opts.runDir,
    backend: opts.backend,
    seed: spec.seed,
    epochs,
    stepsPerEpoch,
    batchSize,
    trainSamples: trainSplit.count,
    validationSamples: validation.count,
    ...(test ? { testSamples: test.count } : {}),
    task: dataset.task,
    totalParams: built.model.countParams(),
    layers: built.layers,
    startedAt: new Date(t0).toISOString(),
  };
  if (plan) start.learningRatePlan = plan;
  if (initFrom && initFromLoaded) start.initFrom = { run: initFrom.runDir, layers: initFromLoaded };
  if (augmentation) start.augmentation = augmentation;
  const unfreezing = unfreezePlan(built, spec.training.unfreeze, { firstEpoch: epochsCompleted, epochs, stepsPerEpoch });
  if (unfreezing.length > 0) start.unfreeze = unfreezing;
  if (resume) start.resumedFrom = { runDir: resume.runDir, checkpoint: resume.dir, epoch: epochsCompleted, step };
  emit(start);
  const firstStep = step;
  // Training-health diagnosis: its findings follow the event that triggered them.
  // The `non-finite` detector reports NaN/Inf; stopping the run on it is the loop's job, below.
  const diagnoser = createDiagnoser(spec, start, resolveThresholds(opts.thresholds, spec.monitor), {
    specText: opts.specText,
    log: opts.log,
  });
  const emitAll = (events: DiagnosticEvent[]): void => events.forEach(emit);

  let status: RunStatus = 'completed';
  /** Validation confusion matrices of this run's best epoch so far (lowest validation loss) and of its last. */
  let bestConfusion: { matrix: number[][]; epoch: number } | undefined;
  let lastConfusion: { matrix: number[][]; epoch: number } | undefined;
  const checkpoint = spec.training.checkpoint;
  try {
    const explaining = explainPlan(spec, built, validation.count);
    epochLoop: for (let epoch = epochsCompleted; epoch < epochs; epoch++) {
      const epochStart = Date.now();
      unfreezeForEpoch(built, spec.training.unfreeze, epoch + 1);
      const order = shuffledIndices(trainSplit.count, shuffleRng);
      let lossSum = 0;
      let correct = 0;
      let absError = 0;
      let lr = 0;
      for (let first = 0; first < trainSplit.count; first += batchSize, step++) {
        if (opts.shouldStop()) {
          status = 'stopped';
          break epochLoop;
        }
        const end = Math.min(trainSplit.count, first + batchSize);
        lr = learningRateAt(spec.training.schedule, schedule, step, plateau?.learningRate);
        setLearningRate(lr);
        // The momentum a schedule cycles: set, and reported on the step event, whenever it changes.
        const m = setMomentum ? momentumAt(scheduleSpec, schedule, step) : undefined;
        const momentumChanged = m !== undefined && m !== momentum;
        if (setMomentum && m !== undefined && momentumChanged) {
          setMomentum(m);
          momentum = m;
        }
        built.clock.step = step;
        const measure = step % measureEvery === 0;
        const batch = makeBatch(trainSplit, shapes, order, first, end);
        // Training batches only, a fresh draw per (seed, epoch, batch); validation data stay as they are.
        const x = augmentation ? augmentBatch(batch.x, augmentation, spec.seed, epoch, first / batchSize) : batch.x;
        if (augmentation && step === firstStep) emit(await augmentationSamples(batch.x, x, augmentation, step, epoch));
        const { packed, layout } = runStep(built, optimizer, spec.training, x, batch.y, measure);
        const numbers = unpackStep(built, layout, await packed.data());
        tf.dispose([packed, batch.x, batch.y, x]);

        const event: StepEvent = { type: 'step', step, epoch, loss: numbers.loss, lr };
        if (momentumChanged) event.momentum = momentum;
        if (numbers.globalGradNorm !== undefined) {
          event.globalGradNorm = numbers.globalGradNorm;
          event.clippedGradNorm = numbers.clippedGradNorm;
          event.layers = numbers.layers;
        }
        const finite = isFiniteStep(numbers);
        if (!finite) event.nonFinite = true;
        emit(event);
        emitAll(diagnoser.step(event));
        if (!finite) {
          status = 'diverged';
          step++;
          break epochLoop;
        }
        lossSum += numbers.loss * (end - first);
        correct += numbers.correct;
        absError += numbers.absError;
        await yieldToEventLoop(); // lets a stop request (an IPC message) arrive between steps
      }
      const val = await evaluate(built, spec.training.loss, validation, shapes, classification ? dataset.classes : undefined);
      const durationMs = Date.now() - epochStart;
      const epochEvent: EpochEvent = {
        type: 'epoch',
        epoch,
        loss: lossSum / trainSplit.count,
        valLoss: val.loss,
        ...(classification
          ? { acc: correct / trainSplit.count, valAcc: val.acc }
          : { mae: absError / (trainSplit.count * shapes.outputUnits), valMae: val.mae }),
        lr,
        durationMs,
        samplesPerSec: (trainSplit.count / Math.max(1, durationMs)) * 1000,
      };
      epochsCompleted = epoch + 1;
      // What ends the epoch is decided first, so that the epoch event can name the checkpoint it wrote; the events
      // keep their order (epoch, its diagnostics, then a schedule change).
      const diverged = !Number.isFinite(val.loss);
      const stopEarly = !diverged && tracker.update(epoch, val.loss);
      if (val.confusion) lastConfusion = { matrix: val.confusion, epoch };
      if (val.confusion && tracker.bestEpoch === epoch) bestConfusion = lastConfusion;
      let reduced: ReturnType<PlateauTracker['update']>;
      const monitor = validation.count > 0 ? 'val_loss' : 'loss';
      // Epochs that ended inside warm-up are not watched: the rate is still climbing there. The last epoch's
      // verdict would change nothing.
      if (!diverged && !stopEarly && plateau && step > warmupSteps && epoch < epochs - 1) {
        reduced = plateau.update(monitor === 'val_loss' ? val.loss : epochEvent.loss);
      }
      if (!diverged && !stopEarly && checkpoint && epochsCompleted % checkpoint.every === 0) {
        const p = plateau?.state();
        const state: TrainerState = {
          epochs: epochsCompleted,
          step,
          best: tracker.state(),
          variableOrder: built.variableOrder.map((name) => built.weights.findIndex((w) => w.name === name)),
          ...(momentum !== undefined ? { momentum } : {}),
          ...(p ? { plateau: { ...p, best: Number.isFinite(p.best) ? p.best : null } } : {}),
        };
        const { weights } = built;
        const dir = await saveCheckpoint({
          runDir: opts.runDir,
          spec,
          weights,
          optimizer,
          tracker,
          state,
          keep: checkpoint.keep,
        });
        epochEvent.checkpoint = path.relative(opts.runDir, dir).split(path.sep).join('/');
      }
      emit(epochEvent);
      emitAll(diagnoser.epoch(epochEvent));
      // monitor.explain: every `every` epochs and the run's last (also when early stopping ends it here). A diverged
      // epoch's maps would be of NaN weights.
      const lastEpoch = epoch === epochs - 1 || stopEarly;
      if (explaining && !diverged && ((epoch + 1) % explaining.every === 0 || lastEpoch)) {
        emit(explanationOf({ ...explaining.input, built, dataset, validation, shapes, epoch }));
      }
      if (diverged) {
        status = 'diverged';
        break;
      }
      if (stopEarly) {
        status = 'early-stopped';
        break;
      }
      if (reduced) emit({ type: 'schedule', epoch, step, reason: 'plateau', monitor, ...reduced } satisfies ScheduleEvent);
    }
    if (status !== 'diverged') tracker.restoreBest(epochsCompleted - 1);
    // Scored once, with the weights the run keeps; nothing above ever saw the test split.
    const testScores =
      test && status !== 'diverged'
        ? taskScores(await evaluate(built, spec.training.loss, test, shapes), classification, test.count)
        : undefined;
    // The best epoch's validation predictions, counted when that epoch was scored (whatever weights the run keeps);
    // the last epoch's when the best came before a resume.
    const counted = bestConfusion
      ? { ...bestConfusion, weights: 'best' as const }
      : lastConfusion && { ...lastConfusion, weights: 'last' as const };
    const confusion =
      counted && status !== 'diverged' && validation.count > 0 ? { labels: classLabels(dataset), ...counted } : undefined;
    const saved = opts.onFinished && status !== 'diverged' ? await opts.onFinished(built, status, dataset) : undefined;

    const end: RunEndEvent = { type: 'run-end', status, epochsCompleted, steps: step, durationMs: Date.now() - t0 };
    if (tracker.bestEpoch !== undefined) {
      end.bestEpoch = tracker.bestEpoch;
      end.bestValLoss = tracker.bestValLoss;
    }
    Object.assign(end, saved);
    if (testScores) end.test = testScores;
    if (confusion) end.confusion = confusion;
    emitAll(diagnoser.end(end)); // before run-end, which is always a run's last event
    emit(end);
    return end;
  } finally {
    tracker.dispose();
    optimizer.dispose();
    disposeBuiltModel(built);
  }
}
