// Property tests of the engine on random valid specs: every layer kind, every activation at every position
// (hidden, output, separate `activation` layer, inside residual and dense blocks, highway layers and repeats), every loss, optimizer and
// schedule. The spec is generated as text, must parse without errors, and then trains one short epoch in-process:
// the run never fails, every measured step has one entry per weighted layer, every number is well-formed, and no
// tensor is left behind. Some specs freeze layers (`trainable: false`, with or without a `learningRateMultiplier`)
// and unfreeze them all in a second epoch: a frozen layer has no gradient, no update and an unchanged weight norm.

import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type {
  EpochEvent,
  LayerStepMetrics,
  RunEndEvent,
  RunStartEvent,
  StepEvent,
  TrainingEvent,
} from '../../src/shared/engineProtocol';
import type { Dataset } from '../../src/training/data/types';
import { applyModel, type BuiltModel } from '../../src/training/engine/model/buildModel';
import { inferenceModel } from '../../src/training/engine/model/inferenceModel';
import { releaseMasks } from '../../src/training/engine/model/recurrent';
import { train } from '../../src/training/engine/trainer';
import { CHECKPOINTS_DIR, checkpointDir, findResumePoint } from '../../src/training/run/checkpointStore';
import { parseSpecText } from '../../src/training/spec/parse';
import { ACTIVATIONS } from '../../src/training/spec/types';
import type { ParsedSpec, ResolvedLayer } from '../../src/training/spec/types';
import { LAYER_PROPERTIES, LAYER_TYPES, LOSSES, OPTIMIZERS, SCHEDULES } from '../../src/training/spec/vocabulary';
import { useBackend } from './support/specs';

const FILE = '/virtual/random-train.gradscope.json';
type Json = Record<string, unknown>;

const activation = fc.oneof(
  { arbitrary: fc.constantFrom<unknown>(...ACTIVATIONS), weight: 4 },
  {
    // The object form, with parameters where the activation takes them.
    arbitrary: fc.oneof(
      fc.record({ type: fc.constant('leakyRelu'), alpha: fc.double({ min: 0.01, max: 0.9, noNaN: true }) }),
      fc.record({ type: fc.constant('elu'), alpha: fc.double({ min: 0.1, max: 3, noNaN: true }) }),
      fc
        .tuple(fc.double({ min: 0.01, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.4, noNaN: true }))
        .map(([lower, extra]) => ({ type: 'rrelu', lower, upper: lower + extra })),
      fc.constantFrom(...ACTIVATIONS).map((type) => ({ type })),
    ),
    weight: 1,
  },
);
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });
const initializer = maybe(
  fc.constantFrom<unknown>(
    'heNormal',
    'glorotUniform',
    'glorotNormal',
    'heUniform',
    'lecunNormal',
    'lecunUniform',
    'zeros',
    'ones',
    { type: 'randomNormal', mean: 0, stddev: 0.1 },
    { type: 'randomUniform', minval: -0.2, maxval: 0.2 },
    { type: 'constant', value: 0.05 },
    'orthogonal',
    { type: 'orthogonal', gain: 1.4 },
    { type: 'truncatedNormal', mean: 0, stddev: 0.1 },
    { type: 'varianceScaling', scale: 2, mode: 'fanOut', distribution: 'uniform' },
    { type: 'varianceScaling' },
  ),
);

