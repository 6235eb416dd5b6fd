// The spec format (*.gradscope.json) after parsing: plain data, positions kept, `repeat` expanded.
// Field names follow the TensorFlow.js / Keras vocabulary and are a contract: add, never rename.

/** 1-based line and column, as editors and `file:line:col` messages show them. */
export interface Position {
  line: number;
  column: number;
}

export interface SourceRange {
  start: Position;
  end: Position;
  /** 0-based character offset and length in the file text. */
  offset: number;
  length: number;
}

/** A JSON Pointer (RFC 6901) into the spec file, e.g. `/model/layers/1/layers/0`. */
export type SpecPath = string;

export type Severity = 'error' | 'warning' | 'info';

/** One JSON Patch (RFC 6902) operation on the spec. */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

/** A cure for a problem, as a JSON Patch on the spec (most likely cure first in lists of fixes). */
export interface SpecFix {
  title: string;
  patch: JsonPatchOperation[];
}

/** Another place a problem occurs at (VS Code shows it as related information). */
export interface RelatedLocation {
  specPath: SpecPath;
  range: SourceRange;
  message: string;
}

/** One problem found in a spec, always with a position. */
export interface SpecProblem {
  severity: Severity;
  /** Stable machine-readable code, e.g. `syntax`, `unknown-layer-type`, `shape-mismatch`. */
  code: string;
  message: string;
  specPath: SpecPath;
  range: SourceRange;
  /** Fixes for lint findings (static checks before training). */
  fixes?: SpecFix[];
  /**
   * The same finding at other places, reported once here (e.g. eight layers written out one by one); the fixes
   * then mend every place.
   */
  related?: RelatedLocation[];
}

export const ACTIVATIONS = [
  'linear',
  'relu',
  'leakyRelu',
  'prelu',
  'rrelu',
  'relu6',
  'elu',
  'selu',
  'gelu',
  'swish',
  'mish',
  'softplus',
  'sigmoid',
  'hardSigmoid',
  'tanh',
  'softmax',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/**
 * Parameters of a parameterized activation (the object form `{ "type": "leakyRelu", "alpha": 0.2 }`); absent when the
 * spec wrote the name alone, and then model/facts gives the defaults.
 */
export interface ActivationParams {
  /** leakyRelu / elu: the negative-side slope or scale (prelu: its learned slope's start, never written in a spec). */
  alpha?: number;
  /** rrelu: the range its random negative slope is drawn from in training (the mean slope at evaluation). */
  lower?: number;
  upper?: number;
}

export const NAMED_INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heNormal',
  'heUniform',
  'lecunNormal',
  'lecunUniform',
  'orthogonal',
  'zeros',
  'ones',
] as const;
export type NamedInitializer = (typeof NAMED_INITIALIZERS)[number];

/** Which fan a varianceScaling initializer divides its scale by: fan-in, fan-out or their mean. */
export type VarianceScalingMode = 'fanIn' | 'fanOut' | 'fanAvg';

export type InitializerSpec =
  | NamedInitializer
  | { type: 'randomNormal'; mean: number; stddev: number }
  /** A normal cut at mean ± 2·stddev (values beyond are redrawn): its real standard deviation is ≈ 0.88·stddev. */
  | { type: 'truncatedNormal'; mean: number; stddev: number }
  | { type: 'randomUniform'; minval: number; maxval: number }
  | { type: 'constant'; value: number }
  /** A random orthogonal matrix (the kernel flattened to [inputs, units]) times `gain` (Saxe et al. 2014). */
  | { type: 'orthogonal'; gain: number }
  /**
   * Variance scale/n with n = fan-in, fan-out or their mean; "normal" is a truncated normal rescaled to exactly
   * that variance, "uniform" is uniform on ±√(3·scale/n). Glorot, He and LeCun are its special cases.
   */
  | { type: 'varianceScaling'; scale: number; mode: VarianceScalingMode; distribution: 'normal' | 'uniform' };

