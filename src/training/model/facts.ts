// The machine-learning facts gradscope relies on, in one place: per activation its family, output range, derivative
// bounds and the initializer made for it; per layer kind whether it has weights and how it treats the units before
// it; fan-in/fan-out from shapes; the variance each initializer draws; which output activation is fused into which
// loss. The engine (what is built and measured), lint (what is predicted) and diagnosis (what is read off a run)
// all import these, so they cannot disagree. Pure: no TensorFlow.js.

import type {
  ActivationName,
  ActivationParams,
  Conv2dLayer,
  DenseLayer,
  InitializerSpec,
  LayerType,
  LossName,
  NamedInitializer,
  OptimizerSpec,
  OptimizerType,
  VarianceScalingMode,
  RecurrentLayer,
} from '../spec/types';

/**
 * How an activation shapes the signal:
 * - `rectifier`: piecewise linear with a kink at 0 (relu, leakyRelu); relu's zero slope for negative inputs lets a
 *   unit die (no gradient for any input of the batch), leakyRelu's slope keeps it alive.
 * - `smooth-rectifier`: unbounded above, bounded below, smooth (elu, selu, gelu, swish, mish): slope near 1 for
 *   large inputs, small but nonzero for negative ones.
 * - `saturating`: bounded on both sides with a slope that goes to 0 in the tails (sigmoid, tanh): large inputs
 *   saturate and pass back almost no gradient.
 * - `linear`: the identity (no activation).
 * - `distribution`: softmax, which turns a layer's units into probabilities that sum to 1 (an output activation).
 */
export type ActivationFamily = 'rectifier' | 'smooth-rectifier' | 'saturating' | 'linear' | 'distribution';

/** The weight-variance rule an initializer follows. */
export type InitFamily = 'he' | 'lecun' | 'glorot';

/**
 * What the engine counts on a layer's activation besides its output's mean and std: dead units (units whose slope
 * is below DEAD_SLOPE for every sample, read from the pre-activation) or saturated outputs (the flat tails).
 */
export type ActivationMeasure = 'dead' | 'saturation';

/** An elementwise function of one number, with the activation's parameters (defaults when absent). */
type Elementwise = (x: number, params?: ActivationParams) => number;

export interface ActivationFacts {
  family: ActivationFamily;
  /** Output range [min, max] over all inputs (±Infinity when unbounded). */
  range: readonly [number, number];
  /** Output bounded on both sides: such a layer cannot blow the forward signal up; too-large inputs saturate it. */
  bounded: boolean;
  /** Smallest and largest slope over all inputs (for softmax: the entries of its Jacobian). */
  derivative: { min: number; max: number };
  /** A zero slope on a whole half-line: a unit whose inputs all fall there stops learning for good. */
  canDie: boolean;
  /** The initializer family that keeps the signal's variance through this activation. */
  init: InitFamily;
  /** Why that family (for messages and docs). */
  initReason: string;
  /** What the engine counts on this activation, if anything (mean and std of the output are measured for all). */
  measure?: ActivationMeasure;
  /**
   * The activation and its slope as plain float64 JavaScript, the same functions the engine's TensorFlow.js layers
   * compute (test/unit/modelFacts.test.ts checks both against TensorFlow.js and tf.grad); the step-statistics kernel
   * counts dead units with `slope`. Absent for softmax, which is not elementwise.
   */
  forward?: Elementwise;
  slope?: Elementwise;
  /**
   * The slope's magnitude is below DEAD_SLOPE exactly at the inputs ≤ this (relu: 0), and the output is above it
   * exactly where the input is, so a unit is dead when none of its outputs is above it: the engine counts dead units
   * on the activation's output, in the same SIMD pass of float32 compares as its mean and std, instead of calling
   * `slope` per pre-activation (test/unit/modelFacts.test.ts checks both equivalences).
   */
  deadAtOrBelow?: number;
}