/** Drops undefined properties, so that absent options are absent from the text. */
function defined(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** weightNormalization, kernelRegularizer and kernelConstraint of a dense/conv2d layer. */
const penalties = {
  weightNormalization: maybe(fc.boolean()),
  kernelRegularizer: maybe(fc.constantFrom<unknown>({ l2: 0.01 }, { l1: 0.001, l2: 0 }, {})),
  kernelConstraint: maybe(fc.constantFrom<unknown>({ type: 'maxNorm', maxValue: 1 }, { type: 'maxNorm', maxValue: 3 })),
};

/** The parser refuses a maxNorm constraint on a weight-normalized layer: keep one of the two. */
function withoutConflict(layer: Json): Json {
  return layer.weightNormalization === true ? { ...layer, kernelConstraint: undefined } : layer;
}

const dense = fc
  .record({
    units: fc.integer({ min: 1, max: 6 }),
    activation: maybe(activation),
    useBias: maybe(fc.boolean()),
    kernelInitializer: initializer,
    biasInitializer: maybe(fc.constantFrom<unknown>('zeros', 'ones', { type: 'constant', value: 0.1 })),
    ...penalties,
  })
  .map((d) => defined({ type: 'dense', ...withoutConflict(d) }));
const conv = fc
  .record({
    filters: fc.integer({ min: 1, max: 3 }),
    kernelSize: fc.constantFrom<unknown>(1, 2, 3, [1, 3]),
    strides: maybe(fc.constantFrom<unknown>(1, 2)),
    padding: maybe(fc.constantFrom('same', 'valid')),
    activation: maybe(activation),
    kernelInitializer: initializer,
    ...penalties,
  })
  .map((c) => defined({ type: 'conv2d', ...withoutConflict(c) }));
const pool = fc
  .record({ poolSize: maybe(fc.constantFrom<unknown>(2, [2, 1])), padding: maybe(fc.constantFrom('same', 'valid')) })
  .map((p) => defined({ type: 'maxPooling2d', ...p }));
const shapeless = fc.oneof(
  activation.map((a) => ({ type: 'activation', activation: a })),
  fc.double({ min: 0, max: 0.6, noNaN: true }).map((rate) => ({ type: 'dropout', rate: Math.round(rate * 100) / 100 })),
  fc.constantFrom(
    { type: 'batchNormalization' },
    { type: 'batchNormalization', momentum: 0.9, epsilon: 0.01 },
    { type: 'layerNormalization' },
    { type: 'layerNormalization', epsilon: 0.001 },
    { type: 'groupNormalization', groups: 1 },
    { type: 'groupNormalization', groups: 2, epsilon: 0.01 },
    { type: 'rmsNormalization' },
    { type: 'gaussianNoise', stddev: 0.1 },
  ),
  fc.double({ min: 0, max: 0.6, noNaN: true }).map((rate) => ({ type: 'alphaDropout', rate: Math.round(rate * 100) / 100 })),
);

/** A highway layer's units must equal its input size: a dense layer of that size goes first. */
const highway = fc
  .record({
    units: fc.integer({ min: 1, max: 6 }),
    activation: maybe(activation),
    transformBias: maybe(fc.constantFrom(-2, 0, 1)),
    kernelInitializer: initializer,
  })
  .map((h) => ({ repeat: 1, layers: [{ type: 'dense', units: h.units }, defined({ type: 'highway', ...h })] }));

const recurrent = fc
  .record({
    type: fc.constantFrom('simpleRNN', 'lstm', 'gru'),
    units: fc.integer({ min: 1, max: 4 }),
    activation: maybe(fc.constantFrom('tanh', 'relu', 'sigmoid', 'linear', 'elu', 'selu', 'gelu', 'swish', 'mish')),
    kernelInitializer: initializer,
    recurrentInitializer: maybe(
      fc.constantFrom<unknown>('orthogonal', 'glorotUniform', { type: 'randomNormal', mean: 0, stddev: 0.2 }),
    ),
    dropout: maybe(fc.constantFrom(0, 0.2)),
    recurrentDropout: maybe(fc.constantFrom(0, 0.3)),
  })
  .map(defined);

/** A stack of recurrent layers over a sequence: every one but the last outputs the whole sequence. */
const recurrentStack = fc
  .array(recurrent, { minLength: 1, maxLength: 2 })
  .map((layers) => layers.map((l, i) => (i < layers.length - 1 ? { ...l, returnSequences: true } : l)));

/** Layers for flat (feature-vector) inputs, nested up to `depth` residual/denseBlock/repeat levels. */
function flatLayer(depth: number): fc.Arbitrary<Json> {
  const simple = fc.oneof(
    { weight: 3, arbitrary: dense },
    { weight: 2, arbitrary: shapeless },
    { weight: 1, arbitrary: highway },
  );
  if (depth === 0) return simple;
  const inner = fc.array(flatLayer(depth - 1), { minLength: 1, maxLength: 3 });
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    { weight: 1, arbitrary: inner.map((layers) => ({ type: 'residual', layers })) },
    { weight: 1, arbitrary: inner.map((layers) => ({ type: 'denseBlock', layers })) },
    { weight: 1, arbitrary: fc.record({ repeat: fc.integer({ min: 1, max: 3 }), layers: inner }) },
  );
}

/** Layers for 6×6×1 images; the parser rejects the stacks that shrink the image below a kernel (filtered out). */
function imageLayer(depth: number): fc.Arbitrary<Json> {
  const simple = fc.oneof({ weight: 3, arbitrary: conv }, { weight: 1, arbitrary: pool }, { weight: 2, arbitrary: shapeless });
  if (depth === 0) return simple;
  const inner = fc.array(imageLayer(depth - 1), { minLength: 1, maxLength: 2 });
  // A denseBlock's conv sub-layers keep height and width (padding "same", stride 1), or the parser rejects it.
  const keepsSize = conv.map((c) => ({ ...c, padding: 'same', strides: 1 }));
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    { weight: 1, arbitrary: inner.map((layers) => ({ type: 'residual', layers })) },
    {
      weight: 1,
      arbitrary: fc.array(keepsSize, { minLength: 1, maxLength: 2 }).map((layers) => ({ type: 'denseBlock', layers })),
    },
    { weight: 1, arbitrary: fc.record({ repeat: fc.integer({ min: 1, max: 2 }), layers: inner }) },
  );
}

const optimizer = fc
  .oneof(
    fc.record({
      type: fc.constant('sgd'),
      learningRate: maybe(fc.constantFrom(0.001, 0.01, 0.1)),
      momentum: maybe(fc.constantFrom(0, 0.9)),
      nesterov: maybe(fc.boolean()),
    }),
    fc.record({
      type: fc.constant('adam'),
      learningRate: maybe(fc.constantFrom(0.0001, 0.001, 0.01)),
      beta1: maybe(fc.constantFrom(0.8, 0.9)),
      beta2: maybe(fc.constantFrom(0.99, 0.999)),
      epsilon: maybe(fc.constantFrom(1e-7, 1e-4)),
      amsgrad: maybe(fc.boolean()),
    }),
    fc.record({
      type: fc.constant('adamw'),
      learningRate: maybe(fc.constantFrom(0.001, 0.01)),
      weightDecay: maybe(fc.constantFrom(0, 0.01, 0.1)),
      amsgrad: maybe(fc.boolean()),
    }),
    fc.record({ type: fc.constantFrom('nadam', 'adamax'), learningRate: maybe(fc.constantFrom(0.002, 0.01)) }),
    fc.record({ type: fc.constant('nadam'), momentumDecay: maybe(fc.constantFrom(0, 0.004, 0.04)) }),
    fc.record({
      type: fc.constant('rmsprop'),
      learningRate: maybe(fc.constantFrom(0.0001, 0.001)),
      rho: maybe(fc.constantFrom(0.9, 0.99)),
      momentum: maybe(fc.constantFrom(0, 0.5)),
      epsilon: maybe(fc.constant(1e-6)),
      centered: maybe(fc.boolean()),
    }),
    fc.record({ type: fc.constant('adagrad'), learningRate: maybe(fc.constantFrom(0.01, 0.1)) }),
    fc.record({
      type: fc.constant('adadelta'),
      learningRate: maybe(fc.constantFrom(0.5, 1)),
      rho: maybe(fc.constantFrom(0.9, 0.95)),
      epsilon: maybe(fc.constantFrom(1e-6, 1e-7)),
    }),
    fc.constantFrom('sgd', 'adam', 'rmsprop', 'adagrad', 'adamw', 'nadam', 'adamax', 'adadelta'),
  )
  .map((o) => (typeof o === 'string' ? o : defined(o)));
