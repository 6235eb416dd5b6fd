// Builds a dataset from a data spec and a seed: generate or read the samples, shuffle, split off validation,
// standardize with training statistics. Same spec and seed, same arrays.

import * as path from 'path';
import { type DataSpec } from '../spec/types';
import { readCsvTable } from './csvTable';
import { describeDataset } from './describe';
import { mnistSubset } from './mnistDigits';
import { type Rng, createRng, shuffledIndices } from './random';
import { type Samples, allocateSamples } from './samples';
import { appliedStandardization, standardizeSplits } from './standardize';
import * as sequences from './sequences';
import * as synthetic from './synthetic';
import { type Dataset, DatasetError, type DatasetShape, type Split } from './types';

/** The parser caps samples far lower; these only stop a bad spec from hanging or exhausting the process. */
export const MAX_SAMPLES = 1_000_000;
const MAX_VALUES = 50_000_000;

/** Samples from a source before the split, with what the description should say about them. */
interface Source {
  samples: Samples;
  /** How many of the samples to use (csv and mnist may have fewer than asked for). */
  use: number;
  name: string;
  /** Label names of csv classes, in class-index order. */
  classNames?: string[];
  /** csv: the feature columns' header names. */
  featureNames?: string[];
  labelColumn?: string;
}

function checkCount(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DatasetError(`${field} must be an integer from ${min} to ${max}, got ${value}`, field);
  }
  return value;
}

function csvSource(data: DataSpec): Source {
  const table = readCsvTable(data.path, data.label, data.task);
  const width = table.featureNames.length;
  const s = allocateSamples(table.rows, width, 1);
  s.x.set(table.features);
  if (table.task === 'classification') {
    const index = new Map(table.classValues.map((v, i) => [v, i]));
    table.labels.forEach((label, i) => {
      s.y[i] = index.get(label) as number;
    });
  } else {
    table.labels.forEach((label, i) => {
      s.y[i] = Number(label);
    });
  }
  return {
    samples: s,
    use: Math.min(data.samples, table.rows),
    name: `csv ${path.basename(data.path ?? '')}`,
    classNames: table.task === 'classification' ? table.classValues : undefined,
    featureNames: table.featureNames,
    labelColumn: data.label,
  };
}

function generate(data: DataSpec, rng: Rng): Source {
  const n = data.samples;
  const synth = (samples: Samples): Source => ({ samples, use: n, name: data.dataset });
  switch (data.dataset) {
    case 'spiral':
      return synth(synthetic.spiral(n, checkCount(data.classes, 'classes', 1, n), data.noise, rng));
    case 'moons':
      return synth(synthetic.moons(n, data.noise, rng));
    case 'circles':
      return synth(synthetic.circles(n, data.noise, rng));
    case 'xor':
      return synth(synthetic.xor(n, data.noise, rng));
    case 'blobs': {
      const classes = checkCount(data.classes, 'classes', 1, n);
      const features = checkCount(data.features, 'features', 1, Math.floor(MAX_VALUES / n));
      return synth(synthetic.blobs(n, classes, features, data.noise, rng));
    }
    case 'sine':
      return synth(synthetic.sine(n, data.noise, rng));
    case 'mnist': {
      const samples = mnistSubset(n, rng, data.digits);
      // Naming the classes tells the user which class index is which digit once they are remapped.
      const classNames = data.digits?.map(String);
      return { samples, use: samples.count, name: data.digits ? `mnist digits ${data.digits.join(',')}` : 'mnist', classNames };
    }
    case 'csv':
      return csvSource(data);
    case 'adding':
    case 'sequenceParity': {
      const length = checkCount(data.sequenceLength ?? 0, 'sequenceLength', 2, Math.floor(MAX_VALUES / (2 * n)));
      return synth(data.dataset === 'adding' ? sequences.adding(n, length, rng) : sequences.sequenceParity(n, length, rng));
    }
  }
}

