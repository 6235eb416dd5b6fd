// Data augmentation on constructed images: a one-pixel image moved by a known draw lights exactly the pixel the
// geometry says (shift, flip, rotation, zoom), cutout blanks exactly its square, noise has the asked spread, and
// the same (seed, epoch, batch) gives the same batch while another epoch gives another. On the backend users get.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { applyDraws, augmentBatch, drawSamples, type SampleDraw } from '../../src/training/engine/augment';
import { createRng } from '../../src/training/data/random';
import type { AugmentationSpec } from '../../src/training/spec/types';
import { useBackend } from './support/specs';

const SIZE = 5;

/** A [1, 5, 5, channels] image that is 0 except `value` at (row, col) in every channel. */
function onePixel(row: number, col: number, channels = 1, value = 1): tf.Tensor4D {
  const data = new Float32Array(SIZE * SIZE * channels);
  for (let c = 0; c < channels; c++) data[(row * SIZE + col) * channels + c] = value;
  return tf.tensor4d(data, [1, SIZE, SIZE, channels]);
}

const NONE: SampleDraw = { dx: 0, dy: 0, angle: 0, scale: 1, flip: false };

/** The image after one draw, as rows of pixel values (channel 0). */
function apply(x: tf.Tensor, aug: AugmentationSpec, draw: Partial<SampleDraw>, channel = 0): number[][] {
  const out = applyDraws(x, aug, [{ ...NONE, ...draw }], createRng(1));
  const values = out.arraySync() as number[][][][];
  out.dispose();
  x.dispose();
  return values[0].map((row) => row.map((pixel) => pixel[channel]));
}

/** (row, col, value) of every pixel above `min`. */
function lit(image: number[][], min = 1e-4): [number, number, number][] {
  const found: [number, number, number][] = [];
  image.forEach((row, r) => row.forEach((v, c) => (Math.abs(v) > min ? found.push([r, c, v]) : undefined)));
  return found;
}

function assertOnly(image: number[][], row: number, col: number, value = 1): void {
  const found = lit(image);
  assert.strictEqual(found.length, 1, `one lit pixel expected, got ${JSON.stringify(found)}`);
  assert.deepStrictEqual(found[0].slice(0, 2), [row, col]);
  assert.ok(Math.abs(found[0][2] - value) < 1e-5, `value ${found[0][2]}`);
}

