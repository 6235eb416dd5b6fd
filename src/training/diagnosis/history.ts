// The run so far as the detectors see it: every step's loss, the recent fully measured steps, every epoch, and the
// loss-curve measures several detectors share (chance-level reference, progress, stall). Memory stays bounded:
// only a few windows of steps are kept, plus the first ones (causes are often visible at the very start).
import type { EpochEvent, LayerStepMetrics, StepEvent } from '../../shared/engineProtocol';
import type { ResolvedThresholds } from './defaults';
import type { ModelView } from './modelView';
import { fmt } from '../format';
import { median } from './stats';

/** Loss values kept (every step); measured steps kept (recent). */
const LOSS_KEEP = 4096;
const EARLY_KEEP = 10;
const FIRST_KEEP = 100;

export interface MeasuredStep {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  globalGradNorm: number;
  layers: LayerStepMetrics[];
}

export class RunHistory {
  /** Losses of recent steps (every step), oldest first. */
  readonly losses: number[] = [];
  /** Losses of the run's first steps (kept when `losses` has moved on). */
  readonly firstLosses: number[] = [];
  /** Recent fully measured steps, oldest first. */
  readonly measured: MeasuredStep[] = [];
  /** The first measured steps of the run. */
  readonly early: MeasuredStep[] = [];
  readonly epochs: EpochEvent[] = [];
  /** Median of the first few losses (the untrained model's loss). */
  initialLoss = NaN;
  lastStep = -1;
  lastEpoch = -1;
  stepsSeen = 0;
  /** The highest finite learning rate of any step so far (NaN before one). */
  peakLr = NaN;
  private readonly measuredKeep: number;

  /**
   * `baseLr`: the spec's learning rate, which schedules start from or peak at; NaN for an external run, whose base
   * is then the highest rate its steps recorded (`peakLr`).
   */
  constructor(
    readonly view: ModelView,
    readonly t: ResolvedThresholds,
    readonly baseLr: number,
  ) {
    this.measuredKeep = Math.max(4 * t.window, 2 * t.oscillationBlock * t.oscillationBlocks, 50);
  }

  recordStep(e: StepEvent): void {
    this.lastStep = e.step;
    this.lastEpoch = e.epoch;
    this.stepsSeen++;
    if (Number.isFinite(e.lr) && !(e.lr <= this.peakLr)) this.peakLr = e.lr;
    this.losses.push(e.loss);
    if (this.losses.length > LOSS_KEEP) this.losses.splice(0, this.losses.length - LOSS_KEEP);
    if (this.firstLosses.length < FIRST_KEEP) this.firstLosses.push(e.loss);
    if (this.stepsSeen <= 5) this.initialLoss = median(this.firstLosses.slice(0, 5));
    if (!e.layers || e.layers.length !== this.view.layers.length) return;
    const m: MeasuredStep = {
      step: e.step,
      epoch: e.epoch,
      loss: e.loss,
      lr: e.lr,
      globalGradNorm: e.globalGradNorm ?? NaN,
      layers: e.layers,
    };
    this.measured.push(m);
    if (this.measured.length > this.measuredKeep) this.measured.shift();
    if (this.early.length < EARLY_KEEP) this.early.push(m);
  }

  recordEpoch(e: EpochEvent): void {
    this.epochs.push(e);
    this.lastEpoch = e.epoch;
  }

  /** The last `n` measured steps (fewer if not yet seen). */
  recent(n = this.t.window): MeasuredStep[] {
    return this.measured.slice(-n);
  }

  /** True once a full judgement window of measured steps exists. */
  get windowFull(): boolean {
    return this.measured.length >= this.t.window;
  }

  /**
   * The loss of a model that has learnt nothing: ln K for K-class cross-entropy, ln 2 for binary cross-entropy,
   * the first steps' loss for regression. Progress is measured against it.
   */
  get referenceLoss(): number {
    const v = this.view;
    if (v.loss === 'categoricalCrossentropy') return Math.log(Math.max(2, v.outputUnits));
    if (v.loss === 'binaryCrossentropy') return Math.log(2);
    return Number.isFinite(this.initialLoss) && this.initialLoss > 0 ? this.initialLoss : 1;
  }

  /**
   * The reference loss as messages name it: "chance 1.1" for a cross-entropy (ln K, ln 2), "start 0.27" for other
   * losses, whose reference is the first steps' loss (calling that "chance" would be wrong for a regression).
   */
  get referenceText(): string {
    const crossEntropy = this.view.loss === 'categoricalCrossentropy' || this.view.loss === 'binaryCrossentropy';
    return `${crossEntropy ? 'chance' : 'start'} ${fmt(this.referenceLoss)}`;
  }

  /** Median loss of the last `n` steps. */
  recentLoss(n = this.t.window): number {
    return median(this.losses.slice(-n));
  }

  /** Fraction of the reference loss the recent loss has removed (1 = perfect, 0 = nothing learnt, < 0 = worse). */
  get improvement(): number {
    return 1 - this.recentLoss() / this.referenceLoss;
  }

  /** Still far from learning well (AUTOTRAINER only judges gradients in this case). */
  get struggling(): boolean {
    return !(this.improvement >= this.t.learningTarget);
  }

  /** The loss has stopped falling: the last window's median is not clearly below the one before. */
  get stalled(): boolean {
    const w = this.t.window;
    if (this.losses.length < 2 * w) return false;
    const before = median(this.losses.slice(-2 * w, -w));
    const now = median(this.losses.slice(-w));
    return !(now < before * (1 - this.t.stallDecrease));
  }

  /**
   * Every step of the window ran near the spec's rate (not early in a warm-up, not decayed by the schedule): only
   * then can the window's update sizes be blamed on that rate. External runs: near the highest rate recorded.
   */
  get lrAtBase(): boolean {
    const steps = this.recent();
    const base = Number.isNaN(this.baseLr) ? this.peakLr : this.baseLr;
    return steps.length > 0 && steps.every((s) => s.lr >= 0.5 * base);
  }

  /** Median over the last window of one layer's metric. */
  layerMedian(index: number, pick: (l: LayerStepMetrics) => number | undefined, n = this.t.window): number {
    return median(this.recent(n).map((s) => pick(s.layers[index]) ?? NaN));
  }
}
