// Spec optimizer → TensorFlow.js optimizer whose learning rate (and momentum, when it has one) can change every step.
import * as tf from '@tensorflow/tfjs';
import { hasMomentum } from '../../model/facts';
import type { OptimizerSpec } from '../../spec/types';
import { AdadeltaOptimizer } from './adadelta';
import { fusedAdamAvailable } from '../backend/wasmAdamUpdate';
import { AdamFamilyOptimizer, type AdamVariant } from './adamFamily';
import { RmspropOptimizer } from './rmsprop';

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
 * β1 it was built with. `fused`: the Adam family updates each variable with one fused kernel (the wasm backend's,
 * where it has one; plain Adam then runs as the family's rule too); false keeps the tf ops (benchmarks compare both).
 */
export function makeOptimizer(spec: OptimizerSpec, cycleMomentum = false, fused = fusedAdamAvailable()): ScheduledOptimizer {
  const lr = spec.learningRate;
  switch (spec.type) {
    case 'sgd': {
      if (!hasMomentum(spec)) {
        const opt = tf.train.sgd(lr);
        return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v) };
      }
      const opt = new MomentumOptimizer(lr, spec.momentum, spec.nesterov);
      return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v), setMomentum: (m) => opt.setMomentum(m) };
    }
    case 'adam':
      if (!spec.amsgrad && !cycleMomentum && !fused) return withField(tf.train.adam(lr, spec.beta1, spec.beta2, spec.epsilon));
      return adamFamily(spec, 'adam', 0, fused);
    case 'adamw':
      return adamFamily(spec, 'adam', spec.weightDecay, fused);
    case 'nadam':
    case 'adamax':
      return adamFamily(spec, spec.type, 0, fused);
    case 'rmsprop': {
      const { rho, momentum, epsilon, centered } = spec;
      const opt = new RmspropOptimizer({ learningRate: lr, rho, momentum, epsilon, centered });
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