describe('data augmentation', () => {
  before(useBackend);

  it('shift moves a one-hot pixel by (dx, dy): (row 2, col 1) shifted by dx=2, dy=-1 lands at (row 1, col 3)', () => {
    assertOnly(apply(onePixel(2, 1), { shift: 2 }, { dx: 2, dy: -1 }), 1, 3);
  });

  it('a pixel shifted past the edge is gone, and the uncovered area is 0', () => {
    assert.deepStrictEqual(lit(apply(onePixel(2, 4), { shift: 2 }, { dx: 1 })), []);
  });

  it('horizontalFlip mirrors columns: (row 1, col 0) lands at (row 1, col 4), every channel alike', () => {
    const x = onePixel(1, 0, 3, 0.7);
    const out = applyDraws(x, { horizontalFlip: true }, [{ ...NONE, flip: true }], createRng(1));
    const values = out.arraySync() as number[][][][];
    for (let c = 0; c < 3; c++)
      assertOnly(
        values[0].map((row) => row.map((p) => p[c])),
        1,
        4,
        0.7,
      );
    tf.dispose([x, out]);
  });

  it('rotation of +90° turns the picture clockwise about the centre: right of centre goes below it', () => {
    assertOnly(apply(onePixel(2, 3), { rotation: 90 }, { angle: Math.PI / 2 }), 3, 2);
    assertOnly(apply(onePixel(0, 2), { rotation: 90 }, { angle: Math.PI / 2 }), 2, 4);
  });

  it('rotation of 180° sends (row, col) to (4 - row, 4 - col)', () => {
    assertOnly(apply(onePixel(0, 1), { rotation: 180 }, { angle: Math.PI }), 4, 3);
  });

  it('zoom by 2 about the centre: one pixel right of centre lands two right, the pixel between gets half (bilinear)', () => {
    const image = apply(onePixel(2, 3), { zoom: 1 }, { scale: 2 });
    assert.ok(Math.abs(image[2][4] - 1) < 1e-6, `${image[2][4]}`);
    assert.ok(Math.abs(image[2][3] - 0.5) < 1e-6, `${image[2][3]}`);
  });

  it('shift, flip and rotation compose as documented: mirror, then rotate, then shift', () => {
    // (2, 0) → mirrored (2, 4) → rotated +90° (4, 2) → shifted by dx=-1, dy=-2 → (2, 1).
    assertOnly(
      apply(onePixel(2, 0), { shift: 2, rotation: 90, horizontalFlip: true }, { flip: true, angle: Math.PI / 2, dx: -1, dy: -2 }),
      2,
      1,
    );
  });

  it('cutout blanks exactly its square: side 3 centred at (1, 1) zeroes rows 0-2 × cols 0-2; at a corner it is clipped', () => {
    const ones = tf.ones([2, SIZE, SIZE, 2]);
    const out = applyDraws(
      ones,
      { cutout: 3 },
      [
        { ...NONE, cutout: { row: 1, col: 1 } },
        { ...NONE, cutout: { row: 4, col: 0 } },
      ],
      createRng(1),
    );
    const values = out.arraySync() as number[][][][];
    tf.dispose([ones, out]);
    const zeros = (i: number): string[] => {
      const z: string[] = [];
      values[i].forEach((row, r) => row.forEach((p, c) => (p[0] === 0 && p[1] === 0 ? z.push(`${r},${c}`) : undefined)));
      return z;
    };
    assert.deepStrictEqual(zeros(0), ['0,0', '0,1', '0,2', '1,0', '1,1', '1,2', '2,0', '2,1', '2,2']);
    assert.deepStrictEqual(zeros(1), ['3,0', '3,1', '4,0', '4,1']);
    assert.strictEqual(values[0][3][3][0], 1);
  });

  it('noise adds Gaussian values of the asked standard deviation, to vector data as well', () => {
    const x = tf.zeros([200, 50]);
    const out = augmentBatch(x, { noise: 0.3 }, 7, 0, 0);
    const values = out.dataSync();
    tf.dispose([x, out]);
    let sum = 0;
    let sq = 0;
    for (const v of values) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / values.length;
    const std = Math.sqrt(sq / values.length - mean * mean);
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.3) < 0.01, `std ${std}`);
  });

  it('draws stay in their ranges: whole-pixel shifts within ±shift, angles within ±rotation, scales within 1 ± zoom', () => {
    const draws = drawSamples({ shift: 3, rotation: 15, zoom: 0.1, horizontalFlip: true, cutout: 4 }, 2000, 28, 28, createRng(4));
    const dxs = new Set(draws.map((d) => d.dx));
    assert.deepStrictEqual(
      [...dxs].sort((a, b) => a - b),
      [-3, -2, -1, 0, 1, 2, 3],
    );
    assert.ok(draws.every((d) => Number.isInteger(d.dy) && Math.abs(d.dy) <= 3));
    assert.ok(draws.every((d) => Math.abs(d.angle) <= (15 * Math.PI) / 180));
    assert.ok(draws.every((d) => d.scale >= 0.9 && d.scale <= 1.1));
    const flips = draws.filter((d) => d.flip).length;
    assert.ok(flips > 900 && flips < 1100, `${flips} flips of 2000`);
    assert.ok(draws.every((d) => d.cutout && d.cutout.row >= 0 && d.cutout.row < 28 && d.cutout.col >= 0 && d.cutout.col < 28));
  });

  it('is deterministic per (seed, epoch, batch): the same triple gives the same batch, another epoch or seed another', () => {
    const aug: AugmentationSpec = { shift: 2, rotation: 10, zoom: 0.1, noise: 0.05, cutout: 3, horizontalFlip: true };
    const x = tf.randomUniform([4, 12, 12, 1], 0, 1, 'float32', 3);
    const run = (seed: number, epoch: number, batch: number): Float32Array => {
      const out = augmentBatch(x, aug, seed, epoch, batch);
      const values = out.dataSync() as Float32Array;
      out.dispose();
      return values;
    };
    const first = run(1, 0, 0);
    assert.deepStrictEqual(run(1, 0, 0), first);
    assert.notDeepStrictEqual(run(1, 1, 0), first);
    assert.notDeepStrictEqual(run(1, 0, 1), first);
    assert.notDeepStrictEqual(run(2, 0, 0), first);
    x.dispose();
  });

  it('leaks no tensors and leaves its input unchanged', () => {
    const x = tf.ones([3, SIZE, SIZE, 1]);
    const before = tf.memory().numTensors;
    const out = augmentBatch(x, { shift: 1, cutout: 2, noise: 0.1 }, 1, 0, 0);
    assert.strictEqual(tf.memory().numTensors, before + 1);
    assert.ok((x.dataSync() as Float32Array).every((v) => v === 1));
    tf.dispose([x, out]);
  });
});
