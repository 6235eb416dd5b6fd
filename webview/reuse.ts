// What the dashboard says about reusing models (no DOM, so it is unit-tested in Node): the confusion matrix read as
// per-class recall and the most confused pairs, which layers are frozen and where they unfreeze, the augmentation
// settings in words, and where a resumed run came from.
import type { AugmentationSamplesEvent, RunConfusion, RunStartEvent } from '../src/shared/engineProtocol';
import { displayEpoch, formatCount, formatPercent } from '../src/shared/format';
import type { RunHistoryState } from '../src/shared/runHistory';

export interface ConfusedPair {
  actual: string;
  predicted: string;
  count: number;
  /** Share of the actual class's validation samples taken for `predicted`. */
  share: number;
}

export interface ConfusionSummary {
  labels: string[];
  matrix: number[][];
  /** Validation samples counted. */
  total: number;
  accuracy: number;
  /** Per true class: the share of its samples predicted right (null when the class has no sample). */
  recall: Array<number | null>;
  /** The largest off-diagonal counts, largest first (at most MOST_CONFUSED, never a zero count). */
  pairs: ConfusedPair[];
  /** Which weights were scored, in words. */
  caption: string;
}

/** Pairs named in the text under the matrix. */
const MOST_CONFUSED = 3;

export function confusionSummary(c: RunConfusion): ConfusionSummary {
  const rows = c.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const total = rows.reduce((a, b) => a + b, 0);
  const correct = c.matrix.reduce((s, row, i) => s + (row[i] ?? 0), 0);
  const pairs: ConfusedPair[] = [];
  c.matrix.forEach((row, i) =>
    row.forEach((count, j) => {
      if (i !== j && count > 0)
        pairs.push({ actual: c.labels[i] ?? String(i), predicted: c.labels[j] ?? String(j), count, share: count / rows[i] });
    }),
  );
  pairs.sort((a, b) => b.count - a.count || b.share - a.share);
  const weights =
    c.weights === 'best'
      ? `the best epoch's predictions (epoch ${displayEpoch(c.epoch)}, lowest validation loss)`
      : `the last epoch's predictions (epoch ${displayEpoch(c.epoch)}; the best came before the resume)`;
  return {
    labels: c.labels,
    matrix: c.matrix,
    total,
    accuracy: total > 0 ? correct / total : 0,
    recall: c.matrix.map((row, i) => (rows[i] > 0 ? (row[i] ?? 0) / rows[i] : null)),
    pairs: pairs.slice(0, MOST_CONFUSED),
    caption: `Validation set, ${formatCount(total)} samples, scored with ${weights}.`,
  };
}

/** The most confused pairs in a sentence ("8 taken for 3: 4 times (20% of class 8); …"). */
export function confusedPairsText(s: ConfusionSummary): string {
  if (s.pairs.length === 0) return 'No confusion: every validation sample was classified right.';
  const parts = s.pairs.map(
    (p) =>
      `${p.actual} taken for ${p.predicted}: ${formatCount(p.count)} time${p.count === 1 ? '' : 's'} (${formatPercent(p.share)} of class ${p.actual})`,
  );
  return `Most confused: ${parts.join('; ')}.`;
}

export interface LayerFreeze {
  /** Frozen at the latest step seen (at the start when no step was measured yet). */
  frozen: boolean;
  /** The step from which the layer trains, when the run unfreezes it. */
  unfreezeStep?: number;
  /** 0-based epoch of that step. */
  unfreezeEpoch?: number;
}

/** Freezing of every layer that was frozen at some point of the run, by name (other layers are left out). */
export function layerFreezes(h: RunHistoryState): Map<string, LayerFreeze> {
  const out = new Map<string, LayerFreeze>();
  const last = h.steps[h.steps.length - 1];
  h.layers.forEach((l, i) => {
    const frozenAtStart = l.trainable === false;
    const frozenNow = last ? last.frozen?.[i] === true : frozenAtStart;
    if (!frozenAtStart && !frozenNow) return;
    const plan = h.start?.unfreeze?.find((u) => u.layers.includes(l.name));
    out.set(l.name, {
      frozen: frozenNow,
      ...(plan ? { unfreezeStep: plan.step, unfreezeEpoch: plan.epoch } : {}),
    });
  });
  return out;
}

/** What a frozen layer's legend chip says in its tooltip. */
export function freezeText(f: LayerFreeze): string {
  if (!f.frozen)
    return f.unfreezeEpoch !== undefined ? `unfrozen: trains from epoch ${displayEpoch(f.unfreezeEpoch)}` : 'unfrozen';
  return f.unfreezeEpoch !== undefined
    ? `frozen (trainable: false) until epoch ${displayEpoch(f.unfreezeEpoch)}: no gradient, no update`
    : 'frozen (trainable: false): no gradient, no update';
}

/** The unfreeze marks on step axes: where layers start training, labelled with them. */
export function unfreezeMarks(h: RunHistoryState): Array<{ step: number; label: string }> {
  return (h.start?.unfreeze ?? []).map((u) => ({
    step: u.step,
    label: `unfreeze ${u.layers.length <= 2 ? u.layers.join(', ') : `${u.layers.length} layers`}`,
  }));
}

/** `data.augmentation` in words, one item per transform. */
export function augmentationItems(a: AugmentationSamplesEvent['augmentation']): string[] {
  const items: string[] = [];
  if (a.shift) items.push(`shift ±${a.shift} px`);
  if (a.rotation) items.push(`rotation ±${a.rotation}°`);
  if (a.zoom) items.push(`zoom ±${formatPercent(a.zoom)}`);
  if (a.cutout) items.push(`cutout ${a.cutout}×${a.cutout} px`);
  if (a.horizontalFlip) items.push('horizontal flip (half the samples)');
  if (a.noise) items.push(`noise σ ${a.noise}`);
  return items;
}

const runIdOf = (runDir: string): string => runDir.split(/[\\/]/).filter(Boolean).pop() ?? runDir;

/** "<run id>: conv2d_1, conv2d_2" for a run whose spec's model.initFrom loaded weights from another run. */
export function initFromText(start: RunStartEvent): string | undefined {
  const i = start.initFrom;
  if (!i) return undefined;
  return `${runIdOf(i.run)}: ${i.layers.join(', ')}`;
}

/** "from <run id> at epoch N" for a run resumed from another's checkpoint (N: epochs it had trained). */
export function resumedText(start: RunStartEvent): string | undefined {
  const r = start.resumedFrom;
  if (!r) return undefined;
  return `from ${runIdOf(r.runDir)} at epoch ${formatCount(r.epoch)}`;
}
