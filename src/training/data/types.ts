// Datasets as plain typed arrays: the engine turns them into tensors, the parser checks shapes against them.

export type Task = 'classification' | 'regression';

/** What a dataset will look like, known without generating it (used by the spec parser to check shapes). */
export interface DatasetShape {
  task: Task;
  /** Shape of one sample, e.g. [2] or [28, 28, 1]. */
  inputShape: number[];
  /** classification: number of classes; regression: number of target values per sample. */
  classes: number;
}

export interface Split {
  /** Row-major samples, `count * prod(inputShape)` values. */
  x: Float32Array;
  /** classification: class index per sample; regression: `count * classes` target values. */
  y: Float32Array;
  count: number;
}

export interface Dataset extends DatasetShape {
  train: Split;
  validation: Split;
  /** The held-out test split (`data.testSplit`); absent when the spec asks for none. */
  test?: Split;
  /** csv classification: the label values, in class-index order. */
  classNames?: string[];
  /** csv: the header names of the feature columns, in the order the model takes them. */
  featureNames?: string[];
  /** csv: the header name of the label column. */
  labelColumn?: string;
  /** Human-readable description for logs, e.g. `spiral (1200 train / 300 validation)`. */
  description: string;
  /**
   * The per-feature (x − mean) / std the inputs went through (training-split statistics), when they were
   * standardized; a constant feature (std 0) was only centered, and has std 1 here so the formula stays true.
   */
  standardization?: { mean: number[]; std: number[] };
}

/** A dataset problem with a field of the data spec to point at (e.g. `path`, `label`, `samples`). */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}