/**
 * A unit is dead when the magnitude of its activation's slope stays below this for every sample (and position) of
 * the batch: no gradient reaches its weights. relu: a pre-activation ≤ 0; elu/selu/gelu/swish/mish deep in their
 * negative tails.
 */
export const DEAD_SLOPE = 1e-3;

/** Slope of leakyRelu for negative inputs (PyTorch's default). */
export const LEAKY_RELU_ALPHA = 0.01;
/** prelu's learned slope per unit starts here (He et al. 2015, PyTorch's default). */
export const PRELU_INITIAL_ALPHA = 0.25;
/** rrelu draws its negative slope from U(lower, upper) in training and uses the mean at evaluation (PyTorch's defaults). */
export const RRELU_LOWER = 1 / 8;
export const RRELU_UPPER = 1 / 3;
/** elu(x) = α(eˣ − 1) for x ≤ 0; α = 1 unless the spec says otherwise. */
export const ELU_ALPHA = 1;

/** SELU's constants (Klambauer et al. 2017): selu(x) = λx for x > 0, λα(eˣ − 1) otherwise. */
export const SELU_LAMBDA = 1.0507009873554805;
export const SELU_ALPHA = 1.6732632423543772;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** log(1 + eˣ) without overflow. */
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
/** Standard normal density and distribution function (Φ through erfc, accurate to ~1e-7 as TensorFlow.js's erf). */
const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

/** Complementary error function (Numerical Recipes' erfcc, fractional error < 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

const alphaOf = (p: ActivationParams | undefined, fallback: number): number => p?.alpha ?? fallback;

/** rrelu's slope range with the defaults filled in; its evaluation slope is the mean. */
export function rreluRange(p: ActivationParams | undefined): { lower: number; upper: number } {
  return { lower: p?.lower ?? RRELU_LOWER, upper: p?.upper ?? RRELU_UPPER };
}
const rreluMean = (p: ActivationParams | undefined): number => {
  const { lower, upper } = rreluRange(p);
  return (lower + upper) / 2;
};

const HE_REASON =
  'He (variance 2/fan-in) makes up for the half of the signal a rectifier (nearly) zeroes, so the variance stays the same layer after layer';
const GLOROT_REASON =
  'Glorot (variance 2/(fan-in + fan-out)) keeps the variance of the signal forward and of the gradient backward about equal for activations with slope ≈ 1 around 0';

/** forward and slope of x for x > 0, alpha·x otherwise (leakyRelu, and prelu at its starting slope). */
function leakyLine(defaultAlpha: number): Pick<ActivationFacts, 'forward' | 'slope'> {
  return {
    forward: (x, p) => (x > 0 ? x : alphaOf(p, defaultAlpha) * x),
    slope: (x, p) => (x > 0 ? 1 : alphaOf(p, defaultAlpha)),
  };
}

/**
 * The facts of every activation of the spec format. Derivative bounds of the smooth activations were measured on the
 * engine's own TensorFlow.js functions (test/unit/modelFacts.test.ts checks them there).
 * Initializers follow the lessons' table: Glorot for none/tanh/sigmoid/softmax, He for the ReLU family (ReLU, leaky
 * ReLU, ELU, GELU, Swish, Mish), LeCun for SELU.
 */
