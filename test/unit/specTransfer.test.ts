// Transfer learning in the spec: `data.digits` on mnist, `trainable` and `learningRateMultiplier` on layers and blocks.

import * as assert from 'node:assert/strict';
import { parseSpecText } from '../../src/training/spec/parse';
import type { ParseResult, SpecProblem } from '../../src/training/spec/types';

const MNIST_HEAD = [{ type: 'flatten' }, { type: 'dense', units: 5 }];

function specText(data: object, layers: object[], inputShape?: number[]): string {
  const model = inputShape ? { inputShape, layers } : { layers };
  return JSON.stringify({ data, model, training: { epochs: 1 } }, null, 2);
}

function parse(text: string): ParseResult {
  return parseSpecText(text, '/virtual/t.gradscope.json');
}

function errors(text: string): SpecProblem[] {
  return parse(text).problems.filter((p) => p.severity === 'error');
}

describe('spec: data.digits', () => {
  it('selects digits on mnist: classes = their count, in the order given', () => {
    const result = parse(
      specText({ dataset: 'mnist', samples: 100, digits: [9, 5, 7] }, [{ type: 'flatten' }, { type: 'dense', units: 3 }]),
    );
    assert.deepEqual(
      result.problems.filter((p) => p.severity === 'error'),
      [],
    );
    assert.deepEqual(result.spec?.data.digits, [9, 5, 7]);
    assert.equal(result.spec?.data.classes, 3);
  });

  it('the output layer must match the digit count, not 10', () => {
    const [p] = errors(
      specText({ dataset: 'mnist', digits: [5, 6, 7, 8, 9] }, [{ type: 'flatten' }, { type: 'dense', units: 10 }]),
    );
    assert.ok(p, 'a 10-unit head on 5 digits is an error');
    assert.match(p.message, /5/);
  });

  it('a digit out of range: out-of-range at that element', () => {
    const text = specText({ dataset: 'mnist', digits: [5, 6, 10] }, MNIST_HEAD);
    const [p, ...rest] = errors(text);
    assert.deepEqual(rest, []);
    assert.equal(p.code, 'out-of-range');
    assert.equal(p.specPath, '/data/digits/2');
    assert.match(p.message, /"digits"\[2\] must be an integer from 0 to 9, got 10/);
    const line = text.split('\n')[p.range.start.line - 1];
    assert.equal(line.slice(p.range.start.column - 1).trim(), '10');
  });

  it('a repeated digit: duplicate-digit at the repeat, naming both positions', () => {
    const [p, ...rest] = errors(
      specText({ dataset: 'mnist', digits: [5, 6, 5] }, [{ type: 'flatten' }, { type: 'dense', units: 2 }]),
    );
    assert.deepEqual(rest, []);
    assert.equal(p.code, 'duplicate-digit');
    assert.equal(p.specPath, '/data/digits/2');
    assert.match(p.message, /digit 5 is listed twice in "digits" \(at positions 0 and 2\)/);
  });

  it('fewer than two digits, or not an array: wrong-type', () => {
    for (const digits of [[3], 3, []]) {
      const [p] = errors(specText({ dataset: 'mnist', digits }, MNIST_HEAD));
      assert.equal(p.code, 'wrong-type', JSON.stringify(digits));
      assert.equal(p.specPath, '/data/digits');
    }
  });

  it('"classes" that differs from the digit count: dataset-mismatch', () => {
    const [p] = errors(specText({ dataset: 'mnist', digits: [0, 1, 2, 3, 4], classes: 10 }, MNIST_HEAD));
    assert.equal(p.code, 'dataset-mismatch');
    assert.equal(p.specPath, '/data/classes');
    assert.match(p.message, /"digits" lists 5 digits, so there are 5 classes; "classes" is 10/);
  });

  it('digits on another dataset: unknown for that dataset', () => {
    const [p] = errors(specText({ dataset: 'spiral', digits: [0, 1] }, [{ type: 'dense', units: 3 }]));
    assert.ok(p);
    assert.equal(p.specPath, '/data/digits');
  });
});

