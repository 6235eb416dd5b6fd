// Spec parser: every problem points at exactly the right place (line:column), plus rangeOfPath and formatProblem.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { formatProblem, nearestRangeOfPath, parseSpecText, rangeOfPath } from '../../src/training/spec/parse';
import type { SpecProblem } from '../../src/training/spec/types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/specs');
const FILE = '/nonexistent-gradscope-dir/spec.gradscope.json';

const lines = (...ls: string[]): string => ls.join('\n');

/** `line:col-line:col code specPath` — one string per problem, easy to compare and to read in a failure. */
function where(p: SpecProblem): string {
  const { start, end } = p.range;
  return `${start.line}:${start.column}-${end.line}:${end.column} ${p.code} ${p.specPath}`;
}

function problems(text: string, file = FILE): SpecProblem[] {
  const result = parseSpecText(text, file);
  if (result.problems.some((p) => p.severity === 'error')) assert.equal(result.spec, undefined);
  return result.problems;
}

/** A spiral spec whose layers are the given lines (line 5 onward). */
function withLayers(...layerLines: string[]): string {
  return lines('{', '  "data": { "dataset": "spiral" },', '  "model": {', '    "layers": [', ...layerLines, '    ]', '  }', '}');
}

describe('spec parser: positions', () => {
  it('syntax errors: every jsonc-parser error with its position, then nothing else', () => {
    const text = lines(
      '{',
      '  "data": { "dataset": "spiral" }',
      '  "model": { "layers": [ { "type": "dense" "units": 3 } ] },',
      '  "training": { "epochs": 2 ',
      '}',
    );
    const found = problems(text);
    assert.deepEqual(found.map(where), [
      '3:3-3:10 syntax ', // "model" where a comma was expected after line 2
      '3:44-3:51 syntax ', // "units" right after "dense"
      '5:2-5:2 syntax ', // end of file: the training object is never closed
    ]);
    assert.match(found[0].message, /expected "," .*\(CommaExpected\)/);
    assert.match(found[2].message, /\(CloseBraceExpected\)/);
    assert.ok(found.every((p) => p.severity === 'error'));
  });

  it('an unknown layer type: the type value, with a suggestion', () => {
    const [p, ...rest] = problems(withLayers('      { "type": "dens", "units": 3 }'));
    assert.deepEqual(rest, []);
    assert.equal(where(p), '5:17-5:23 unknown-layer-type /model/layers/0/type');
    assert.match(p.message, /^unknown layer type "dens"; expected one of dense, conv2d, .* \(did you mean "dense"\?\)$/);
  });

  it('an unknown property: the key, with the closest known name', () => {
    const found = problems(withLayers('      { "type": "dense", "unit": 3 }'));
    assert.deepEqual(found.map(where), [
      '5:7-5:37 missing-required /model/layers/0/units', // the object: "units" is missing
      '5:26-5:32 unknown-property /model/layers/0/unit', // the key
    ]);
    assert.equal(found[1].message, 'unknown property "unit" in a dense layer (did you mean "units"?)');
    assert.equal(found[0].message, 'a dense layer is missing the required property "units"');
  });

  it('a value of the wrong type: the value', () => {
    const [p] = problems(withLayers('      { "type": "dense", "units": "3" }'));
    assert.equal(where(p), '5:35-5:38 wrong-type /model/layers/0/units');
    assert.equal(p.message, '"units" must be an integer from 1 to 65536, got "3" (a string)');
  });

  it('a non-integer count and an out-of-range number: the value', () => {
    const text = lines(
      '{',
      '  "data": { "dataset": "spiral", "validationSplit": 0.95 },',
      '  "model": { "layers": [ { "type": "dense", "units": 0.5 } ] }',
      '}',
    );
    const found = problems(text);
    assert.deepEqual(found.map(where), [
      '2:53-2:57 out-of-range /data/validationSplit',
      '3:54-3:57 not-integer /model/layers/0/units',
    ]);
    assert.equal(found[0].message, '"validationSplit" must be a number from 0.05 to 0.9, got 0.95');
    assert.equal(found[1].message, '"units" must be an integer from 1 to 65536, got 0.5');
  });

  it('a missing required property: the object that lacks it', () => {
    const [p] = problems(withLayers('      { "type": "dropout" },', '      { "type": "dense", "units": 3 }'));
    assert.equal(where(p), '5:7-5:28 missing-required /model/layers/0/rate');
    assert.match(p.message, /^a dropout layer is missing the required property "rate"/);
    const [q] = problems('{ "data": { "dataset": "spiral" } }');
    assert.equal(where(q), '1:1-1:36 missing-required /model');
  });

  it('conv2d on a 1-D input: the layer entry', () => {
    const [p, ...rest] = problems(
      withLayers('      { "type": "conv2d", "filters": 4, "kernelSize": 3 },', '      { "type": "dense", "units": 3 }'),
    );
    assert.deepEqual(rest, []);
    assert.equal(where(p), '5:7-5:58 shape-mismatch /model/layers/0');
    assert.equal(p.message, 'conv2d needs an input of shape [height, width, channels], but its input has shape [2]');
  });

  it('a softmax output whose units differ from the classes: the last layer', () => {
    const [p, ...rest] = problems(
      withLayers(
        '      { "type": "dense", "units": 8, "activation": "relu" },',
        '      { "type": "dense", "units": 4, "activation": "softmax" }',
      ),
    );
    assert.deepEqual(rest, []);
    assert.equal(where(p), '6:7-6:63 output-mismatch /model/layers/1');
    assert.equal(p.message, 'the last layer has 4 units but the data has 3 classes');
  });

  it('an inputShape whose size differs from the data: the inputShape value', () => {
    const text = lines(
      '{',
      '  "data": { "dataset": "mnist" },',
      '  "model": {',
      '    "inputShape": [28, 27],',
      '    "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10, "activation": "softmax" } ]',
      '  }',
      '}',
    );
    const [p, ...rest] = problems(text);
    assert.deepEqual(rest, []);
    assert.equal(where(p), '4:19-4:27 input-shape-mismatch /model/inputShape');
    assert.equal(
      p.message,
      '"inputShape" [28, 27] holds 756 values per sample, but each mnist sample has 784 (shape [28, 28, 1]); use [28, 28, 1] or [784]',
    );
    assert.ok(parseSpecText(text.replace('[28, 27]', '[784]'), FILE).spec, 'a flat [784] is accepted too');
  });

  it('a missing csv file: the path value, with the resolved path', () => {
    const text = lines(
      '{',
      '  "data": { "dataset": "csv", "path": "data/nope.csv", "label": "y" },',
      '  "model": { "layers": [ { "type": "dense", "units": 3 } ] }',
      '}',
    );
    const [p, ...rest] = problems(text);
    assert.deepEqual(rest, []);
    assert.equal(where(p), '2:39-2:54 file-not-found /data/path');
    assert.equal(
      p.message,
      `csv file not found: data/nope.csv (resolved to ${path.resolve('/nonexistent-gradscope-dir/data/nope.csv')})`,
    );
  });

  it('an existing csv file but an unknown label column: the label value', () => {
    const file = path.join(FIXTURES, 'valid', 'inline.gradscope.json');
    const text = lines(
      '{',
      '  "data": { "dataset": "csv", "path": "data/iris-small.csv", "label": "kind" },',
      '  "model": { "layers": [ { "type": "dense", "units": 3 } ] }',
      '}',
    );
    const [p, ...rest] = problems(text, file);
    assert.deepEqual(rest, []);
    assert.equal(where(p), '2:71-2:77 dataset-error /data/label');
    assert.match(p.message, /label column "kind" not found/);
    assert.ok(parseSpecText(text.replace('"kind"', '"species"'), file).spec, 'the right label parses');
  });

  it('a shape error inside nested repeats and a residual: the template entry, naming the copy', () => {
    const text = lines(
      '{',
      '  "data": { "dataset": "mnist" },',
      '  "model": {',
      '    "layers": [',
      '      { "repeat": 2, "layers": [',
      '        { "type": "residual", "layers": [',
      '          { "type": "conv2d", "filters": 4, "kernelSize": 3, "padding": "same" }',
      '        ] },',
      '        { "repeat": 3, "layers": [',
      '          { "type": "maxPooling2d" }',
      '        ] }',
      '      ] },',
      '      { "type": "flatten" },',
      '      { "type": "dense", "units": 10, "activation": "softmax" }',
      '    ]',
      '  }',
      '}',
    );
    // 28 → 14 → 7 → 3 in the first outer copy; 3 → 1 → nothing in the second, at its second pooling.
    const [p, ...rest] = problems(text);
    assert.deepEqual(rest, []);
    assert.equal(where(p), '10:11-10:37 shape-too-small /model/layers/0/layers/1/layers/0');
    assert.match(p.message, /^maxPooling2d with poolSize \[2, 2\] does not fit its 1×1 input .*\(in copy 2\.2 of the repeat\)$/);

    const fixed = parseSpecText(text.replace('"repeat": 3', '"repeat": 1'), FILE);
    assert.deepEqual(fixed.problems, []);
    const layers = fixed.spec?.model.layers ?? [];
    const at = (i: number): unknown[] => [
      layers[i].type,
      layers[i].range.start.line,
      layers[i].range.start.column,
      layers[i].copies,
    ];
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(at), [
      ['residual', 6, 9, [0]],
      ['maxPooling2d', 10, 11, [0, 0]],
      ['residual', 6, 9, [1]],
      ['maxPooling2d', 10, 11, [1, 0]],
      ['flatten', 13, 7, undefined],
      ['dense', 14, 7, undefined],
    ]);
    const inner = layers[2].type === 'residual' ? layers[2].layers[0] : undefined;
    assert.deepEqual(
      [inner?.specPath, inner?.range.start, inner?.copies],
      ['/model/layers/0/layers/0/layers/0', { line: 7, column: 11 }, [1]],
    );
  });

  it('reports every independent problem at once, without cascading past an invalid layer', () => {
    const text = lines(
      '{',
      '  "data": { "dataset": "spiral", "noize": 0.1 },',
      '  "model": {',
      '    "layers": [',
      '      { "type": "dense", "units": 8, "activation": "rleu" },',
      '      { "type": "conv2d", "filters": 4, "kernelSize": 3 },',
      '      { "type": "dense", "units": 7, "activation": "softmax" }',
      '    ]',
      '  },',
      '  "training": { "epochs": 0, "optimizer": { "type": "adam", "momentum": 0.9 } }',
      '}',
    );
    assert.deepEqual(problems(text).map(where), [
      '2:34-2:41 unknown-property /data/noize',
      '5:52-5:58 unknown-value /model/layers/0/activation',
      // No shape error for the conv2d and no output check: they come after an invalid layer.
      '10:27-10:28 out-of-range /training/epochs',
      '10:61-10:71 not-applicable /training/optimizer/momentum',
    ]);
  });
});

