// Spec optimizer → TensorFlow.js optimizer whose learning rate (and momentum, when it has one) can change every step.
import * as tf from '@tensorflow/tfjs';
import { hasMomentum } from '../../model/facts';
import type { OptimizerSpec } from '../../spec/types';
import { AdadeltaOptimizer } from './adadelta';
import { applyFusedUpdate, fusedUpdateAvailable, type FusedUpdateAttrs } from '../backend/wasmFusedUpdate';
import { AdamFamilyOptimizer, type AdamVariant } from './adamFamily';
import { RmspropOptimizer } from './rmsprop';
import type { NamedTensor } from './slotOptimizer';

export interface ScheduledOptimizer {
  optimizer: tf.Optimizer;
  setLearningRate: (lr: number) => void;
  /**
   * Present when the optimizer has a momentum to cycle (model/facts hasMomentum): SGD's or RMSprop's momentum, the
   * Adam family's β1.
   */
  setMomentum?: (m: number) => void;
}

/**
 * `cycleMomentum`: a schedule will change the momentum between steps. Plain Adam then runs as the Adam family's rule,
 * whose bias correction uses the β1 in force (1 − β1^t, as torch.optim), where tf.train.adam's multiplies up every
 * β1 it was built with. `fused` (default: on the wasm backend): each variable is updated by one fused kernel where the
 * backend has it (adagrad and adadelta excepted), else by the same rule's tf ops: the same bits either way (the
 * threaded wasm build takes the tf ops: our kernels cannot import its shared memory). false: always the tf ops
 * (benchmarks compare both).
 */
export function makeOptimizer(
  spec: OptimizerSpec,
  cycleMomentum = false,
  fused = tf.getBackend() === 'wasm',
): ScheduledOptimizer {
  const lr = spec.learningRate;
  switch (spec.type) {
    case 'sgd': {
      if (!hasMomentum(spec)) {
        const opt = new SgdOptimizer(lr, fused);
        return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v) };
      }
      const opt = new MomentumOptimizer(lr, spec.momentum, spec.nesterov, fused);
      return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v), setMomentum: (m) => opt.setMomentum(m) };
    }
    case 'adam':
      if (!spec.amsgrad && !cycleMomentum) return withField(new AdamOptimizer(lr, spec.beta1, spec.beta2, spec.epsilon, fused));
      return adamFamily(spec, 'adam', 0, fused);
    case 'adamw':
      return adamFamily(spec, 'adam', spec.weightDecay, fused);
    case 'nadam':
    case 'adamax':
      return adamFamily(spec, spec.type, 0, fused);
    case 'rmsprop': {
      const { rho, momentum, epsilon, centered } = spec;
      const opt = new RmspropOptimizer({ learningRate: lr, rho, momentum, epsilon, centered }, fused);
      const setLearningRate = (v: number): void => opt.setLearningRate(v);
      return hasMomentum(spec)
        ? { optimizer: opt, setLearningRate, setMomentum: (m) => opt.setMomentum(m) }
        : { optimizer: opt, setLearningRate };
    }
    case 'adagrad':
      return withField(tf.train.adagrad(lr));
    case 'adadelta': {
      const opt = new AdadeltaOptimizer({ learningRate: lr, rho: spec.rho, epsilon: spec.epsilon });
      return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v) };
    }
  }
}

function adamFamily(spec: OptimizerSpec, variant: AdamVariant, weightDecay: number, fused: boolean): ScheduledOptimizer {
  const { learningRate, beta1, beta2, epsilon, momentumDecay } = spec;
  const opt = new AdamFamilyOptimizer(
    {
      variant,
      amsgrad: spec.amsgrad,
      learningRate,
      beta1,
      beta2,
      epsilon,
      weightDecay,
      momentumDecay,
    },
    fused,
  );
  return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v), setMomentum: (m) => opt.setMomentum(m) };
}

