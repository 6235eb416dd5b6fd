// Spec optimizer → TensorFlow.js optimizer whose learning rate can change every step.
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../spec/types';
import { AdamFamilyOptimizer, type AdamVariant } from './adamFamily';

export interface ScheduledOptimizer {
  optimizer: tf.Optimizer;
  setLearningRate: (lr: number) => void;
}

export function makeOptimizer(spec: OptimizerSpec): ScheduledOptimizer {
  const lr = spec.learningRate;
  switch (spec.type) {
    case 'sgd': {
      const opt = spec.momentum > 0 ? new MomentumOptimizer(lr, spec.momentum, spec.nesterov) : tf.train.sgd(lr);
      return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v) };
    }
    case 'adam':
      if (!spec.amsgrad) return withField(tf.train.adam(lr, spec.beta1, spec.beta2, spec.epsilon));
      return adamFamily(spec, 'adam', 0);
    case 'adamw':
      return adamFamily(spec, 'adam', spec.weightDecay);
    case 'nadam':
    case 'adamax':
      return adamFamily(spec, spec.type, 0);
    case 'rmsprop':
      return withField(tf.train.rmsprop(lr, 0.9, spec.momentum, spec.epsilon));
    case 'adagrad':
      return withField(tf.train.adagrad(lr));
  }
}

function adamFamily(spec: OptimizerSpec, variant: AdamVariant, weightDecay: number): ScheduledOptimizer {
  const { learningRate, beta1, beta2, epsilon } = spec;
  const opt = new AdamFamilyOptimizer({ variant, amsgrad: spec.amsgrad, learningRate, beta1, beta2, epsilon, weightDecay });
  return { optimizer: opt, setLearningRate: (v) => opt.setLearningRate(v) };
}

/**
 * TensorFlow.js's momentum optimizer without its leak: its dispose() forgets the learning-rate scalar it
 * inherits from SGD (tensorflow/tfjs#4647), one tensor per run.
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    this.c.dispose();
  }
}

// adam, rmsprop and adagrad read their (protected) `learningRate` field on every applyGradients call.
function withField(opt: tf.Optimizer): ScheduledOptimizer {
  const writable = opt as unknown as { learningRate: number };
  return {
    optimizer: opt,
    setLearningRate: (v) => {
      writable.learningRate = v;
    },
  };
}