const scheduleWithoutWarmup = fc.oneof(
  fc.constantFrom<unknown>('constant', 'cosine', 'warmupCosine', 'reduceOnPlateau', { type: 'constant' }),
  fc
    .record({
      type: fc.constant('reduceOnPlateau'),
      factor: maybe(fc.constantFrom(0.1, 0.5)),
      patience: fc.constantFrom(0, 1),
      minDelta: maybe(fc.constantFrom(0, 1e-3)),
      cooldown: maybe(fc.constantFrom(0, 1)),
      minLearningRate: maybe(fc.constantFrom(0, 1e-6)),
    })
    .map(defined),
  fc.record({ type: fc.constant('step'), every: fc.integer({ min: 1, max: 3 }), factor: fc.constantFrom(0.1, 0.5) }),
  fc.record({ type: fc.constant('exponential'), decay: fc.constantFrom(0.5, 0.9) }),
  fc.record({ type: fc.constant('cosine'), minLearningRate: fc.constantFrom(0, 1e-5) }),
  fc
    .record({ type: fc.constant('warmupCosine'), warmupEpochs: fc.constantFrom(0, 1, 2), minLearningRate: maybe(fc.constant(0)) })
    .map(defined),
  fc.constantFrom<unknown>('power', 'polynomial'),
  fc.record({ type: fc.constant('power'), steps: fc.constantFrom(1, 3, 100), power: fc.constantFrom(0.5, 1, 2) }),
  fc.record({ type: fc.constant('polynomial'), endLearningRate: fc.constantFrom(0, 1e-6), power: fc.constantFrom(0.5, 1, 2) }),
  fc
    .record({
      type: fc.constant('piecewise'),
      boundaries: fc.constantFrom([], [0.5], [0.25, 0.75]),
      values: fc.constantFrom([0.01, 0.001, 0.0001]),
    })
    .map((s) => ({ ...s, values: s.values.slice(0, s.boundaries.length + 1) })),
  fc.constant<unknown>('oneCycle'),
  fc
    .record({
      type: fc.constant('oneCycle'),
      maxLearningRate: maybe(fc.constantFrom(0.001, 0.01, 0.1)),
      pctStart: maybe(fc.constantFrom(0.1, 0.3, 0.9)),
      divFactor: maybe(fc.constantFrom(5, 25)),
      finalDivFactor: maybe(fc.constantFrom(10, 1e4)),
      anneal: maybe(fc.constantFrom('cos', 'linear')),
      cycleMomentum: maybe(fc.boolean()),
      baseMomentum: maybe(fc.constantFrom(0.8, 0.85)),
      maxMomentum: maybe(fc.constantFrom(0.9, 0.95)),
    })
    .map(defined),
);
/** Any schedule object may carry a warm-up: in steps or epochs (not both), from 0 or from warmupStart. */
const warmup = fc.oneof(
  fc.constant({}),
  fc.record({ warmupSteps: fc.constantFrom(0, 1, 3) }),
  fc.record({ warmupEpochs: fc.constantFrom(0.5, 1), warmupStart: maybe(fc.constantFrom(0, 1e-4)) }).map(defined),
);
const schedule = fc
  .tuple(scheduleWithoutWarmup, warmup)
  .map(([s, w]) => (typeof s === 'object' && s !== null ? { ...s, ...w } : s));

type Task = 'categorical' | 'binary' | 'multiLabel' | 'regression';