/** Copies the samples at `indices` into a new split. */
function gather(samples: Samples, indices: Uint32Array): Split {
  const { sampleSize, targetSize } = samples;
  const split: Split = {
    x: new Float32Array(indices.length * sampleSize),
    y: new Float32Array(indices.length * targetSize),
    count: indices.length,
  };
  indices.forEach((from, to) => {
    split.x.set(samples.x.subarray(from * sampleSize, (from + 1) * sampleSize), to * sampleSize);
    split.y.set(samples.y.subarray(from * targetSize, (from + 1) * targetSize), to * targetSize);
  });
  return split;
}

/** Validation gets round(n · split) samples, but always at least one and never all of them. */
export function validationCount(n: number, validationSplit: number): number {
  const wanted = Math.round(n * validationSplit);
  return Math.min(n - 1, Math.max(1, Number.isFinite(wanted) ? wanted : 1));
}

/** How many samples each split gets. */
export interface SplitCounts {
  train: number;
  validation: number;
  test: number;
}

/**
 * The test split is carved first: round(n · testSplit) samples, at least one when asked for, and always leaving two
 * (one to train on, one to validate on). Validation then takes its fraction of the rest; training gets what remains.
 */
export function splitCounts(n: number, data: Pick<DataSpec, 'validationSplit' | 'testSplit'>): SplitCounts {
  const wanted = Math.round(n * data.testSplit);
  const test = data.testSplit > 0 ? Math.min(n - 2, Math.max(1, Number.isFinite(wanted) ? wanted : 1)) : 0;
  const validation = validationCount(n - test, data.validationSplit);
  return { train: n - test - validation, validation, test };
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

function describeContents(shape: DatasetShape, source: Source): string {
  const inputs =
    shape.inputShape.length === 1
      ? plural(shape.inputShape[0], 'feature')
      : shape.inputShape.length === 2
        ? `sequences of ${plural(shape.inputShape[0], 'timestep')} × ${plural(shape.inputShape[1], 'feature')}`
        : `${shape.inputShape.join('×')} images`;
  if (shape.task === 'regression') {
    return `${inputs}, regression (${plural(shape.classes, 'target')})`;
  }
  const names = source.classNames;
  // Listing the labels tells the user which class index is which; long lists would swamp the log line.
  const legend = names && names.length <= 12 ? ` (${names.map((v, i) => `${i}=${v}`).join(', ')})` : '';
  return `${inputs}, ${plural(shape.classes, 'class', 'classes')}${legend}`;
}

/** Generates or reads the dataset a data spec names, deterministically from `seed`. Throws DatasetError. */
export function loadDataset(data: DataSpec, seed: number): Dataset {
  checkCount(data.samples, 'samples', 2, MAX_SAMPLES);
  const shape = describeDataset(data);
  // Separate streams: the split order does not depend on how many numbers the generator drew.
  const source = generate(data, createRng(seed, 'data'));
  const n = source.use;
  if (n < 2) {
    throw new DatasetError(`${source.name} has ${n} sample(s); at least 2 are needed for a validation split`, 'samples');
  }
  // For csv the leading part of the shuffled order is also the seeded subset when the file has more rows.
  const order = shuffledIndices(source.samples.count, createRng(seed, 'split')).subarray(0, n);
  // The order is [train | validation | test]: a spec without testSplit keeps the splits it always had.
  const counts = splitCounts(n, data);
  const trainEnd = counts.train;
  const validationEnd = trainEnd + counts.validation;
  const train = gather(source.samples, order.subarray(0, trainEnd));
  const validation = gather(source.samples, order.subarray(trainEnd, validationEnd));
  const test = counts.test > 0 ? gather(source.samples, order.subarray(validationEnd)) : undefined;
  const stats =
    data.standardize && data.dataset !== 'mnist'
      ? standardizeSplits(train, [validation, ...(test ? [test] : [])], source.samples.sampleSize)
      : undefined;
  const testPart = test ? ` / ${test.count} test` : '';
  const dataset: Dataset = {
    ...shape,
    train,
    validation,
    ...(test ? { test } : {}),
    ...(source.classNames ? { classNames: source.classNames } : {}),
    ...(source.featureNames ? { featureNames: source.featureNames, labelColumn: source.labelColumn } : {}),
    description: `${source.name}: ${train.count} train / ${validation.count} validation${testPart}, ${describeContents(shape, source)}`,
  };
  if (stats) dataset.standardization = appliedStandardization(stats);
  return dataset;
}