/** Where a resolved layer came from in the spec file. */
export interface LayerOrigin {
  /** JSON Pointer of the spec entry this layer was built from (the template entry for repeats). */
  specPath: SpecPath;
  /** Copy index (0-based) inside the innermost enclosing `repeat`; absent outside repeats. */
  copy?: number;
  /** Copy indices of every enclosing `repeat`, outermost first; absent outside repeats. */
  copies?: number[];
  range: SourceRange;
  /**
   * false: the layer is frozen (its own `trainable`, else its innermost enclosing block's); no gradient is computed
   * for its weights until `training.unfreeze` names it. Absent: trainable.
   */
  trainable?: false;
  /** Factor on the layer's updates (its own, else its innermost enclosing block's); absent: 1. */
  learningRateMultiplier?: number;
}

/**
 * A kernel penalty (Keras semantics): l1·Σ|w| + l2·Σw² over the layer's kernel. gradscope adds its gradient,
 * l1·sign(w) + 2·l2·w, to the kernel's gradient after measurement and clipping (like `training.weightDecay`): the
 * reported loss and gradient norms stay those of the data loss.
 */
export interface KernelRegularizerSpec {
  l1: number;
  l2: number;
}

/** After every optimizer step, each output unit's incoming weight vector is rescaled to norm ≤ maxValue. */
export interface KernelConstraintSpec {
  type: 'maxNorm';
  maxValue: number;
}

/** Settings every kernel layer (dense, conv2d, and the recurrent layers' input kernels) may carry. */
export interface KernelPenalties {
  kernelRegularizer?: KernelRegularizerSpec;
  kernelConstraint?: KernelConstraintSpec;
}

export interface DenseLayer extends LayerOrigin, KernelPenalties {
  type: 'dense';
  units: number;
  activation: ActivationName;
  activationParams?: ActivationParams;
  useBias: boolean;
  kernelInitializer: InitializerSpec;
  biasInitializer: InitializerSpec;
  /** w = g·v/‖v‖ per output unit, g and v learned (Salimans & Kingma 2016); present (true) only when the spec asks for it. */
  weightNormalization?: true;
}

export interface Conv2dLayer extends LayerOrigin, KernelPenalties {
  type: 'conv2d';
  filters: number;
  kernelSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  activation: ActivationName;
  activationParams?: ActivationParams;
  useBias: boolean;
  kernelInitializer: InitializerSpec;
  biasInitializer: InitializerSpec;
  /** w = g·v/‖v‖ per filter, g and v learned (Salimans & Kingma 2016); present (true) only when the spec asks for it. */
  weightNormalization?: true;
}

export interface ActivationLayer extends LayerOrigin {
  type: 'activation';
  activation: ActivationName;
  activationParams?: ActivationParams;
}

export interface DropoutLayer extends LayerOrigin {
  type: 'dropout';
  rate: number;
}

export interface BatchNormalizationLayer extends LayerOrigin {
  type: 'batchNormalization';
  momentum: number;
  epsilon: number;
}

export interface LayerNormalizationLayer extends LayerOrigin {
  type: 'layerNormalization';
  epsilon: number;
}

/** Per sample: channels split into `groups` groups, each normalized over its channels (and positions); per-channel gamma/beta. */
export interface GroupNormalizationLayer extends LayerOrigin {
  type: 'groupNormalization';
  groups: number;
  epsilon: number;
}

/** x / √(mean(x²) + epsilon) · gamma over the last axis (no centering, no shift). */
export interface RmsNormalizationLayer extends LayerOrigin {
  type: 'rmsNormalization';
  epsilon: number;
}

/** Dropout for SELU nets: dropped units are set to SELU's negative saturation value and the result is rescaled so a mean-0/variance-1 signal keeps its mean and variance. */
export interface AlphaDropoutLayer extends LayerOrigin {
  type: 'alphaDropout';
  rate: number;
}

