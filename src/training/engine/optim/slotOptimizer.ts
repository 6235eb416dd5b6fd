// A tf.Optimizer that keeps named per-variable state ("slots": moments, accumulators) and saves/loads it, so each
// update rule written on top of it is only its arithmetic.
import * as tf from '@tensorflow/tfjs';
import { fusedUpdateAvailable } from '../backend/wasmFusedUpdate';

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export type SlotMap = Record<string, tf.Variable>;

let counter = 0;

/** `cfg` is the rule's settings, learningRate among them (a schedule changes it between steps). */
export abstract class SlotOptimizer<C extends { learningRate: number }> extends tf.Optimizer {
  private readonly slots = new Map<string, SlotMap>();

  /** Set by applyGradients: this step updates with the backend's fused kernel (allowed, and the backend has it). */
  protected fusedNow = false;

  /** `fused`: update each variable with one fused kernel where the backend has it (wasm), else with tf ops. */
  constructor(
    protected readonly cfg: C,
    private readonly fused = false,
  ) {
    super();
  }

  /** The learning rate for the next steps. */
  setLearningRate(lr: number): void {
    this.cfg.learningRate = lr;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.cfg };
  }

  /** The slots this rule keeps for every variable (all start at zero). */
  protected abstract slotNames(): readonly string[];

  /** Called once per step before the variables are updated (step counters, per-step scalars). */
  protected beginStep(): void {}

  /** After state was loaded: the number of steps already taken. */
  protected restoreStep(_iterations: number): void {}

  /** One step for one variable; runs inside tf.tidy. */
  protected abstract update(variable: tf.Variable, grad: tf.Tensor, slots: SlotMap): void;

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((e) => [e.name, e.tensor] as const)
      : Object.entries(variableGradients);
    this.fusedNow = this.fused && fusedUpdateAvailable();
    this.beginStep();
    for (const [name, grad] of entries) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) continue;
      const slots = this.slotsFor(name, variable);
      tf.tidy(() => this.update(variable, grad, slots));
    }
    this.incrementIterations();
  }

  private slotsFor(name: string, variable: tf.Variable): SlotMap {
    let s = this.slots.get(name);
    if (!s) {
      s = {};
      for (const slot of this.slotNames()) {
        s[slot] = tf.tidy(() => tf.variable(tf.zerosLike(variable), false, `${name}/${slot}_${counter++}`));
      }
      this.slots.set(name, s);
    }
    return s;
  }

  override dispose(): void {
    super.dispose();
    for (const s of this.slots.values()) tf.dispose(Object.values(s));
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [await this.saveIterations()];
    for (const [name, s] of this.slots) {
      for (const [slot, tensor] of Object.entries(s)) weights.push({ name: `${name}/${slot}`, tensor });
    }
    return weights;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.restoreStep(this.iterations);
    for (const { name, tensor } of rest) {
      const slash = name.lastIndexOf('/');
      const varName = name.slice(0, slash);
      const variable = tf.engine().registeredVariables[varName];
      if (!variable) continue;
      this.slotsFor(varName, variable)[name.slice(slash + 1)]?.assign(tensor);
    }
  }
}
