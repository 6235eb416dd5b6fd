// RMSprop as TensorFlow defines it (tf.compat.v1.train.RMSPropOptimizer, the rule tf.train.rmsprop follows):
//   ms ← ρ·ms + (1−ρ)·g²            centered: mg ← ρ·mg + (1−ρ)·g, and ms − mg² in place of ms below
//   mom ← momentum·mom + lr·g / √(ms + ε)      w ← w − mom
// ε sits inside the square root and the learning rate inside the momentum buffer; PyTorch puts ε outside
// (√ms + ε) and multiplies the buffer by lr, which only differs for tiny second moments or a changing rate.
// Written here rather than taken from tf.train.rmsprop because its centered form computes √(ms − (mg² + ε)), the
// square root of a negative number (NaN) for a weight whose gradient stays 0.
import type * as tf from '@tensorflow/tfjs';
import { applyFusedUpdate } from '../backend/wasmFusedUpdate';
import { SlotOptimizer, type SlotMap } from './slotOptimizer';

export interface RmspropConfig {
  learningRate: number;
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
}

/** Slots: ms (mean square), mg (mean gradient, centered only), mom (momentum buffer, momentum > 0 only). */
export class RmspropOptimizer extends SlotOptimizer<RmspropConfig> {
  static get className(): string {
    return 'GradscopeRMSProp';
  }

  private readonly hasMomentum: boolean;

  constructor(cfg: RmspropConfig, fused = false) {
    super(cfg, fused);
    this.hasMomentum = cfg.momentum > 0;
  }

  /** Momentum for the next steps (a one-cycle schedule cycles it); only an optimizer built with momentum has one. */
  setMomentum(momentum: number): void {
    this.cfg.momentum = momentum;
  }

  protected slotNames(): readonly string[] {
    return ['ms', ...(this.cfg.centered ? ['mg'] : []), ...(this.hasMomentum ? ['mom'] : [])];
  }

  protected update(variable: tf.Variable, g: tf.Tensor, s: SlotMap): void {
    const { learningRate: lr, rho, momentum, epsilon } = this.cfg;
    if (this.fusedNow) {
      const attrs = {
        rule: 'rmsprop',
        rho,
        c: 1 - rho,
        lr,
        eps: epsilon,
        mu: momentum,
        centered: !!s.mg,
        withMomentum: !!s.mom,
      } as const;
      applyFusedUpdate(attrs, variable, g, [s.ms, ...(s.mg ? [s.mg] : []), ...(s.mom ? [s.mom] : [])]);
      return;
    }
    const ms = s.ms.mul(rho).add(g.square().mul(1 - rho));
    s.ms.assign(ms);
    let meanSquare = ms;
    if (s.mg) {
      const mg = s.mg.mul(rho).add(g.mul(1 - rho));
      s.mg.assign(mg);
      meanSquare = ms.sub(mg.square());
    }
    const step = g.mul(lr).div(meanSquare.add(epsilon).sqrt());
    if (!s.mom) {
      variable.assign(variable.sub(step));
      return;
    }
    const mom = s.mom.mul(momentum).add(step);
    s.mom.assign(mom);
    variable.assign(variable.sub(mom));
  }
}
