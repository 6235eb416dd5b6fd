// Validates `data` and asks the data module what the dataset will look like (task, input shape, classes).

import * as fs from 'fs';
import type { Node } from 'jsonc-parser';
import * as path from 'path';
import { readCsvTable } from '../data/csvTable';
import { describeDataset } from '../data/describe';
import { MNIST_CLASSES } from '../data/mnistDigits';
import { DatasetError, type DatasetShape } from '../data/types';
import { Fields, checkKeys, describeValue, readEnum, readNumber, readObject, readString, requireProp } from './fields';
import { childPointer } from './positions';
import type { Reporter } from './problems';
import type { DataSpec, DatasetName, SpecPath } from './types';
import { type AugmentationRead, readAugmentation } from './validateAugmentation';
import {
  ANY_DATA_PROPERTY,
  DATASETS,
  DATA_PROPERTIES,
  DEFAULT_CLASSES,
  FIXED_CLASSES,
  MAX_CLASSES,
  MAX_FEATURES,
  MAX_SAMPLES,
  MAX_SEQUENCE_LENGTH,
  MNIST_MAX_SAMPLES,
  PLANAR_DATASETS,
  SEQUENCE_DATASETS,
} from './vocabulary';

export interface DataResult {
  /** The dataset named, when it is a known one. */
  dataset?: DatasetName;
  /** Every field filled; present when `data` itself is valid. */
  data?: DataSpec;
  /** What the data module says the dataset looks like; present when `data` is valid and describable. */
  shape?: DatasetShape;
  /** `augmentation` as read, for the checks against the model's input shape. */
  augmentation?: AugmentationRead;
}

const TASKS = ['classification', 'regression'] as const;

/** Timesteps of a sequence dataset when `sequenceLength` is not given. */
const DEFAULT_SEQUENCE_LENGTH = 20;

/** Validates the `data` object; `specDir` is where a csv `path` is relative to. */
export function validateData(r: Reporter, node: Node, specDir: string): DataResult {
  const obj = readObject(r, node, '/data', '"data"');
  if (!obj) return {};
  const datasetProp = requireProp(r, obj, 'dataset', '"data"', ` (one of ${DATASETS.join(', ')})`);
  const dataset = datasetProp ? readEnum(r, datasetProp.value, datasetProp.path, 'dataset', DATASETS) : undefined;
  if (!dataset) {
    checkKeys(r, obj, [...ANY_DATA_PROPERTY], '"data"');
    return {};
  }
  const before = r.errorCount;
  checkKeys(r, obj, DATA_PROPERTIES[dataset], `the ${dataset} dataset`, ANY_DATA_PROPERTY);
  const f = new Fields(r, obj);
  const samplesGiven = f.has('samples');
  const samples = f.number(
    'samples',
    { integer: true, min: 10, max: dataset === 'mnist' ? MNIST_MAX_SAMPLES : MAX_SAMPLES },
    dataset === 'mnist' ? 2000 : 1000,
  );
  const noise = f.number('noise', { min: 0 }, dataset === 'sine' ? 0.05 : dataset === 'mnist' || dataset === 'csv' ? 0 : 0.1);
  const validationSplit = f.number('validationSplit', { min: 0.05, max: 0.9 }, 0.2);
  const testSplit = f.number('testSplit', { min: 0, max: 0.5 }, 0);
  const sequence = SEQUENCE_DATASETS.includes(dataset);
  // A sequence's marker and bit channels are the task itself: standardizing each position would blur them.
  const standardize = f.boolean('standardize', !sequence);
  const augmentation = readAugmentation(r, f);
  // Only these fields decide the dataset's shape: a bad "noise" must not hide an inputShape mismatch.
  const beforeShape = r.errorCount;
  const digits = dataset === 'mnist' ? readDigits(f) : undefined;
  const data: DataSpec = {
    dataset,
    samples,
    classes: readClasses(f, dataset, samples, digits?.length),
    features: readFeatures(f, dataset),
    noise,
    validationSplit,
    testSplit,
    standardize,
  };
  if (augmentation) data.augmentation = augmentation.spec;
  if (digits) data.digits = digits;
  if (sequence) {
    data.sequenceLength = f.number(
      'sequenceLength',
      { integer: true, min: 2, max: MAX_SEQUENCE_LENGTH },
      DEFAULT_SEQUENCE_LENGTH,
    );
  }
  if (dataset === 'csv') readCsvFields(r, f, data, specDir);
  if (r.errorCount !== beforeShape) return { dataset };
  const shape = describe(r, obj.node, obj.props, data);
  if (!shape) return { dataset };
  if (dataset === 'csv') {
    if (!checkCsvShape(r, f, data, shape)) return { dataset };
    data.classes = shape.classes;
    data.features = shape.inputShape[0];
    data.task = shape.task;
    // A CSV file is used whole unless `samples` asks for a subset; 1000 would silently cut larger files.
    if (!samplesGiven) data.samples = readCsvTable(data.path, data.label, data.task).rows;
  }
  return r.errorCount === before ? { dataset, data, shape, augmentation } : { dataset, shape };
}

