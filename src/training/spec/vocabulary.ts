// The names the spec format knows and the properties each kind of object takes (shared by validators and tests).

import type { DatasetName, LayerType, LossName, OptimizerType, ScheduleSpec } from './types';

export const LAYER_TYPES: readonly LayerType[] = [
  'dense',
  'conv2d',
  'maxPooling2d',
  'flatten',
  'activation',
  'dropout',
  'batchNormalization',
  'layerNormalization',
  'groupNormalization',
  'rmsNormalization',
  'alphaDropout',
  'gaussianNoise',
  'simpleRNN',
  'lstm',
  'gru',
  'residual',
  'denseBlock',
  'highway',
];

const INIT = ['kernelInitializer', 'biasInitializer'] as const;
/** The kernel penalty properties (validateRegularization.ts reads them) of every layer with a kernel. */
const KERNEL_PENALTY_PROPERTIES = ['kernelRegularizer', 'kernelConstraint'] as const;
const RECURRENT = [
  'type',
  'units',
  'activation',
  'kernelInitializer',
  'recurrentInitializer',
  'biasInitializer',
  'returnSequences',
  'dropout',
  'recurrentDropout',
  ...KERNEL_PENALTY_PROPERTIES,
] as const;

/** Properties of each layer type, `type` included. */
/**
 * Transfer learning, on every layer with weights (model/facts: weights kernel or scale) and on blocks (which pass them
 * to the layers inside): `trainable` false freezes the layer, `learningRateMultiplier` scales its updates.
 */
const TRANSFER = ['trainable', 'learningRateMultiplier'] as const;

export const LAYER_PROPERTIES: Readonly<Record<LayerType, readonly string[]>> = {
  dense: ['type', 'units', 'activation', 'useBias', ...INIT, 'weightNormalization', ...KERNEL_PENALTY_PROPERTIES, ...TRANSFER],
  conv2d: [
    'type',
    'filters',
    'kernelSize',
    'strides',
    'padding',
    'activation',
    'useBias',
    ...INIT,
    'weightNormalization',
    ...KERNEL_PENALTY_PROPERTIES,
    ...TRANSFER,
  ],
  maxPooling2d: ['type', 'poolSize', 'strides', 'padding'],
  flatten: ['type'],
  activation: ['type', 'activation'],
  dropout: ['type', 'rate'],
  batchNormalization: ['type', 'momentum', 'epsilon', ...TRANSFER],
  layerNormalization: ['type', 'epsilon', ...TRANSFER],
  groupNormalization: ['type', 'groups', 'epsilon', ...TRANSFER],
  rmsNormalization: ['type', 'epsilon', ...TRANSFER],
  alphaDropout: ['type', 'rate'],
  gaussianNoise: ['type', 'stddev'],
  simpleRNN: [...RECURRENT, ...TRANSFER],
  lstm: [...RECURRENT, ...TRANSFER],
  gru: [...RECURRENT, ...TRANSFER],
  residual: ['type', 'layers', ...TRANSFER],
  denseBlock: ['type', 'layers', ...TRANSFER],
  highway: ['type', 'units', 'activation', 'transformBias', ...INIT, ...TRANSFER],
};

export const REPEAT_PROPERTIES: readonly string[] = ['repeat', 'layers'];

/** Every property any layer entry may have, to tell "wrong for this type" from "a typo". */
export const ANY_LAYER_PROPERTY: ReadonlySet<string> = new Set([...Object.values(LAYER_PROPERTIES).flat(), ...REPEAT_PROPERTIES]);

export const DATASETS: readonly DatasetName[] = [
  'spiral',
  'moons',
  'circles',
  'xor',
  'blobs',
  'sine',
  'mnist',
  'csv',
  'adding',
  'sequenceParity',
];

/** Datasets of sequences: samples have shape [sequenceLength, features] (recurrent layers read them). */
export const SEQUENCE_DATASETS: readonly DatasetName[] = ['adding', 'sequenceParity'];

/** Longest `sequenceLength` accepted: backpropagation through time keeps every step, so the cost grows with it. */
export const MAX_SEQUENCE_LENGTH = 1000;

const COMMON_DATA = ['dataset', 'samples', 'validationSplit', 'testSplit', 'standardize', 'augmentation'] as const;
const TABULAR = ['classes', 'features', 'noise'] as const;

/** Properties of `data` for each dataset. */
export const DATA_PROPERTIES: Readonly<Record<DatasetName, readonly string[]>> = {
  spiral: [...COMMON_DATA, ...TABULAR],
  moons: [...COMMON_DATA, ...TABULAR],
  circles: [...COMMON_DATA, ...TABULAR],
  xor: [...COMMON_DATA, ...TABULAR],
  blobs: [...COMMON_DATA, ...TABULAR],
  sine: [...COMMON_DATA, 'noise'],
  mnist: [...COMMON_DATA, 'classes', 'digits'],
  csv: [...COMMON_DATA, 'path', 'label', 'task'],
  adding: [...COMMON_DATA, 'sequenceLength'],
  sequenceParity: [...COMMON_DATA, 'sequenceLength', 'classes'],
};

export const ANY_DATA_PROPERTY: ReadonlySet<string> = new Set(Object.values(DATA_PROPERTIES).flat());

