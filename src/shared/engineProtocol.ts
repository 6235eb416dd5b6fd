// The engine ⇄ front-end channel: what the engine child process emits while it trains (also the lines of
// `events.jsonl` and of `gradscope train --json`) and what a front-end may send it.
// Field names are a contract read by checks outside this repo: add fields, never rename.

import type { AugmentationSpec, SpecFix, SpecProblem } from '../training/spec/types';

/** A TensorFlow.js backend the engine can train on. */
export type Backend = 'tensorflow' | 'wasm' | 'cpu';

/**
 * Where a run trained (`run-start.backend`): a backend of gradscope's engine, or `pytorch` for a run recorded by the
 * `gradscope_torch` monitor (python/gradscope_torch) inside the user's own PyTorch script.
 */
export type RunBackend = Backend | 'pytorch';

/** A place in a source file (1-based line and column), for runs whose layers are defined in code, not in a spec. */
export interface SourceLocation {
  /** Absolute path of the file. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column; absent means the start of the line's code. */
  column?: number;
}

/**
 * Set on the run-start of a run that gradscope did not start: it was recorded by a monitor inside another framework's
 * training loop (today the PyTorch monitor `gradscope_torch`). Such a run has no spec: `specFile` is the training
 * script, layer `specPath`s are empty, layers carry `source`, and run-start numbers the monitor cannot know (epochs,
 * stepsPerEpoch, batchSize, trainSamples, validationSamples) are 0 unless the script passed them.
 */
export interface ExternalRun {
  /** The framework that trained: `pytorch`. */
  framework: 'pytorch';
  /** Its version, e.g. `2.1.0`. */
  frameworkVersion: string;
  /** The monitor that wrote the events and its version, e.g. `gradscope_torch` `0.1.0`. */
  monitor: string;
  monitorVersion: string;
  /** torch.distributed runs: how many processes trained (only rank 0 writes; its norms are of the all-reduced gradients). */
  worldSize?: number;
  /**
   * The optimizer as gradscope names optimizers (`sgd`, `adam`, `adamw`, `rmsprop`, `adagrad`, `nadam`, `adamax`,
   * `adadelta`: the torch class name lower-cased), when the monitor knows it. Diagnosis then says which optimizer the
   * update sizes come from; without it, no message names one.
   */
  optimizer?: string;
  /**
   * The training loss as gradscope names losses (`categoricalCrossentropy` for nn.CrossEntropyLoss / NLLLoss,
   * `binaryCrossentropy` for BCELoss / BCEWithLogitsLoss, `meanSquaredError`), when the monitor knows it. A
   * cross-entropy gives diagnosis its chance-level reference (ln K); without it the reference is the first steps' loss.
   */
  loss?: string;
  /**
   * Where the monitor was created in the training script (`with Monitor(...)`): where diagnostics that are about the
   * training rather than one layer (learning rate, overfitting) point. Without it they point at the script's first line.
   */
  source?: SourceLocation;
}

