// Checks across `trainable`, `learningRateMultiplier` and `training.unfreeze`, on the layers the engine will build
// (their names from layerNames.ts): names that `unfreeze` gives must be frozen layers of this model; some layer must
// train from the first epoch; a multiplier on a layer that stays frozen has no effect.
import type { Node } from 'jsonc-parser';
import { type WeightedLayerName, weightedLayerNames } from './layerNames';
import { childPointer, nodeAtPointer } from './positions';
import type { Reporter } from './problems';
import type { LayerShape } from './shapes';
import { didYouMean } from './suggest';
import type { ResolvedLayer, SpecPath, UnfreezeSpec } from './types';

interface FreezingInput {
  root: Node;
  shapes: readonly LayerShape[];
  unfreeze: readonly UnfreezeSpec[] | undefined;
}

export function checkFreezing(r: Reporter, input: FreezingInput): void {
  const weighted = weightedLayerNames(input.shapes);
  if (weighted.length === 0) return;
  checkUnfreezeNames(r, input.root, weighted);
  checkSomethingTrains(r, input.root, weighted, input.unfreeze ?? []);
  checkFrozenMultipliers(r, input.root, weighted, input.unfreeze ?? []);
}

const list = (names: readonly string[]): string => (names.length > 0 ? names.join(', ') : 'none');

/** Every name in `training.unfreeze[i].layers` is a frozen layer with weights of this model. */
function checkUnfreezeNames(r: Reporter, root: Node, weighted: readonly WeightedLayerName[]): void {
  const entries = nodeAtPointer(root, '/training/unfreeze');
  if (entries?.type !== 'array') return;
  const all = weighted.map((w) => w.name);
  const frozen = weighted.filter((w) => !w.trainable).map((w) => w.name);
  (entries.children ?? []).forEach((_, i) => {
    const path = `/training/unfreeze/${i}/layers`;
    const names = nodeAtPointer(root, path);
    if (names?.type !== 'array') return;
    (names.children ?? []).forEach((node, j) => {
      if (node.type !== 'string') return;
      const name = String(node.value);
      const at = childPointer(path, j);
      const layer = weighted.find((w) => w.name === name);
      if (!layer) {
        r.error(
          'unknown-layer-name',
          `"${name}" is not a layer with weights of this model${didYouMean(name, all)}; its layers with weights are ${list(all)}`,
          node,
          at,
        );
      } else if (layer.trainable) {
        r.error(
          'unfreeze-not-frozen',
          `${name} is not frozen (no "trainable": false on it or its block), so there is nothing to unfreeze; ` +
            `the frozen layers are ${list(frozen)}`,
          node,
          at,
        );
      }
    });
  });
}

/** TensorFlow.js takes no step without a trainable weight: some layer must train in the first epoch. */
function checkSomethingTrains(
  r: Reporter,
  root: Node,
  weighted: readonly WeightedLayerName[],
  unfreeze: readonly UnfreezeSpec[],
): void {
  if (weighted.some((w) => w.trainable)) return;
  const last = weighted[weighted.length - 1].layer;
  const own = ownProperty(root, last, 'trainable');
  const until =
    unfreeze.length > 0
      ? `nothing would train before epoch ${unfreeze[0].epoch}, the first "training.unfreeze"`
      : 'nothing would train ("training.unfreeze" unfreezes none)';
  r.error(
    'nothing-trainable',
    `every layer with weights is frozen ("trainable": false), so ${until}; ` +
      '(TensorFlow.js takes no step without a trainable weight); let the output layer train from the start (remove its "trainable": false)',
    own?.node ?? last.range,
    own?.path ?? last.specPath,
  );
}

/** `learningRateMultiplier` scales updates: on layers that stay frozen for the whole run it does nothing. */
function checkFrozenMultipliers(
  r: Reporter,
  root: Node,
  weighted: readonly WeightedLayerName[],
  unfreeze: readonly UnfreezeSpec[],
): void {
  const everTrains = (w: WeightedLayerName): boolean =>
    w.trainable || unfreeze.some((u) => u.layers === 'all' || u.layers.includes(w.name));
  // The property each layer's multiplier comes from (its own, else its innermost block's), and the layers it reaches.
  const reach = new Map<SpecPath, { node: Node; layers: WeightedLayerName[] }>();
  for (const w of weighted) {
    if (w.layer.learningRateMultiplier === undefined) continue;
    const own = ownProperty(root, w.layer, 'learningRateMultiplier');
    if (!own) continue;
    const entry = reach.get(own.path) ?? { node: own.node, layers: [] };
    entry.layers.push(w);
    reach.set(own.path, entry);
  }
  for (const [path, { node, layers }] of reach) {
    if (layers.some(everTrains)) continue;
    const names = layers.map((w) => w.name);
    r.warning(
      'multiplier-on-frozen',
      `"learningRateMultiplier" has no effect: ${list(names)} ${names.length > 1 ? 'are' : 'is'} frozen ("trainable": false) ` +
        'and "training.unfreeze" never unfreezes ' +
        (names.length > 1 ? 'them' : 'it') +
        ', so no update is ever scaled; unfreeze the layer or remove the multiplier',
      node,
      path,
    );
  }
}

/**
 * The property as written on the layer's entry, else on its innermost enclosing block's that has it (blocks pass
 * `trainable` and `learningRateMultiplier` down); undefined when none does.
 */
function ownProperty(root: Node, layer: ResolvedLayer, name: string): { node: Node; path: SpecPath } | undefined {
  let at: SpecPath | undefined = layer.specPath;
  while (at) {
    const path = childPointer(at, name);
    const node = nodeAtPointer(root, path);
    if (node) return { node, path };
    at = enclosingEntry(at);
  }
  return undefined;
}

/** `/model/layers/1/layers/0` → `/model/layers/1` (through repeats); undefined at the top level. */
function enclosingEntry(path: SpecPath): SpecPath | undefined {
  const m = /^(.*)\/layers\/\d+$/.exec(path);
  return m && m[1].startsWith('/model/layers/') ? m[1] : undefined;
}