const spec = fc
  .record({
    task: fc.constantFrom<Task>('categorical', 'binary', 'multiLabel', 'regression'),
    image: fc.boolean(),
    /** 0: a sequence dataset read by recurrent layers (a quarter of the specs). */
    sequence: fc.integer({ min: 0, max: 3 }),
    recurrents: recurrentStack,
    timesteps: fc.integer({ min: 2, max: 5 }),
    flat: fc.array(flatLayer(2), { maxLength: 4 }),
    images: fc.array(imageLayer(1), { minLength: 1, maxLength: 3 }),
    output: maybe(activation),
    outputAfter: fc.constantFrom<Json[]>([], [], [{ type: 'dropout', rate: 0.1 }]),
    separateOutputActivation: maybe(activation),
    samples: fc.integer({ min: 24, max: 64 }),
    testSplit: maybe(fc.constantFrom(0.1, 0.25)),
    batchSize: fc.constantFrom(8, 16, 32),
    measureEvery: maybe(fc.constantFrom(1, 2)),
    optimizer,
    schedule: maybe(schedule),
    clipNorm: maybe(fc.constantFrom(0.1, 1)),
    clipValue: maybe(fc.constantFrom(0.05, 1)),
    weightDecay: maybe(fc.constantFrom(0, 1e-4, 0.01)),
    earlyStopping: maybe(fc.constantFrom<unknown>(true, { patience: 1, restoreBestWeights: false, minDelta: 0.001 })),
    seed: fc.integer({ min: 0, max: 1000 }),
    multiline: fc.boolean(),
    /**
     * Transfer settings: `trainable: false` on the layers (entries that take it) whose flag is true, each frozen one
     * with the multiplier when drawn, and with `unfreeze` a second epoch in which every frozen layer trains.
     */
    freeze: maybe(
      fc.record({
        at: fc.array(fc.boolean(), { maxLength: 6 }),
        multiplier: maybe(fc.constantFrom(0.1, 2)),
        unfreeze: fc.boolean(),
      }),
    ),
    /** data.augmentation: image transforms are used only on the 6×6 image inputs, noise on any. */
    augmentation: maybe(
      fc
        .record({
          shift: maybe(fc.constantFrom(0, 1, 3)),
          rotation: maybe(fc.constantFrom(0, 15, 180)),
          zoom: maybe(fc.constantFrom(0, 0.2, 0.5)),
          cutout: maybe(fc.constantFrom(1, 3)),
          horizontalFlip: maybe(fc.boolean()),
          noise: maybe(fc.constantFrom(0, 0.1, 1)),
        })
        .map(defined),
    ),
  })
  .map((s): string => {
    const sequence = s.sequence === 0;
    const image = !sequence && s.image && s.task !== 'regression'; // the only regression dataset (sine) has one feature
    const classes = s.task === 'binary' || sequence ? 2 : 3; // sequenceParity has two classes
    const units = s.task === 'categorical' || s.task === 'multiLabel' ? classes : 1;
    const loss = {
      categorical: 'categoricalCrossentropy',
      binary: 'binaryCrossentropy',
      multiLabel: 'binaryCrossentropy',
      regression: 'meanSquaredError',
    }[s.task];
    // The output: a dense layer with its activation, or a linear one followed by an `activation` layer.
    const output: Json[] = s.separateOutputActivation
      ? [
          { type: 'dense', units },
          { type: 'activation', activation: s.separateOutputActivation },
        ]
      : [defined({ type: 'dense', units, activation: s.output })];
    const front = sequence ? s.recurrents : image ? [...s.images, { type: 'flatten' }] : [];
    // The output layer always trains (a spec with every layer frozen is refused: nothing-trainable).
    const hidden = [...front, ...s.flat].map((l, i) => {
      const type = l.type as keyof typeof LAYER_PROPERTIES | undefined;
      if (!s.freeze?.at[i] || !type || !LAYER_PROPERTIES[type]?.includes('trainable')) return l;
      return defined({ ...l, trainable: false, learningRateMultiplier: s.freeze.multiplier });
    });
    const unfreeze = s.freeze?.unfreeze && hidden.some((l) => l.trainable === false);
    const layers = [...hidden, ...output, ...s.outputAfter];
    const regression = s.task === 'regression';
    const data = sequence
      ? regression
        ? { dataset: 'adding', sequenceLength: s.timesteps, samples: s.samples, validationSplit: 0.25 }
        : { dataset: 'sequenceParity', sequenceLength: s.timesteps, samples: s.samples, validationSplit: 0.25 }
      : regression
        ? { dataset: 'sine', samples: s.samples, validationSplit: 0.25 }
        : { dataset: 'blobs', features: image ? 36 : 4, classes, samples: s.samples, validationSplit: 0.25 };
    if (s.testSplit !== undefined) Object.assign(data, { testSplit: s.testSplit });
    const augmentation = s.augmentation && (image ? s.augmentation : defined({ noise: s.augmentation.noise }));
    if (augmentation) Object.assign(data, { augmentation });
    const inputShape = sequence ? [s.timesteps, regression ? 2 : 1] : image ? [6, 6, 1] : [regression ? 1 : 4];
    const value = {
      name: 'random',
      seed: s.seed,
      data,
      model: { inputShape, layers },
      training: defined({
        epochs: unfreeze ? 2 : 1,
        unfreeze: unfreeze ? [{ epoch: 2, layers: 'all' }] : undefined,
        batchSize: s.batchSize,
        loss,
        optimizer: s.optimizer,
        schedule: s.schedule,
        measureEvery: s.measureEvery,
        clipNorm: s.clipNorm,
        clipValue: s.clipValue,
        weightDecay: s.weightDecay,
        earlyStopping: s.earlyStopping,
      }),
    };
    const body = s.multiline ? JSON.stringify(value, null, 2) : JSON.stringify(value);
    return `// random spec\n${body}\n`;
  });

interface Outcome {
  events: TrainingEvent[];
  status: string;
  error?: string;
}

/**
 * The trained model has an inference model (model/: every gradscope layer exports as standard layers), which predicts
 * the validation set as the engine does and leaves no tensor behind.
 */
async function checkInferenceModel(built: BuiltModel, dataset: Dataset, inputShape: number[]): Promise<void> {
  const before = tf.memory().numTensors;
  const model = inferenceModel(built);
  const x = tf.tensor(dataset.validation.x, [dataset.validation.count, ...inputShape]);
  const outputs = applyModel(built, x, false);
  const fused = built.outputActivation;
  const expected = fused === 'softmax' ? tf.softmax(outputs[0]) : fused === 'sigmoid' ? tf.sigmoid(outputs[0]) : outputs[0];
  const got = model.predict(x) as tf.Tensor;
  const [want, have] = [await expected.data(), await got.data()];
  tf.dispose([x, expected, got, ...outputs]);
  // tfjs's recurrent cells keep the dropout masks of their last call, inference too (as in the training model).
  model.layers.filter((l) => 'cell' in l).forEach(releaseMasks);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, 'the export leaves no tensor behind');
  assert.equal(have.length, want.length);
  want.forEach((w, i) => {
    if (Number.isFinite(w)) assert.ok(Math.abs(have[i] - w) <= 1e-4 * (1 + Math.abs(w)), `inference model: ${have[i]} vs ${w}`);
  });
}

