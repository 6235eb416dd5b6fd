// `data.augmentation`: reading its fields, and checking them against the model's input once that is known
// (geometry and cutout need images [height, width, channels]; noise applies to any input).

import { Fields, type Prop, checkKeys, readObject } from './fields';
import type { Reporter } from './problems';
import type { AugmentationSpec } from './types';
import { formatShape } from './shapes';

const AUGMENTATION_PROPERTIES = ['shift', 'rotation', 'zoom', 'noise', 'cutout', 'horizontalFlip'] as const;

/** The transforms that move or blank pixels, so need to know where the pixels are. */
const IMAGE_ONLY = ['shift', 'rotation', 'zoom', 'cutout', 'horizontalFlip'] as const;

/** Largest shift, rotation and cutout accepted before the input shape is known (then they are checked against it). */
const MAX_PIXELS = 64;

/** A read `augmentation` with its property, for the checks against the input shape. */
export interface AugmentationRead {
  spec: AugmentationSpec;
  props: ReadonlyMap<string, Prop>;
}

/** Reads `data.augmentation` when given; transforms left out or set to 0/false are left out of the result. */
export function readAugmentation(r: Reporter, data: Fields): AugmentationRead | undefined {
  const prop = data.prop('augmentation');
  if (!prop) return undefined;
  const obj = readObject(r, prop.value, prop.path, '"augmentation"');
  if (!obj) return undefined;
  checkKeys(r, obj, AUGMENTATION_PROPERTIES, '"augmentation"');
  const f = new Fields(r, obj);
  const spec: AugmentationSpec = {};
  const shift = f.optionalNumber('shift', { integer: true, min: 0, max: MAX_PIXELS });
  const rotation = f.optionalNumber('rotation', { min: 0, max: 180 });
  const zoom = f.optionalNumber('zoom', { min: 0, max: 1, maxExclusive: true });
  const noise = f.optionalNumber('noise', { min: 0 });
  const cutout = f.optionalNumber('cutout', { integer: true, min: 0, max: MAX_PIXELS });
  if (shift) spec.shift = shift;
  if (rotation) spec.rotation = rotation;
  if (zoom) spec.zoom = zoom;
  if (noise) spec.noise = noise;
  if (cutout) spec.cutout = cutout;
  if (f.boolean('horizontalFlip', false)) spec.horizontalFlip = true;
  return { spec, props: obj.props };
}

/**
 * Image transforms need an image input [height, width, channels]: on any other input the first one given is an
 * error at its key. Shifts and cutouts must also fit inside the image.
 */
export function checkAugmentationInput(
  r: Reporter,
  read: AugmentationRead,
  inputShape: readonly number[],
  dataset: string,
): void {
  const given = IMAGE_ONLY.filter((name) => read.spec[name] !== undefined);
  if (inputShape.length !== 3) {
    const first = given[0];
    const at = first ? read.props.get(first) : undefined;
    if (!first || !at) return;
    r.error(
      'augmentation-needs-images',
      `"${first}" moves or blanks pixels, so it needs image input [height, width, channels]; the model's input is ` +
        `${formatShape(inputShape)} (${dataset} samples). Only "noise" applies to other data; for a CSV of ` +
        'pixels, set "model.inputShape" to the image shape, e.g. [28, 28, 1]',
      at.key,
      at.path,
    );
    return;
  }
  const side = Math.min(inputShape[0], inputShape[1]);
  for (const name of ['shift', 'cutout'] as const) {
    const value = read.spec[name];
    const at = read.props.get(name);
    if (value !== undefined && at && value >= side) {
      r.error(
        'out-of-range',
        `"${name}" (${value} pixels) must be smaller than the image's ${side}-pixel side (input ${formatShape(inputShape)})`,
        at.value,
        at.path,
      );
    }
  }
}
