// Checks that the model's output fits the data and the loss: units per class, softmax use, loss for the task.

import type { DatasetShape } from '../data/types';
import type { Prop } from './fields';
import type { Reporter } from './problems';
import { formatShape } from './shapes';
import type { ActivationName, LossName, ResolvedLayer } from './types';

export interface OutputCheck {
  layers: readonly ResolvedLayer[];
  outputShape: readonly number[];
  dataset: DatasetShape;
  datasetName: string;
  loss: LossName;
  /** The `loss` property when the spec sets it (absent: the default, chosen to fit the task). */
  lossProp?: Prop;
}

/** The activation the model's output passes through last (dropout does not change it). */
function outputActivation(layers: readonly ResolvedLayer[]): ActivationName {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer.type === 'dropout') continue;
    if (layer.type === 'dense' || layer.type === 'conv2d' || layer.type === 'activation') return layer.activation;
    return 'linear';
  }
  return 'linear';
}

/** Reports output/data/loss mismatches at the last layer (or at `loss` when the loss is the odd one out). */
export function checkOutput(r: Reporter, c: OutputCheck): void {
  const last = c.layers[c.layers.length - 1];
  const fail = (code: string, message: string): void => r.error(code, message, last.range, last.specPath);
  const { task, classes } = c.dataset;
  if (task === 'regression' && c.loss !== 'meanSquaredError') {
    const message = `${c.loss} is a classification loss, but ${c.datasetName} is a regression dataset; use "meanSquaredError"`;
    if (c.lossProp) r.error('loss-mismatch', message, c.lossProp.value, c.lossProp.path);
    else fail('loss-mismatch', message);
    return;
  }
  if (c.outputShape.length !== 1) {
    const wanted = task === 'classification' ? `one value per class (${classes})` : `${plural(classes, 'target value')}`;
    fail(
      'output-shape',
      `the model's output has shape ${formatShape(c.outputShape)}, but the data needs ${wanted} per sample; ` +
        'end the model with { "type": "flatten" } and a dense layer',
    );
    return;
  }
  const units = c.outputShape[0];
  const activation = outputActivation(c.layers);
  if (activation === 'softmax' && units === 1) {
    fail(
      'softmax-single-unit',
      'softmax over a single unit always outputs 1.0, so nothing can be learned; ' +
        (task === 'classification'
          ? 'use "sigmoid" with binaryCrossentropy, or one unit per class with softmax'
          : 'use "linear"'),
    );
    return;
  }
  if (task === 'regression') {
    if (units !== classes)
      fail('output-mismatch', `the last layer has ${plural(units, 'unit')} but the data has ${plural(classes, 'target value')}`);
    return;
  }
  if (c.loss === 'binaryCrossentropy') {
    if (units === 1 && classes !== 2) {
      fail(
        'output-mismatch',
        `binaryCrossentropy with 1 output unit needs 2 classes, but the data has ${classes}; ` +
          `use categoricalCrossentropy with ${classes} units and softmax`,
      );
    } else if (units !== 1 && units !== classes) {
      fail(
        'output-mismatch',
        `the last layer has ${plural(units, 'unit')}, but binaryCrossentropy needs 1 unit ` +
          `(2 classes) or one unit per class (${classes})`,
      );
    }
    return;
  }
  if (units !== classes) {
    const hint = units === 1 && classes === 2 ? '; for 1 unit use "sigmoid" with binaryCrossentropy' : '';
    fail(
      'output-mismatch',
      `the last layer has ${plural(units, 'unit')} but the data has ${plural(classes, 'class', 'classes')}${hint}`,
    );
  }
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}