async function trainText(parsed: ParsedSpec): Promise<Outcome> {
  const events: TrainingEvent[] = [];
  const end = await train({
    spec: parsed,
    specFile: FILE,
    runId: 'property',
    runDir: '/virtual',
    backend: 'wasm',
    emit: (e) => events.push(e),
    shouldStop: () => false,
    onFinished: async (built, _status, dataset) => {
      await checkInferenceModel(built, dataset, parsed.model.inputShape);
      return undefined;
    },
  });
  return { events, status: end.status, ...(end.error !== undefined ? { error: end.error } : {}) };
}

const isCount = (n: unknown, max: number): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
const isNonNegative = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0;

function checkLayer(l: LayerStepMetrics, finite: boolean): void {
  assert.ok(typeof l.name === 'string' && l.name.length > 0);
  const units = l.units ?? 0;
  assert.ok(isCount(units, Infinity) && units > 0, `units of ${l.name}`);
  if (l.frozen) {
    // No gradient computed (absent, not a fake 0) and no update.
    assert.equal(l.gradNorm, undefined, `${l.name}: frozen, no gradNorm`);
    assert.equal(l.biasGradNorm, undefined, `${l.name}: frozen, no biasGradNorm`);
    assert.equal(l.updateRatio, 0, `${l.name}: frozen, no update`);
  }
  if (finite) {
    for (const key of l.frozen ? (['weightNorm'] as const) : (['gradNorm', 'weightNorm', 'updateRatio'] as const))
      assert.ok(isNonNegative(l[key]), `${l.name}.${key} = ${l[key]}`);
    if (l.biasGradNorm !== undefined) assert.ok(isNonNegative(l.biasGradNorm), `${l.name}.biasGradNorm`);
  }
  if (l.deadUnits !== undefined) assert.ok(isCount(l.deadUnits, units), `${l.name}.deadUnits = ${l.deadUnits} of ${l.units}`);
  if (l.saturation !== undefined) assert.ok(l.saturation >= 0 && l.saturation <= 1, `${l.name}.saturation = ${l.saturation}`);
  assert.ok(l.deadUnits === undefined || l.saturation === undefined, `${l.name}: dead units or saturation, not both`);
  if (finite) assert.ok(isNonNegative(l.activationStd) && Number.isFinite(l.activationMean), `${l.name}: signal statistics`);
}

/** What the runs that trained covered: layer kinds, activations by position, losses, optimizers, schedules. */
const covered = new Set<string>();

function cover(parsed: ParsedSpec, text: string): void {
  const visit = (layers: readonly ResolvedLayer[], where: string): void => {
    layers.forEach((l, i) => {
      covered.add(`layer ${l.type}`);
      const output = where === 'model' && i === layers.length - 1;
      if (l.type === 'residual') visit(l.layers, 'residual');
      else if (l.type === 'activation')
        covered.add(`${where === 'residual' ? 'residual' : output ? 'output' : 'activation layer'} ${l.activation}`);
      else if (l.type === 'dense' || l.type === 'conv2d')
        covered.add(`${where === 'residual' ? 'residual' : output ? 'output' : 'hidden'} ${l.activation}`);
    });
  };
  const layers = parsed.model.layers;
  // A trailing dropout does not change which activation is the output's.
  visit(layers[layers.length - 1]?.type === 'dropout' ? layers.slice(0, -1) : layers, 'model');
  if (/"repeat"/.test(text)) covered.add('layer repeat');
  covered.add(`loss ${parsed.training.loss}`);
  covered.add(`optimizer ${parsed.training.optimizer.type}`);
  covered.add(`schedule ${parsed.training.schedule.type}`);
  if (/"trainable":\s*false/.test(text)) covered.add('transfer trainable false');
  if (/"learningRateMultiplier"/.test(text)) covered.add('transfer learningRateMultiplier');
  if (parsed.training.unfreeze) covered.add('transfer unfreeze');
}

