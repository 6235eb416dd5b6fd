// applyPatchToText: RFC 6902 operations on JSONC text, with comments and layout kept and new values written
// in the style of their neighbours; applyPatchToValue: the same on plain values; unifiedDiff.

import * as assert from 'node:assert/strict';
import { parse as parseJsonc } from 'jsonc-parser';
import { JsonPatchError, applyPatchToText, applyPatchToValue } from '../../src/training/fixes/applyPatch';
import { unifiedDiff } from '../../src/training/fixes/diff';
import type { JsonPatchOperation } from '../../src/training/spec/types';

const lines = (...l: string[]): string => l.join('\n');

const SPEC = lines(
  '// header comment',
  '{',
  '  "name": "x", // the name',
  '  "model": {',
  '    "layers": [',
  '      { "type": "dense", "units": 8, "activation": "relu" }, // first',
  '      /* the output */ { "type": "dense", "units": 3 }',
  '    ]',
  '  }',
  '}',
  '',
);

const apply = (text: string, ...patch: JsonPatchOperation[]): string => applyPatchToText(text, patch);

describe('applyPatchToText: add', () => {
  it('adds a property to a one-line object on that line', () => {
    assert.equal(
      apply(SPEC, { op: 'add', path: '/model/layers/1/activation', value: 'softmax' }),
      SPEC.replace('{ "type": "dense", "units": 3 }', '{ "type": "dense", "units": 3, "activation": "softmax" }'),
    );
  });

  it('adds a property to a multi-line object on its own line, above the closing brace, comments kept', () => {
    assert.equal(
      apply(SPEC, { op: 'add', path: '/seed', value: 7 }),
      lines(
        '// header comment',
        '{',
        '  "name": "x", // the name',
        '  "model": {',
        '    "layers": [',
        '      { "type": "dense", "units": 8, "activation": "relu" }, // first',
        '      /* the output */ { "type": "dense", "units": 3 }',
        '    ]',
        '  },',
        '  "seed": 7',
        '}',
        '',
      ),
    );
  });

  it('adds an object value on one line when it fits, over several lines when it does not', () => {
    const out = apply(SPEC, {
      op: 'add',
      path: '/training',
      value: { epochs: 3, optimizer: { type: 'adam', learningRate: 0.001 } },
    });
    assert.match(out, /\n {2}"training": \{ "epochs": 3, "optimizer": \{ "type": "adam", "learningRate": 0\.001 \} \}\n\}/);
    const long = { description: 'x'.repeat(100), tags: ['a', 'b'] };
    const wide = apply(SPEC, { op: 'add', path: '/meta', value: long });
    assert.match(wide, /\n {2}"meta": \{\n {4}"description": "x{100}",\n {4}"tags": \["a", "b"\]\n {2}\}\n\}/);
  });

  it('replaces an existing member (add on an existing key)', () => {
    assert.equal(apply(SPEC, { op: 'add', path: '/name', value: 'y' }), SPEC.replace('"name": "x"', '"name": "y"'));
  });

  it('inserts into a multi-line array at an index (before a comment leading that line), at the end and with "-"', () => {
    const bn = { type: 'batchNormalization' };
    const middle = apply(SPEC, { op: 'add', path: '/model/layers/1', value: bn });
    assert.ok(
      middle.includes(
        lines(
          '      { "type": "dense", "units": 8, "activation": "relu" }, // first',
          '      { "type": "batchNormalization" },',
          '      /* the output */ { "type": "dense", "units": 3 }',
        ),
      ),
      middle,
    );
    const first = apply(SPEC, { op: 'add', path: '/model/layers/0', value: bn });
    assert.ok(
      first.includes(lines('    "layers": [', '      { "type": "batchNormalization" },', '      { "type": "dense", "units": 8')),
      first,
    );
    const dash = apply(SPEC, { op: 'add', path: '/model/layers/-', value: bn });
    const end = apply(SPEC, { op: 'add', path: '/model/layers/2', value: bn });
    assert.equal(dash, end);
    assert.ok(
      dash.includes(
        lines('      /* the output */ { "type": "dense", "units": 3 },', '      { "type": "batchNormalization" }', '    ]'),
      ),
      dash,
    );
  });

  it('inserts into one-line arrays and empty containers', () => {
    const text = '{ "shape": [28, 28], "empty": [], "obj": {} }';
    assert.equal(apply(text, { op: 'add', path: '/shape/1', value: 1 }), '{ "shape": [28, 1, 28], "empty": [], "obj": {} }');
    assert.equal(apply(text, { op: 'add', path: '/shape/-', value: 1 }), '{ "shape": [28, 28, 1], "empty": [], "obj": {} }');
    assert.equal(apply(text, { op: 'add', path: '/shape/0', value: 1 }), '{ "shape": [1, 28, 28], "empty": [], "obj": {} }');
    assert.equal(
      apply(text, { op: 'add', path: '/empty/0', value: [1, 2] }),
      '{ "shape": [28, 28], "empty": [[1, 2]], "obj": {} }',
    );
    assert.equal(
      apply(text, { op: 'add', path: '/obj/a', value: null }),
      '{ "shape": [28, 28], "empty": [], "obj": { "a": null } }',
    );
  });

  it('keeps a trailing-comma style', () => {
    const text = lines('{', '  "a": [', '    1,', '    2,', '  ],', '}');
    assert.equal(
      apply(text, { op: 'add', path: '/a/-', value: 3 }),
      lines('{', '  "a": [', '    1,', '    2,', '    3,', '  ],', '}'),
    );
    assert.equal(
      apply(text, { op: 'add', path: '/b', value: true }),
      lines('{', '  "a": [', '    1,', '    2,', '  ],', '  "b": true,', '}'),
    );
  });

  it('infers tabs, four-space indentation and CRLF line ends', () => {
    const tabs = '{\r\n\t"a": 1\r\n}\r\n';
    assert.equal(apply(tabs, { op: 'add', path: '/b', value: 2 }), '{\r\n\t"a": 1,\r\n\t"b": 2\r\n}\r\n');
    const four = lines('{', '    "a": {', '        "x": 1', '    }', '}');
    assert.equal(
      apply(four, { op: 'add', path: '/b', value: { y: 'z'.repeat(120) } }),
      lines('{', '    "a": {', '        "x": 1', '    },', '    "b": {', `        "y": "${'z'.repeat(120)}"`, '    }', '}'),
    );
  });

  it('keeps a byte-order mark', () => {
    assert.equal(apply('\ufeff{ "a": 1 }', { op: 'replace', path: '/a', value: 2 }), '\ufeff{ "a": 2 }');
  });
});

