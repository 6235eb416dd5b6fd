// Validates `model`: the input shape and the layer list (entries only; expansion and shapes come after).

import type { Node } from 'jsonc-parser';
import type { LayerEntry } from './expand';
import { type Prop, checkKeys, describeValue, readNumber, readObject, requireProp } from './fields';
import { childPointer } from './positions';
import type { Reporter } from './problems';
import { type InitFromRequest, readInitFrom } from './validateInitFrom';
import { validateLayerList } from './validateLayers';
import { MODEL_PROPERTIES } from './vocabulary';

export interface ModelResult {
  /** The input shape the spec gives, when valid (absent: the dataset's own shape is used). */
  inputShape?: number[];
  inputShapeProp?: Prop;
  /** True when `inputShape` is given but invalid, so no shape checks should use a guess instead. */
  inputShapeInvalid: boolean;
  /** One slot per top-level entry, undefined for invalid ones; undefined when `layers` is missing or not a list. */
  entries?: (LayerEntry | undefined)[];
  layersProp?: Prop;
  /** `initFrom` as written (resolved against the source run once the layers are known to be valid). */
  initFrom?: InitFromRequest;
}

export function validateModel(r: Reporter, node: Node): ModelResult {
  const obj = readObject(r, node, '/model', '"model"');
  if (!obj) return { inputShapeInvalid: true };
  checkKeys(r, obj, MODEL_PROPERTIES, '"model"');
  const result: ModelResult = { inputShapeInvalid: false };
  const shapeProp = obj.props.get('inputShape');
  if (shapeProp) {
    result.inputShapeProp = shapeProp;
    result.inputShape = readInputShape(r, shapeProp);
    result.inputShapeInvalid = result.inputShape === undefined;
  }
  const layersProp = requireProp(r, obj, 'layers', '"model"', ' (the list of layers, first to last)');
  if (layersProp) {
    result.layersProp = layersProp;
    result.entries = validateLayerList(r, layersProp.value, layersProp.path);
  }
  const initFromProp = obj.props.get('initFrom');
  if (initFromProp) result.initFrom = readInitFrom(r, initFromProp);
  return result;
}

function readInputShape(r: Reporter, prop: Prop): number[] | undefined {
  const node = prop.value;
  const items = node.type === 'array' ? (node.children ?? []) : [];
  if (node.type !== 'array' || items.length === 0) {
    r.error(
      'wrong-type',
      `"inputShape" must be a non-empty array of sizes such as [2] or [28, 28, 1], got ${describeValue(node)}`,
      node,
      prop.path,
    );
    return undefined;
  }
  const sizes = items.map((item, i) =>
    readNumber(r, item, childPointer(prop.path, i), `"inputShape"[${i}]`, { integer: true, min: 1 }),
  );
  return sizes.every((s): s is number => s !== undefined) ? sizes : undefined;
}
