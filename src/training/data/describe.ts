// The shape of a dataset (task, input shape, classes) without generating it, for the spec parser's shape checks.

import { type DataSpec } from '../spec/types';
import { readCsvTable } from './csvTable';
import { DatasetError, type DatasetShape } from './types';

function sequenceLength(data: DataSpec): number {
  const n = data.sequenceLength;
  if (n === undefined || !Number.isInteger(n) || n < 2) {
    throw new DatasetError(`sequenceLength must be an integer ≥ 2, got ${String(n)}`, 'sequenceLength');
  }
  return n;
}

/** MNIST images as the models see them: 28×28 pixels, one channel. */
export const MNIST_INPUT_SHAPE: readonly number[] = [28, 28, 1];

/** Describes the dataset a data spec names; throws DatasetError for unusable CSV files. */
export function describeDataset(data: DataSpec): DatasetShape {
  switch (data.dataset) {
    case 'spiral':
      return { task: 'classification', inputShape: [2], classes: data.classes };
    case 'moons':
    case 'circles':
    case 'xor':
      // These generators only know two classes, whatever the spec says.
      return { task: 'classification', inputShape: [2], classes: 2 };
    case 'blobs':
      return { task: 'classification', inputShape: [data.features], classes: data.classes };
    case 'sine':
      return { task: 'regression', inputShape: [1], classes: 1 };
    case 'mnist':
      return { task: 'classification', inputShape: [...MNIST_INPUT_SHAPE], classes: data.digits?.length ?? 10 };
    case 'adding':
      return { task: 'regression', inputShape: [sequenceLength(data), 2], classes: 1 };
    case 'sequenceParity':
      return { task: 'classification', inputShape: [sequenceLength(data), 1], classes: 2 };
    case 'csv': {
      const table = readCsvTable(data.path, data.label, data.task);
      return {
        task: table.task,
        inputShape: [table.featureNames.length],
        classes: table.task === 'classification' ? table.classValues.length : 1,
      };
    }
  }
}
