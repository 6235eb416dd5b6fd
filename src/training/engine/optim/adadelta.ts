// Adadelta (Zeiler 2012) as torch.optim.Adadelta and Keras compute it:
//   sq ← ρ·sq + (1−ρ)·g²     Δ = √(acc + ε) / √(sq + ε) · g     acc ← ρ·acc + (1−ρ)·Δ²     w ← w − lr·Δ
// Written here rather than taken from tf.train.adadelta, which divides by the accumulator of the previous step
// (√(sq_{t−1} + ε)): its first step is then lr·g, a plain gradient step, instead of about lr·√(ε/(1−ρ)) per weight.
import type * as tf from '@tensorflow/tfjs';
import { SlotOptimizer, type SlotMap } from './slotOptimizer';

export interface AdadeltaConfig {
  learningRate: number;
  rho: number;
  epsilon: number;
}

/** Slots: sq (mean squared gradient), acc (mean squared update). */
export class AdadeltaOptimizer extends SlotOptimizer<AdadeltaConfig> {
  static get className(): string {
    return 'GradscopeAdadelta';
  }

  protected slotNames(): readonly string[] {
    return ['sq', 'acc'];
  }

  protected update(variable: tf.Variable, g: tf.Tensor, s: SlotMap): void {
    const { learningRate: lr, rho, epsilon } = this.cfg;
    const sq = s.sq.mul(rho).add(g.square().mul(1 - rho));
    s.sq.assign(sq);
    const delta = s.acc.add(epsilon).sqrt().div(sq.add(epsilon).sqrt()).mul(g);
    s.acc.assign(s.acc.mul(rho).add(delta.square().mul(1 - rho)));
    variable.assign(variable.sub(delta.mul(lr)));
  }
}
