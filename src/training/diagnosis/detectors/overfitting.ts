// overfitting: the model keeps fitting the training set while it gets worse on the validation set. Validation and
// training losses are smoothed over 3 epochs; it fires when the smoothed validation loss has been above its best
// for `overfitPatience` epochs and is ≥ 10% above it (Prechelt's GL₁₀ with UP₃), the rise is more than twice the
// validation loss's median epoch-to-epoch change (small validation sets are noisy), the training loss is still lower
// than at the best epoch, and (classification) validation accuracy has not improved since — which keeps the noisy
// early epochs of batch-normalised nets, whose validation loss jumps while accuracy climbs, out of it.
// The model must be fitting the training set harder (first rule): its training loss fell ≥ 10% since the best epoch,
// or its training accuracy is ≥ 3 points above the validation accuracy. A validation loss that drifts up while the
// training loss stands still and both accuracies agree is noise (healthy-swish-sgd-moons on seed+3: validation
// 0.078 → 0.108 while training went 0.093 → 0.091, both accuracies 0.965).
// Second rule, the train/validation gap (the lessons' classic sign: "training accuracy is 99% but test accuracy is
// 75%"): a classifier that has memorised its training set (3-epoch mean training accuracy ≥ 99%) while its
// validation accuracy is ≥ 10 points lower, with the validation loss above its best for `overfitPatience` epochs and
// the training loss still falling. A validation loss that creeps up only slowly (overfitting-mlp-mnist on seed+3:
// 0.667 → 0.732 over 20 epochs, 9% — under GL₁₀ —, training accuracy 1.0 vs validation 0.79) is overfitting too:
// the model fits noise it cannot use, and more epochs only make it worse.
import type { DiagnosticEvent, EpochEvent } from '../../../shared/engineProtocol';
import { diagnostic, type RunContext } from '../context';
import type { Detector } from '../detector';
import { dropoutFix } from '../layerFixes';
import { fmt } from '../../format';
import { mean, median, pct } from '../stats';
import { earlyStoppingFix, weightDecayFix } from '../trainingFixes';

const SMOOTH = 3;
/** The rise must exceed this multiple of the median epoch-to-epoch change of the validation loss. */
const NOISE_MULTIPLE = 2;
/** Validation accuracy gain (absolute) that counts as still improving. */
const ACC_TOLERANCE = 0.01;
/** The training loss must have fallen by at least this fraction since the best validation epoch. */
const TRAIN_FALL = 0.1;
/** GL rule, classification: training accuracy at least this far above validation accuracy (3-epoch means). */
const FIT_GAP = 0.03;
/** Gap rule: training accuracy (3-epoch mean) at least this: the training set is memorised. */
const MEMORISED_ACC = 0.99;
/** Gap rule: validation accuracy at least this far (absolute) below the training accuracy. */
const ACC_GAP = 0.1;

function smoothed(values: readonly number[]): number[] {
  return values.map((_, i) => mean(values.slice(Math.max(0, i - SMOOTH + 1), i + 1)));
}

type Rule = 'generalization-loss' | 'train-validation-gap';

