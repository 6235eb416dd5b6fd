// Where the editor offers "Use learning rate X from the range test" (src/training/fixes/learningRateSite.ts): on the
// property learningRateEdit writes, every line of it, or on the first line of the object that would hold it.
import * as assert from 'assert';
import { learningRateSite } from '../../src/training/fixes/learningRateSite';
import { parseSpecText } from '../../src/training/spec/parse';

function site(training: string): ReturnType<typeof learningRateSite> {
  const text = `// comment
{
  "name": "t",
  "data": { "dataset": "spiral", "samples": 60, "classes": 3 },
  "model": { "inputShape": [2], "layers": [{ "type": "dense", "units": 3, "activation": "softmax" }] },
  "training": {
    "epochs": 2,
${training}
  }
}
`;
  const parsed = parseSpecText(text, '/ws/t.gradscope.json');
  assert.ok(parsed.spec, JSON.stringify(parsed.problems));
  return learningRateSite(text, parsed.spec.training);
}

describe('learningRateSite: where the range test’s code action is offered', () => {
  it('is the optimizer’s learningRate line', () => {
    assert.deepStrictEqual(site(`    "optimizer": { "type": "sgd", "learningRate": 0.1 }`), {
      first: 8,
      last: 8,
      specPath: '/training/optimizer/learningRate',
      exact: true,
    });
  });

  it('spans every line of a piecewise schedule’s values', () => {
    const s = site(`    "optimizer": { "type": "sgd", "learningRate": 0.1 },
    "schedule": {
      "type": "piecewise",
      "boundaries": [1],
      "values": [
        0.1,
        0.01
      ]
    }`);
    assert.deepStrictEqual(s, { first: 12, last: 15, specPath: '/training/schedule/values', exact: true });
  });

  it('falls back to the first line of the object that would hold a defaulted learningRate (also a shorthand)', () => {
    assert.deepStrictEqual(
      site(`    "optimizer": {
      "type": "adam"
    }`),
      { first: 8, last: 8, specPath: '/training/optimizer', exact: false },
    );
    assert.deepStrictEqual(site(`    "optimizer": "adam"`), {
      first: 8,
      last: 8,
      specPath: '/training/optimizer',
      exact: false,
    });
  });
});