/**
 * TensorFlow.js's momentum optimizer without its two defects: its dispose() forgets the learning-rate scalar it
 * inherits from SGD (tensorflow/tfjs#4647), one tensor per run; and its setMomentum() changes a number its update
 * never reads (the step multiplies by the scalar tensor `m` made in the constructor), so the scalar is replaced here.
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  constructor(
    learningRate: number,
    momentum: number,
    useNesterov: boolean,
    private readonly fused: boolean,
  ) {
    super(learningRate, momentum, useNesterov);
  }

  /** tf.MomentumOptimizer's loop (its accumulations by position, made at first use), each update one fused kernel. */
  override applyGradients(variableGradients: Parameters<tf.MomentumOptimizer['applyGradients']>[0]): void {
    if (!(this.fused && fusedUpdateAvailable())) return super.applyGradients(variableGradients);
    const self = this as unknown as {
      accumulations: { originalName: string; variable: tf.Variable }[];
      momentum: number;
      useNesterov: boolean;
    };
    const attrs: FusedUpdateAttrs = { rule: 'momentum', c: -this.learningRate, m: self.momentum, nesterov: self.useNesterov };
    gradientEntries(variableGradients).forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name];
      self.accumulations[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      };
      if (gradient == null) return;
      tf.tidy(() => applyFusedUpdate(attrs, value, gradient, [self.accumulations[i].variable]));
    });
    this.incrementIterations();
  }

  override setMomentum(momentum: number): void {
    super.setMomentum(momentum);
    const self = this as unknown as { m: tf.Scalar };
    self.m.dispose();
    self.m = tf.keep(tf.scalar(momentum));
  }

  override dispose(): void {
    super.dispose();
    this.c.dispose();
  }
}

/** tf.train.adam, each update one fused kernel (its own order of operations) where the backend has it. */
class AdamOptimizer extends tf.AdamOptimizer {
  constructor(
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    private readonly fused: boolean,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  /** tf.AdamOptimizer's applyGradients (moments by position, made at first use) with the fused kernel for its ops. */
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!(this.fused && fusedUpdateAvailable())) return super.applyGradients(variableGradients);
    type Slot = { originalName: string; variable: tf.Variable }[];
    const self = this as unknown as {
      accumulatedFirstMoment: Slot;
      accumulatedSecondMoment: Slot;
      accBeta1: tf.Variable;
      accBeta2: tf.Variable;
      epsilon: number;
    };
    const { beta1: b1, beta2: b2 } = this;
    // 1 − β^t as its float32 ops compute it from the running products (a checkpoint restores those exactly).
    const [a1, a2] = [self.accBeta1, self.accBeta2].map((acc) => Math.fround(1 - acc.dataSync()[0]));
    const attrs: FusedUpdateAttrs = {
      rule: 'tfAdam',
      b1,
      c1: 1 - b1,
      b2,
      c2: 1 - b2,
      a1,
      a2,
      eps: self.epsilon,
      negLr: -this.learningRate,
    };
    gradientEntries(variableGradients).forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name];
      const zeros = (): tf.Variable => tf.tidy(() => tf.zerosLike(value).variable(false));
      self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: zeros() };
      self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: zeros() };
      if (gradient == null) return;
      const slots = [self.accumulatedFirstMoment[i].variable, self.accumulatedSecondMoment[i].variable];
      tf.tidy(() => applyFusedUpdate(attrs, value, gradient, slots));
    });
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, b1));
      self.accBeta2.assign(tf.mul(self.accBeta2, b2));
    });
    this.incrementIterations();
  }
}

/** tf.train.sgd, each update one fused kernel where the backend has it. */
class SgdOptimizer extends tf.SGDOptimizer {
  constructor(
    learningRate: number,
    private readonly fused: boolean,
  ) {
    super(learningRate);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    if (!(this.fused && fusedUpdateAvailable())) return super.applyGradients(variableGradients);
    const attrs: FusedUpdateAttrs = { rule: 'sgd', c: -this.learningRate };
    for (const [name, gradient] of gradientEntries(variableGradients)) {
      if (gradient == null) continue;
      const value = tf.engine().registeredVariables[name];
      tf.tidy(() => applyFusedUpdate(attrs, value, gradient, []));
    }
    this.incrementIterations();
  }
}

/** The (name, gradient) pairs of applyGradients' argument, in its order. */
function gradientEntries(variableGradients: tf.NamedTensorMap | NamedTensor[]): [string, tf.Tensor | undefined][] {
  return Array.isArray(variableGradients) ? variableGradients.map((e) => [e.name, e.tensor]) : Object.entries(variableGradients);
}

// adam and adagrad read their (protected) `learningRate` field on every applyGradients call.
function withField(opt: tf.Optimizer): ScheduledOptimizer {
  const writable = opt as unknown as { learningRate: number };
  return {
    optimizer: opt,
    setLearningRate: (v) => {
      writable.learningRate = v;
    },
  };
}
