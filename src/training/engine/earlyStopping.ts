// Tracks the best validation loss, keeps a copy of the best weights, and says when patience has run out.
import * as tf from '@tensorflow/tfjs';
import type { EarlyStoppingSpec } from '../spec/types';

/** What a checkpoint keeps of the tracker (the best weights go beside it, as tensors). */
export interface BestState {
  bestEpoch?: number;
  /** null for Infinity (JSON). */
  bestValLoss: number | null;
  sinceBest: number;
}

export class BestTracker {
  bestEpoch: number | undefined;
  bestValLoss = Infinity;
  private bestWeights: tf.Tensor[] | undefined;
  private sinceBest = 0;

  constructor(
    /** Every weight of the model in an order freezing does not change (BuiltModel.weights). */
    private readonly weights: readonly tf.LayerVariable[],
    private readonly early: EarlyStoppingSpec | undefined,
  ) {}

  /** Records an epoch; returns true when training should stop early. */
  update(epoch: number, valLoss: number): boolean {
    const minDelta = this.early?.minDelta ?? 0;
    if (Number.isFinite(valLoss) && valLoss < this.bestValLoss - minDelta) {
      this.bestValLoss = valLoss;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
      if (this.early?.restoreBestWeights) {
        tf.dispose(this.bestWeights);
        // Non-trainable state (batch-norm moving statistics) must come back too.
        this.bestWeights = this.weights.map((w) => tf.clone(w.read()));
      }
      return false;
    }
    this.sinceBest++;
    return this.early !== undefined && this.sinceBest >= this.early.patience;
  }

  state(): BestState {
    const s: BestState = { bestValLoss: Number.isFinite(this.bestValLoss) ? this.bestValLoss : null, sinceBest: this.sinceBest };
    if (this.bestEpoch !== undefined) s.bestEpoch = this.bestEpoch;
    return s;
  }

  /** The copy of the best weights kept for restoreBestWeights, if any (owned by the tracker). */
  get keptWeights(): readonly tf.Tensor[] | undefined {
    return this.bestWeights;
  }

  /** Back to a checkpoint's state; `weights` (taken over by the tracker) are the best weights it kept. */
  restore(state: BestState, weights: tf.Tensor[] | undefined): void {
    this.bestEpoch = state.bestEpoch;
    this.bestValLoss = state.bestValLoss ?? Infinity;
    this.sinceBest = state.sinceBest;
    tf.dispose(this.bestWeights);
    this.bestWeights = weights;
  }

  /** Puts the best weights back when configured and they differ from the current ones. */
  restoreBest(lastEpoch: number): boolean {
    if (!this.bestWeights || this.bestEpoch === lastEpoch) return false;
    this.bestWeights.forEach((w, i) => this.weights[i].write(w));
    return true;
  }

  dispose(): void {
    tf.dispose(this.bestWeights);
    this.bestWeights = undefined;
  }
}
