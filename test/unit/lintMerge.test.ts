// Identical findings on layers written out one by one are reported once, at the first layer, with the other
// places as related locations and one fix that mends all of them.

import * as assert from 'node:assert/strict';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { mergeIdenticalFindings } from '../../src/training/lint/mergeFindings';
import { formatProblem, parseSpecText } from '../../src/training/spec/parse';
import type { SpecProblem } from '../../src/training/spec/types';

const FILE = '/virtual/merge.gradscope.json';
/** Layer i sits on line 6 + i. */
const layerLine = (i: number): number => 6 + i;

function specText(layer: string, count: number, last = '{ "type": "dense", "units": 3, "activation": "softmax" }'): string {
  return [
    '{',
    // 16 input features, so every hidden layer has the same fans and the same variance ratio in its message.
    '  "data": { "dataset": "blobs", "samples": 300, "classes": 3, "features": 16 },',
    '  "model": {',
    '    "inputShape": [16],',
    '    "layers": [',
    ...Array.from({ length: count }, (_, i) => `      ${layer}, // layer ${i}`),
    `      ${last}`,
    '    ]',
    '  },',
    '  "training": { "epochs": 2, "batchSize": 32, "optimizer": { "type": "adam", "learningRate": 0.001 } }',
    '}',
    '',
  ].join('\n');
}

function findings(text: string, code: string): SpecProblem[] {
  const result = parseSpecText(text, FILE);
  assert.ok(result.spec, result.problems.map((p) => p.message).join('\n'));
  return result.problems.filter((p) => p.code === code);
}

describe('lint: one finding for identical layers', () => {
  for (const [what, layer] of [
    ['the default initializer', '{ "type": "dense", "units": 16, "activation": "relu" }'],
    ['a written initializer', '{ "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": "glorotUniform" }'],
  ]) {
    it(`eight relu layers with ${what}: one initializer-mismatch, eight places, one fix that clears all eight`, () => {
      const text = specText(layer, 8);
      const found = findings(text, 'initializer-mismatch');
      assert.equal(found.length, 1, found.map((p) => p.specPath).join(', '));
      const [f] = found;
      assert.equal(f.range.start.line, layerLine(0));
      assert.deepEqual(
        f.related?.map((r) => r.range.start.line),
        [1, 2, 3, 4, 5, 6, 7].map(layerLine),
      );
      assert.deepEqual(
        f.related?.map((r) => r.specPath.replace('/kernelInitializer', '')),
        [1, 2, 3, 4, 5, 6, 7].map((i) => `/model/layers/${i}`),
      );
      assert.match(f.message, /; the same for the layers at lines 7, 8, 9, 10, 11, 12, 13$/);
      assert.equal(f.fixes?.length, 1, 'one fix, kept by the cure check');
      const patched = applyPatchToText(text, f.fixes[0].patch);
      assert.deepEqual(findings(patched, 'initializer-mismatch'), []);
      const spec = parseSpecText(patched, FILE).spec;
      assert.deepEqual(
        spec?.model.layers.slice(0, 8).map((l) => l.type === 'dense' && l.kernelInitializer),
        Array(8).fill('heNormal'),
      );
      for (let i = 0; i < 8; i++) assert.ok(patched.includes(`// layer ${i}`), 'comments are kept');
    });
  }

  it('check output names each related line as a note', () => {
    const [f] = findings(specText('{ "type": "dense", "units": 16, "activation": "relu" }', 8), 'initializer-mismatch');
    const lines = formatProblem('merge.gradscope.json', f).split('\n');
    assert.equal(lines.length, 8);
    assert.match(lines[0], /^merge\.gradscope\.json:6:7: warning: .* \[initializer-mismatch\]$/);
    assert.equal(lines[1], 'merge.gradscope.json:7:7: note: the same initializer-mismatch finding here');
  });

  it('keeps findings apart when their messages differ beyond the layer', () => {
    // Seven default and one written glorotUniform: "(the default)" is said of seven only.
    const text = specText(
      '{ "type": "dense", "units": 16, "activation": "relu" }',
      7,
      '{ "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": "glorotUniform" }, { "type": "dense", "units": 3, "activation": "softmax" }',
    );
    const found = findings(text, 'initializer-mismatch');
    assert.equal(found.length, 2);
    assert.equal(found[0].related?.length, 6);
    assert.equal(found[1].related, undefined);
  });

  it('a single finding stays as it was, without related locations', () => {
    const text = specText('{ "type": "dense", "units": 16, "activation": "tanh", "kernelInitializer": "heNormal" }', 1);
    const found = findings(text, 'initializer-mismatch');
    assert.equal(found.length, 1);
    assert.equal(found[0].related, undefined);
    assert.doesNotMatch(found[0].message, /the same for/);
  });

  it('merges patches last layer first and makes an edit shared by every patch once; findings off the layers stay apart', () => {
    const range = (line: number): SpecProblem['range'] => ({
      start: { line, column: 1 },
      end: { line, column: 2 },
      offset: line,
      length: 1,
    });
    const finding = (specPath: string, line: number): SpecProblem => ({
      severity: 'warning',
      code: 'c',
      message: 'm',
      specPath,
      range: range(line),
      fixes: [
        {
          title: 't',
          patch: [
            { op: 'add', path: `${specPath}/x`, value: 1 },
            { op: 'add', path: '/training/clipNorm', value: 1 },
          ],
        },
      ],
    });
    const lr = (line: number): SpecProblem => ({
      severity: 'info',
      code: 'c',
      message: 'm',
      specPath: '/training/optimizer',
      range: range(line),
    });
    const merged = mergeIdenticalFindings([finding('/model/layers/0', 3), lr(9), finding('/model/layers/1', 4), lr(10)]);
    assert.equal(merged.length, 3);
    assert.deepEqual(merged[0].fixes?.[0].patch, [
      { op: 'add', path: '/model/layers/1/x', value: 1 },
      { op: 'add', path: '/training/clipNorm', value: 1 },
      { op: 'add', path: '/model/layers/0/x', value: 1 },
    ]);
    assert.equal(merged[0].fixes?.[0].title, 't, and the same for the 1 other layer like it');
    assert.deepEqual(
      merged.slice(1).map((p) => p.related),
      [undefined, undefined],
    );
  });
});