function check(ctx: RunContext): DiagnosticEvent | undefined {
  const epochs = ctx.history.epochs;
  const patience = Math.max(1, Math.round(ctx.t.overfitPatience));
  if (epochs.length < patience + SMOOTH) return undefined;
  const val = smoothed(epochs.map((e) => e.valLoss));
  const train = smoothed(epochs.map((e) => e.loss));
  let best = SMOOTH - 1;
  for (let i = SMOOTH - 1; i < val.length; i++) if (val[i] < val[best]) best = i;
  const now = val.length - 1;
  // Common to both rules: the validation loss has not improved for `patience` epochs while the training loss fell.
  if (now - best < patience || !(val[now] > val[best]) || !(train[now] < train[best])) return undefined;
  const accuracies = smoothedAccuracies(epochs);
  // GL₁₀ needs the model to be fitting the training set harder: its training loss fell ≥ 10% since the best epoch,
  // or it classifies the training set visibly better than the validation set.
  const fitsTrainingBetter =
    train[now] < (1 - TRAIN_FALL) * train[best] ||
    (accuracies !== undefined && accuracies.train[now] - accuracies.val[now] >= FIT_GAP);
  const rule = (fitsTrainingBetter ? generalizationLoss(ctx, val, best, now) : undefined) ?? trainValidationGap(accuracies, now);
  if (!rule) return undefined;
  const last = epochs[epochs.length - 1];
  const gap =
    rule === 'train-validation-gap' && accuracies
      ? `the model fits the training set (accuracy ${fmt(accuracies.train[now])}) far better than the validation set ` +
        `(accuracy ${fmt(accuracies.val[now])}): `
      : '';
  return diagnostic(ctx, {
    code: 'overfitting',
    severity: 'warning',
    specPath: '/model/layers',
    epoch: last.epoch,
    message:
      `Overfitting: ${gap}validation loss ${fmt(val[now])} is ${pct(val[now] / val[best] - 1)} above its best (${fmt(val[best])}, ` +
      `epoch ${epochs[best].epoch + 1}) while the training loss kept falling (${fmt(train[best])} → ${fmt(train[now])}); 3-epoch means.`,
    evidence: {
      rule,
      bestEpoch: epochs[best].epoch,
      bestValLoss: val[best],
      valLoss: val[now],
      trainLossAtBest: train[best],
      trainLoss: train[now],
      generalizationLoss: val[now] / val[best] - 1,
      ...(accuracies ? { trainAcc: accuracies.train[now], valAcc: accuracies.val[now] } : {}),
      threshold: ctx.t.overfitRise,
      patience,
    },
    // Early stopping with the best weights restored cures the harm for certain (Prechelt); regularisation may take
    // tuning. Both follow.
    fixes: [earlyStoppingFix(ctx, patience), dropoutFix(ctx, 0.3), weightDecayFix(ctx, 1e-3)],
  });
}

/** Prechelt's GL₁₀: ≥ 10% above the best, beyond the validation loss's own noise, accuracy not improving. */
function generalizationLoss(ctx: RunContext, val: number[], best: number, now: number): Rule | undefined {
  const epochs = ctx.history.epochs;
  if (!(val[now] >= (1 + ctx.t.overfitRise) * val[best])) return undefined;
  // The rise must stand out from the validation loss's own epoch-to-epoch noise.
  const raw = epochs.map((e) => e.valLoss);
  const noise = median(raw.slice(1).map((v, i) => Math.abs(v - raw[i])));
  if (!(val[now] - val[best] > NOISE_MULTIPLE * noise)) return undefined;
  const acc = epochs.map((e) => e.valAcc);
  if (acc.every((a) => a !== undefined)) {
    const accSmooth = smoothed(acc);
    if (accSmooth[now] > accSmooth[best] + ACC_TOLERANCE) return undefined;
  }
  return 'generalization-loss';
}

function smoothedAccuracies(epochs: readonly EpochEvent[]): { train: number[]; val: number[] } | undefined {
  const train = epochs.map((e) => e.acc);
  const val = epochs.map((e) => e.valAcc);
  if (!train.every((a) => a !== undefined) || !val.every((a) => a !== undefined)) return undefined;
  return { train: smoothed(train), val: smoothed(val) };
}

/** A classifier that has memorised its training set and is ≥ 10 points worse on the validation set. */
function trainValidationGap(acc: { train: number[]; val: number[] } | undefined, now: number): Rule | undefined {
  if (!acc) return undefined;
  return acc.train[now] >= MEMORISED_ACC && acc.val[now] <= acc.train[now] - ACC_GAP ? 'train-validation-gap' : undefined;
}

export function createOverfitting(): Detector {
  return { code: 'overfitting', onEpoch: (ctx) => check(ctx) };
}
