// Property tests of the lint on random valid specs built from the layer vocabulary: lint never fails, never
// blocks the spec, every finding has a range inside the text and a fix, and every fix it offers, applied to the
// text, leaves a valid spec without that finding.

import * as fc from 'fast-check';
import * as assert from 'node:assert/strict';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { LINT_CODES } from '../../src/training/lint';
import { parseSpecText } from '../../src/training/spec/parse';

const FILE = '/virtual/random.gradscope.json';
const LINT = new Set<string>(LINT_CODES);

const activation = fc.constantFrom<unknown>(
  undefined,
  'relu',
  'sigmoid',
  'tanh',
  'selu',
  'linear',
  'elu',
  'gelu',
  'prelu',
  'rrelu',
  'relu6',
  'softplus',
  'hardSigmoid',
  // The object form: a fix that moves an activation must keep its parameters.
  { type: 'leakyRelu', alpha: 0.2 },
  { type: 'elu', alpha: 0.5 },
  { type: 'rrelu', lower: 0.1, upper: 0.2 },
);
const initializer = fc.constantFrom<unknown>(
  undefined,
  'heNormal',
  'glorotUniform',
  'lecunNormal',
  'zeros',
  'ones',
  { type: 'randomNormal', mean: 0, stddev: 0.01 },
  { type: 'randomNormal', mean: 0, stddev: 1.5 },
  { type: 'constant', value: 0.2 },
);

const dense = fc.record({ units: fc.constantFrom(4, 8), activation, kernelInitializer: initializer }).map((d) => {
  const out: Record<string, unknown> = { type: 'dense', units: d.units };
  if (d.activation) out.activation = d.activation;
  if (d.kernelInitializer) out.kernelInitializer = d.kernelInitializer;
  return out;
});
const simple = fc.oneof(
  { weight: 4, arbitrary: dense },
  fc.constantFrom(
    { type: 'dropout', rate: 0.2 },
    { type: 'dropout', rate: 0.7 },
    { type: 'batchNormalization' },
    { type: 'layerNormalization' },
    { type: 'activation', activation: 'relu' },
    { type: 'activation', activation: 'sigmoid' },
    { type: 'activation', activation: { type: 'leakyRelu', alpha: 0.3 } },
  ),
);
const block = fc.oneof(
  { weight: 4, arbitrary: simple },
  {
    weight: 1,
    arbitrary: fc.record({ repeat: fc.integer({ min: 2, max: 9 }), layers: fc.array(simple, { minLength: 1, maxLength: 3 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('residual'), layers: fc.array(simple, { minLength: 1, maxLength: 2 }) }),
  },
);

const spec = fc
  .record({
    layers: fc.array(block, { maxLength: 5 }),
    output: fc.constantFrom(undefined, 'softmax', 'sigmoid', 'tanh'),
    trailingDropout: fc.boolean(),
    loss: fc.constantFrom(undefined, 'categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'),
    optimizer: fc.constantFrom(
      { type: 'adam', learningRate: 0.001 },
      { type: 'adam', learningRate: 0.05 },
      { type: 'sgd', learningRate: 0.00001 },
      'rmsprop',
      { type: 'adagrad', learningRate: 0.5 },
    ),
    batchSize: fc.constantFrom(4, 32),
    multiline: fc.boolean(),
  })
  .map((s) => {
    const output: Record<string, unknown> = { type: 'dense', units: 3 };
    if (s.output) output.activation = s.output;
    const training: Record<string, unknown> = { epochs: 2, batchSize: s.batchSize, optimizer: s.optimizer };
    if (s.loss) training.loss = s.loss;
    const value = {
      data: { dataset: 'spiral', samples: 200, classes: 3 },
      model: { inputShape: [2], layers: [...s.layers, output, ...(s.trailingDropout ? [{ type: 'dropout', rate: 0.1 }] : [])] },
      training,
    };
    const body = s.multiline ? JSON.stringify(value, null, 2) : JSON.stringify(value);
    return `// random spec\n${body.replace('"model"', '/* the model */ "model"')}\n`;
  });

describe('lint: properties on random valid specs', () => {
  it('never fails or blocks, and every finding has a fix that cures it and keeps the spec valid', () => {
    fc.assert(
      fc.property(spec, (text) => {
        const result = parseSpecText(text, FILE);
        fc.pre(result.problems.every((p) => p.severity !== 'error'));
        assert.ok(result.spec);
        for (const p of result.problems.filter((q) => LINT.has(q.code) || q.code === 'lint-internal-error')) {
          assert.notEqual(p.code, 'lint-internal-error', p.message);
          assert.ok(p.range.offset >= 0 && p.range.offset + p.range.length <= text.length, 'range inside the text');
          assert.ok(p.fixes && p.fixes.length > 0, `${p.code} ${p.specPath} has no fix:\n${text}`);
          for (const f of p.fixes) {
            const fixed = applyPatchToText(text, f.patch);
            const after = parseSpecText(fixed, FILE);
            assert.ok(after.spec, `${f.title} broke the spec`);
            assert.ok(fixed.startsWith('// random spec\n') && fixed.includes('/* the model */'), 'comments kept');
            const again = after.problems.filter(
              (q) => q.code === p.code && (q.specPath === p.specPath || q.specPath.startsWith(p.specPath + '/')),
            );
            assert.deepEqual(
              again.map((q) => q.message),
              [],
              `"${f.title}" did not cure ${p.code} ${p.specPath}:\n${text}`,
            );
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
