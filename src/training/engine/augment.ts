// Data augmentation of training batches (`data.augmentation`): every sample gets its own random draw, seeded by
// (spec seed, epoch, batch), so the same spec and seed give the same batches and each epoch sees fresh ones.
// Geometry (shift, rotation, zoom, flip) is one tf.image.transform per batch; cutout and noise are an elementwise
// mask and sum. Pixels that come from outside the image, and cutout squares, are 0.
import * as tf from '@tensorflow/tfjs';
import { createRng, randInt, randn, type Rng } from '../data/random';
import type { AugmentationSpec } from '../spec/types';

/** One sample's draw. Angles in radians; a cutout is the pixel it is centred on. */
export interface SampleDraw {
  dx: number;
  dy: number;
  angle: number;
  scale: number;
  flip: boolean;
  cutout?: { row: number; col: number };
}

/** Whether the spec asks for any change of geometry (which needs a transform of the whole image). */
function hasGeometry(aug: AugmentationSpec): boolean {
  return (aug.shift ?? 0) > 0 || (aug.rotation ?? 0) > 0 || (aug.zoom ?? 0) > 0 || aug.horizontalFlip === true;
}

/** Whether the spec changes anything that needs the image shape (everything except noise). */
export function needsImages(aug: AugmentationSpec): boolean {
  return hasGeometry(aug) || (aug.cutout ?? 0) > 0;
}

/** One draw per sample of an image batch [count, height, width, channels]. */
export function drawSamples(aug: AugmentationSpec, count: number, height: number, width: number, rng: Rng): SampleDraw[] {
  const shift = aug.shift ?? 0;
  const rotation = ((aug.rotation ?? 0) * Math.PI) / 180;
  const zoom = aug.zoom ?? 0;
  const cutout = aug.cutout ?? 0;
  const draws: SampleDraw[] = [];
  for (let i = 0; i < count; i++) {
    const draw: SampleDraw = {
      dx: shift > 0 ? randInt(rng, 2 * shift + 1) - shift : 0,
      dy: shift > 0 ? randInt(rng, 2 * shift + 1) - shift : 0,
      angle: rotation > 0 ? (2 * rng() - 1) * rotation : 0,
      scale: zoom > 0 ? 1 + (2 * rng() - 1) * zoom : 1,
      flip: aug.horizontalFlip === true && rng() < 0.5,
    };
    if (cutout > 0) draw.cutout = { row: randInt(rng, height), col: randInt(rng, width) };
    draws.push(draw);
  }
  return draws;
}

/**
 * The rows of tf.image.transform (output pixel → input pixel) for each draw. The forward map of a draw: mirror
 * (x → width-1-x) when flipped, then rotate by `angle` and scale by `scale` about the centre, then shift by (dx, dy).
 * With x to the right and y down, a positive angle turns the picture clockwise as displayed.
 */
function transformRows(draws: readonly SampleDraw[], height: number, width: number): Float32Array {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const rows = new Float32Array(draws.length * 8);
  draws.forEach((d, i) => {
    const cos = Math.cos(d.angle) / d.scale;
    const sin = Math.sin(d.angle) / d.scale;
    const ox = cx + d.dx;
    const oy = cy + d.dy;
    // Inverse of rotate+scale+shift: u = cos·(x-ox) + sin·(y-oy) + cx, v = -sin·(x-ox) + cos·(y-oy) + cy.
    const k = d.flip ? -1 : 1;
    const a = [k * cos, k * sin, k * (cx - cos * ox - sin * oy) + (d.flip ? width - 1 : 0)];
    const b = [-sin, cos, cy + sin * ox - cos * oy];
    rows.set([...a, ...b, 0, 0], i * 8);
  });
  return rows;
}

/** 1 everywhere except the cutout squares, shaped [count, height, width, 1]. */
function cutoutMask(draws: readonly SampleDraw[], side: number, height: number, width: number): Float32Array {
  const mask = new Float32Array(draws.length * height * width).fill(1);
  const before = Math.floor(side / 2);
  draws.forEach((d, i) => {
    if (!d.cutout) return;
    const top = Math.max(0, d.cutout.row - before);
    const left = Math.max(0, d.cutout.col - before);
    const bottom = Math.min(height, d.cutout.row - before + side);
    const right = Math.min(width, d.cutout.col - before + side);
    for (let r = top; r < bottom; r++)
      mask.fill(0, i * height * width + r * width + left, i * height * width + r * width + right);
  });
  return mask;
}

/**
 * Applies given draws to a batch: geometry and cutout for image batches [count, height, width, channels], then
 * Gaussian noise of std `aug.noise` from `noiseRng` for any batch. Returns a new tensor; `x` is left to the caller.
 */
export function applyDraws(x: tf.Tensor, aug: AugmentationSpec, draws: readonly SampleDraw[], noiseRng: Rng): tf.Tensor {
  return tf.tidy(() => {
    let out = x;
    if (out.rank === 4 && needsImages(aug)) {
      const [count, height, width] = out.shape;
      if (hasGeometry(aug)) {
        const rows = tf.tensor2d(transformRows(draws, height, width), [count, 8]);
        out = tf.image.transform(out as tf.Tensor4D, rows, 'bilinear', 'constant', 0);
      }
      const side = aug.cutout ?? 0;
      if (side > 0) out = tf.mul(out, tf.tensor4d(cutoutMask(draws, side, height, width), [count, height, width, 1]));
    }
    const std = aug.noise ?? 0;
    if (std > 0) {
      const noise = new Float32Array(out.size);
      for (let i = 0; i < noise.length; i++) noise[i] = std * randn(noiseRng);
      out = tf.add(out, tf.tensor(noise, out.shape));
    }
    return out === x ? tf.clone(x) : out;
  });
}

/** Augments training batch number `batch` of epoch `epoch`: the same (seed, epoch, batch) always gives the same result. */
export function augmentBatch(x: tf.Tensor, aug: AugmentationSpec, seed: number, epoch: number, batch: number): tf.Tensor {
  const rng = createRng(seed, `augment:${epoch}:${batch}`);
  const [count, height = 1, width = 1] = x.shape;
  const draws = x.rank === 4 && needsImages(aug) ? drawSamples(aug, count, height, width, rng) : [];
  return applyDraws(x, aug, draws, rng);
}
