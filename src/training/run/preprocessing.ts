// `.gradscope/runs/<id>/preprocessing.json`: what raw inputs go through before the saved model sees them, and what
// its outputs mean, so `model/` can be used outside gradscope (the contract of issue 10).
import * as fs from 'fs';
import * as path from 'path';
import type { Dataset, Task } from '../data/types';

export const PREPROCESSING_FILE = 'preprocessing.json';

export interface Preprocessing {
  /** The shape of one sample, as the model's input takes it (without the batch axis). */
  inputShape: number[];
  /** Each input feature becomes (x − mean) / std (training-split statistics); null when inputs are used as they are. */
  standardize: { mean: number[]; std: number[] } | null;
  /** csv classification: the label of each output index; null otherwise (class i is index i). */
  classNames: string[] | null;
  task: Task;
  datasetDescription: string;
  /**
   * csv: the header names of the feature columns, in the model's input order (`gradscope predict` matches an input
   * csv's columns by these names); null for generated datasets and mnist, whose inputs are unnamed.
   */
  featureNames: string[] | null;
  /** csv: the label column's header name (an input csv may hold it: its values are then shown as the truth); else null. */
  labelColumn: string | null;
}

export function preprocessingOf(dataset: Dataset, inputShape: number[]): Preprocessing {
  return {
    inputShape,
    standardize: dataset.standardization ?? null,
    classNames: dataset.classNames ?? null,
    task: dataset.task,
    datasetDescription: dataset.description,
    featureNames: dataset.featureNames ?? null,
    labelColumn: dataset.labelColumn ?? null,
  };
}

export function writePreprocessing(runDir: string, preprocessing: Preprocessing): void {
  fs.writeFileSync(path.join(runDir, PREPROCESSING_FILE), `${JSON.stringify(preprocessing, null, 2)}\n`);
}
