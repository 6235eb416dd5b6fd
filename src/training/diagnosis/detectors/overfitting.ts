// overfitting: the model keeps fitting the training set while it gets worse on the validation set. Validation and
// training losses are smoothed over 3 epochs; it fires when the smoothed validation loss has been above its best
// for `overfitPatience` epochs and is ≥ 10% above it (Prechelt's GL₁₀ with UP₃), the rise is more than twice the
// validation loss's median epoch-to-epoch change (small validation sets are noisy), the training loss is still lower
// than at the best epoch, and (classification) validation accuracy has not improved since — which keeps the noisy
// early epochs of batch-normalised nets, whose validation loss jumps while accuracy climbs, out of it.
import type { DiagnosticEvent } from '../../../shared/engineProtocol';
import { diagnostic, type DiagnosisContext } from '../context';
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

function smoothed(values: readonly number[]): number[] {
  return values.map((_, i) => mean(values.slice(Math.max(0, i - SMOOTH + 1), i + 1)));
}

function check(ctx: DiagnosisContext): DiagnosticEvent | undefined {
  const epochs = ctx.history.epochs;
  const patience = Math.max(1, Math.round(ctx.t.overfitPatience));
  if (epochs.length < patience + SMOOTH) return undefined;
  const val = smoothed(epochs.map((e) => e.valLoss));
  const train = smoothed(epochs.map((e) => e.loss));
  let best = SMOOTH - 1;
  for (let i = SMOOTH - 1; i < val.length; i++) if (val[i] < val[best]) best = i;
  const now = val.length - 1;
  if (now - best < patience || !(val[now] >= (1 + ctx.t.overfitRise) * val[best]) || !(train[now] < train[best]))
    return undefined;
  // The rise must stand out from the validation loss's own epoch-to-epoch noise.
  const raw = epochs.map((e) => e.valLoss);
  const noise = median(raw.slice(1).map((v, i) => Math.abs(v - raw[i])));
  if (!(val[now] - val[best] > NOISE_MULTIPLE * noise)) return undefined;
  const acc = epochs.map((e) => e.valAcc);
  if (acc.every((a) => a !== undefined)) {
    const accSmooth = smoothed(acc);
    if (accSmooth[now] > accSmooth[best] + ACC_TOLERANCE) return undefined;
  }
  const last = epochs[epochs.length - 1];
  return diagnostic(ctx, {
    code: 'overfitting',
    severity: 'warning',
    specPath: '/model/layers',
    epoch: last.epoch,
    message:
      `Overfitting: validation loss ${fmt(val[now])} is ${pct(val[now] / val[best] - 1)} above its best (${fmt(val[best])}, ` +
      `epoch ${epochs[best].epoch + 1}) while the training loss kept falling (${fmt(train[best])} → ${fmt(train[now])}); 3-epoch means.`,
    evidence: {
      bestEpoch: epochs[best].epoch,
      bestValLoss: val[best],
      valLoss: val[now],
      trainLossAtBest: train[best],
      trainLoss: train[now],
      generalizationLoss: val[now] / val[best] - 1,
      threshold: ctx.t.overfitRise,
      patience,
    },
    // Early stopping with the best weights restored cures the harm for certain (Prechelt); regularisation may take
    // tuning. Both follow.
    fixes: [earlyStoppingFix(ctx, patience), dropoutFix(ctx, 0.3), weightDecayFix(ctx, 1e-3)],
  });
}

export function createOverfitting(): Detector {
  return { code: 'overfitting', onEpoch: (ctx) => check(ctx) };
}
