// MNIST from the `mnist` package: its 10,000 digits parsed once per process, and seeded class-balanced subsets.
// The package's own set()/get() use Math.random, so only its JSON files are used (the packaged extension ships
// them beside the engine bundle, without the package).

import * as fs from 'fs';
import * as path from 'path';
import { BUNDLED_MNIST, besideBundle } from '../bundledFiles';
import { type Rng, shuffleInPlace, shuffledIndices } from './random';
import { type Samples, allocateSamples } from './samples';
import { DatasetError } from './types';

export const MNIST_PIXELS = 28 * 28;
export const MNIST_CLASSES = 10;

/** One Float32Array of `count * 784` pixels in [0, 1] per digit 0..9. */
export interface MnistDigits {
  images: Float32Array[];
  counts: number[];
  total: number;
}

// Parsing the JSON takes most of a second; the Float32Arrays (31 MB) are kept instead of the parsed number
// arrays, which are twice the size.
let cached: MnistDigits | undefined;

function readDigit(dir: string, digit: number): Float32Array {
  const file = path.join(dir, 'digits', `${digit}.json`);
  let parsed: { data?: unknown };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown };
  } catch (err) {
    throw new DatasetError(`cannot load MNIST digit ${digit} from ${file}: ${(err as Error).message}`, 'dataset');
  }
  if (!Array.isArray(parsed.data) || parsed.data.length % MNIST_PIXELS !== 0) {
    throw new DatasetError(`MNIST digit file ${file} is not a list of 28×28 images`, 'dataset');
  }
  const pixels = Float32Array.from(parsed.data as number[]);
  for (let i = 0; i < pixels.length; i++) {
    // The package already scales to [0, 1]; clamping protects the [0, 1] contract against odd values.
    pixels[i] = Math.min(1, Math.max(0, pixels[i]));
  }
  return pixels;
}

/** All MNIST digits of the package, loaded on first use. */
export function loadMnistDigits(): MnistDigits {
  if (!cached) {
    let dir = besideBundle(BUNDLED_MNIST);
    try {
      dir ??= path.dirname(require.resolve('mnist'));
    } catch {
      throw new DatasetError('the mnist package is not installed', 'dataset');
    }
    const images: Float32Array[] = [];
    for (let d = 0; d < MNIST_CLASSES; d++) {
      images.push(readDigit(dir, d));
    }
    const counts = images.map((im) => im.length / MNIST_PIXELS);
    cached = { images, counts, total: counts.reduce((a, b) => a + b, 0) };
  }
  return cached;
}

/**
 * How many digits to take of each class: as equal as the available counts allow, with the remainder going to
 * classes picked at random so no digit is systematically favoured.
 */
export function balancedQuotas(available: number[], wanted: number, rng: Rng): number[] {
  const quotas = new Array<number>(available.length).fill(0);
  // Fill the scarcest classes first so a class that runs out passes its share on to the others.
  const byScarcity = available.map((_, i) => i).sort((a, b) => available[a] - available[b] || a - b);
  let remaining = wanted;
  byScarcity.forEach((cls, j) => {
    const q = Math.min(available[cls], Math.floor(remaining / (byScarcity.length - j)));
    quotas[cls] = q;
    remaining -= q;
  });
  const order = shuffleInPlace(
    available.map((_, i) => i),
    rng,
  );
  // Rounding leaves fewer than one per class, so this normally makes a single pass; it stops once nothing has room.
  let progressed = true;
  while (remaining > 0 && progressed) {
    progressed = false;
    for (const cls of order) {
      if (remaining > 0 && quotas[cls] < available[cls]) {
        quotas[cls]++;
        remaining--;
        progressed = true;
      }
    }
  }
  return quotas;
}

/** Every digit, each its own class. */
const ALL_DIGITS: readonly number[] = Array.from({ length: MNIST_CLASSES }, (_, d) => d);

/**
 * A seeded, class-balanced subset of `count` images (at most all of them) of the digits `digits`, grouped by class;
 * the caller shuffles. Digit `digits[i]` is labelled class i, so a subset of digits trains as a smaller task.
 */
export function mnistSubset(count: number, rng: Rng, digits: readonly number[] = ALL_DIGITS): Samples {
  const all = loadMnistDigits();
  const available = digits.map((d) => {
    if (!Number.isInteger(d) || d < 0 || d >= MNIST_CLASSES) {
      throw new DatasetError(`digits must be integers from 0 to 9, got ${d}`, 'digits');
    }
    return all.counts[d];
  });
  if (new Set(digits).size !== digits.length) {
    throw new DatasetError(`digits must not repeat, got [${digits.join(', ')}]`, 'digits');
  }
  const n = Math.min(
    count,
    available.reduce((a, b) => a + b, 0),
  );
  const quotas = balancedQuotas(available, n, rng);
  const s = allocateSamples(n, MNIST_PIXELS, 1);
  let row = 0;
  digits.forEach((d, cls) => {
    const picks = shuffledIndices(all.counts[d], rng).subarray(0, quotas[cls]);
    for (const index of picks) {
      s.x.set(all.images[d].subarray(index * MNIST_PIXELS, (index + 1) * MNIST_PIXELS), row * MNIST_PIXELS);
      s.y[row] = cls;
      row++;
    }
  });
  return s;
}