/** The digits of mnist's `digits`, each 0..9, none repeated, at least two (one class is no classification). */
function readDigits(f: Fields): number[] | undefined {
  const prop = f.prop('digits');
  if (!prop) return undefined;
  const node = prop.value;
  const items = node.type === 'array' ? (node.children ?? []) : [];
  if (node.type !== 'array' || items.length < 2) {
    f.r.error(
      'wrong-type',
      `"digits" must be an array of at least 2 different digits such as [5, 6, 7, 8, 9], got ${describeValue(node)}`,
      node,
      prop.path,
    );
    return undefined;
  }
  const seen = new Map<number, number>();
  let valid = true;
  items.forEach((item, i) => {
    const at = childPointer(prop.path, i);
    const digit = readNumber(f.r, item, at, `"digits"[${i}]`, { integer: true, min: 0, max: MNIST_CLASSES - 1 });
    if (digit === undefined) {
      valid = false;
    } else if (seen.has(digit)) {
      f.r.error(
        'duplicate-digit',
        `digit ${digit} is listed twice in "digits" (at positions ${seen.get(digit)} and ${i}); each digit is one class`,
        item,
        at,
      );
      valid = false;
    } else {
      seen.set(digit, i);
    }
  });
  return valid ? [...seen.keys()] : undefined;
}

function readClasses(f: Fields, dataset: DatasetName, samples: number, digitCount?: number): number {
  if (dataset === 'sine' || dataset === 'csv' || dataset === 'adding') return DEFAULT_CLASSES[dataset];
  const fixed = digitCount ?? FIXED_CLASSES[dataset];
  const prop = f.prop('classes');
  const given = f.optionalNumber('classes', { integer: true, min: 2, max: MAX_CLASSES });
  if (prop && given !== undefined && fixed !== undefined && given !== fixed) {
    const message =
      digitCount === undefined
        ? `the ${dataset} dataset always has ${fixed} classes, got ${given}`
        : `"digits" lists ${fixed} digits, so there are ${fixed} classes; "classes" is ${given} (leave it out)`;
    f.r.error('dataset-mismatch', message, prop.value, prop.path);
  } else if (prop && given !== undefined && given > samples) {
    f.r.error('out-of-range', `"classes" (${given}) cannot be more than "samples" (${samples})`, prop.value, prop.path);
  }
  return fixed ?? given ?? DEFAULT_CLASSES[dataset];
}

function readFeatures(f: Fields, dataset: DatasetName): number {
  if (dataset === 'sine' || dataset === 'sequenceParity') return 1;
  if (dataset === 'adding') return 2; // (value, marker) at each timestep
  if (dataset === 'mnist') return 28 * 28;
  if (dataset === 'csv') return 1; // replaced by the file's column count once it is read
  const prop = f.prop('features');
  const given = f.optionalNumber('features', { integer: true, min: 1, max: MAX_FEATURES });
  if (prop && given !== undefined && given !== 2 && (PLANAR_DATASETS as readonly string[]).includes(dataset)) {
    f.r.error(
      'dataset-mismatch',
      `the ${dataset} dataset has exactly 2 features (points in the plane), got ${given}; ` + 'use "blobs" for more features',
      prop.value,
      prop.path,
    );
  }
  return given ?? 2;
}

function readCsvFields(r: Reporter, f: Fields, data: DataSpec, specDir: string): void {
  const pathProp = requireProp(r, f.obj, 'path', 'a csv dataset', ' (the CSV file, relative to this spec)');
  const labelProp = requireProp(r, f.obj, 'label', 'a csv dataset', ' (the name of the column to predict)');
  const taskProp = f.prop('task');
  if (taskProp) data.task = readEnum(r, taskProp.value, taskProp.path, 'task', TASKS);
  if (labelProp) data.label = readString(r, labelProp.value, labelProp.path, '"label"');
  if (!pathProp) return;
  const relative = readString(r, pathProp.value, pathProp.path, '"path"');
  if (relative === undefined) return;
  const absolute = path.resolve(specDir, relative);
  data.path = absolute;
  let isFile: boolean;
  try {
    isFile = fs.statSync(absolute).isFile();
  } catch {
    r.error('file-not-found', `csv file not found: ${relative} (resolved to ${absolute})`, pathProp.value, pathProp.path);
    return;
  }
  if (!isFile)
    r.error('file-not-found', `csv path is not a file: ${relative} (resolved to ${absolute})`, pathProp.value, pathProp.path);
}

/** describeDataset, with its DatasetErrors turned into problems at the data field they name. */
function describe(
  r: Reporter,
  dataNode: Node,
  props: Map<string, { value: Node; path: SpecPath }>,
  data: DataSpec,
): DatasetShape | undefined {
  try {
    return describeDataset(data);
  } catch (err) {
    const field = err instanceof DatasetError ? err.field : '';
    const prop = props.get(field);
    const message = err instanceof Error ? err.message : String(err);
    r.error(
      'dataset-error',
      message,
      prop ? prop.value : dataNode,
      prop ? prop.path : field ? childPointer('/data', field) : '/data',
    );
    return undefined;
  }
}

/** Label columns that cannot be trained on as classes (one value, or an ID-like column of many). */
function checkCsvShape(r: Reporter, f: Fields, data: DataSpec, shape: DatasetShape): boolean {
  if (shape.task !== 'classification') return true;
  const label = f.prop('label');
  const place = label ? label.value : f.obj.node;
  const at = label ? label.path : '/data/label';
  if (shape.classes < 2) {
    r.error(
      'dataset-error',
      `label column "${data.label}" has only ${shape.classes} distinct value; classification needs at least 2`,
      place,
      at,
    );
    return false;
  }
  if (shape.classes > MAX_CLASSES) {
    r.error(
      'dataset-error',
      `label column "${data.label}" has ${shape.classes} distinct values, more than the ${MAX_CLASSES} classes ` +
        'supported; if it holds numbers to predict, set "task": "regression"',
      place,
      at,
    );
    return false;
  }
  return true;
}
