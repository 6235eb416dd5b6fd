// The `activation` property: names and the object form with parameters, read by one reader for every layer, with
// positioned errors for each way an object can be wrong.

import * as assert from 'node:assert/strict';
import { parse as parseJsonc } from 'jsonc-parser';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { batchNormCure } from '../../src/training/fixes/layerCures';
import { PatchBuilder } from '../../src/training/fixes/patchBuilder';
import { runs, weightEntry } from '../../src/training/lint/model';
import { parseSpecText } from '../../src/training/spec/parse';
import type { ParsedSpec, SpecProblem } from '../../src/training/spec/types';

/** A spiral spec whose first layer is `layer` (a 3-unit output follows), as text, one layer per line. */
function specText(layer: object): string {
  return [
    '{',
    '  "data": { "dataset": "spiral" },',
    '  "model": {',
    '    "layers": [',
    `      ${JSON.stringify(layer)},`,
    '      { "type": "dense", "units": 3, "activation": "softmax" }',
    '    ]',
    '  }',
    '}',
  ].join('\n');
}

function parse(layer: object): { spec?: ParsedSpec; errors: SpecProblem[]; text: string } {
  const text = specText(layer);
  const result = parseSpecText(text, '/tmp/activation.gradscope.json');
  return { spec: result.spec, errors: result.problems.filter((p) => p.severity === 'error'), text };
}

/** The one error of a layer, with the text its range covers. */
function oneError(layer: object): { code: string; message: string; at: string; line: number; path: string } {
  const { errors, text } = parse(layer);
  assert.equal(errors.length, 1, JSON.stringify(errors.map((e) => e.message)));
  const e = errors[0];
  const line = text.split('\n')[e.range.start.line - 1];
  const at = line.slice(e.range.start.column - 1, e.range.end.line === e.range.start.line ? e.range.end.column - 1 : undefined);
  return { code: e.code, message: e.message, at, line: e.range.start.line, path: e.specPath };
}

describe('spec parser: activation names and objects', () => {
  it('reads the object form with its parameters, and names alone without parameters', () => {
    const cases: [object | string, object][] = [
      [
        { type: 'leakyRelu', alpha: 0.2 },
        { activation: 'leakyRelu', activationParams: { alpha: 0.2 } },
      ],
      [
        { type: 'elu', alpha: 1.0 },
        { activation: 'elu', activationParams: { alpha: 1 } },
      ],
      [
        { type: 'rrelu', lower: 0.1, upper: 0.3 },
        { activation: 'rrelu', activationParams: { lower: 0.1, upper: 0.3 } },
      ],
      [
        { type: 'rrelu', upper: 0.2 },
        { activation: 'rrelu', activationParams: { upper: 0.2 } },
      ],
      [{ type: 'prelu' }, { activation: 'prelu' }],
      ['prelu', { activation: 'prelu' }],
      ['rrelu', { activation: 'rrelu' }],
      ['softplus', { activation: 'softplus' }],
      ['hardSigmoid', { activation: 'hardSigmoid' }],
      ['relu6', { activation: 'relu6' }],
    ];
    for (const [activation, expected] of cases) {
      for (const layer of [
        { type: 'dense', units: 4, activation },
        { type: 'activation', activation },
      ]) {
        const { spec, errors } = parse(layer);
        assert.deepEqual(errors, [], JSON.stringify(activation));
        const got = spec!.model.layers[0] as unknown as Record<string, unknown>;
        assert.deepEqual(
          { activation: got.activation, ...(got.activationParams ? { activationParams: got.activationParams } : {}) },
          expected,
          JSON.stringify(layer),
        );
      }
    }
  });

  it('reports each wrong object at the offending node, with a stable code', () => {
    const dense = (activation: unknown): object => ({ type: 'dense', units: 4, activation });
    const cases: [unknown, string, string, string][] = [
      // [activation, code, text under the range, message fragment]
      [{ type: 'rrelu', lower: 0.3, upper: 0.2 }, 'out-of-range', '0.3', '"lower" (0.3) must not exceed "upper" (0.2)'],
      [{ type: 'rrelu', lower: 0.5 }, 'out-of-range', '0.5', 'must not exceed "upper" (0.3333333333333333)'],
      [{ type: 'leakyRelu', alpha: 0 }, 'out-of-range', '0', '"alpha" must be a number > 0 and < 1'],
      [{ type: 'leakyRelu', alpha: 1 }, 'out-of-range', '1', '< 1'],
      [{ type: 'elu', alpha: -1 }, 'out-of-range', '-1', '> 0'],
      [{ type: 'rrelu', upper: 1.5 }, 'out-of-range', '1.5', '< 1'],
      [{ type: 'leakyRelu', alpha: '0.2' }, 'wrong-type', '"0.2"', 'must be a number'],
      [{ type: 'relu', alpha: 0.1 }, 'not-applicable', '"alpha"', 'the relu activation (it takes no parameters)'],
      [{ type: 'prelu', alpha: 0.1 }, 'not-applicable', '"alpha"', 'takes no parameters'],
      [{ type: 'leakyRelu', lower: 0.1 }, 'not-applicable', '"lower"', 'takes: type, alpha'],
      [{ type: 'elu', slope: 0.1 }, 'unknown-property', '"slope"', 'unknown property "slope"'],
      [{ type: 'leakyReLU' }, 'unknown-value', '"leakyReLU"', 'did you mean "leakyRelu"'],
      [{ alpha: 0.2 }, 'missing-required', '{"alpha":0.2}', 'missing the required property "type"'],
      [3, 'wrong-type', '3', 'a name (linear, relu'],
    ];
    for (const [activation, code, at, fragment] of cases) {
      const e = oneError(dense(activation));
      const label = JSON.stringify(activation);
      assert.equal(e.code, code, `${label}: ${e.message}`);
      assert.equal(e.line, 5, label);
      assert.equal(e.at, at, `${label}: range covers ${e.at}`);
      assert.ok(e.message.includes(fragment), `${label}: ${e.message}`);
      assert.ok(e.path.startsWith('/model/layers/0/activation'), `${label}: ${e.path}`);
    }
  });
});

describe('fixes that move an activation keep its parameters', () => {
  it('batch normalization inserted before a leakyRelu with α = 0.2 keeps α on the new activation entry', () => {
    const text = specText({ type: 'dense', units: 4, activation: { type: 'leakyRelu', alpha: 0.2 } });
    const spec = parse({ type: 'dense', units: 4, activation: { type: 'leakyRelu', alpha: 0.2 } }).spec!;
    const [run] = runs(spec, (m) => m.activation.activation === 'leakyRelu');
    const fix = batchNormCure(new PatchBuilder(parseJsonc(text)), run.map(weightEntry))!;
    const fixed = parseSpecText(applyPatchToText(text, fix.patch), '/tmp/fixed.gradscope.json');
    assert.deepEqual(
      fixed.problems.filter((p) => p.severity === 'error'),
      [],
    );
    const layers = fixed.spec!.model.layers.map((l) => ({
      type: l.type,
      ...('activation' in l && { activation: l.activation }),
    }));
    assert.deepEqual(layers.slice(0, 3), [
      { type: 'dense', activation: 'linear' },
      { type: 'batchNormalization' },
      { type: 'activation', activation: 'leakyRelu' },
    ]);
    assert.deepEqual((fixed.spec!.model.layers[2] as { activationParams?: object }).activationParams, { alpha: 0.2 });
  });
});