/** Adds zero-mean normal noise of standard deviation `stddev` during training. */
export interface GaussianNoiseLayer extends LayerOrigin {
  type: 'gaussianNoise';
  stddev: number;
}

export interface FlattenLayer extends LayerOrigin {
  type: 'flatten';
}

export interface MaxPooling2dLayer extends LayerOrigin {
  type: 'maxPooling2d';
  poolSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

/**
 * A recurrent layer over a sequence input [timesteps, features] (tf.layers.simpleRNN / lstm / gru). `activation` is
 * the candidate/output activation (tanh by default); the gates of lstm and gru always use sigmoid.
 */
export interface RecurrentLayer extends LayerOrigin, KernelPenalties {
  type: 'simpleRNN' | 'lstm' | 'gru';
  units: number;
  activation: ActivationName;
  activationParams?: ActivationParams;
  kernelInitializer: InitializerSpec;
  recurrentInitializer: InitializerSpec;
  biasInitializer: InitializerSpec;
  /** Output the state at every timestep ([timesteps, units]) instead of only the last one ([units]). */
  returnSequences: boolean;
  /** Fraction of the input units dropped (one mask per sequence, the same at every timestep). */
  dropout: number;
  /** Fraction of the recurrent state units dropped (one mask per sequence). */
  recurrentDropout: number;
}

/** output = F(x) + x; a linear projection of x is added by the engine when shapes differ. */
export interface ResidualLayer extends LayerOrigin {
  type: 'residual';
  layers: ResolvedLayer[];
}

/**
 * DenseNet block: sub-layer i sees the concatenation (last axis) of the block input and the outputs of sub-layers
 * 0..i−1; the block outputs the concatenation of its input and every sub-layer's output.
 */
export interface DenseBlockLayer extends LayerOrigin {
  type: 'denseBlock';
  layers: ResolvedLayer[];
}

/**
 * Highway layer (Srivastava et al. 2015): y = H(x)·T(x) + x·(1 − T(x)) with H = activation(W_H·x + b_H) and the
 * transform gate T = sigmoid(W_T·x + b_T); b_T starts at `transformBias` (negative: the layer starts by carrying x).
 */
export interface HighwayLayer extends LayerOrigin {
  type: 'highway';
  units: number;
  activation: ActivationName;
  activationParams?: ActivationParams;
  transformBias: number;
  /** W_H and W_T (each drawn with its own seed). */
  kernelInitializer: InitializerSpec;
  /** b_H (b_T starts at transformBias). */
  biasInitializer: InitializerSpec;
}

export type ResolvedLayer =
  | DenseLayer
  | DenseBlockLayer
  | HighwayLayer
  | Conv2dLayer
  | ActivationLayer
  | DropoutLayer
  | BatchNormalizationLayer
  | LayerNormalizationLayer
  | GroupNormalizationLayer
  | RmsNormalizationLayer
  | AlphaDropoutLayer
  | GaussianNoiseLayer
  | FlattenLayer
  | MaxPooling2dLayer
  | RecurrentLayer
  | ResidualLayer;

export type LayerType = ResolvedLayer['type'];

export type DatasetName =
  'spiral' | 'moons' | 'circles' | 'xor' | 'blobs' | 'sine' | 'mnist' | 'csv' | 'adding' | 'sequenceParity';

export interface DataSpec {
  dataset: DatasetName;
  samples: number;
  /** Number of classes (classification datasets); fixed by the data for mnist (10) and csv (label values). */
  classes: number;
  /** Input features for the synthetic tabular datasets (spiral/moons/circles/xor use 2; blobs any). */
  features: number;
  noise: number;
  validationSplit: number;
  /**
   * Fraction of all samples held out as a test split, carved before the validation split (which then takes its
   * fraction of the rest). Never used for early stopping or schedules; evaluated once when training ends. 0: none.
   */
  testSplit: number;
  standardize: boolean;
  /** Sequence datasets (adding, sequenceParity): timesteps per sample; the input shape is [sequenceLength, features]. */
  sequenceLength?: number;
  /** csv only: path relative to the spec file, resolved to an absolute path by the parser. */
  path?: string;
  /** csv only: name of the label column. */
  label?: string;
  /** csv only: `classification` (default when the label column is not all numbers) or `regression`. */
  task?: 'classification' | 'regression';
  /**
   * mnist only: the digits to use, in class order: digit `digits[i]` becomes class i, and classes = their count.
   * Absent: all ten digits, each its own class.
   */
  digits?: number[];
  /** Random changes to each training batch (never to validation data); absent when the spec has none. */
  augmentation?: AugmentationSpec;
}

/**
 * `data.augmentation`: each training sample gets its own random draw, fresh every epoch, seeded by (seed, epoch,
 * batch). The image transforms (everything but `noise`) need an image input shape [height, width, channels].
 */
export interface AugmentationSpec {
  /** Shifts by a whole number of pixels drawn from -shift..shift, separately along each axis. */
  shift?: number;
  /** Rotates about the image centre by an angle drawn uniformly from [-rotation, rotation] degrees. */
  rotation?: number;
  /** Scales about the image centre by a factor drawn uniformly from [1 - zoom, 1 + zoom]. */
  zoom?: number;
  /** Adds Gaussian noise of this standard deviation to every input value. */
  noise?: number;
  /** Blanks (sets to 0) a square of this side, centred on a uniformly drawn pixel (it may reach past the edge). */
  cutout?: number;
  /** Mirrors left to right with probability 1/2. */
  horizontalFlip?: boolean;
}

export type OptimizerType = 'sgd' | 'adam' | 'rmsprop' | 'adagrad' | 'adamw' | 'nadam' | 'adamax' | 'adadelta';

export interface OptimizerSpec {
  type: OptimizerType;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** adam only: divide by the largest second moment seen so far (AMSGrad). */
  amsgrad: boolean;
  /** adamw only: decoupled weight decay applied by the optimizer (w ← w − lr·weightDecay·w each step). */
  weightDecay: number;
  /** rmsprop and adadelta: decay of the running mean of squared gradients. */
  rho: number;
  /** rmsprop only: divide by the running variance of the gradient (mean square minus squared mean). */
  centered: boolean;
  /** nadam only: ψ in μ_t = β1·(1 − ½·0.96^(t·ψ)), PyTorch's `momentum_decay`. */
  momentumDecay: number;
}

/**
 * Linear warm-up, available on every schedule: over `warmupSteps` global steps (or `warmupEpochs` epochs, never both)
 * the rate climbs from `warmupStart` to the schedule's starting rate; the schedule's own clock starts when warm-up ends.
 */
export interface WarmupSettings {
  warmupEpochs?: number;
  warmupSteps?: number;
  /** Learning rate the ramp climbs from (default 0). */
  warmupStart?: number;
}

export type ScheduleSpec = WarmupSettings &
  (
    | { type: 'constant' }
    | { type: 'step'; every: number; factor: number }
    | { type: 'exponential'; decay: number }
    | { type: 'cosine'; minLearningRate: number }
    /** cosine with a warm-up of 1 epoch unless warmupEpochs/warmupSteps say otherwise. */
    | { type: 'warmupCosine'; minLearningRate: number }
    /** η₀ / (1 + t/steps)^power, t the global step. */
    | { type: 'power'; steps: number; power: number }
    /** (η₀ − end)·(1 − t/T)^power + end over the T steps of the run. */
    | { type: 'polynomial'; endLearningRate: number; power: number }
    /** The learning rate itself: values[i] from epoch boundaries[i−1] on (Keras's PiecewiseConstantDecay, in epochs). */
    | { type: 'piecewise'; boundaries: number[]; values: number[] }
    /**
     * Reacts to the monitored loss (validation loss, training loss without a validation split): after more than
     * `patience` epochs without an improvement larger than `minDelta`, the rate is multiplied by `factor` (never below
     * `minLearningRate`), then `cooldown` epochs pass before counting again (PyTorch's ReduceLROnPlateau, mode min,
     * absolute threshold).
     */
    | { type: 'reduceOnPlateau'; factor: number; patience: number; minDelta: number; cooldown: number; minLearningRate: number }
    /**
     * 1cycle (PyTorch's OneCycleLR): from maxLearningRate/divFactor up to maxLearningRate over pctStart of the run,
     * then down to maxLearningRate/(divFactor·finalDivFactor); momentum (SGD's, or β1) runs the other way.
     */
    | {
        type: 'oneCycle';
        /** The peak; absent: the optimizer's learningRate is the peak. */
        maxLearningRate?: number;
        pctStart: number;
        divFactor: number;
        finalDivFactor: number;
        anneal: 'cos' | 'linear';
        cycleMomentum: boolean;
        baseMomentum: number;
        maxMomentum: number;
      }
  );

export type LossName = 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

export interface EarlyStoppingSpec {
  patience: number;
  restoreBestWeights: boolean;
  /** Smallest decrease of validation loss that counts as an improvement. */
  minDelta: number;
}

/** `training.checkpoint`: save the training state every `every` epochs, keeping the newest `keep` checkpoints. */
export interface CheckpointSpec {
  every: number;
  keep: number;
}

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  loss: LossName;
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec;
  clipNorm?: number;
  clipValue?: number;
  weightDecay: number;
  earlyStopping?: EarlyStoppingSpec;
  /** Gradual unfreezing: frozen layers (`trainable: false`) that start training at given epochs, in epoch order. */
  unfreeze?: UnfreezeSpec[];
  checkpoint?: CheckpointSpec;
  /** Full measurement every N steps (1 = every step). Loss is recorded every step regardless. */
  measureEvery: number;
}

