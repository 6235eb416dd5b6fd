// Parsing the normalization and regularization vocabulary: defaults, and errors with their codes and positions
// (a group count that does not divide the channels is a shape error at the layer, the others at the bad value).

import * as assert from 'node:assert/strict';
import { parseSpecText } from '../../src/training/spec/parse';
import type { SpecProblem } from '../../src/training/spec/types';

/** A spiral (2 features) model with these layers, one layer per line so positions are easy to state. */
function specText(layers: object[], inputShape?: number[], dataset = 'spiral'): string {
  const lines = layers.map((l) => `      ${JSON.stringify(l)}`).join(',\n');
  const shape = inputShape ? `"inputShape": ${JSON.stringify(inputShape)}, ` : '';
  return `{\n  "data": { "dataset": "${dataset}" },\n  "model": { ${shape}"layers": [\n${lines}\n  ] }\n}`;
}

function errors(text: string): SpecProblem[] {
  return parseSpecText(text, '/virtual/n.gradscope.json').problems.filter((p) => p.severity === 'error');
}

const OUT = { type: 'dense', units: 3, activation: 'softmax' };

describe('spec: normalization and regularization', () => {
  it('fills the defaults: groupNormalization epsilon 1e-3, rmsNormalization epsilon 1e-6, kernelRegularizer l1/l2 0', () => {
    const text = specText([
      { type: 'dense', units: 8, kernelRegularizer: { l2: 0.01 }, weightNormalization: true },
      { type: 'groupNormalization', groups: 2 },
      { type: 'rmsNormalization' },
      { type: 'alphaDropout', rate: 0.1 },
      { type: 'gaussianNoise', stddev: 0.2 },
      { type: 'dense', units: 3, activation: 'softmax', kernelConstraint: { type: 'maxNorm', maxValue: 3 } },
    ]);
    const result = parseSpecText(text, '/virtual/n.gradscope.json');
    assert.deepEqual(errors(text), []);
    const [dense, group, rms, alpha, noise, out] = result.spec!.model.layers;
    assert.ok(dense.type === 'dense' && dense.weightNormalization === true);
    assert.deepEqual(dense.kernelRegularizer, { l1: 0, l2: 0.01 });
    assert.equal(dense.kernelConstraint, undefined);
    assert.ok(group.type === 'groupNormalization' && group.groups === 2 && group.epsilon === 1e-3);
    assert.ok(rms.type === 'rmsNormalization' && rms.epsilon === 1e-6);
    assert.ok(alpha.type === 'alphaDropout' && alpha.rate === 0.1);
    assert.ok(noise.type === 'gaussianNoise' && noise.stddev === 0.2);
    assert.ok(out.type === 'dense' && out.weightNormalization === undefined);
    assert.deepEqual(out.kernelConstraint, { type: 'maxNorm', maxValue: 3 });
  });

  it('a group count that does not divide the channels: group-count at the layer, naming the counts that fit', () => {
    const text = specText([{ type: 'dense', units: 12 }, { type: 'groupNormalization', groups: 5 }, OUT]);
    const [p] = errors(text);
    assert.equal(p.code, 'group-count');
    assert.equal(p.specPath, '/model/layers/1');
    assert.deepEqual(p.range.start, { line: 5, column: 7 });
    assert.match(p.message, /"groups" \(5\) must divide the 12 features of its input \[12\]; use one of 1, 2, 3, 4, 6, 12/);
  });

  it('on images the groups divide the channels', () => {
    const text = specText(
      [
        { type: 'conv2d', filters: 6, kernelSize: 3 },
        { type: 'groupNormalization', groups: 4 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      [28, 28, 1],
      'mnist',
    );
    const [p] = errors(text);
    assert.equal(p.code, 'group-count');
    assert.match(p.message, /must divide the 6 channels of its input \[26, 26, 6\]; use one of 1, 2, 3, 6/);
  });

  it('groupNormalization on a 2-D input is a shape error', () => {
    const text = specText([{ type: 'groupNormalization', groups: 1 }, { type: 'flatten' }, OUT], [4, 4]);
    const p = errors(text).find((e) => e.code === 'shape-mismatch');
    assert.ok(
      p,
      errors(text)
        .map((e) => e.code)
        .join(),
    );
    assert.match(p.message, /groupNormalization needs a 1-D input \[features\] or an image input/);
  });

  it('weightNormalization with a kernelConstraint: not-applicable at the constraint', () => {
    const text = specText([
      { type: 'dense', units: 3, weightNormalization: true, kernelConstraint: { type: 'maxNorm', maxValue: 2 } },
    ]);
    const [p] = errors(text);
    assert.equal(p.code, 'not-applicable');
    assert.equal(p.specPath, '/model/layers/0/kernelConstraint');
    assert.match(p.message, /cannot be combined with "weightNormalization"/);
  });

  it('regularizer and constraint errors point at the bad value', () => {
    const cases: [object, string, string][] = [
      [{ kernelRegularizer: { l2: -1 } }, 'out-of-range', '/model/layers/0/kernelRegularizer/l2'],
      [{ kernelRegularizer: { l3: 1 } }, 'unknown-property', '/model/layers/0/kernelRegularizer/l3'],
      [{ kernelRegularizer: 0.01 }, 'wrong-type', '/model/layers/0/kernelRegularizer'],
      [{ kernelConstraint: { type: 'maxnorm', maxValue: 1 } }, 'unknown-value', '/model/layers/0/kernelConstraint/type'],
      [{ kernelConstraint: { type: 'maxNorm', maxValue: 0 } }, 'out-of-range', '/model/layers/0/kernelConstraint/maxValue'],
      [{ weightNormalization: 'yes' }, 'wrong-type', '/model/layers/0/weightNormalization'],
    ];
    for (const [extra, code, specPath] of cases) {
      const found = errors(specText([{ type: 'dense', units: 3, ...extra }]));
      assert.deepEqual(
        found.map((p) => [p.code, p.specPath]),
        [[code, specPath]],
        JSON.stringify(extra),
      );
    }
  });

  it('the kernel penalties do not apply to layers without a kernel', () => {
    const [p] = errors(specText([{ type: 'rmsNormalization', kernelRegularizer: { l2: 1 } }, OUT]));
    assert.equal(p.code, 'not-applicable');
    assert.match(p.message, /"kernelRegularizer" does not apply to a rmsNormalization layer/);
  });
});