/** Datasets whose class count is fixed by the data; `classes`, when given, must equal it. */
export const FIXED_CLASSES: Partial<Record<DatasetName, number>> = {
  moons: 2,
  circles: 2,
  xor: 2,
  mnist: 10,
  sequenceParity: 2,
};

/** Datasets whose generators draw points in the plane: `features`, when given, must be 2. */
export const PLANAR_DATASETS: readonly DatasetName[] = ['spiral', 'moons', 'circles', 'xor'];

export const DEFAULT_CLASSES: Readonly<Record<DatasetName, number>> = {
  spiral: 3,
  blobs: 3,
  moons: 2,
  circles: 2,
  xor: 2,
  mnist: 10,
  sine: 1,
  csv: 2,
  adding: 1,
  sequenceParity: 2,
};

export const MNIST_MAX_SAMPLES = 10000;

/** Far below the loader's own limit: beyond this a learning example only gets slow, not better. */
export const MAX_SAMPLES = 100000;

/** Keeps blobs at ≤ 50 million generated values even at MAX_SAMPLES. */
export const MAX_FEATURES = 500;

export const MAX_CLASSES = 100;

export const LOSSES: readonly LossName[] = ['categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'];

export const OPTIMIZERS: readonly OptimizerType[] = ['sgd', 'adam', 'rmsprop', 'adagrad', 'adamw', 'nadam', 'adamax', 'adadelta'];

export const OPTIMIZER_PROPERTIES: Readonly<Record<OptimizerType, readonly string[]>> = {
  sgd: ['type', 'learningRate', 'momentum', 'nesterov'],
  adam: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'amsgrad'],
  rmsprop: ['type', 'learningRate', 'rho', 'momentum', 'epsilon', 'centered'],
  adagrad: ['type', 'learningRate'],
  adamw: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'amsgrad'],
  nadam: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'momentumDecay'],
  adamax: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon'],
  adadelta: ['type', 'learningRate', 'rho', 'epsilon'],
};

export const ANY_OPTIMIZER_PROPERTY: ReadonlySet<string> = new Set(Object.values(OPTIMIZER_PROPERTIES).flat());

export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerType, number>> = {
  sgd: 0.01,
  adam: 0.001,
  rmsprop: 0.001,
  adagrad: 0.01,
  adamw: 0.001,
  nadam: 0.002,
  adamax: 0.002,
  // PyTorch's default: Adadelta's first step is about √(ε/(1−ρ))·lr per weight (≈0.003 with its defaults) and grows with the updates it has made.
  adadelta: 1.0,
};

export type ScheduleType = ScheduleSpec['type'];

export const SCHEDULES: readonly ScheduleType[] = [
  'constant',
  'step',
  'exponential',
  'cosine',
  'warmupCosine',
  'power',
  'polynomial',
  'piecewise',
  'oneCycle',
  'reduceOnPlateau',
];

/** Every schedule takes a linear warm-up (warmupEpochs or warmupSteps, from warmupStart). */
const WARMUP_PROPERTIES = ['warmupEpochs', 'warmupSteps', 'warmupStart'] as const;

const withWarmup = (own: readonly string[]): readonly string[] => [...own, ...WARMUP_PROPERTIES];

export const SCHEDULE_PROPERTIES: Readonly<Record<ScheduleType, readonly string[]>> = {
  constant: withWarmup(['type']),
  step: withWarmup(['type', 'every', 'factor']),
  exponential: withWarmup(['type', 'decay']),
  cosine: withWarmup(['type', 'minLearningRate']),
  warmupCosine: withWarmup(['type', 'minLearningRate']),
  power: withWarmup(['type', 'steps', 'power']),
  polynomial: withWarmup(['type', 'endLearningRate', 'power']),
  piecewise: withWarmup(['type', 'boundaries', 'values']),
  reduceOnPlateau: withWarmup(['type', 'factor', 'patience', 'minDelta', 'cooldown', 'minLearningRate']),
  oneCycle: withWarmup([
    'type',
    'maxLearningRate',
    'pctStart',
    'divFactor',
    'finalDivFactor',
    'anneal',
    'cycleMomentum',
    'baseMomentum',
    'maxMomentum',
  ]),
};

export const ANY_SCHEDULE_PROPERTY: ReadonlySet<string> = new Set(Object.values(SCHEDULE_PROPERTIES).flat());

export const TOP_LEVEL_PROPERTIES: readonly string[] = ['$schema', 'name', 'seed', 'data', 'model', 'training', 'monitor'];

export const MODEL_PROPERTIES: readonly string[] = ['inputShape', 'layers', 'initFrom'];

export const TRAINING_PROPERTIES: readonly string[] = [
  'epochs',
  'batchSize',
  'loss',
  'optimizer',
  'schedule',
  'clipNorm',
  'clipValue',
  'weightDecay',
  'earlyStopping',
  'checkpoint',
  'measureEvery',
  'unfreeze',
];

export const EARLY_STOPPING_PROPERTIES: readonly string[] = ['patience', 'restoreBestWeights', 'minDelta'];

export const CHECKPOINT_PROPERTIES: readonly string[] = ['every', 'keep'];

/** Expanded layers above this count are refused: nested repeats multiply quickly and would stall the editor. */
export const MAX_EXPANDED_LAYERS = 10000;
