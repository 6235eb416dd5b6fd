// Shape inference (inferOutputShapes) and the checks of the model's output against the data and the loss.

import * as assert from 'node:assert/strict';
import { parseSpecText } from '../../src/training/spec/parse';
import { inferOutputShapes } from '../../src/training/spec/shapes';
import type { ResolvedLayer, SourceRange } from '../../src/training/spec/types';

const RANGE: SourceRange = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 }, offset: 0, length: 0 };
const origin = (i: number): { specPath: string; range: SourceRange } => ({ specPath: `/model/layers/${i}`, range: RANGE });

const dense = (units: number, i = 0): ResolvedLayer => ({
  type: 'dense',
  units,
  activation: 'relu',
  useBias: true,
  kernelInitializer: 'glorotUniform',
  biasInitializer: 'zeros',
  ...origin(i),
});
const conv = (filters: number, kernel: number, stride = 1, padding: 'valid' | 'same' = 'valid', i = 0): ResolvedLayer => ({
  type: 'conv2d',
  filters,
  kernelSize: [kernel, kernel],
  strides: [stride, stride],
  padding,
  activation: 'relu',
  useBias: true,
  kernelInitializer: 'heNormal',
  biasInitializer: 'zeros',
  ...origin(i),
});
const pool = (size = 2, i = 0): ResolvedLayer => ({
  type: 'maxPooling2d',
  poolSize: [size, size],
  strides: [size, size],
  padding: 'valid',
  ...origin(i),
});
const flatten = (i = 0): ResolvedLayer => ({ type: 'flatten', ...origin(i) });
const residual = (layers: ResolvedLayer[], i = 0): ResolvedLayer => ({ type: 'residual', layers, ...origin(i) });

describe('inferOutputShapes', () => {
  it('follows conv2d (valid, same, strides), pooling, flatten and dense', () => {
    const result = inferOutputShapes([28, 28, 1], [conv(8, 3), pool(), conv(16, 3, 2, 'same'), flatten(), dense(10)]);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.layers.map((l) => l.outputShape),
      [[26, 26, 8], [13, 13, 8], [7, 7, 16], [784], [10]],
    );
    assert.deepEqual(result.layers.map((l) => l.inputShape)[3], [7, 7, 16]);
    assert.deepEqual(result.outputShape, [10]);
  });

  it('keeps the shape through activation, dropout and normalization layers', () => {
    const result = inferOutputShapes(
      [4, 4, 3],
      [
        { type: 'batchNormalization', momentum: 0.99, epsilon: 1e-3, ...origin(0) },
        { type: 'activation', activation: 'relu', ...origin(1) },
        { type: 'dropout', rate: 0.5, ...origin(2) },
        { type: 'layerNormalization', epsilon: 1e-3, ...origin(3) },
      ],
    );
    assert.deepEqual(result.outputShape, [4, 4, 3]);
  });

  it('marks residual blocks that need a projection, and lists their inner shapes', () => {
    const same = inferOutputShapes([8], [residual([dense(8)])]);
    assert.equal(same.layers[0].projection, false);
    const wider = inferOutputShapes([8], [residual([dense(16), dense(4)])]);
    assert.deepEqual(wider.problems, []);
    assert.equal(wider.layers[0].projection, true);
    assert.deepEqual(
      wider.layers[0].inner?.map((l) => l.outputShape),
      [[16], [4]],
    );
    const strided = inferOutputShapes([8, 8, 4], [residual([conv(8, 3, 2, 'same')])]);
    assert.deepEqual([strided.problems, strided.outputShape, strided.layers[0].projection], [[], [4, 4, 8], true]);
  });

  it('rejects a residual block that changes the rank, or that no 1×1 projection can match', () => {
    const rank = inferOutputShapes([8, 8, 4], [residual([flatten()])]);
    assert.deepEqual(
      rank.problems.map((p) => p.code),
      ['residual-rank'],
    );
    assert.equal(rank.outputShape, undefined);
    const valid = inferOutputShapes([8, 8, 4], [residual([conv(4, 3)])]);
    assert.deepEqual(
      valid.problems.map((p) => p.code),
      ['residual-projection'],
    );
  });

  it('dense needs 1-D input; conv2d and pooling need [h, w, c]; windows must fit', () => {
    const d = inferOutputShapes([4, 4, 1], [dense(3)]);
    assert.deepEqual(
      d.problems.map((p) => [p.code, p.message]),
      [['shape-mismatch', 'dense needs a 1-D input, but its input has shape [4, 4, 1]; add { "type": "flatten" } before it']],
    );
    assert.equal(inferOutputShapes([4], [pool()]).problems[0].code, 'shape-mismatch');
    assert.equal(inferOutputShapes([2, 2, 1], [conv(1, 3)]).problems[0].code, 'shape-too-small');
    assert.deepEqual(inferOutputShapes([2, 2, 1], [conv(1, 3, 1, 'same')]).outputShape, [2, 2, 1]);
  });

  it('stops at the first error and blames that layer only', () => {
    const layers = [dense(4, 0), conv(2, 3, 1, 'valid', 1), dense(3, 2), flatten(3)];
    const result = inferOutputShapes([2], layers);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0].layer, layers[1]);
    assert.equal(result.layers.length, 1);
    assert.equal(result.outputShape, undefined);
  });

  it('warns (only) about flatten on a 1-D input', () => {
    const result = inferOutputShapes([5], [flatten(), dense(2)]);
    assert.deepEqual(
      result.problems.map((p) => [p.severity, p.code]),
      [['warning', 'flatten-noop']],
    );
    assert.deepEqual(result.outputShape, [2]);
  });
});

