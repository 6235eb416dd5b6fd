// Adam variants TensorFlow.js lacks (AMSGrad, AdamW, NAdam) and AdaMax as PyTorch defines it, as one tf.Optimizer.
// Each rule follows torch.optim (test/unit/optimizer.test.ts checks them step by step against its numbers).
import * as tf from '@tensorflow/tfjs';
import { applyFusedUpdate, type FusedUpdateAttrs } from '../backend/wasmFusedUpdate';
import { SlotOptimizer, type NamedTensor, type SlotMap } from './slotOptimizer';

/**
 * NAdam's μ_1 … μ_t among getWeights' tensors: a float64 kept bit for bit as two int32 (μ_t follows the β1 in force
 * at step t, which a one-cycle schedule moves, so it cannot be recomputed from the step count). Made for the call:
 * the caller disposes it.
 */
export const NADAM_MU_PRODUCT = 'nadam/muProduct';

export type AdamVariant = 'adam' | 'nadam' | 'adamax';

type AdamAttrs = Extract<FusedUpdateAttrs, { rule: AdamVariant }>;

export interface AdamFamilyConfig {
  variant: AdamVariant;
  /** adam only: divide by the largest second moment so far (AMSGrad, as torch.optim.Adam(amsgrad=True)). */
  amsgrad: boolean;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** adam only: decoupled decay (AdamW), w ← w − lr·weightDecay·w before the Adam step. */
  weightDecay: number;
  /** nadam only: momentum decay ψ (PyTorch's `momentum_decay`): μ_t = β1·(1 − ½·0.96^(t·ψ)). */
  momentumDecay: number;
}

/**
 * Slots: m (first moment), v (second moment; adamax: the exponentially weighted infinity norm u), and for amsgrad
 * vMax (the largest second moment so far).
 */
export class AdamFamilyOptimizer extends SlotOptimizer<AdamFamilyConfig> {
  static get className(): string {
    return 'GradscopeAdamFamily';
  }

  private step = 0;
  /** NAdam: product of μ_1 … μ_t. */
  private muProduct = 1;
  private mu = 0;
  private muNext = 0;
  /** This step's scalars (set by beginStep, before any update). */
  private k = this.scalars();

  /**
   * β1 for the next steps (a one-cycle schedule cycles it). As in torch.optim, the bias correction uses the current
   * β1: 1 − β1^t.
   */
  setMomentum(beta1: number): void {
    this.cfg.beta1 = beta1;
  }

  protected slotNames(): readonly string[] {
    return this.cfg.variant === 'adam' && this.cfg.amsgrad ? ['m', 'v', 'vMax'] : ['m', 'v'];
  }

  private nadamMu(t: number): number {
    return this.cfg.beta1 * (1 - 0.5 * 0.96 ** (t * this.cfg.momentumDecay));
  }

  protected override beginStep(): void {
    this.step++;
    if (this.cfg.variant === 'nadam') {
      this.mu = this.nadamMu(this.step);
      this.muNext = this.nadamMu(this.step + 1);
      this.muProduct *= this.mu;
    }
    this.k = this.scalars();
  }

  protected override restoreStep(iterations: number): void {
    this.step = iterations;
    this.muProduct = 1;
    if (this.cfg.variant === 'nadam') for (let t = 1; t <= this.step; t++) this.muProduct *= this.nadamMu(t);
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights = await super.getWeights();
    if (this.cfg.variant !== 'nadam') return weights;
    const bits = new Int32Array(new Float64Array([this.muProduct]).buffer);
    return [...weights, { name: NADAM_MU_PRODUCT, tensor: tf.tensor1d(bits, 'int32') }];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const saved = weightValues.find((w) => w.name === NADAM_MU_PRODUCT);
    await super.setWeights(weightValues.filter((w) => w !== saved));
    if (saved) this.muProduct = new Float64Array(new Int32Array(await saved.tensor.data()).buffer)[0];
  }

  /** The step's scalars, the same numbers for the tf ops below and the fused kernel. */
  private scalars(): AdamAttrs {
    const t = this.step;
    const { variant, learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay } = this.cfg;
    const { mu, muNext, muProduct } = this;
    return {
      rule: variant,
      b1,
      c1: 1 - b1,
      b2,
      c2: 1 - b2,
      sbc2: Math.sqrt(1 - b2 ** t),
      eps,
      step: lr / (1 - b1 ** t),
      decay: weightDecay > 0 ? 1 - lr * weightDecay : 1,
      k1: variant === 'nadam' ? (lr * (1 - mu)) / (1 - muProduct) : 0,
      k2: variant === 'nadam' ? (lr * muNext) / (1 - muProduct * muNext) : 0,
    };
  }

  protected update(variable: tf.Variable, g: tf.Tensor, s: SlotMap): void {
    const k = this.k;
    if (this.fusedNow) {
      applyFusedUpdate(k, variable, g, s.vMax ? [s.m, s.v, s.vMax] : [s.m, s.v]);
      return;
    }
    const m = s.m.mul(k.b1).add(g.mul(k.c1));
    s.m.assign(m);
    if (k.rule === 'adamax') {
      const u = tf.maximum(s.v.mul(k.b2), g.abs().add(k.eps));
      s.v.assign(u);
      variable.assign(variable.sub(m.div(u).mul(k.step)));
      return;
    }
    const v = s.v.mul(k.b2).add(g.square().mul(k.c2));
    s.v.assign(v);
    let second = v;
    if (s.vMax) {
      second = tf.maximum(s.vMax, v);
      s.vMax.assign(second);
    }
    const denom = second.sqrt().div(k.sbc2).add(k.eps);
    if (k.rule === 'nadam') {
      variable.assign(variable.sub(g.div(denom).mul(k.k1).add(m.div(denom).mul(k.k2))));
      return;
    }
    const w = this.cfg.weightDecay > 0 ? variable.mul(k.decay) : variable;
    variable.assign(w.sub(m.div(denom).mul(k.step)));
  }
}