/** How a run ended (`run-end.status`); exitCodes.ts maps each to the command's exit code. */
export const RUN_STATUSES = ['completed', 'early-stopped', 'stopped', 'diverged', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface LayerSummary {
  /** Unique name used in every later event, e.g. `dense_3`. */
  name: string;
  /** Spec layer type (`dense`, `conv2d`, ...) or `projection` for a residual block's added skip projection. */
  kind: string;
  activation?: string;
  params: number;
  outputShape: number[];
  specPath: string;
  copy?: number;
  copies?: number[];
  /** True for layers with trainable weights: exactly these appear in `step.layers`, in this order. */
  hasWeights: boolean;
  /**
   * Layers with weights: false when the spec freezes the layer (`trainable: false`) at the start of the run;
   * `training.unfreeze` may unfreeze it later (its `step.layers` entries then lose `frozen`).
   */
  trainable?: boolean;
  /** Layers with weights: the spec's `learningRateMultiplier` on their updates, when one applies. */
  learningRateMultiplier?: number;
  /** External runs (RunStartEvent.external): where the layer is defined in the training code, e.g. `self.fc1 = nn.Linear(...)`. */
  source?: SourceLocation;
}

/** engine → front-end: the run began; sent once before any step. */
export interface RunStartEvent {
  type: 'run-start';
  runId: string;
  /** Absolute path of the spec file that was trained. */
  specFile: string;
  /**
   * The same file path as `specFile`, kept for readers of the original contract. Everywhere else `specPath` is a
   * JSON Pointer into the spec; read `specFile` (runStore fills it in for runs recorded before it existed).
   */
  specPath: string;
  specName: string;
  runDir: string;
  backend: RunBackend;
  /** Present when gradscope did not start this run (a PyTorch script's monitor recorded it); see ExternalRun. */
  external?: ExternalRun;
  seed: number;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  trainSamples: number;
  validationSamples: number;
  /** Samples held out as the test split (`data.testSplit`); absent without one. */
  testSamples?: number;
  task: 'classification' | 'regression';
  totalParams: number;
  layers: LayerSummary[];
  startedAt: string;
  /**
   * The planned learning-rate curve for schedules that do not react to the run (every type but reduceOnPlateau):
   * every step when the run has at most 500, else 500 evenly spaced steps including the first and the last.
   */
  learningRatePlan?: { step: number; learningRate: number }[];
  /**
   * Set when the spec's `model.initFrom` loaded weights: the source run directory (absolute, `latest:` resolved) and
   * the layers whose weights came from its model/, in model order.
   */
  initFrom?: { run: string; layers: string[] };
  /** The spec's `data.augmentation` as resolved (transforms set to 0/false left out); absent without augmentation. */
  augmentation?: AugmentationSpec;
  /**
   * `training.unfreeze` as it applies to this run, in order: from 0-based `epoch` (its first step is `step`) the
   * named layers train; `layers` lists them by name (`"all"` resolved to the layers still frozen then). Entries
   * before this run's first epoch (a resumed run) or past its last are left out.
   */
  unfreeze?: { epoch: number; step: number; layers: string[] }[];
  /** Set when this run continues another one from its checkpoint (`gradscope train <spec> --resume <runDir>`). */
  resumedFrom?: {
    runDir: string;
    /** The checkpoint directory it started from. */
    checkpoint: string;
    /** Epochs and steps already trained: this run's first epoch and step have these indices. */
    epoch: number;
    step: number;
  };
}

export interface LayerStepMetrics {
  name: string;
  /**
   * L2 norm of the kernel gradient (before clipping); for a highway layer, of H's kernel W_H. Absent for a frozen
   * layer: no gradient is computed for it.
   */
  gradNorm?: number;
  /** The layer is frozen this step (spec `trainable: false`, not yet unfrozen): it has no gradient and no update. */
  frozen?: true;
  /** L2 norm of the bias gradient (before clipping); absent for layers without bias. highway: H's bias b_H. */
  biasGradNorm?: number;
  /** highway only: L2 norm of the transform gate's kernel gradient (W_T, before clipping). */
  transformGradNorm?: number;
  /** L2 norm of the kernel after this step's update (highway: W_H; weightNorm and updateRatio are W_H's too). */
  weightNorm: number;
  /** ‖ΔW‖ / ‖W‖ of the kernel for this step's update. */
  updateRatio: number;
  /**
   * Layers whose activation can stop passing gradient: units whose activation derivative is (numerically) zero for
   * every sample of the batch (docs/metrics.md gives the definition per activation).
   */
  deadUnits?: number;
  /** Units of the layer (dense units, conv filters). */
  units?: number;
  /** sigmoid/tanh layers: fraction of (sample, unit) outputs in the flat tails of the activation. */
  saturation?: number;
  /** Mean of the layer's activation output over the batch (every sample, position and unit). */
  activationMean?: number;
  /** Standard deviation of the layer's activation output over the batch: the forward signal's size at this depth. */
  activationStd?: number;
  /** Recurrent layers: L2 norm of the recurrent kernel's gradient (before clipping). */
  recurrentGradNorm?: number;
  /**
   * Recurrent layers: L2 norm of the recurrent kernel after this step's update (`weightNorm` and `updateRatio` are
   * the input kernel's, like `gradNorm`).
   */
  recurrentWeightNorm?: number;
  /** Recurrent layers: ‖ΔU‖ / ‖U‖ of the recurrent kernel U for this step's update. */
  recurrentUpdateRatio?: number;
}

/** engine → front-end: one optimisation step; every `measureEvery` steps it carries full measurements. */
export interface StepEvent {
  type: 'step';
  /** 0-based index over the whole run, the number shown on step axes and in diagnostics (progress shows step + 1 done). */
  step: number;
  /** 0-based (the first epoch is 0); displays show `epoch + 1`. */
  epoch: number;
  loss: number;
  lr: number;
  /**
   * The momentum in force at this step (SGD's or RMSprop's momentum, the Adam family's β1) when a schedule cycles it
   * (oneCycle): present on step 0 and on every step where it differs from the previous step's.
   */
  momentum?: number;
  /** Global L2 norm of all gradients before clipping. */
  globalGradNorm?: number;
  /** Global L2 norm after clipping (equal to globalGradNorm when no clipping applies). */
  clippedGradNorm?: number;
  /** Layers with weights, in model order; absent on steps without full measurement. */
  layers?: LayerStepMetrics[];
  /** True when the loss or any measured number is NaN or ±Infinity. */
  nonFinite?: boolean;
}

/** engine → front-end: end of an epoch. */
export interface EpochEvent {
  type: 'epoch';
  /** 0-based: the epoch that just ended (displays show `epoch + 1`). */
  epoch: number;
  loss: number;
  /** Validation loss (the PyTorch monitor's `epoch()` requires it too: overfitting is judged on it). */
  valLoss: number;
  acc?: number;
  valAcc?: number;
  /** Regression runs: mean absolute error over the epoch's training batches (as trained, dropout active). */
  mae?: number;
  /** Regression runs: mean absolute error on the validation split. */
  valMae?: number;
  lr: number;
  durationMs: number;
  samplesPerSec: number;
  /**
   * Set when the epoch wrote a checkpoint (`training.checkpoint`): its directory relative to the run directory,
   * with `/` separators, e.g. `checkpoints/epoch-3`. `gradscope train --resume` continues from the newest one.
   */
  checkpoint?: string;
}

/** engine → front-end: reduceOnPlateau lowered the learning rate at the end of an epoch. */
export interface ScheduleEvent {
  type: 'schedule';
  /** 0-based: the epoch that just ended, whose loss triggered the change. */
  epoch: number;
  /** The next global step: the first to run at the new rate. */
  step: number;
  learningRate: number;
  previousLearningRate: number;
  reason: 'plateau';
  /** The loss watched: validation loss, or training loss when there is no validation split. */
  monitor: 'val_loss' | 'loss';
  /** Best (lowest) value of the watched loss so far. */
  best: number;
}

/**
 * engine → front-end: training samples of the run's first batch before and after `data.augmentation`, the very
 * draws that batch trains on (sent once, after run-start and before the first step, when the spec augments).
 * Values are the model's inputs (after standardisation), rounded to 4 decimals; sample i of `before` became
 * sample i of `after`.
 */
export interface AugmentationSamplesEvent {
  type: 'augmentation-samples';
  /** 0-based epoch and step of the batch the samples come from (the run's first). */
  epoch: number;
  step: number;
  /** Shape of one sample (the spec's inputShape): [height, width, channels] for images; values are row-major. */
  shape: number[];
  /** The augmentation applied (as in run-start). */
  augmentation: AugmentationSpec;
  before: number[][];
  after: number[][];
}

/** A map over an image, values in [0, 1], row-major (`values[row * width + col]`). */
export interface ExplanationMap {
  width: number;
  height: number;
  values: number[];
}

/** One validation sample explained: what the model predicted and where it looked (Grad-CAM). */
export interface ExplanationSample {
  /** 0-based index of the sample in the run's validation split (the same samples every epoch: a seeded choice). */
  index: number;
  /** True class index. */
  label: number;
  /** Predicted class index (highest probability). */
  predicted: number;
  /** Class probabilities (softmax of the model's output), rounded to 4 decimals. */
  probabilities: number[];
  /** The class the maps explain: `predicted`, unless a class was asked for (`gradscope explain --class`). */
  target: number;
  /** Grad-CAM of `target` upsampled bilinearly to the input's size, normalised to [0, 1] (all 0 when ReLU leaves nothing). */
  gradCam: ExplanationMap;
  /** The same map at the conv layer's own size (before upsampling). */
  gradCamRaw: ExplanationMap;
  /** Grad-CAM of the true class (`label`), when it differs from `target`. */
  gradCamTrue?: ExplanationMap;
  gradCamTrueRaw?: ExplanationMap;
  /** method `saliency` (also sent with grad-cam): |∂ score_target / ∂ input|, max over channels, normalised to [0, 1], at the input's size. */
  saliency?: ExplanationMap;
  /** The sample as the model saw it (after standardisation), row-major [height, width, channels], rounded to 4 decimals. */
  input: number[];
}

/** A conv layer's filters (kernels) as small images. */
export interface ConvFilters {
  layer: string;
  /** Kernel height and width, input channels. */
  height: number;
  width: number;
  channels: number;
  /** One entry per filter (output channel): its kernel row-major [height, width, channels], raw weights rounded to 4 decimals. */
  kernels: number[][];
}

/**
 * engine → front-end: Grad-CAM explanations of a fixed, seeded choice of validation samples. Sent at the end of an
 * epoch when the spec sets `monitor.explain` (after that epoch's `epoch` event), and as the result of job `explain`
 * on a finished run (`gradscope explain`).
 */
export interface ExplanationEvent {
  type: 'explanation';
  /** 0-based epoch whose weights were explained (job `explain`: the last finished epoch of the run). */
  epoch: number;
  /** Name of the conv layer the maps were computed at (run-start layer name, e.g. `conv2d_2`). */
  layer: string;
  /** `grad-cam` (every sample also carries `saliency`, the input gradient, as a second method). */
  method: 'grad-cam';
  /** Shape of one input sample: [height, width, channels]. */
  inputShape: number[];
  /** Class names in class-index order (csv label values, digits for mnist, else class numbers). */
  classNames: string[];
  samples: ExplanationSample[];
  /** The first conv layer's filters at that epoch. */
  filters?: ConvFilters;
  /** Job `explain` with `sanity`: Adebayo et al.'s model-randomisation check (see ExplanationSanity). */
  sanity?: ExplanationSanity;
  /** Job `explain`: the run directory explained. */
  runDir?: string;
}

/**
 * The model-randomisation sanity check: the same samples' Grad-CAM maps after the weights were re-randomised
 * (re-drawn from the layers' own initializers, from the output layer down to the first), compared with the trained
 * model's by Spearman rank correlation. An explanation that depends on what the model learned changes: a low
 * correlation passes.
 */
export interface ExplanationSanity {
  /** Mean over the samples of the Spearman rank correlation between trained and re-randomised maps (gradCamRaw). */
  rankCorrelation: number;
  /** Per sample, in `samples` order. */
  perSample: number[];
  /** Which layers were re-randomised. */
  randomizedLayers: string[];
  /**
   * The cascade step by step (Adebayo et al.'s figure): after re-randomising the weights of `layer` and of every layer
   * above it, the mean rank correlation at that point; the last entry is `rankCorrelation`.
   */
  cascade?: { layer: string; rankCorrelation: number }[];
  /**
   * How many of the re-randomised maps came out 0 everywhere (ReLU left nothing): they have no ranking and count as
   * correlation 0, so a low `rankCorrelation` made mostly of empty maps says less than one made of real maps.
   */
  emptyMaps?: number;
}

/**
 * Classification runs: the validation split's confusion matrix of the best epoch (lowest validation loss), counted
 * from the predictions that scored that epoch, whether or not restoreBestWeights keeps its weights (`weights:
 * "best"`). A resumed run whose best epoch came before the resume has no matrix of it: then the last epoch's
 * (`"last"`).
 */
export interface RunConfusion {
  /** Class names in class-index order (csv label values, digits for mnist, else class numbers). */
  labels: string[];
  /** matrix[true class][predicted class]: counts of validation samples. */
  matrix: number[][];
  /** 0-based epoch whose validation predictions were counted. */
  epoch: number;
  weights: 'best' | 'last';
}

/**
 * A fix: a title and JSON Patch (RFC 6902) operations on the spec. Fixes of an external run (RunStartEvent.external)
 * have no spec to patch: their `patch` is empty, `explanation` says what to change in the training code, and `docs`
 * names the diagnostic's page.
 */
export interface Fix extends SpecFix {
  /** External runs: what to change in the training code, in a sentence or two (nothing is applied automatically). */
  explanation?: string;
  /**
   * External runs: the diagnostic's docs page, relative to the gradscope package root (`docs/diagnostics/<code>.md`,
   * src/shared/diagnosticDocs.ts).
   */
  docs?: string;
}

/** engine → front-end: something is wrong with training (or the spec). */
export interface DiagnosticEvent {
  type: 'diagnostic';
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** The layer most at fault (its specPath is `specPath`). */
  layer?: string;
  /** Every layer involved, in model order, when several are (e.g. all layers whose gradients vanish). */
  layers?: string[];
  specPath: string;
  /**
   * External runs: where Problems show the diagnostic: the source line of `layer` (its run-start `source`); for a
   * diagnostic about no layer (learning rate, overfitting), `external.source`, else the training script's first line.
   * Their `specPath` is empty.
   */
  source?: SourceLocation;
  copy?: number;
  /** 0-based step index, as in `step` events. */
  step?: number;
  /** 0-based epoch, as in `epoch` events (displays show `epoch + 1`). */
  epoch?: number;
  evidence: Record<string, unknown>;
  fixes?: Fix[];
}

/** Scores on the held-out test split: loss and accuracy for classification, MAE, RMSE and R² for regression. */
export interface TestScores {
  loss: number;
  acc?: number;
  mae?: number;
  rmse?: number;
  r2?: number;
  /** Samples in the test split. */
  samples: number;
}

/** Which split of a run's data `gradscope evaluate` scores. */
export type EvaluationSplit = 'val' | 'test';

/** A saved run's model scored on one split of its data (`gradscope evaluate`). */
export interface EvaluationResult extends TestScores {
  type: 'evaluation';
  runDir: string;
  split: EvaluationSplit;
  task: 'classification' | 'regression';
  /** Classification: counts[true class][predicted class]. */
  confusion?: number[][];
  /** Names of the classes, in class-index order (csv label values; digits for mnist; else class numbers). */
  classNames?: string[];
}

/** One row `gradscope predict` scored: what the model made of it, and the truth when it is known. */
export interface PredictionRow {
  /**
   * Where the row came from: its 1-based line in the input csv, or its 0-based index in the run's validation split
   * (`--dataset-sample`).
   */
  line?: number;
  index?: number;
  /** Classification: the predicted class's name (csv label, digit, or class number) and each class's probability. */
  predicted?: string;
  probabilities?: number[];
  /** Regression: the predicted value of each target. */
  values?: number[];
  /** The true class name (classification) or target values (regression), when the input had them. */
  actual?: string | number[];
}

/** A saved run's model applied to new rows (`gradscope predict`): the job's result, its last message. */
export interface PredictionResult {
  type: 'prediction';
  runDir: string;
  task: 'classification' | 'regression';
  /** Classification: the class names, in the order of `probabilities`. */
  classNames?: string[];
  /** Where the rows came from: the input csv path, or which validation samples were drawn (and with what seed). */
  source: string;
  rows: PredictionRow[];
  /** Things about the input worth a look that did not stop the prediction (e.g. mnist pixels above 1). */
  warnings?: string[];
}

/** engine → front-end: the run is over; always the last event of a run. */
export interface RunEndEvent {
  type: 'run-end';
  status: RunStatus;
  /** 0-based epoch of the best validation loss (displays show `bestEpoch + 1`). */
  bestEpoch?: number;
  bestValLoss?: number;
  /** A count of finished epochs (not an index): 0 for a run that ended inside its first epoch. */
  epochsCompleted: number;
  /** A count of steps taken. */
  steps: number;
  durationMs: number;
  /**
   * The held-out test split (`data.testSplit`) scored once, after training, with the weights the run kept (the best
   * epoch's when early stopping restores them); absent without a test split or when the run diverged.
   */
  test?: TestScores;
  /**
   * Where the inference model was saved (TensorFlow.js layers format, loadable by plain `tf.loadLayersModel`: one
   * input, one output with the final activation applied), when it was.
   */
  weightsDir?: string;
  /** Why no inference model was saved although the run finished (e.g. a layer with no standard equivalent yet). */
  modelNotSaved?: string;
  /** Classification runs with a validation split that did not diverge: the confusion matrix of the kept weights. */
  confusion?: RunConfusion;
  /** Last step the engine had emitted when a stop request reached it (status `stopped`). */
  stopRequestedAtStep?: number;
  error?: string;
}

/** engine → front-end: a human-oriented log line (backend chosen, dataset loaded...). Not persisted as data. */
export interface LogEvent {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

export type TrainingEvent =
  | RunStartEvent
  | AugmentationSamplesEvent
  | StepEvent
  | EpochEvent
  | ExplanationEvent
  | ScheduleEvent
  | DiagnosticEvent
  | RunEndEvent;

/** engine → front-end, over the child-process channel. */
export type EngineMessage =
  | TrainingEvent
  | LogEvent
  /** The spec was invalid: no run was started. */
  | { type: 'spec-problems'; file: string; problems: SpecProblem[] };

/** The learning-rate range test's settings (`gradscope lr-find --start/--end/--steps`). */
export interface LrFindSettings {
  /** Learning rate of the first step (default 1e-7). */
  start: number;
  /** Learning rate of the last step (default 10); the rate rises geometrically from `start` to it. */
  end: number;
  /** Steps of the test (default 100), fewer when it stops early. */
  steps: number;
}

/** `gradscope lr-find`'s defaults: 1e-7 → 10 over 100 steps (fastai's and the lessons'). */
export const LR_FIND_DEFAULTS: LrFindSettings = { start: 1e-7, end: 10, steps: 100 };

/** One step of the range test: the rate it trained at, its batch loss, and the smoothed loss so far. */
export interface LrFindPoint {
  learningRate: number;
  loss: number;
  /** Exponential moving average of the loss (β = 0.98), bias-corrected. */
  smoothedLoss: number;
}

/** engine → front-end, job `lr-find`: one step of the range test (not persisted). */
export interface LrFindProgressEvent extends LrFindPoint {
  type: 'lr-find-progress';
  /** 0-based step of the test. */
  step: number;
  /** Steps the test runs at most (it may stop earlier). */
  steps: number;
}

/** Where the learning rate a range test's suggestion replaces is written in the spec. */
export type LearningRateField = 'optimizer.learningRate' | 'schedule.maxLearningRate' | 'schedule.values';

/**
 * engine → front-end, job `lr-find`: the range test's result, its last message. Also saved as
 * `.gradscope/lr-find/<runId>.json` (beside the runs directory); it is not a run.
 */
export interface LrFindEvent {
  type: 'lr-find';
  runId: string;
  /** Absolute path of the spec file that was tested. */
  specFile: string;
  specName: string;
  backend: Backend;
  seed: number;
  settings: LrFindSettings;
  /** Every step taken, in order (only finite losses: a step whose loss is NaN/Inf ends the test and is left out). */
  points: LrFindPoint[];
  /** The steepest descent of the smoothed loss against log(learning rate), before its minimum. */
  suggestion: { learningRate: number; method: 'steepest' | 'minLoss/10' };
  /** The rate at the smoothed loss's minimum. */
  minLossLearningRate: number;
  /** The rule of thumb "10× below the minimum of the loss". */
  secondOpinion: { learningRate: number; method: 'minLoss/10' };
  /**
   * False when the curve has no descent to read (the loss blew up within the first tenth of the test, or never fell
   * by 5%): the suggestion is then only the min-loss/10 rule, `warning` says why, and `--apply` writes nothing.
   */
  conclusive: boolean;
  /** Why the test is inconclusive, in a sentence or two. */
  warning?: string;
  /** True when the test ended before `settings.steps` (the loss blew up or became NaN/Inf). */
  stoppedEarly: boolean;
  /** Why it ended: all steps done, smoothed loss above 4× its minimum, or a NaN/Inf loss. */
  stopReason: 'completed' | 'diverged' | 'non-finite';
  /** The learning rate the spec uses now (the optimizer's, oneCycle's maxLearningRate, a piecewise schedule's first value). */
  currentLearningRate: number;
  /** Where that rate is written (and where "Use learning rate" writes the suggestion). */
  field: LearningRateField;
  /** The file the result was saved to (`.gradscope/lr-find/<runId>.json`). */
  resultFile?: string;
  /** When the test ran (ISO 8601). */
  finishedAt: string;
  durationMs: number;
}

/** engine → front-end, over the child-process channel of an `lr-find` job. */
export type LrFindMessage =
  | LrFindProgressEvent
  | LrFindEvent
  | LogEvent
  /** The spec was invalid: nothing was tested. */
  | { type: 'spec-problems'; file: string; problems: SpecProblem[] };

/** engine → front-end, over the child-process channel of an `evaluate` job. */
export type EvaluateMessage = EvaluationResult | LogEvent;

/** engine → front-end, over the child-process channel of a `predict` job. */
export type PredictMessage = PredictionResult | LogEvent;

/** engine → front-end, over the child-process channel of an `explain` job. */
export type ExplainMessage = ExplanationEvent | LogEvent;

/** Job `explain`: what to explain of a finished run. */
export interface ExplainRequest {
  /** How many validation samples (default 8). */
  samples?: number;
  /** Explain this class index instead of each sample's predicted class. */
  class?: number;
  /** The conv layer (run-start name); default the last conv2d layer. */
  layer?: string;
  /** Also run the model-randomisation sanity check (`sanity` in the result). */
  sanity?: boolean;
}

export interface StartOptions {
  specFile: string;
  /**
   * What the engine does: train a run (default), the learning-rate range test (no run is recorded), or score a
   * saved run's model (`evaluate`: `runDir` and `split`; `specFile` is ignored), or apply it to new rows
   * (`predict`: `runDir` and `input` or `datasetSample`).
   */
  job?: 'train' | 'lr-find' | 'evaluate' | 'predict' | 'explain';
  /** Jobs `evaluate`, `predict` and `explain`: the run directory whose model is used. */
  runDir?: string;
  /** Job `predict`: the csv file of rows to predict. */
  input?: string;
  /** Job `predict`: predict this many samples drawn from the run's own validation split instead of a csv. */
  datasetSample?: number;
  /** Job `evaluate`: the split scored (default `val`). */
  split?: EvaluationSplit;
  /** Job `explain`: what to explain (samples, class, layer, sanity check). */
  explain?: ExplainRequest;
  /** Job `lr-find`: its settings (defaults 1e-7 → 10 over 100 steps). */
  lrFind?: LrFindSettings;
  /**
   * Directory under which `<runId>/` is created; default `.gradscope/runs` next to the spec. Job `lr-find` saves its
   * result in `lr-find/` beside that directory.
   */
  outDir?: string;
  epochs?: number;
  seed?: number;
  /** Force a backend (tests, benchmarks); default: the fastest that loads. */
  backend?: Backend;
  /** Override `training.measureEvery`. */
  measureEvery?: number;
  /** Job `train`: continue the run in this directory from its newest checkpoint, as a new run linking to it. */
  resume?: string;
  /** Diagnosis thresholds (e.g. from VS Code settings); the spec's `monitor` section wins over these. */
  thresholds?: Record<string, number>;
  /**
   * The engine's CPU priority: `low` lowers it (nice 10, and SCHED_IDLE on Linux; below normal on Windows) before
   * any work, so that the editor and the dashboard run first on a busy machine; `normal` (the default) leaves it as
   * inherited.
   */
  priority?: EnginePriority;
}

export type EnginePriority = 'low' | 'normal';

/** front-end → engine: train with these options (once per engine process). */
export interface StartMessage {
  type: 'start';
  options: StartOptions;
}

/** front-end → engine: stop after the current step and end the run with status `stopped`. */
export interface StopMessage {
  type: 'stop';
}

/** front-end → engine. */
export type HostMessage = StartMessage | StopMessage;

const BACKENDS: readonly string[] = ['tensorflow', 'wasm', 'cpu'] satisfies Backend[];
const JOBS: readonly string[] = ['train', 'lr-find', 'evaluate', 'predict', 'explain'] satisfies StartOptions['job'][];

/** What is wrong with range-test settings (from the channel or the command line), or undefined when they are usable. */
export function lrFindSettingsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const { start, end, steps } = value as Record<string, unknown>;
  if (typeof start !== 'number' || !Number.isFinite(start) || start <= 0) return 'start is not a positive number';
  if (typeof end !== 'number' || !Number.isFinite(end) || end <= start) return 'end is not a number above start';
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 2) return 'steps is not an integer ≥ 2';
  return undefined;
}