describe('spec parser: output against data and loss', () => {
  const spec = (data: string, last: string, training = '{}'): string[] => {
    const text = `{ "data": ${data}, "model": { "layers": [ { "type": "dense", "units": 8, "activation": "relu" }, ${last} ] }, "training": ${training} }`;
    return parseSpecText(text, '/x/a.gradscope.json').problems.map((p) => `${p.code}: ${p.message}`);
  };
  const SPIRAL = '{ "dataset": "spiral" }';
  const MOONS = '{ "dataset": "moons" }';
  const SINE = '{ "dataset": "sine" }';

  it('accepts one unit per class with softmax and categoricalCrossentropy', () => {
    assert.deepEqual(spec(SPIRAL, '{ "type": "dense", "units": 3, "activation": "softmax" }'), []);
  });

  it('checks units against classes also behind dropout and a separate softmax activation layer', () => {
    assert.deepEqual(
      spec(
        SPIRAL,
        '{ "type": "dense", "units": 2 }, { "type": "activation", "activation": "softmax" }, { "type": "dropout", "rate": 0.1 }',
      ),
      ['output-mismatch: the last layer has 2 units but the data has 3 classes'],
    );
  });

  it('rejects softmax on a single unit', () => {
    assert.deepEqual(
      spec(MOONS, '{ "type": "dense", "units": 1, "activation": "softmax" }', '{ "loss": "binaryCrossentropy" }').map(
        (s) => s.split(':')[0],
      ),
      ['softmax-single-unit'],
    );
  });

  it('binaryCrossentropy: 1 unit for 2 classes, or one unit per class (multi-label)', () => {
    const bce = '{ "loss": "binaryCrossentropy" }';
    assert.deepEqual(spec(MOONS, '{ "type": "dense", "units": 1, "activation": "sigmoid" }', bce), []);
    assert.deepEqual(spec(SPIRAL, '{ "type": "dense", "units": 3, "activation": "sigmoid" }', bce), []);
    assert.deepEqual(spec(SPIRAL, '{ "type": "dense", "units": 1, "activation": "sigmoid" }', bce), [
      'output-mismatch: binaryCrossentropy with 1 output unit needs 2 classes, but the data has 3; use categoricalCrossentropy with 3 units and softmax',
    ]);
    assert.deepEqual(
      spec(SPIRAL, '{ "type": "dense", "units": 2, "activation": "sigmoid" }', bce).map((s) => s.split(':')[0]),
      ['output-mismatch'],
    );
  });

  it('suggests sigmoid for a 1-unit output on 2 classes with categoricalCrossentropy', () => {
    assert.deepEqual(spec(MOONS, '{ "type": "dense", "units": 1 }'), [
      'output-mismatch: the last layer has 1 unit but the data has 2 classes; for 1 unit use "sigmoid" with binaryCrossentropy',
    ]);
  });

  it('regression: units must equal the targets and the loss must be meanSquaredError', () => {
    assert.deepEqual(spec(SINE, '{ "type": "dense", "units": 1 }'), []);
    assert.deepEqual(spec(SINE, '{ "type": "dense", "units": 2 }'), [
      'output-mismatch: the last layer has 2 units but the data has 1 target value',
    ]);
    assert.deepEqual(spec(SINE, '{ "type": "dense", "units": 1 }', '{ "loss": "binaryCrossentropy" }'), [
      'loss-mismatch: binaryCrossentropy is a classification loss, but sine is a regression dataset; use "meanSquaredError"',
    ]);
  });

  it('a residual block last: checks its output size', () => {
    assert.deepEqual(
      spec(
        SPIRAL,
        '{ "type": "residual", "layers": [ { "type": "dense", "units": 3 } ] }, { "type": "activation", "activation": "softmax" }',
      ),
      [],
    );
    assert.deepEqual(
      spec(SPIRAL, '{ "type": "residual", "layers": [ { "type": "dense", "units": 4 } ] }').map((s) => s.split(':')[0]),
      ['output-mismatch'],
    );
  });

  it('an image-shaped output asks for flatten and dense', () => {
    const text =
      '{ "data": { "dataset": "mnist" }, "model": { "layers": [ { "type": "conv2d", "filters": 10, "kernelSize": 28 } ] } }';
    const problems = parseSpecText(text, '/x/a.gradscope.json').problems;
    assert.deepEqual(
      problems.map((p) => p.code),
      ['output-shape'],
    );
    assert.match(problems[0].message, /output has shape \[1, 1, 10\].*flatten/);
  });

  it('a flat inputShape on image data: the conv2d error says which inputShape works', () => {
    const text =
      '{ "data": { "dataset": "mnist" }, "model": { "inputShape": [784], "layers": [ { "type": "conv2d", "filters": 4, "kernelSize": 3 } ] } }';
    const [p] = parseSpecText(text, '/x/a.gradscope.json').problems;
    assert.match(p.message, /set "inputShape" to \[28, 28, 1\]$/);
  });
});
