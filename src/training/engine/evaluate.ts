// Loss and accuracy of the model on a whole split, in inference mode, in bounded-size chunks.
import * as tf from '@tensorflow/tfjs';
import type { EncodedSplit, TensorShapes } from './batches';
import { makeBatch } from './batches';
import { batchLoss, correctCount } from './losses';
import { applyModel, type BuiltModel } from './model/buildModel';
import type { LossName } from '../spec/types';

const CHUNK = 1024;

export async function evaluate(
  built: BuiltModel,
  loss: LossName,
  split: EncodedSplit,
  shapes: TensorShapes,
): Promise<{ loss: number; acc: number }> {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < split.count; start += CHUNK) {
    const end = Math.min(split.count, start + CHUNK);
    const batch = makeBatch(split, shapes, null, start, end);
    const packed = tf.tidy(() => {
      const outputs = applyModel(built, batch.x, false);
      const l = tf.mul(batchLoss(loss, built.outputActivation, batch.y, outputs[0]), end - start);
      return tf.stack([l, correctCount(built.outputActivation, batch.y, outputs[0])]);
    });
    const [l, c] = await packed.data();
    tf.dispose([packed, batch.x, batch.y]);
    lossSum += l;
    correct += c;
  }
  return { loss: lossSum / split.count, acc: correct / split.count };
}
