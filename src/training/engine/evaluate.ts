// Loss and accuracy (classification) or MAE, RMSE and R² (regression) of the model on a whole split, in inference
// mode, in bounded-size chunks.
import * as tf from '@tensorflow/tfjs';
import type { EncodedSplit, TensorShapes } from './batches';
import { makeBatch } from './batches';
import { absoluteErrorSum, batchLoss, correctCount, squaredErrorSums } from './losses';
import { applyModel, type BuiltModel } from './model/buildModel';
import type { Dataset } from '../data/types';
import type { LossName } from '../spec/types';

const CHUNK = 1024;

/** Scores of a model on a split. acc only means something for classification; mae, rmse, r2 for regression. */
export interface SplitScores {
  loss: number;
  acc: number;
  /** Mean absolute error over every target value. */
  mae: number;
  /** Root of the mean squared error over every target value. */
  rmse: number;
  /** Coefficient of determination, averaged over the target columns (as scikit-learn's r2_score does). */
  r2: number;
}

/** Σ (y − mean)² of each of the `units` target columns, in float64. */
function totalSquares(y: Float32Array, count: number, units: number): Float64Array {
  const mean = new Float64Array(units);
  const total = new Float64Array(units);
  for (let i = 0; i < count; i++) for (let u = 0; u < units; u++) mean[u] += y[i * units + u];
  for (let u = 0; u < units; u++) mean[u] /= count;
  for (let i = 0; i < count; i++) {
    for (let u = 0; u < units; u++) total[u] += (y[i * units + u] - mean[u]) ** 2;
  }
  return total;
}

/** R² of one column; a constant column scores 1 when predicted exactly, else 0 (scikit-learn's convention). */
function columnR2(residual: number, total: number): number {
  if (total > 0) return 1 - residual / total;
  return residual === 0 ? 1 : 0;
}

/**
 * The model's scores on a split, in one pass with one readback per chunk; with `classes`, also the confusion matrix
 * (counts[true][predicted]: argmax, or > 0.5 for one unit) of the same predictions.
 */
export async function evaluate(
  built: BuiltModel,
  loss: LossName,
  split: EncodedSplit,
  shapes: TensorShapes,
  classes?: number,
): Promise<SplitScores & { confusion?: number[][] }> {
  const units = shapes.outputUnits;
  const confusion = classes ? Array.from({ length: classes }, () => new Array<number>(classes).fill(0)) : undefined;
  let lossSum = 0;
  let correct = 0;
  let absSum = 0;
  const residual = new Float64Array(units);
  for (let start = 0; start < split.count; start += CHUNK) {
    const end = Math.min(split.count, start + CHUNK);
    const batch = makeBatch(split, shapes, null, start, end);
    const packed = tf.tidy(() => {
      const out = applyModel(built, batch.x, false)[0];
      const l = tf.mul(batchLoss(loss, built.outputActivation, batch.y, out), end - start);
      const counts = tf.stack([
        l,
        correctCount(built.outputActivation, batch.y, out),
        absoluteErrorSum(built.outputActivation, batch.y, out),
      ]);
      const parts = [counts, squaredErrorSums(built.outputActivation, batch.y, out)];
      if (confusion) parts.push(tf.cast(predictedClasses(built, out, units), 'float32'));
      return tf.concat(parts);
    });
    const values = await packed.data();
    tf.dispose([packed, batch.x, batch.y]);
    lossSum += values[0];
    correct += values[1];
    absSum += values[2];
    for (let u = 0; u < units; u++) residual[u] += values[3 + u];
    if (confusion) {
      for (let i = start; i < end; i++) {
        const row = split.y.subarray(i * units, (i + 1) * units);
        const actual = units === 1 ? (row[0] > 0.5 ? 1 : 0) : row.indexOf(1);
        confusion[actual][values[3 + units + i - start]]++;
      }
    }
  }
  const total = totalSquares(split.y, split.count, units);
  const values = split.count * units;
  let r2 = 0;
  for (let u = 0; u < units; u++) r2 += columnR2(residual[u], total[u]) / units;
  return {
    loss: lossSum / split.count,
    acc: correct / split.count,
    mae: absSum / values,
    rmse: Math.sqrt(residual.reduce((s, v) => s + v, 0) / values),
    r2,
    ...(confusion ? { confusion } : {}),
  };
}

/** The class each row of the model's outputs predicts: argmax, or > 0.5 (logit > 0 with a fused sigmoid) for one unit. */
function predictedClasses(built: BuiltModel, out: tf.Tensor, units: number): tf.Tensor {
  const threshold = built.outputActivation === 'sigmoid' ? 0 : 0.5; // logits vs probabilities
  return units === 1 ? tf.cast(tf.greater(tf.reshape(out, [-1]), threshold), 'int32') : tf.argMax(out, -1);
}

/** Names of a classification dataset's classes in class-index order: its own (csv labels, digits), else the indices. */
export function classLabels(dataset: Dataset): string[] {
  return dataset.classNames ?? Array.from({ length: dataset.classes }, (_, i) => String(i));
}