export const ACTIVATION_FACTS: Readonly<Record<ActivationName, ActivationFacts>> = {
  linear: {
    family: 'linear',
    range: [-Infinity, Infinity],
    bounded: false,
    derivative: { min: 1, max: 1 },
    canDie: false,
    init: 'glorot',
    initReason: GLOROT_REASON,
    forward: (x) => x,
    slope: () => 1,
  },
  relu: {
    family: 'rectifier',
    range: [0, Infinity],
    bounded: false,
    derivative: { min: 0, max: 1 },
    canDie: true,
    init: 'he',
    initReason: HE_REASON,
    measure: 'dead',
    forward: (x) => Math.max(x, 0),
    slope: (x) => (x > 0 ? 1 : 0),
    deadAtOrBelow: 0,
  },
  relu6: {
    family: 'rectifier',
    range: [0, 6],
    bounded: true,
    derivative: { min: 0, max: 1 },
    canDie: true,
    init: 'he',
    initReason: HE_REASON,
    measure: 'dead',
    forward: (x) => Math.min(Math.max(x, 0), 6),
    // TensorFlow.js computes relu6 as min(6, relu(x)): slope 0 at exactly 6 as well as above it.
    slope: (x) => (x > 0 && x < 6 ? 1 : 0),
  },
  leakyRelu: {
    family: 'rectifier',
    range: [-Infinity, Infinity],
    bounded: false,
    derivative: { min: LEAKY_RELU_ALPHA, max: 1 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    ...leakyLine(LEAKY_RELU_ALPHA),
  },
  prelu: {
    family: 'rectifier',
    range: [-Infinity, Infinity],
    // A learned slope per unit: the bounds are those of its start (PRELU_INITIAL_ALPHA).
    bounded: false,
    derivative: { min: PRELU_INITIAL_ALPHA, max: 1 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    ...leakyLine(PRELU_INITIAL_ALPHA),
  },
  rrelu: {
    family: 'rectifier',
    range: [-Infinity, Infinity],
    bounded: false,
    // In training the slope is drawn from [lower, upper]; forward/slope give the evaluation function (the mean slope).
    derivative: { min: RRELU_LOWER, max: 1 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    forward: (x, p) => (x >= 0 ? x : rreluMean(p) * x),
    slope: (x, p) => (x >= 0 ? 1 : rreluMean(p)),
  },
  elu: {
    family: 'smooth-rectifier',
    range: [-1, Infinity],
    bounded: false,
    derivative: { min: 0, max: 1 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    measure: 'dead',
    forward: (x, p) => (x > 0 ? x : alphaOf(p, ELU_ALPHA) * Math.expm1(x)),
    slope: (x, p) => (x > 0 ? 1 : alphaOf(p, ELU_ALPHA) * Math.exp(x)),
  },
  selu: {
    family: 'smooth-rectifier',
    range: [-SELU_LAMBDA * SELU_ALPHA, Infinity],
    bounded: false,
    derivative: { min: 0, max: SELU_LAMBDA * SELU_ALPHA },
    canDie: false,
    init: 'lecun',
    initReason:
      'selu keeps activations at mean 0 and variance 1 (self-normalizing) only from weights of variance 1/fan-in (LeCun; Klambauer et al. 2017)',
    measure: 'dead',
    forward: (x) => SELU_LAMBDA * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    slope: (x) => SELU_LAMBDA * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
  },
  gelu: {
    family: 'smooth-rectifier',
    range: [-0.17, Infinity],
    bounded: false,
    derivative: { min: -0.129, max: 1.129 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    measure: 'dead',
    forward: (x) => x * normalCdf(x),
    slope: (x) => normalCdf(x) + x * normalPdf(x),
  },
  swish: {
    family: 'smooth-rectifier',
    range: [-0.279, Infinity],
    bounded: false,
    derivative: { min: -0.1, max: 1.1 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    measure: 'dead',
    forward: (x) => x * sigmoid(x),
    slope: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
  },
  mish: {
    family: 'smooth-rectifier',
    range: [-0.309, Infinity],
    bounded: false,
    derivative: { min: -0.113, max: 1.089 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    measure: 'dead',
    forward: (x) => x * Math.tanh(softplus(x)),
    slope: (x) => {
      const t = Math.tanh(softplus(x));
      return t + x * (1 - t * t) * sigmoid(x);
    },
  },
  softplus: {
    family: 'smooth-rectifier',
    range: [0, Infinity],
    bounded: false,
    derivative: { min: 0, max: 1 },
    canDie: false,
    init: 'he',
    initReason: HE_REASON,
    measure: 'dead',
    forward: softplus,
    slope: sigmoid,
  },
  sigmoid: {
    family: 'saturating',
    range: [0, 1],
    bounded: true,
    derivative: { min: 0, max: 0.25 },
    canDie: false,
    init: 'glorot',
    initReason: GLOROT_REASON,
    measure: 'saturation',
    forward: sigmoid,
    slope: (x) => sigmoid(x) * (1 - sigmoid(x)),
  },
  hardSigmoid: {
    family: 'saturating',
    range: [0, 1],
    bounded: true,
    derivative: { min: 0, max: 0.2 },
    canDie: false,
    init: 'glorot',
    initReason: GLOROT_REASON,
    measure: 'saturation',
    // TensorFlow.js's hard sigmoid: clip(0.2x + 0.5, 0, 1), flat (slope 0) beyond ±2.5.
    forward: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
    slope: (x) => (Math.abs(x) <= 2.5 ? 0.2 : 0),
  },
  tanh: {
    family: 'saturating',
    range: [-1, 1],
    bounded: true,
    derivative: { min: 0, max: 1 },
    canDie: false,
    init: 'glorot',
    initReason: GLOROT_REASON,
    measure: 'saturation',
    forward: Math.tanh,
    slope: (x) => 1 - Math.tanh(x) ** 2,
  },
  softmax: {
    family: 'distribution',
    range: [0, 1],
    bounded: true,
    derivative: { min: -0.25, max: 0.25 },
    canDie: false,
    init: 'glorot',
    initReason: GLOROT_REASON,
  },
};

export function activationFacts(activation: ActivationName): ActivationFacts {
  return ACTIVATION_FACTS[activation];
}

/** The named initializer a fix writes for an activation (the normal variant of its family; Glorot's uniform, the Keras default). */
export function recommendedInitializer(activation: ActivationName): NamedInitializer {
  switch (ACTIVATION_FACTS[activation].init) {
    case 'he':
      return 'heNormal';
    case 'lecun':
      return 'lecunNormal';
    case 'glorot':
      return 'glorotUniform';
  }
}

// ---- Layer kinds ----

export interface LayerKindFacts {
  /** Trainable weights: a kernel (and bias) multiplying the input, per-feature scale and shift, or none. */
  weights: 'kernel' | 'scale' | 'none';
  /** Has its own `activation` property. */
  activation: boolean;
  /**
   * Keeps the units of the weight layer before it (elementwise or per-unit): an `activation` entry after it still
   * applies to that layer's units (dense → batchNormalization → activation).
   */
  keepsUnits: boolean;
  /** An affine map of its input at inference time: after a linear weight layer it adds no nonlinearity. */
  affine: boolean;
  /** Puts the signal back to scale (normalization) or around the layers (skip connection): a deep stack's signal stops compounding there. */
  restoresSignal: boolean;
  /**
   * Recurrent layers: how they carry a state across timesteps. `gates` is how many blocks of `units` columns
   * their input and recurrent kernels have (simpleRNN 1; gru 3: update, reset, candidate; lstm 4: input, forget,
   * cell, output); `gated` says whether sigmoid gates control how much of the old state is kept, which lets the
   * gradient pass many timesteps without being multiplied by the recurrent kernel each time.
   */
  recurrent?: { gates: number; gated: boolean };
  /**
   * Outputs feature maps: [height, width, channels] whose positions stay aligned with the input image's, so a
   * per-position weighting of its channels (Grad-CAM) says where in the image the model looked. Only conv2d.
   */
  featureMaps?: true;
}

export const LAYER_FACTS: Readonly<Record<LayerType, LayerKindFacts>> = {
  dense: { weights: 'kernel', activation: true, keepsUnits: false, affine: false, restoresSignal: false },
  conv2d: { weights: 'kernel', activation: true, keepsUnits: false, affine: false, restoresSignal: false, featureMaps: true },
  maxPooling2d: { weights: 'none', activation: false, keepsUnits: false, affine: false, restoresSignal: false },
  flatten: { weights: 'none', activation: false, keepsUnits: false, affine: true, restoresSignal: false },
  activation: { weights: 'none', activation: true, keepsUnits: false, affine: false, restoresSignal: false },
  dropout: { weights: 'none', activation: false, keepsUnits: true, affine: true, restoresSignal: false },
  batchNormalization: { weights: 'scale', activation: false, keepsUnits: true, affine: true, restoresSignal: true },
  layerNormalization: { weights: 'scale', activation: false, keepsUnits: true, affine: false, restoresSignal: true },
  // Per-sample statistics (like layerNormalization): not affine at inference, and each unit stays in place.
  groupNormalization: { weights: 'scale', activation: false, keepsUnits: true, affine: false, restoresSignal: true },
  rmsNormalization: { weights: 'scale', activation: false, keepsUnits: true, affine: false, restoresSignal: true },
  // Training-only noise: the identity at inference, unit for unit.
  alphaDropout: { weights: 'none', activation: false, keepsUnits: true, affine: true, restoresSignal: false },
  gaussianNoise: { weights: 'none', activation: false, keepsUnits: true, affine: true, restoresSignal: false },
  simpleRNN: {
    weights: 'kernel',
    activation: true,
    keepsUnits: false,
    affine: false,
    restoresSignal: false,
    recurrent: { gates: 1, gated: false },
  },
  lstm: {
    weights: 'kernel',
    activation: true,
    keepsUnits: false,
    affine: false,
    restoresSignal: false,
    recurrent: { gates: 4, gated: true },
  },
  gru: {
    weights: 'kernel',
    activation: true,
    keepsUnits: false,
    affine: false,
    restoresSignal: false,
    recurrent: { gates: 3, gated: true },
  },
  residual: { weights: 'none', activation: false, keepsUnits: false, affine: false, restoresSignal: true },
  // The concatenation carries the block input (and every earlier feature map) to the block output unchanged.
  denseBlock: { weights: 'none', activation: false, keepsUnits: false, affine: false, restoresSignal: true },
  // Two kernels (H and the gate T) and their biases; the carry gate passes x around them: a skip connection.
  highway: { weights: 'kernel', activation: true, keepsUnits: false, affine: false, restoresSignal: true },
};

/** Facts of a layer kind; undefined for kinds the engine adds itself (`projection`) or does not know. */
export function layerFacts(kind: string): LayerKindFacts | undefined {
  return Object.prototype.hasOwnProperty.call(LAYER_FACTS, kind) ? LAYER_FACTS[kind as LayerType] : undefined;
}

/** A layer kind whose output Grad-CAM can explain (feature maps aligned with the image): conv2d. */
export function explainableKind(kind: string): boolean {
  return layerFacts(kind)?.featureMaps === true;
}

export type KernelLayer = DenseLayer | Conv2dLayer;

export interface Fans {
  /** Inputs feeding one output unit. */
  fanIn: number;
  /** Outputs each input feeds. */
  fanOut: number;
  /**
   * The kernel's last axis (dense units, conv filters): an orthogonal kernel is the matrix [fan-in, units]. When
   * absent, fan-out is taken (a dense kernel's).
   */
  units?: number;
}

/**
 * Fans of a kernel layer from its input shape (one sample): dense: input features / units; conv2d: kernel
 * height × width × input channels / kernel height × width × filters (as TensorFlow.js computes them).
 */
export function kernelFans(layer: KernelLayer | RecurrentLayer, inputShape: readonly number[]): Fans {
  const inputs = inputShape[inputShape.length - 1];
  if (layer.type === 'dense') return { fanIn: inputs, fanOut: layer.units, units: layer.units };
  if (layer.type === 'conv2d') {
    const field = layer.kernelSize[0] * layer.kernelSize[1];
    return { fanIn: field * inputs, fanOut: field * layer.filters, units: layer.filters };
  }
  // A recurrent layer's input kernel is [features, gates × units].
  const columns = LAYER_FACTS[layer.type].recurrent!.gates * layer.units;
  return { fanIn: inputs, fanOut: columns, units: columns };
}

/** Fans of a recurrent layer's recurrent kernel [units, gates × units] (as TensorFlow.js computes them). */
export function recurrentKernelFans(layer: RecurrentLayer): Fans {
  const columns = LAYER_FACTS[layer.type].recurrent!.gates * layer.units;
  return { fanIn: layer.units, fanOut: columns, units: columns };
}

// ---- Initializers ----

/** Weight variance a family's rule gives a layer: He 2/fan-in, LeCun 1/fan-in, Glorot 2/(fan-in + fan-out). */
export function familyVariance(family: InitFamily, fans: Fans): number {
  const { scale, mode } = FAMILY_SCALING[family];
  return scalingVariance(scale, mode, fans);
}

/** varianceScaling's variance: scale / n, n = fan-in, fan-out or (fan-in + fan-out)/2. */
function scalingVariance(scale: number, mode: VarianceScalingMode, fans: Fans): number {
  switch (mode) {
    case 'fanIn':
      return scale / fans.fanIn;
    case 'fanOut':
      return scale / fans.fanOut;
    case 'fanAvg':
      return scale / ((fans.fanIn + fans.fanOut) / 2);
  }
}

/**
 * The family whose variance an initializer draws by construction: the named Glorot/He/LeCun ones, and a
 * varianceScaling object with a family's scale and mode (He is { scale: 2, mode: "fanIn" }); undefined for others.
 */
export function initializerFamily(init: InitializerSpec): InitFamily | undefined {
  if (typeof init === 'string') return NAMED_INITIALIZER_FACTS[init].family;
  if (init.type !== 'varianceScaling') return undefined;
  const families = Object.keys(FAMILY_SCALING) as InitFamily[];
  return families.find((f) => FAMILY_SCALING[f].scale === init.scale && FAMILY_SCALING[f].mode === init.mode);
}

/**
 * An orthogonal kernel (flattened to [fan-in, units]) has orthonormal columns (or rows, when wider than tall): its
 * squares sum to gain²·min(fan-in, units), so each weight's mean square is gain² / max(fan-in, units).
 */
function orthogonalVariance(gain: number, fans: Fans): number {
  return gain ** 2 / Math.max(fans.fanIn, fans.units ?? fans.fanOut);
}

/**
 * Variance of a standard normal truncated at ±2σ (values beyond redrawn), as tfjs's truncatedNormal draws: its
 * standard deviation is √0.7737 ≈ 0.88 of the stddev it is given. The engine divides the variance-scaling
 * initializers' scale by it (as Keras does), so heNormal has exactly He's variance.
 */
export const TRUNCATED_NORMAL_VARIANCE = 0.7737413;

/** The scale and fan each variance-scaling family uses: Glorot 1/fanAvg, He 2/fanIn, LeCun 1/fanIn. */
export const FAMILY_SCALING: Readonly<Record<InitFamily, { scale: number; mode: VarianceScalingMode }>> = {
  glorot: { scale: 1, mode: 'fanAvg' },
  he: { scale: 2, mode: 'fanIn' },
  lecun: { scale: 1, mode: 'fanIn' },
};

/**
 * The rule a named initializer follows, and how it draws (uniform on ±√(3·variance), normal, a random orthogonal
 * matrix, or constant).
 */
export const NAMED_INITIALIZER_FACTS: Readonly<
  Record<NamedInitializer, { family?: InitFamily; distribution: 'uniform' | 'normal' | 'orthogonal' | 'constant' }>
> = {
  glorotUniform: { family: 'glorot', distribution: 'uniform' },
  glorotNormal: { family: 'glorot', distribution: 'normal' },
  heNormal: { family: 'he', distribution: 'normal' },
  heUniform: { family: 'he', distribution: 'uniform' },
  lecunNormal: { family: 'lecun', distribution: 'normal' },
  lecunUniform: { family: 'lecun', distribution: 'uniform' },
  orthogonal: { distribution: 'orthogonal' },
  zeros: { distribution: 'constant' },
  ones: { distribution: 'constant' },
};

export interface WeightMoments {
  mean: number;
  variance: number;
}

/**
 * Mean and variance of the weights an initializer draws for a layer with these fans. The normal variants have the
 * family's variance exactly (the engine corrects tfjs's truncated normal), as has varianceScaling; truncatedNormal
 * with stddev σ has variance 0.7737·σ² (it is cut at 2σ); randomUniform [a, b] has variance (b − a)²/12.
 */
export function initializerMoments(init: InitializerSpec, fans: Fans): WeightMoments {
  const mean = initializerMean(init);
  if (typeof init === 'string') {
    if (init === 'orthogonal') return { mean, variance: orthogonalVariance(1, fans) };
    const family = NAMED_INITIALIZER_FACTS[init].family;
    return { mean, variance: family ? familyVariance(family, fans) : 0 };
  }
  switch (init.type) {
    case 'randomNormal':
      return { mean, variance: init.stddev ** 2 };
    case 'truncatedNormal':
      return { mean, variance: TRUNCATED_NORMAL_VARIANCE * init.stddev ** 2 };
    case 'randomUniform':
      return { mean, variance: (init.maxval - init.minval) ** 2 / 12 };
    case 'constant':
      return { mean, variance: 0 };
    case 'orthogonal':
      return { mean, variance: orthogonalVariance(init.gain, fans) };
    case 'varianceScaling':
      return { mean, variance: scalingVariance(init.scale, init.mode, fans) };
  }
}

/** Mean of the values an initializer draws (does not depend on the fans): a bias's starting offset. */
export function initializerMean(init: InitializerSpec): number {
  if (typeof init === 'string') return init === 'ones' ? 1 : 0;
  switch (init.type) {
    case 'randomNormal':
    case 'truncatedNormal':
      return init.mean;
    case 'randomUniform':
      return (init.minval + init.maxval) / 2;
    case 'constant':
      return init.value;
    case 'orthogonal':
    case 'varianceScaling':
      return 0;
  }
}

/** Root mean square of the weights (√(variance + mean²)): the factor by which a layer scales its input's size. */
export function weightScale(init: InitializerSpec, fans: Fans): number {
  const m = initializerMoments(init, fans);
  return Math.sqrt(m.variance + m.mean ** 2);
}

/** Every weight starts at the same value (zeros, ones, constant): the layer's units start identical. */
export function isConstantInitializer(init: InitializerSpec): boolean {
  return typeof init === 'string' ? NAMED_INITIALIZER_FACTS[init].distribution === 'constant' : init.type === 'constant';
}

/** The scale the activation's own initializer family gives this layer. */
export function recommendedScale(activation: ActivationName, fans: Fans): number {
  return Math.sqrt(familyVariance(ACTIVATION_FACTS[activation].init, fans));
}

// ---- Optimizers ----

/**
 * How an optimizer's step relates to the learning rate and the gradient:
 * - `sgd`: the step is the rate times the gradient (or its velocity, with momentum);
 * - `per-weight-rate`: each gradient is divided by a running measure of its own size (Adam, AdamW, NAdam, AdaMax,
 *   RMSprop), so a weight whose gradient keeps its sign moves by about the learning rate per step whatever the
 *   gradient's scale;
 * - `shrinking-rate`: also divided by its own size, but by the sum of all past squared gradients (Adagrad), so the
 *   step falls below the rate as training goes on;
 * - `self-scaled`: divided by its own size and multiplied by the running size of the weight's past steps (Adadelta),
 *   so the step grows from about √ε and the learning rate is only a multiplier on it (PyTorch's default is 1.0).
 */
export type StepRule = 'sgd' | 'per-weight-rate' | 'shrinking-rate' | 'self-scaled';

export interface OptimizerFacts {
  step: StepRule;
  /** Adam or one of its variants (AdamW, NAdam, AdaMax): switching among them is no cure for a step-size problem. */
  adamFamily: boolean;
  /** Learning rates that work in practice, inclusive: rules of thumb around the standard default (docs/diagnostics/lr-out-of-range.md). */
  learningRateRange: { min: number; max: number };
}

/** Per-optimizer facts, read here by lint (lr-out-of-range) and diagnosis (lr-too-low, vanishing-gradient, the fixes). */
export const OPTIMIZER_FACTS: Readonly<Record<OptimizerType, OptimizerFacts>> = {
  sgd: { step: 'sgd', adamFamily: false, learningRateRange: { min: 1e-4, max: 1 } },
  adam: { step: 'per-weight-rate', adamFamily: true, learningRateRange: { min: 1e-5, max: 0.01 } },
  rmsprop: { step: 'per-weight-rate', adamFamily: false, learningRateRange: { min: 1e-5, max: 0.01 } },
  adagrad: { step: 'shrinking-rate', adamFamily: false, learningRateRange: { min: 1e-4, max: 1 } },
  adamw: { step: 'per-weight-rate', adamFamily: true, learningRateRange: { min: 1e-5, max: 0.01 } },
  nadam: { step: 'per-weight-rate', adamFamily: true, learningRateRange: { min: 1e-5, max: 0.02 } },
  adamax: { step: 'per-weight-rate', adamFamily: true, learningRateRange: { min: 1e-5, max: 0.02 } },
  adadelta: { step: 'self-scaled', adamFamily: false, learningRateRange: { min: 0.1, max: 5 } },
};

/**
 * Optimizers whose step divides each gradient by a running measure of its own size (Adam and its variants AdamW,
 * NAdam and AdaMax, RMSprop, Adagrad, Adadelta): the step hardly depends on the gradient's scale, so a gradient 4× larger does
 * not make the step 4× larger as with SGD.
 */
export function isAdaptive(optimizer: OptimizerType): boolean {
  return OPTIMIZER_FACTS[optimizer].step !== 'sgd';
}

/**
 * Whether the optimizer keeps a momentum a one-cycle schedule can cycle: SGD's or RMSprop's when above 0, the Adam
 * family's β1. Plain SGD, Adagrad and Adadelta have none.
 */
export function hasMomentum(optimizer: Pick<OptimizerSpec, 'type' | 'momentum'>): boolean {
  switch (optimizer.type) {
    case 'sgd':
    case 'rmsprop':
      return optimizer.momentum > 0;
    case 'adam':
    case 'adamw':
    case 'nadam':
    case 'adamax':
      return true;
    case 'adagrad':
    case 'adadelta':
      return false;
  }
}

// ---- Loss fusion ----

/**
 * The output activations fused into a loss: for exactly these pairs on the last layer, the model outputs logits and
 * the loss applies the activation itself (softmax/sigmoid cross-entropy), which keeps it finite and its gradient
 * exact. Any other output activation runs inside the model, and the loss sees its outputs as they are.
 */
export const FUSED_LOSSES: readonly { activation: ActivationName; loss: LossName }[] = [
  { activation: 'softmax', loss: 'categoricalCrossentropy' },
  { activation: 'sigmoid', loss: 'binaryCrossentropy' },
];

/** The activation fused into the loss for a last layer with this activation and this loss; `linear` when none is. */
export function fusedOutputActivation(activation: ActivationName, loss: LossName): ActivationName {
  return FUSED_LOSSES.some((f) => f.activation === activation && f.loss === loss) ? activation : 'linear';
}