describe('applyPatchToText: remove, replace, move, copy, test', () => {
  it('removes an element alone on its line with its line and trailing comment, and the comma before it when it was last', () => {
    const first = apply(SPEC, { op: 'remove', path: '/model/layers/0' });
    assert.ok(first.includes(lines('    "layers": [', '      /* the output */ { "type": "dense", "units": 3 }', '    ]')), first);
    assert.ok(!first.includes('// first'));
    const text = lines('[', '  1, // one', '  2 // two', ']');
    assert.equal(apply(text, { op: 'remove', path: '/1' }), lines('[', '  1 // one', ']'));
    assert.equal(apply(text, { op: 'remove', path: '/0' }), lines('[', '  2 // two', ']'));
  });

  it('removes elements and members of one-line containers', () => {
    const text = '{ "a": [1, 2, 3], "b": { "x": 1, "y": 2 }, "c": [4] }';
    assert.equal(apply(text, { op: 'remove', path: '/a/1' }), '{ "a": [1, 3], "b": { "x": 1, "y": 2 }, "c": [4] }');
    assert.equal(apply(text, { op: 'remove', path: '/a/2' }), '{ "a": [1, 2], "b": { "x": 1, "y": 2 }, "c": [4] }');
    assert.equal(apply(text, { op: 'remove', path: '/b/x' }), '{ "a": [1, 2, 3], "b": { "y": 2 }, "c": [4] }');
    assert.equal(apply(text, { op: 'remove', path: '/c/0' }), '{ "a": [1, 2, 3], "b": { "x": 1, "y": 2 }, "c": [] }');
    assert.equal(apply(text, { op: 'remove', path: '/c' }), '{ "a": [1, 2, 3], "b": { "x": 1, "y": 2 } }');
  });

  it('replaces values in place, whatever their type', () => {
    assert.equal(
      apply(SPEC, { op: 'replace', path: '/model/layers/0/units', value: 16 }),
      SPEC.replace('"units": 8', '"units": 16'),
    );
    assert.equal(
      apply(SPEC, { op: 'replace', path: '/model/layers/1', value: { type: 'residual', layers: [{ type: 'dense', units: 3 }] } }),
      SPEC.replace('{ "type": "dense", "units": 3 }', '{ "type": "residual", "layers": [{ "type": "dense", "units": 3 }] }'),
    );
    assert.equal(apply('{"a":1}', { op: 'replace', path: '', value: [1] }), '[1]');
  });

  it('moves and copies values', () => {
    const text = '{ "a": [1, 2, 3], "b": {} }';
    assert.equal(apply(text, { op: 'move', from: '/a/2', path: '/a/0' }), '{ "a": [3, 1, 2], "b": {} }');
    assert.equal(apply(text, { op: 'move', from: '/a', path: '/b/a' }), '{ "b": { "a": [1, 2, 3] } }');
    assert.equal(apply(text, { op: 'copy', from: '/a/0', path: '/b/x' }), '{ "a": [1, 2, 3], "b": { "x": 1 } }');
    assert.equal(apply(text, { op: 'move', from: '/a', path: '/a' }), text);
  });

  it('tests values (key order does not matter) and applies nothing when a test fails', () => {
    const text = '{ "a": { "x": 1, "y": [true, null] } }';
    assert.equal(
      apply(text, { op: 'test', path: '/a', value: { y: [true, null], x: 1 } }, { op: 'replace', path: '/a/x', value: 2 }),
      '{ "a": { "x": 2, "y": [true, null] } }',
    );
    assert.throws(
      () => apply(text, { op: 'test', path: '/a/x', value: '1' }),
      (err: Error) =>
        err instanceof JsonPatchError && /operation 1 \(test \/a\/x\): test failed: \/a\/x is 1, not "1"/.test(err.message),
    );
  });

  it('throws a clear error for bad paths, bad operations and text that is not JSONC', () => {
    const text = '{ "a": [1, 2], "s": "str" }';
    const fails = (pattern: RegExp, ...patch: JsonPatchOperation[]): void =>
      assert.throws(
        () => applyPatchToText(text, patch),
        (err: Error) => err instanceof JsonPatchError && pattern.test(err.message),
        JSON.stringify(patch),
      );
    fails(/\/b\/c: "b" does not exist/, { op: 'add', path: '/b/c', value: 1 });
    fails(/index 3 is out of range/, { op: 'add', path: '/a/3', value: 1 });
    fails(/index 2 is out of range/, { op: 'replace', path: '/a/2', value: 1 });
    fails(/"01" is not an array index/, { op: 'remove', path: '/a/01' });
    fails(/"-" is not an array index/, { op: 'remove', path: '/a/-' });
    fails(/\/nope does not exist/, { op: 'remove', path: '/nope' });
    fails(/cannot go into a string/, { op: 'add', path: '/s/x', value: 1 });
    fails(/must be a JSON Pointer/, { op: 'add', path: 'a', value: 1 });
    fails(/"add" needs a "value"/, { op: 'add', path: '/x' });
    fails(/needs a "from" pointer/, { op: 'move', path: '/x' });
    fails(/cannot move \/a into its own child \/a\/0/, { op: 'move', from: '/a', path: '/a/0' });
    fails(/cannot remove the whole document/, { op: 'remove', path: '' });
    fails(/unknown operation "frobnicate"/, { op: 'frobnicate', path: '/a' } as unknown as JsonPatchOperation);
    fails(/operation 2 \(replace \/zz\)/, { op: 'add', path: '/z', value: 1 }, { op: 'replace', path: '/zz', value: 1 });
    assert.throws(() => applyPatchToText('{ "a": ', [{ op: 'remove', path: '/a' }]), /not valid JSON with comments/);
  });

  it('handles keys with ~ and / escaped in pointers', () => {
    const text = '{ "a/b": 1, "m~n": 2 }';
    assert.equal(apply(text, { op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/m~0n' }), '{ "a/b": 3 }');
  });
});

describe('applyPatchToValue', () => {
  it('follows RFC 6902 (examples of its appendix A) without touching its input', () => {
    const doc = { foo: ['bar', 'baz'], baz: { qux: 'hello' } };
    const out = applyPatchToValue(doc, [
      { op: 'add', path: '/foo/1', value: 'qux' },
      { op: 'remove', path: '/baz/qux' },
      { op: 'add', path: '/baz/x', value: 1 },
      { op: 'move', from: '/foo/0', path: '/foo/-' },
      { op: 'copy', from: '/baz', path: '/c' },
      { op: 'replace', path: '/baz/x', value: 2 },
      { op: 'test', path: '/c', value: { x: 1 } },
    ]);
    assert.deepEqual(out, { foo: ['qux', 'baz', 'bar'], baz: { x: 2 }, c: { x: 1 } });
    assert.deepEqual(doc, { foo: ['bar', 'baz'], baz: { qux: 'hello' } });
    assert.throws(() => applyPatchToValue({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), JsonPatchError);
    assert.throws(() => applyPatchToValue({ a: 1 }, [{ op: 'replace', path: '/b', value: 2 }]), /\/b does not exist/);
  });

  it('agrees with applyPatchToText on a spec', () => {
    const patch: JsonPatchOperation[] = [
      { op: 'add', path: '/model/layers/1', value: { type: 'dropout', rate: 0.1 } },
      { op: 'remove', path: '/name' },
      { op: 'replace', path: '/model/layers/0/activation', value: 'tanh' },
    ];
    assert.deepEqual(parseJsonc(applyPatchToText(SPEC, patch)), applyPatchToValue(parseJsonc(SPEC), patch));
  });
});

describe('unifiedDiff', () => {
  it('prints hunks with 3 lines of context and correct line counts', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 5\n', 'line five\n').replace('line 18\n', '');
    assert.equal(
      unifiedDiff(before, after, { fromName: 'a/x', toName: 'b/x' }),
      lines(
        '--- a/x',
        '+++ b/x',
        '@@ -2,7 +2,7 @@',
        ' line 2',
        ' line 3',
        ' line 4',
        '-line 5',
        '+line five',
        ' line 6',
        ' line 7',
        ' line 8',
        '@@ -15,6 +15,5 @@',
        ' line 15',
        ' line 16',
        ' line 17',
        '-line 18',
        ' line 19',
        ' line 20',
        '',
      ),
    );
    assert.equal(unifiedDiff(before, before, { fromName: 'a', toName: 'b' }), '');
    assert.equal(unifiedDiff('', 'x\n', { fromName: 'a', toName: 'b' }), lines('--- a', '+++ b', '@@ -0,0 +1,1 @@', '+x', ''));
  });
});
