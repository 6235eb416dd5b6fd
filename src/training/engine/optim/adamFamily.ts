// Adam variants TensorFlow.js lacks (AMSGrad, AdamW, NAdam) and AdaMax as PyTorch defines it, as one tf.Optimizer.
// Each rule follows torch.optim (test/unit/optimizer.test.ts checks them step by step against its numbers).
import * as tf from '@tensorflow/tfjs';

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export type AdamVariant = 'adam' | 'nadam' | 'adamax';

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
}

/** NAdam's momentum decay ψ (PyTorch's default `momentum_decay`): μ_t = β1·(1 − ½·0.96^(t·ψ)). */
const MOMENTUM_DECAY = 0.004;

interface Slots {
  m: tf.Variable;
  /** Second moment (adam variants) or the exponentially weighted infinity norm u (adamax). */
  v: tf.Variable;
  /** amsgrad only: the largest second moment so far. */
  vMax?: tf.Variable;
}

export class AdamFamilyOptimizer extends tf.Optimizer {
  static get className(): string {
    return 'GradscopeAdamFamily';
  }

  private step = 0;
  /** NAdam: product of μ_1 … μ_t. */
  private muProduct = 1;
  private readonly slots = new Map<string, Slots>();

  constructor(private readonly cfg: AdamFamilyConfig) {
    super();
  }

  /** The learning rate for the next steps (schedules change it between steps). */
  setLearningRate(lr: number): void {
    this.cfg.learningRate = lr;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((e) => [e.name, e.tensor] as const)
      : Object.entries(variableGradients);
    this.step++;
    const t = this.step;
    const { variant, learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay } = this.cfg;
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    let mu = 0;
    let muNext = 0;
    if (variant === 'nadam') {
      mu = b1 * (1 - 0.5 * 0.96 ** (t * MOMENTUM_DECAY));
      muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * MOMENTUM_DECAY));
      this.muProduct *= mu;
    }
    const muProduct = this.muProduct;
    for (const [name, grad] of entries) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) continue;
      const s = this.slotsFor(name, variable);
      tf.tidy(() => {
        const g = grad;
        const m = s.m.mul(b1).add(g.mul(1 - b1));
        s.m.assign(m);
        if (variant === 'adamax') {
          const u = tf.maximum(s.v.mul(b2), g.abs().add(eps));
          s.v.assign(u);
          variable.assign(variable.sub(m.div(u).mul(lr / bc1)));
          return;
        }
        const v = s.v.mul(b2).add(g.square().mul(1 - b2));
        s.v.assign(v);
        let second = v;
        if (s.vMax) {
          second = tf.maximum(s.vMax, v);
          s.vMax.assign(second);
        }
        const denom = second.sqrt().div(Math.sqrt(bc2)).add(eps);
        if (variant === 'nadam') {
          const update = g
            .div(denom)
            .mul((lr * (1 - mu)) / (1 - muProduct))
            .add(m.div(denom).mul((lr * muNext) / (1 - muProduct * muNext)));
          variable.assign(variable.sub(update));
          return;
        }
        const w = weightDecay > 0 ? variable.mul(1 - lr * weightDecay) : variable;
        variable.assign(w.sub(m.div(denom).mul(lr / bc1)));
      });
    }
    this.incrementIterations();
  }

  private slotsFor(name: string, variable: tf.Variable): Slots {
    let s = this.slots.get(name);
    if (!s) {
      const zeros = (suffix: string): tf.Variable =>
        tf.tidy(() => tf.variable(tf.zerosLike(variable), false, `${name}/${suffix}_${uniqueSuffix()}`));
      s = { m: zeros('m'), v: zeros('v') };
      if (this.cfg.variant === 'adam' && this.cfg.amsgrad) s.vMax = zeros('vMax');
      this.slots.set(name, s);
    }
    return s;
  }

  override dispose(): void {
    super.dispose();
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
      s.vMax?.dispose();
    }
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [await this.saveIterations()];
    for (const [name, s] of this.slots) {
      weights.push({ name: `${name}/m`, tensor: s.m }, { name: `${name}/v`, tensor: s.v });
      if (s.vMax) weights.push({ name: `${name}/vMax`, tensor: s.vMax });
    }
    return weights;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.step = this.iterations;
    this.muProduct = 1;
    if (this.cfg.variant === 'nadam') {
      for (let t = 1; t <= this.step; t++) this.muProduct *= this.cfg.beta1 * (1 - 0.5 * 0.96 ** (t * MOMENTUM_DECAY));
    }
    for (const { name, tensor } of rest) {
      const slash = name.lastIndexOf('/');
      const varName = name.slice(0, slash);
      const variable = tf.engine().registeredVariables[varName];
      if (!variable) continue;
      const s = this.slotsFor(varName, variable);
      const slot = name.slice(slash + 1) as keyof Slots;
      s[slot]?.assign(tensor);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.cfg };
  }
}

let counter = 0;
function uniqueSuffix(): string {
  return String(counter++);
}