describe('rangeOfPath', () => {
  const text = lines(
    '{',
    '  "model": {',
    '    "layers": [',
    '      { "type": "dense", "units": 3 },',
    '      { "repeat": 2, "layers": [ { "type": "dense", "units": 3 } ] }',
    '    ]',
    '  },',
    '  "a/b": { "c~d": true }',
    '}',
  );

  const span = (pointer: string): string | undefined => {
    const r = rangeOfPath(text, pointer);
    return r && `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
  };

  it('finds values by JSON Pointer: the root, objects, array items, numbers', () => {
    assert.equal(span(''), '1:1-9:2');
    assert.equal(span('/model/layers'), '3:15-6:6');
    assert.equal(span('/model/layers/0'), '4:7-4:38');
    assert.equal(span('/model/layers/0/units'), '4:35-4:36');
    assert.equal(span('/model/layers/1/layers/0/type'), '5:44-5:51');
  });

  it('decodes ~1 and ~0 in pointer segments', () => {
    assert.equal(span('/a~1b/c~0d'), '8:19-8:23');
  });

  it('is undefined for paths that are not in the text or not pointers', () => {
    assert.equal(span('/model/layers/2'), undefined);
    assert.equal(span('/model/layers/01'), undefined);
    assert.equal(span('/training'), undefined);
    assert.equal(span('model'), undefined);
    assert.equal(rangeOfPath('{ not json', '/x'), undefined);
    assert.equal(rangeOfPath('['.repeat(100000), '/0'), undefined, 'absurd nesting gives no range instead of a stack overflow');
  });

  it('offset and length slice out the node text', () => {
    const r = rangeOfPath(text, '/model/layers/0');
    assert.ok(r);
    assert.equal(text.slice(r.offset, r.offset + r.length), '{ "type": "dense", "units": 3 }');
  });

  it('nearestRangeOfPath falls back to the deepest existing ancestor (for defaulted fields)', () => {
    const near = nearestRangeOfPath(text, '/model/layers/0/activation');
    assert.equal(near?.specPath, '/model/layers/0');
    assert.deepEqual(near?.range, rangeOfPath(text, '/model/layers/0'));
    assert.equal(nearestRangeOfPath(text, '/model')?.specPath, '/model');
  });

  it('counts \\r\\n as one line break', () => {
    const crlf = '{\r\n  "a": {\r\n    "b": 1\r\n  }\r\n}';
    const r = rangeOfPath(crlf, '/a/b');
    assert.deepEqual(
      [r?.start, r?.end],
      [
        { line: 3, column: 10 },
        { line: 3, column: 11 },
      ],
    );
  });
});

describe('formatProblem', () => {
  it('prints file:line:col: severity: message [code]', () => {
    const [p] = problems(withLayers('      { "type": "dens", "units": 3 }'));
    const line = formatProblem('specs/net.gradscope.json', p);
    assert.match(line, /^specs\/net\.gradscope\.json:5:17: error: unknown layer type "dens"; .* \[unknown-layer-type\]$/);
  });

  it('prints warnings as warnings', () => {
    const [p] = problems(withLayers('      { "type": "flatten" },', '      { "type": "dense", "units": 3 }'));
    assert.equal(
      formatProblem('a.json', p),
      'a.json:5:7: warning: flatten has nothing to do: its input [2] is already 1-D [flatten-noop]',
    );
  });
});