export interface ModelSpec {
  inputShape: number[];
  layers: ResolvedLayer[];
  /** `model.initFrom`, resolved and checked against the source run's saved model. */
  initFrom?: InitFromSpec;
}

/**
 * `model.initFrom`: weights loaded by layer name from another run's inference model (`<run>/model/`) before training,
 * in place of the initializers' draws.
 */
export interface InitFromSpec {
  /** As the spec wrote it: a run directory relative to the spec, or `latest:<spec name>`. */
  run: string;
  /** The run directory it resolved to (absolute). */
  runDir: string;
  /** The weighted layers (run-start names) whose weights are loaded, in model order. */
  layers: string[];
}

/** A valid spec with every default filled in and every `repeat` expanded. */
/**
 * From epoch `epoch` on (counted from 1, as displayed: epoch 3 is the third), the frozen layers named (run-start layer
 * names such as `dense_1`), or every frozen layer for "all", train.
 */
export interface UnfreezeSpec {
  epoch: number;
  layers: 'all' | string[];
}

export interface ParsedSpec {
  name: string;
  seed: number;
  data: DataSpec;
  model: ModelSpec;
  training: TrainingSpec;
  /** Diagnosis thresholds by name (`diagnosis/defaults.ts`); unknown names are warned about and left out. */
  monitor?: Record<string, number>;
  /** `monitor.explain`: Grad-CAM explanations recorded at the end of epochs (conv models only). */
  explain?: ExplainSpec;
}

/** `monitor.explain`: explain `samples` validation samples every `every` epochs (and after the last) at `layer`. */
export interface ExplainSpec {
  /** Validation samples explained (a seeded choice, the same each epoch); default 8, at most 32. */
  samples: number;
  /** Every how many epochs (default 1); the run's last epoch (final, or early-stopped) is explained too. */
  every: number;
  /** The conv2d layer the maps are computed at (run-start name); default the last conv2d layer. */
  layer?: string;
}

export interface ParseResult {
  /** Absolute path of the spec file (or the name given for in-memory text). */
  file: string;
  text: string;
  /** Present only when there is no problem of severity `error`. */
  spec?: ParsedSpec;
  problems: SpecProblem[];
}
