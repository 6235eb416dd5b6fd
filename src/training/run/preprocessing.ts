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
}

export function preprocessingOf(dataset: Dataset, inputShape: number[]): Preprocessing {
  return {
    inputShape,
    standardize: dataset.standardization ?? null,
    classNames: dataset.classNames ?? null,
    task: dataset.task,
    datasetDescription: dataset.description,
  };
}

export function writePreprocessing(runDir: string, preprocessing: Preprocessing): void {
  fs.writeFileSync(path.join(runDir, PREPROCESSING_FILE), `${JSON.stringify(preprocessing, null, 2)}\n`);
}