async function checkRun(text: string): Promise<void> {
  const parsed = parseSpecText(text, FILE);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  fc.pre(errors.length === 0);
  assert.ok(parsed.spec);
  const before = tf.memory().numTensors;
  const { events, status, error } = await trainText(parsed.spec);
  assert.equal(tf.memory().numTensors, before, 'tensors left behind');
  assert.ok(['completed', 'early-stopped', 'diverged'].includes(status), `run ${status}: ${error ?? ''}`);
  const start = events[0] as RunStartEvent;
  assert.equal(start.type, 'run-start');
  const weighted = start.layers.filter((l) => l.hasWeights).length;
  const steps = events.filter((e): e is StepEvent => e.type === 'step');
  assert.ok(steps.length > 0);
  const measureEvery = parsed.spec.training.measureEvery;
  for (const step of steps) {
    const finite = !step.nonFinite;
    if (finite) assert.ok(Number.isFinite(step.loss) && step.loss >= 0, `loss ${step.loss} at step ${step.step}`);
    assert.ok(isNonNegative(step.lr), `lr ${step.lr}`);
    if (step.momentum !== undefined) assert.ok(step.momentum > 0 && step.momentum < 1, `momentum ${step.momentum}`);
    if (step.step % measureEvery !== 0) {
      assert.equal(step.layers, undefined, 'unmeasured steps carry no layers');
      continue;
    }
    assert.equal(step.layers?.length, weighted, `step ${step.step}: one entry per weighted layer`);
    // Frozen exactly while the spec says: layers with trainable false in the first epoch, none once unfrozen ("all").
    const unfrozen = (parsed.spec.training.unfreeze ?? []).some((u) => step.epoch + 1 >= u.epoch);
    start.layers
      .filter((l) => l.hasWeights)
      .forEach((l, i) => {
        const frozen = l.trainable === false && !unfrozen;
        assert.equal(step.layers![i].frozen, frozen ? true : undefined, `${l.name} frozen at step ${step.step}`);
        // Bit-identical weights while frozen: the same weight norm as at the first step.
        if (frozen && !step.nonFinite) assert.equal(step.layers![i].weightNorm, steps[0].layers![i].weightNorm);
      });
    if (finite) assert.ok(isNonNegative(step.globalGradNorm) && isNonNegative(step.clippedGradNorm));
    for (const l of step.layers ?? []) checkLayer(l, finite);
  }
  for (const e of events) {
    if (e.type !== 'epoch' || status === 'diverged') continue;
    assert.ok(Number.isFinite(e.loss) && Number.isFinite(e.valLoss), `epoch losses ${e.loss} ${e.valLoss}`);
    if (e.acc !== undefined) assert.ok(e.acc >= 0 && e.acc <= 1 && e.valAcc !== undefined && e.valAcc >= 0 && e.valAcc <= 1);
    // Regression epochs carry mean absolute errors instead of accuracies.
    if (start.task === 'regression') assert.ok(isNonNegative(e.mae) && isNonNegative(e.valMae), `mae ${e.mae} ${e.valMae}`);
    else assert.equal(e.mae, undefined);
  }
  const end = events[events.length - 1] as RunEndEvent;
  assert.equal(end.type, 'run-end');
  // The test split is scored once at the end unless the run diverged, with the task's scores.
  const wanted = parsed.spec.data.testSplit > 0 && status !== 'diverged';
  assert.equal(end.test !== undefined, wanted, `run-end.test ${JSON.stringify(end.test)}`);
  if (end.test) {
    assert.equal(end.test.samples, start.testSamples);
    const keys = start.task === 'regression' ? ['loss', 'mae', 'r2', 'rmse', 'samples'] : ['acc', 'loss', 'samples'];
    assert.deepEqual(Object.keys(end.test).sort(), keys);
    if (end.test.acc !== undefined && Number.isFinite(end.test.loss)) assert.ok(end.test.acc >= 0 && end.test.acc <= 1);
  }
  // The dashboard's data: a classification run that did not diverge ends with the confusion matrix of its whole
  // validation split; a spec that augments sends the first batch's samples once, right after run-start.
  const confusion = start.task === 'classification' && start.validationSamples > 0 && status !== 'diverged';
  assert.equal(end.confusion !== undefined, confusion, `run-end.confusion ${JSON.stringify(end.confusion)}`);
  if (end.confusion) {
    const n = end.confusion.labels.length;
    assert.ok(end.confusion.matrix.length === n && end.confusion.matrix.every((row) => row.length === n));
    assert.equal(
      end.confusion.matrix.flat().reduce((a, b) => a + b, 0),
      start.validationSamples,
    );
  }
  const samples = events.filter((e) => e.type === 'augmentation-samples');
  assert.equal(samples.length, start.augmentation ? 1 : 0);
  assert.equal(start.augmentation !== undefined, Object.keys(parsed.spec.data.augmentation ?? {}).length > 0);
  if (samples[0]?.type === 'augmentation-samples') {
    assert.equal(events.indexOf(samples[0]), 1);
    const size = parsed.spec.model.inputShape.reduce((a, b) => a * b, 1);
    assert.ok([...samples[0].before, ...samples[0].after].every((row) => row.length === size));
  }
  cover(parsed.spec, text);
}

// A step schedule keeps every schedule covered, whatever the random draws bring; the crash cases carry the rarer ones,
// with a warm-up, and two fixed cases below carry exponential and power.
const STEP_SCHEDULE: Json = { type: 'step', every: 1, factor: 0.5 };
const FIXED_SCHEDULES: Json[] = [
  STEP_SCHEDULE,
  { type: 'warmupCosine', warmupSteps: 2 },
  { type: 'piecewise', boundaries: [0.5], values: [0.01, 0.001], warmupEpochs: 0.25, warmupStart: 0.001 },
  { type: 'reduceOnPlateau', patience: 0, warmupSteps: 1, warmupStart: 1e-4 },
  { type: 'polynomial', power: 2, warmupEpochs: 0.5 },
];

/** A small spec text with `layers` (the output layer last) for `loss`. */
function caseText(loss: string, layers: (units: number) => Json[], fixedSchedule: Json = STEP_SCHEDULE): string {
  const regression = loss === 'meanSquaredError';
  const units = loss === 'categoricalCrossentropy' ? 3 : 1;
  return `// random spec\n${JSON.stringify({
    name: 'case',
    seed: 1,
    data: regression
      ? { dataset: 'sine', samples: 32, validationSplit: 0.25 }
      : { dataset: 'blobs', features: 4, classes: units === 1 ? 2 : 3, samples: 32, validationSplit: 0.25 },
    model: { inputShape: [regression ? 1 : 4], layers: layers(units) },
    training: { epochs: 1, batchSize: 8, loss, optimizer: 'adam', schedule: fixedSchedule },
  })}\n`;
}

