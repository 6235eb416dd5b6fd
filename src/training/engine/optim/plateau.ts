// reduceOnPlateau: lowers the learning rate when the watched loss stops improving. It reacts to the run, so the
// trainer feeds it one loss per epoch. The rule is PyTorch's ReduceLROnPlateau (mode min, threshold_mode abs):
// an epoch improves when its loss is below best − minDelta; after more than `patience` epochs in a row without an
// improvement the rate is multiplied by `factor` (never below minLearningRate), and the next `cooldown` epochs are
// not counted.
import type { ScheduleSpec } from '../../spec/types';

type PlateauSpec = Extract<ScheduleSpec, { type: 'reduceOnPlateau' }>;

/** Smallest change of the rate PyTorch applies (its `eps`): a reduction that moves it less is dropped. */
const EPS = 1e-8;

interface PlateauReduction {
  previousLearningRate: number;
  learningRate: number;
  /** Best loss so far (the one the epochs failed to improve on). */
  best: number;
}

export interface PlateauState {
  best: number;
  bad: number;
  cooldownLeft: number;
  learningRate: number;
}

export class PlateauTracker {
  best = Infinity;
  private bad = 0;
  private cooldownLeft = 0;

  constructor(
    private readonly spec: PlateauSpec,
    public learningRate: number,
  ) {}

  /** What a checkpoint keeps of the tracker, so that a resumed run reduces the rate when the uninterrupted one would. */
  state(): PlateauState {
    return { best: this.best, bad: this.bad, cooldownLeft: this.cooldownLeft, learningRate: this.learningRate };
  }

  restore(state: PlateauState): void {
    ({ best: this.best, bad: this.bad, cooldownLeft: this.cooldownLeft, learningRate: this.learningRate } = state);
  }

  /** One epoch's watched loss; the reduction when this epoch lowered the rate. */
  update(loss: number): PlateauReduction | undefined {
    if (loss < this.best - this.spec.minDelta) {
      this.best = loss;
      this.bad = 0;
    } else {
      this.bad++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.bad = 0;
    }
    if (this.bad <= this.spec.patience) return undefined;
    this.bad = 0;
    this.cooldownLeft = this.spec.cooldown;
    const previous = this.learningRate;
    const next = Math.max(previous * this.spec.factor, this.spec.minLearningRate);
    if (previous - next <= EPS) return undefined;
    this.learningRate = next;
    return { previousLearningRate: previous, learningRate: next, best: this.best };
  }
}
