// Gradual unfreezing (spec `training.unfreeze`): frozen layers start training at the epochs the spec names.
import type { UnfreezeSpec } from '../spec/types';
import type { BuiltModel } from './model/buildModel';

/**
 * Unfreezes the layers `unfreeze` names for epoch `epoch` (counted from 1, as the spec does: the epoch event's
 * `epoch + 1`): their weights join the trainable ones from the next step on. Returns the names unfrozen.
 */
export function unfreezeForEpoch(built: BuiltModel, unfreeze: readonly UnfreezeSpec[] | undefined, epoch: number): string[] {
  const unfrozen: string[] = [];
  for (const u of unfreeze ?? []) {
    if (u.epoch !== epoch) continue;
    for (const layer of built.weighted) {
      if (layer.layer.trainable || (u.layers !== 'all' && !u.layers.includes(layer.summary.name))) continue;
      layer.layer.trainable = true;
      unfrozen.push(layer.summary.name);
    }
  }
  return unfrozen;
}
