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

/**
 * run-start's `unfreeze`: when each `training.unfreeze` entry makes layers train, with `"all"` resolved to the layers
 * still frozen then; only entries from this run's first epoch (`firstEpoch`, 0-based) to its last.
 */
export function unfreezePlan(
  built: BuiltModel,
  unfreeze: readonly UnfreezeSpec[] | undefined,
  run: { firstEpoch: number; epochs: number; stepsPerEpoch: number },
): { epoch: number; step: number; layers: string[] }[] {
  const frozen = built.weighted.filter((l) => !l.summary.trainable).map((l) => l.summary.name);
  const plan: { epoch: number; step: number; layers: string[] }[] = [];
  for (const u of [...(unfreeze ?? [])].sort((a, b) => a.epoch - b.epoch)) {
    const layers = frozen.filter((n) => u.layers === 'all' || u.layers.includes(n));
    frozen.splice(0, frozen.length, ...frozen.filter((n) => !layers.includes(n)));
    const epoch = u.epoch - 1;
    if (layers.length === 0 || epoch < run.firstEpoch || epoch >= run.epochs) continue;
    const last = plan[plan.length - 1];
    if (last?.epoch === epoch) last.layers.push(...layers);
    else plan.push({ epoch, step: epoch * run.stepsPerEpoch, layers });
  }
  return plan;
}