/** simpleRNN → gru → lstm over a sequence dataset, with dropout and recurrentDropout. */
function sequenceCase(dataset: string, loss: string, units: number): string {
  return `// random spec\n${JSON.stringify({
    name: 'sequence-case',
    seed: 1,
    data: { dataset, sequenceLength: 4, samples: 32, validationSplit: 0.25 },
    model: {
      inputShape: [4, dataset === 'adding' ? 2 : 1],
      layers: [
        { type: 'simpleRNN', units: 3, activation: 'relu', returnSequences: true, dropout: 0.2 },
        { type: 'gru', units: 3, returnSequences: true, recurrentDropout: 0.2 },
        { type: 'lstm', units: 2, dropout: 0.1, recurrentDropout: 0.1 },
        { type: 'dense', units, activation: loss === 'binaryCrossentropy' ? 'sigmoid' : 'linear' },
      ],
    },
    training: { epochs: 1, batchSize: 8, loss, optimizer: 'adam', schedule: STEP_SCHEDULE },
  })}\n`;
}

/** The crash cases of issue 7: an output activation not fused into the loss. */
const crashCase = (output: string, loss: string, fixedSchedule: Json): string =>
  caseText(
    loss,
    (units) => [
      { type: 'dense', units: 4, activation: 'relu' },
      { type: 'dense', units, activation: output },
    ],
    fixedSchedule,
  );

/** One activation at every position: hidden layer, separate `activation` layer, inside a residual block, output. */
function everywhere(name: string, loss: string): string {
  return caseText(loss, (units) => [
    { type: 'dense', units: 4, activation: name },
    { type: 'dense', units: 4 },
    { type: 'activation', activation: name },
    {
      type: 'residual',
      layers: [
        { type: 'dense', units: 4, activation: name },
        { type: 'activation', activation: name },
      ],
    },
    { type: 'dense', units, activation: name },
  ]);
}

describe('engine: properties on random valid specs', () => {
  before(useBackend);

  it('every valid spec trains a short epoch without failing, with well-formed measurements, no leaked tensor, and an inference model (always exported) that predicts as the engine', async () => {
    const examples: [string][] = [
      [crashCase('relu', 'categoricalCrossentropy', FIXED_SCHEDULES[0])],
      [crashCase('sigmoid', 'categoricalCrossentropy', FIXED_SCHEDULES[1])],
      [crashCase('sigmoid', 'meanSquaredError', FIXED_SCHEDULES[2])],
      [crashCase('tanh', 'meanSquaredError', FIXED_SCHEDULES[3])],
      [crashCase('relu', 'meanSquaredError', FIXED_SCHEDULES[4])],
      // Found by this test: an activation layer measured as the units of a linear layer two kernel layers back.
      // Its relu units are all dead (zero kernel, bias −1), so the elu after it has 4 dead units for a 1-unit layer.
      [
        caseText(
          'categoricalCrossentropy',
          (units) => [
            { type: 'dense', units: 1 },
            {
              type: 'dense',
              units: 4,
              activation: 'relu',
              kernelInitializer: 'zeros',
              biasInitializer: { type: 'constant', value: -1 },
            },
            { type: 'activation', activation: 'elu' },
            { type: 'dense', units },
          ],
          { type: 'exponential', decay: 0.5 },
        ),
      ],
      // The skip connections and the initializers made for deep stacks, together.
      [
        caseText(
          'categoricalCrossentropy',
          (units) => [
            { type: 'dense', units: 4, activation: 'relu', kernelInitializer: { type: 'orthogonal', gain: 1.4 } },
            { type: 'highway', units: 4, activation: 'tanh', kernelInitializer: { type: 'varianceScaling', mode: 'fanAvg' } },
            {
              type: 'denseBlock',
              layers: [
                { type: 'dense', units: 2, activation: 'relu', kernelInitializer: { type: 'truncatedNormal', stddev: 0.3 } },
                { type: 'dense', units: 2, activation: 'sigmoid', kernelInitializer: 'orthogonal' },
              ],
            },
            { type: 'dense', units },
          ],
          { type: 'power', steps: 2, power: 1 },
        ),
      ],
      // softmax over one unit is refused by the parser, so softmax gets the loss with one unit per class.
      ...ACTIVATIONS.map((a, i): [string] => [
        everywhere(a, a === 'softmax' ? 'categoricalCrossentropy' : LOSSES[i % LOSSES.length]),
      ]),
      // Each recurrent kind, stacked, with dropout masks, over both sequence datasets.
      [sequenceCase('adding', 'meanSquaredError', 1)],
      [sequenceCase('sequenceParity', 'binaryCrossentropy', 1)],
    ];
    for (const [text] of examples) {
      assert.deepEqual(
        parseSpecText(text, FILE).problems.filter((p) => p.severity === 'error'),
        [],
        'an example the parser refuses would be skipped',
      );
    }
    // Random specs on top of the examples; PROPERTY_RUNS and PROPERTY_SEED explore further when run by hand.
    const random = Number(process.env.PROPERTY_RUNS ?? 40);
    await fc.assert(fc.asyncProperty(spec, checkRun), {
      numRuns: examples.length + random,
      seed: Number(process.env.PROPERTY_SEED ?? 7),
      examples,
    });
    const wanted = [
      ...[...LAYER_TYPES, 'repeat'].map((t) => `layer ${t}`),
      ...LOSSES.map((l) => `loss ${l}`),
      ...OPTIMIZERS.map((o) => `optimizer ${o}`),
      ...SCHEDULES.map((t) => `schedule ${t}`),
      ...['trainable false', 'learningRateMultiplier', 'unfreeze'].map((t) => `transfer ${t}`),
      ...['hidden', 'output', 'activation layer'].flatMap((where) => ACTIVATIONS.map((a) => `${where} ${a}`)),
    ];
    assert.deepEqual(
      wanted.filter((w) => !covered.has(w)),
      [],
      'the generated specs cover every kind, activation and position',
    );
    assert.ok(
      [...covered].some((c) => c.startsWith('residual ')),
      'activations inside residual blocks',
    );
  });
});

