// The spec format's skip connections (highway, denseBlock) and new initializers: defaults, shapes, and errors with
// a stable code at the offending node.
import * as assert from 'node:assert/strict';
import { parseSpecText } from '../../src/training/spec/parse';
import type { ParseResult } from '../../src/training/spec/types';

const FILE = '/virtual/skips.gradscope.json';

/** A spec whose layer i sits on line 5 + i, starting at column 7. */
function spec(layers: string[], inputShape = '[2]', data = '{ "dataset": "spiral", "samples": 300, "classes": 3 }'): string {
  return [
    '{',
    `  "data": ${data},`,
    `  "model": { "inputShape": ${inputShape},`,
    '    "layers": [',
    ...layers.map((l, i) => `      ${l}${i < layers.length - 1 ? ',' : ''}`),
    '    ] }',
    '}',
  ].join('\n');
}

function errors(result: ParseResult): string[] {
  return result.problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.code} ${p.specPath} ${p.range.start.line}:${p.range.start.column}`);
}

describe('spec: highway and denseBlock', () => {
  it('highway: defaults (transformBias −2, linear, glorotUniform/zeros) and the same shape out as in', () => {
    const result = parseSpecText(
      spec([
        '{ "type": "dense", "units": 8 }',
        '{ "type": "highway", "units": 8 }',
        '{ "type": "dense", "units": 3, "activation": "softmax" }',
      ]),
      FILE,
    );
    assert.deepEqual(errors(result), []);
    const layer = result.spec!.model.layers[1];
    assert.equal(layer.type, 'highway');
    if (layer.type !== 'highway') return;
    assert.deepEqual(
      [layer.units, layer.transformBias, layer.activation, layer.kernelInitializer, layer.biasInitializer],
      [8, -2, 'linear', 'glorotUniform', 'zeros'],
    );
  });

  it('highway whose input and units differ: highway-units at the highway entry, in each repeat only once', () => {
    const result = parseSpecText(
      spec([
        '{ "type": "dense", "units": 8 }',
        '{ "repeat": 2, "layers": [ { "type": "highway", "units": 16, "activation": "relu" } ] }',
        '{ "type": "dense", "units": 3 }',
      ]),
      FILE,
    );
    assert.deepEqual(errors(result), ['highway-units /model/layers/1/layers/0 6:34']);
    const message = result.problems.find((p) => p.code === 'highway-units')!.message;
    assert.match(
      message,
      /^highway whose input and units differ: its input has 8 features but "units" is 16; .*set "units" to 8/,
    );
  });

  it('highway on an image: shape-mismatch with the flatten hint', () => {
    const result = parseSpecText(
      spec(
        ['{ "type": "highway", "units": 1 }', '{ "type": "flatten" }', '{ "type": "dense", "units": 10 }'],
        '[28, 28, 1]',
        '{ "dataset": "mnist", "samples": 100 }',
      ),
      FILE,
    );
    assert.deepEqual(errors(result), ['shape-mismatch /model/layers/0 5:7']);
  });

  it('denseBlock: the output concatenates the input and every sub-layer output', () => {
    const result = parseSpecText(
      spec([
        '{ "type": "denseBlock", "layers": [ { "type": "dense", "units": 4, "activation": "relu" }, { "type": "dense", "units": 5 } ] }',
        '{ "type": "dense", "units": 3, "activation": "softmax" }',
      ]),
      FILE,
    );
    assert.deepEqual(errors(result), []);
    const block = result.spec!.model.layers[0];
    assert.equal(block.type, 'denseBlock');
    if (block.type === 'denseBlock')
      assert.deepEqual(
        block.layers.map((l) => l.type),
        ['dense', 'dense'],
      );
  });

  it('denseBlock: a sub-layer that shrinks the feature map cannot be concatenated (dense-block-shape at that sub-layer)', () => {
    const result = parseSpecText(
      spec(
        [
          '{ "type": "denseBlock", "layers": [ { "type": "conv2d", "filters": 4, "kernelSize": 3, "padding": "same" }, { "type": "conv2d", "filters": 4, "kernelSize": 3 } ] }',
          '{ "type": "flatten" }',
          '{ "type": "dense", "units": 10 }',
        ],
        '[28, 28, 1]',
        '{ "dataset": "mnist", "samples": 100 }',
      ),
      FILE,
    );
    assert.deepEqual(errors(result), ['dense-block-shape /model/layers/0/layers/1 5:115']);
    assert.match(
      result.problems[0].message,
      /^conv2d in a denseBlock turns its input \[28, 28, 5\] into \[26, 26, 4\]: .*height and width must stay the same/,
    );
  });

  it('denseBlock: a flatten sub-layer changes the rank (dense-block-shape)', () => {
    const result = parseSpecText(
      spec(
        [
          '{ "type": "denseBlock", "layers": [ { "type": "flatten" } ] }',
          '{ "type": "flatten" }',
          '{ "type": "dense", "units": 10 }',
        ],
        '[28, 28, 1]',
        '{ "dataset": "mnist", "samples": 100 }',
      ),
      FILE,
    );
    assert.deepEqual(errors(result), ['dense-block-shape /model/layers/0/layers/0 5:43']);
  });
});

describe('spec: initializers orthogonal, truncatedNormal, varianceScaling', () => {
  const init = (value: string): ParseResult =>
    parseSpecText(spec([`{ "type": "dense", "units": 3, "activation": "softmax", "kernelInitializer": ${value} }`]), FILE);

  it('reads the name and the objects with their defaults', () => {
    const read = (value: string): unknown => {
      const layer = init(value).spec!.model.layers[0];
      return layer.type === 'dense' ? layer.kernelInitializer : undefined;
    };
    assert.equal(read('"orthogonal"'), 'orthogonal');
    assert.deepEqual(read('{ "type": "orthogonal" }'), { type: 'orthogonal', gain: 1 });
    assert.deepEqual(read('{ "type": "orthogonal", "gain": 1.41 }'), { type: 'orthogonal', gain: 1.41 });
    assert.deepEqual(read('{ "type": "truncatedNormal" }'), { type: 'truncatedNormal', mean: 0, stddev: 0.05 });
    assert.deepEqual(read('{ "type": "varianceScaling" }'), {
      type: 'varianceScaling',
      scale: 1,
      mode: 'fanIn',
      distribution: 'normal',
    });
    assert.deepEqual(read('{ "type": "varianceScaling", "scale": 2, "mode": "fanAvg", "distribution": "uniform" }'), {
      type: 'varianceScaling',
      scale: 2,
      mode: 'fanAvg',
      distribution: 'uniform',
    });
  });

  it('errors at the offending value', () => {
    assert.deepEqual(errors(init('"truncatedNormal"')), ['wrong-type /model/layers/0/kernelInitializer 5:84']);
    assert.deepEqual(errors(init('{ "type": "varianceScaling", "distribution": "gaussian" }')), [
      'unknown-value /model/layers/0/kernelInitializer/distribution 5:129',
    ]);
    assert.deepEqual(errors(init('{ "type": "orthogonal", "gain": -1 }')), [
      'out-of-range /model/layers/0/kernelInitializer/gain 5:116',
    ]);
    assert.deepEqual(errors(init('{ "type": "orthogonal", "scale": 2 }')), [
      'not-applicable /model/layers/0/kernelInitializer/scale 5:108',
    ]);
  });
});