describe('spec: trainable and learningRateMultiplier', () => {
  const data = { dataset: 'spiral' };

  it('a layer keeps its own settings; a block passes its settings to the layers inside, which may override them', () => {
    const result = parse(
      specText(data, [
        { type: 'dense', units: 8, trainable: false, learningRateMultiplier: 0.1 },
        {
          type: 'residual',
          trainable: false,
          learningRateMultiplier: 0.5,
          layers: [
            { type: 'dense', units: 8 },
            { type: 'batchNormalization' },
            { type: 'dense', units: 8, trainable: true, learningRateMultiplier: 2 },
          ],
        },
        { type: 'dense', units: 3 },
      ]),
    );
    assert.deepEqual(
      result.problems.filter((p) => p.severity === 'error'),
      [],
    );
    const [first, block, head] = result.spec!.model.layers;
    assert.equal(first.trainable, false);
    assert.equal(first.learningRateMultiplier, 0.1);
    assert.ok(block.type === 'residual');
    assert.equal(block.trainable, false);
    const [inner, norm, own] = block.layers;
    assert.deepEqual([inner.trainable, inner.learningRateMultiplier], [false, 0.5]);
    assert.deepEqual([norm.trainable, norm.learningRateMultiplier], [false, 0.5]);
    assert.deepEqual([own.trainable, own.learningRateMultiplier], [undefined, 2]);
    assert.deepEqual([head.trainable, head.learningRateMultiplier], [undefined, undefined]);
  });

  it('repeat copies inherit the enclosing block settings', () => {
    const result = parse(
      specText(data, [
        { type: 'residual', trainable: false, layers: [{ repeat: 2, layers: [{ type: 'dense', units: 4 }] }] },
        { type: 'dense', units: 3 },
      ]),
    );
    const block = result.spec!.model.layers[0];
    assert.ok(block.type === 'residual');
    assert.deepEqual(
      block.layers.map((l) => l.trainable),
      [false, false],
    );
  });

  it('on a layer without weights: unknown for that layer type', () => {
    const [p] = errors(
      specText(data, [
        { type: 'dense', units: 8 },
        { type: 'dropout', rate: 0.1, trainable: false },
        { type: 'dense', units: 3 },
      ]),
    );
    assert.ok(p);
    assert.equal(p.specPath, '/model/layers/1/trainable');
  });

  it('trainable must be a boolean and the multiplier > 0 and ≤ 100', () => {
    const [t] = errors(specText(data, [{ type: 'dense', units: 3, trainable: 'no' }]));
    assert.equal(t.code, 'wrong-type');
    assert.equal(t.specPath, '/model/layers/0/trainable');
    for (const m of [0, -1, 101]) {
      const [p] = errors(specText(data, [{ type: 'dense', units: 3, learningRateMultiplier: m }]));
      assert.equal(p.code, 'out-of-range', String(m));
      assert.equal(p.specPath, '/model/layers/0/learningRateMultiplier');
    }
  });
});

describe('spec: training.unfreeze', () => {
  const layers = [
    { type: 'dense', units: 8, trainable: false },
    { type: 'dense', units: 3 },
  ];
  const text = (unfreeze: unknown, epochs = 5): string =>
    JSON.stringify({ data: { dataset: 'spiral' }, model: { layers }, training: { epochs, unfreeze } }, null, 2);

  it('reads the entries in epoch order', () => {
    const result = parse(
      text([
        { epoch: 4, layers: 'all' },
        { epoch: 2, layers: ['dense_1'] },
      ]),
    );
    assert.deepEqual(result.spec?.training.unfreeze, [
      { epoch: 2, layers: ['dense_1'] },
      { epoch: 4, layers: 'all' },
    ]);
  });

  it('an epoch before 2 or after the last: out-of-range at the epoch', () => {
    for (const epoch of [1, 6]) {
      const [p] = errors(text([{ epoch, layers: 'all' }]));
      assert.equal(p.code, 'out-of-range', String(epoch));
      assert.equal(p.specPath, '/training/unfreeze/0/epoch');
    }
  });

  it('bad layers, a missing field or a non-list: positioned errors', () => {
    assert.equal(errors(text([{ epoch: 2, layers: 'some' }]))[0].specPath, '/training/unfreeze/0/layers');
    assert.equal(errors(text([{ epoch: 2, layers: [] }]))[0].code, 'wrong-type');
    assert.equal(errors(text([{ epoch: 2 }]))[0].code, 'missing-required');
    assert.equal(errors(text({ epoch: 2, layers: 'all' }))[0].specPath, '/training/unfreeze');
  });
});