/** What is wrong with an explain request (from the channel), or undefined when it is usable. */
function explainRequestProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const { samples, class: target, layer, sanity } = value as Record<string, unknown>;
  if (samples !== undefined && (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 1))
    return 'samples is not a positive integer';
  if (target !== undefined && (typeof target !== 'number' || !Number.isInteger(target) || target < 0))
    return 'class is not a class index';
  if (layer !== undefined && typeof layer !== 'string') return 'layer is not a layer name';
  if (sanity !== undefined && typeof sanity !== 'boolean') return 'sanity is not true or false';
  return undefined;
}

/** What is wrong with a StartOptions value received over the channel, or undefined when it is well-formed. */
function startOptionsProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'options is not an object';
  const o = value as Record<string, unknown>;
  if (typeof o.specFile !== 'string' || o.specFile === '') return 'options.specFile is not a file path';
  for (const key of ['outDir'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'string') return `options.${key} is not a string`;
  for (const key of ['epochs', 'seed', 'measureEvery'] as const) {
    if (o[key] !== undefined && (typeof o[key] !== 'number' || !Number.isInteger(o[key])))
      return `options.${key} is not an integer`;
  }
  if (o.backend !== undefined && !BACKENDS.includes(o.backend as string))
    return `options.backend is not one of ${BACKENDS.join(', ')}`;
  if (o.job !== undefined && !JOBS.includes(o.job as string))
    return 'options.job is not "train", "lr-find", "evaluate", "predict" or "explain"';
  if ((o.job === 'evaluate' || o.job === 'predict' || o.job === 'explain') && (typeof o.runDir !== 'string' || o.runDir === ''))
    return 'options.runDir is not a directory path';
  if (o.input !== undefined && typeof o.input !== 'string') return 'options.input is not a file path';
  if (o.datasetSample !== undefined && (typeof o.datasetSample !== 'number' || !Number.isInteger(o.datasetSample)))
    return 'options.datasetSample is not an integer';
  if (o.split !== undefined && o.split !== 'val' && o.split !== 'test') return 'options.split is not "val" or "test"';
  if (o.priority !== undefined && o.priority !== 'low' && o.priority !== 'normal')
    return 'options.priority is not "low" or "normal"';
  if (o.explain !== undefined) {
    const problem = explainRequestProblem(o.explain);
    if (problem) return `options.explain ${problem}`;
  }
  if (o.lrFind !== undefined) {
    const problem = lrFindSettingsProblem(o.lrFind);
    if (problem) return `options.lrFind ${problem}`;
  }
  if (
    o.thresholds !== undefined &&
    (typeof o.thresholds !== 'object' || o.thresholds === null || Object.values(o.thresholds).some((v) => typeof v !== 'number'))
  )
    return 'options.thresholds is not a map of numbers';
  return undefined;
}

/**
 * Checks a message received from the front-end: the HostMessage it is, or the reason it is not one (an unknown
 * `type`, a `start` without valid options). The channel is JSON, so nothing about its shape is guaranteed.
 */
export function parseHostMessage(value: unknown): HostMessage | { error: string } {
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    return { error: `not a message: ${String(JSON.stringify(value)).slice(0, 200)}` };
  }
  const message = value as { type: string; options?: unknown };
  switch (message.type) {
    case 'stop':
      return { type: 'stop' };
    case 'start': {
      const problem = startOptionsProblem(message.options);
      return problem
        ? { error: `malformed start message: ${problem}` }
        : { type: 'start', options: message.options as StartOptions };
    }
    default:
      return { error: `unknown message type "${message.type}"` };
  }
}