/**
 * Trains `parsed` for real in `runDir` (checkpoints are written there), resuming the run in `resumeFrom` when
 * given; returns its events.
 */
async function trainIn(parsed: ParsedSpec, runDir: string, resumeFrom?: string): Promise<TrainingEvent[]> {
  const events: TrainingEvent[] = [];
  let resume;
  if (resumeFrom) {
    const point = findResumePoint(resumeFrom, parsed);
    assert.ok(!('error' in point), 'error' in point ? point.error : '');
    resume = { runDir: resumeFrom, ...point };
  }
  await train({
    spec: parsed,
    specFile: FILE,
    runId: path.basename(runDir),
    runDir,
    backend: 'wasm',
    emit: (e) => events.push(e),
    shouldStop: () => false,
    resume,
  });
  return events;
}

/** Every number a resumed run must reproduce: the steps' measurements, the epochs' scores, how the run ended. */
function runNumbers(events: TrainingEvent[], fromEpoch: number): unknown {
  return events.flatMap((e): unknown[] => {
    if (e.type === 'step' && e.epoch >= fromEpoch) {
      const { step, epoch, loss, lr, momentum, layers, nonFinite, globalGradNorm } = e;
      return [{ step, epoch, loss, lr, momentum, layers, nonFinite, globalGradNorm }];
    }
    if (e.type === 'epoch' && e.epoch >= fromEpoch) {
      const { epoch, loss, valLoss, acc, valAcc, mae, valMae, lr }: EpochEvent = e;
      return [{ epoch, loss, valLoss, acc, valAcc, mae, valMae, lr }];
    }
    if (e.type === 'run-end') {
      const { status, epochsCompleted, steps, bestEpoch, bestValLoss, test } = e;
      return [{ status, epochsCompleted, steps, bestEpoch, bestValLoss, test }];
    }
    return [];
  });
}

describe('checkpoints: properties on random valid specs', () => {
  before(useBackend);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-resume-property-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("every valid spec checkpointed every epoch, trained 2 epochs and resumed from its epoch-1 checkpoint, takes the uninterrupted run's second epoch: same steps, epoch scores and end", async () => {
    let runs = 0;
    let resumed = 0;
    const property = async (text: string): Promise<void> => {
      const json = JSON.parse(text.replace(/^\/\/.*\n/, '')) as { training: Json };
      json.training = { ...json.training, epochs: 2, checkpoint: { every: 1 } };
      const result = parseSpecText(JSON.stringify(json), FILE);
      fc.pre(!result.problems.some((p) => p.severity === 'error'));
      assert.ok(result.spec);
      const parsed = result.spec;
      const full = path.join(tmp, `full-${runs}`);
      const again = path.join(tmp, `resumed-${runs++}`);
      const before = tf.memory().numTensors;
      const events = await trainIn(parsed, full);
      // A run that diverged in its first epoch wrote no checkpoint: nothing to resume.
      if (!fs.existsSync(checkpointDir(full, 1))) {
        assert.ok(events.some((e) => e.type === 'run-end' && e.status === 'diverged'));
        return;
      }
      // The state after epoch 1 as the newest checkpoint, as if the run had been stopped in epoch 2.
      fs.rmSync(checkpointDir(full, 2), { recursive: true, force: true });
      assert.deepEqual(fs.readdirSync(path.join(full, CHECKPOINTS_DIR)), ['epoch-1']);
      const continued = await trainIn(parsed, again, full);
      assert.equal(tf.memory().numTensors, before, 'tensors left behind');
      assert.deepEqual((continued[0] as RunStartEvent).resumedFrom?.epoch, 1);
      assert.deepStrictEqual(runNumbers(continued, 1), runNumbers(events, 1));
      resumed++;
    };
    // Found by this test: tf.train.adam recomputed β^t on resume (pow, not its running product: last-bit drift), and
    // NAdam recomputed its μ product with the β1 of the resume, not the ones a one-cycle schedule had moved through.
    const rnn = (opt: Json, sched?: Json): [string] => [
      `// random spec\n${JSON.stringify({
        name: 'random',
        seed: 0,
        data: { dataset: 'sequenceParity', sequenceLength: 2, samples: 44, validationSplit: 0.25 },
        model: {
          inputShape: [2, 1],
          layers: [
            { type: 'simpleRNN', units: 1 },
            { type: 'dense', units: 2 },
          ],
        },
        training: defined({ epochs: 1, batchSize: 8, loss: 'categoricalCrossentropy', optimizer: opt, schedule: sched }),
      })}\n`,
    ];
    const examples = [rnn({ type: 'adam' }), rnn({ type: 'nadam' }, { type: 'oneCycle', warmupSteps: 0 })];
    await fc.assert(fc.asyncProperty(spec, property), {
      numRuns: examples.length + Number(process.env.PROPERTY_RUNS ?? 40),
      seed: Number(process.env.PROPERTY_SEED ?? 3),
      examples,
    });
    assert.ok(resumed >= runs / 2, `most random specs were resumed (${resumed} of ${runs})`);
  });
});
