// Property tests: whatever the text (truncated, mangled, values swapped), the parser never throws and every
// problem has a consistent range inside the text.

import * as fc from 'fast-check';
import { parse as parseJsonc } from 'jsonc-parser';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSpecText, rangeOfPath } from '../../src/training/spec/parse';
import type { ParseResult, Position } from '../../src/training/spec/types';

const VALID = path.resolve(__dirname, '../../../test/fixtures/specs/valid');
const FIXTURES = fs
  .readdirSync(VALID)
  .filter((n) => n.endsWith('.gradscope.json'))
  .sort()
  .map((n) => ({ file: path.join(VALID, n), text: fs.readFileSync(path.join(VALID, n), 'utf8') }));

/** Line and column counted the slow, obvious way, independent of the parser's line index. */
function naivePosition(text: string, offset: number): Position {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    // \r\n is one break; an offset between its two characters is still at the end of the line.
    if (c === '\r' && text[i + 1] === '\n' && i + 1 === offset) column++;
    else if (c === '\r' && text[i + 1] === '\n') {
      i++;
      line++;
      column = 1;
    } else if (c === '\n' || c === '\r') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

// Problems whose range is the value at their specPath (others point at a key or the enclosing object).
const VALUE_CODES = new Set([
  'wrong-type',
  'not-integer',
  'out-of-range',
  'unknown-value',
  'unknown-layer-type',
  'dataset-mismatch',
  'unknown-layer-name',
  'unfreeze-not-frozen',
  'multiplier-on-frozen',
]);

function checkResult(result: ParseResult, text: string): void {
  assert.equal(result.text, text);
  const errors = result.problems.filter((p) => p.severity === 'error');
  assert.equal(result.spec !== undefined, errors.length === 0, 'a spec exactly when there is no error');
  for (const p of result.problems) {
    const { offset, length, start, end } = p.range;
    assert.ok(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0, `range of ${p.code}`);
    assert.ok(offset + length <= text.length, `${p.code} ends past the text`);
    assert.deepEqual(start, naivePosition(text, offset), `start of ${p.code}`);
    assert.deepEqual(end, naivePosition(text, offset + length), `end of ${p.code}`);
    assert.ok(p.message.length > 0 && /^[a-z][a-z0-9-]*$/.test(p.code));
    assert.ok(p.specPath === '' || p.specPath.startsWith('/'), `specPath ${p.specPath}`);
    if (VALUE_CODES.has(p.code)) {
      assert.deepEqual(rangeOfPath(text, p.specPath), p.range, `${p.code} at ${p.specPath} is the value's range`);
    }
  }
}

function run(text: string, file: string): void {
  let result: ParseResult | undefined;
  assert.doesNotThrow(() => {
    result = parseSpecText(text, file);
  });
  checkResult(result as ParseResult, text);
}

const fixture = fc.constantFrom(...FIXTURES);
const NOISE = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '/',
  '*',
  '\\',
  '\n',
  '\r\n',
  ' ',
  '0',
  '-',
  '1e999',
  'e',
  'null',
  'true',
  '\u00e9',
  '\ud83d\ude00',
];

describe('spec parser: property tests', () => {
  it('every valid fixture parses without errors and its problems are consistent', () => {
    for (const f of FIXTURES) {
      const result = parseSpecText(f.text, f.file);
      checkResult(result, f.text);
      assert.ok(result.spec, f.file);
    }
  });

  it('never throws on truncated specs', () => {
    fc.assert(
      fc.property(fixture, fc.nat(), (f, cut) => {
        run(f.text.slice(0, cut % (f.text.length + 1)), f.file);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on specs with characters deleted, inserted or replaced', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 8 }),
      insert: fc.array(fc.constantFrom(...NOISE), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fixture, fc.array(edit, { minLength: 1, maxLength: 5 }), (f, edits) => {
        let text = f.text;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert.join('') + text.slice(at + e.remove);
        }
        run(text, f.file);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws when values anywhere are replaced by other JSON values', () => {
    const odd = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom<unknown>(
        0,
        -1,
        0.5,
        1,
        2,
        3,
        10,
        1e9,
        1e-12,
        '',
        'dense',
        'relu',
        'residual',
        'csv',
        'mnist',
        'sine',
        'softmax',
        'sgd',
        'cosine',
        true,
        false,
        null,
        [],
        {},
        [28, 28, 1],
        [0],
        { type: 'flatten' },
        { repeat: 1000, layers: [] },
        { repeat: 3, layers: [{ type: 'conv2d', filters: 2, kernelSize: 9 }] },
        { type: 'randomUniform', minval: 1, maxval: 0 },
        'highway',
        'denseBlock',
        'orthogonal',
        { type: 'highway', units: 3 },
        { type: 'denseBlock', layers: [{ type: 'flatten' }] },
        { type: 'denseBlock', layers: [{ type: 'highway', units: 1000 }] },
        { type: 'varianceScaling', mode: 'fan_in', scale: -1 },
        { type: 'orthogonal', gain: 0 },
        { type: 'truncatedNormal', stddev: 0 },
        { type: 'groupNormalization', groups: 7 },
        { type: 'maxNorm', maxValue: -1 },
        { l1: -1, l3: 0 },
        'alphaDropout',
        'lstm',
        'adding',
        'orthogonal',
        [5, 2],
        { type: 'simpleRNN', units: 2, returnSequences: true },
        { type: 'gru', units: 2, recurrentDropout: 0.5 },
        { epoch: 2, layers: ['dense_9'] },
        [{ epoch: 2, layers: 'all' }],
        [{ epoch: 2, layers: ['dense_1', 'projection_1'] }],
        [5, 6, 5],
        [0, 10],
        'projection_1',
      ),
    );
    fc.assert(
      fc.property(
        fixture,
        fc.array(fc.tuple(fc.nat(), odd), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(0, 1, 2),
        (f, swaps, indent) => {
          const value: unknown = JSON.parse(JSON.stringify(parseLoose(f.text)));
          for (const [pick, replacement] of swaps) replaceAt(value, pick, replacement);
          run(JSON.stringify(value, null, indent), f.file);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('spec parser: properties of freezing and digits', () => {
  it('random trainable/learningRateMultiplier/unfreeze: accepted exactly when some layer trains from epoch 1 and every unfreeze name is a frozen layer', () => {
    // dense and batchNormalization layers only, so the names are simple to count here: dense_<n>, batchNormalization_<n>.
    const layer = fc.record({
      norm: fc.boolean(),
      trainable: fc.option(fc.boolean(), { nil: undefined }),
      multiplier: fc.option(fc.constantFrom(0.1, 3), { nil: undefined }),
    });
    const name = fc.constantFrom<string>(
      'dense_1',
      'dense_2',
      'dense_3',
      'batchNormalization_1',
      'batchNormalization_2',
      'conv2d_1',
    );
    const unfreeze = fc.option(
      fc.array(
        fc.record({
          epoch: fc.integer({ min: 2, max: 3 }),
          layers: fc.oneof(fc.constant('all'), fc.array(name, { minLength: 1, maxLength: 3 })),
        }),
        {
          minLength: 1,
          maxLength: 2,
        },
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(fc.array(layer, { minLength: 1, maxLength: 3 }), unfreeze, (hidden, entries) => {
        const counts = new Map<string, number>();
        const named: { name: string; frozen: boolean; multiplier: boolean; text: Record<string, unknown> }[] = [];
        const add = (type: string, l: { trainable?: boolean; multiplier?: number }): Record<string, unknown> => {
          const n = (counts.get(type) ?? 0) + 1;
          counts.set(type, n);
          const text: Record<string, unknown> = { type, ...(type === 'dense' ? { units: 4 } : {}) };
          if (l.trainable !== undefined) text.trainable = l.trainable;
          if (l.multiplier !== undefined) text.learningRateMultiplier = l.multiplier;
          named.push({ name: `${type}_${n}`, frozen: l.trainable === false, multiplier: l.multiplier !== undefined, text });
          return text;
        };
        const layers = hidden.map((l) => add(l.norm ? 'batchNormalization' : 'dense', l));
        const output = add('dense', {});
        output.units = 3;
        layers.push(output);
        const frozen = named.filter((l) => l.frozen).map((l) => l.name);
        const spec = {
          data: { dataset: 'spiral' },
          model: { inputShape: [2], layers },
          training: { epochs: 3, ...(entries ? { unfreeze: entries } : {}) },
        };
        const text = JSON.stringify(spec, null, 2);
        const result = parseSpecText(text, '/virtual/freezing.gradscope.json');
        checkResult(result, text);
        const names = (entries ?? []).flatMap((e) => (e.layers === 'all' ? [] : e.layers));
        const expected = names.every((n) => frozen.includes(n)) && named.some((l) => !l.frozen);
        assert.equal(
          result.spec !== undefined,
          expected,
          `${text}\n${result.problems.map((p) => `${p.code}: ${p.message}`).join('\n')}`,
        );
        // A multiplier warning exactly for multipliers on layers no entry unfreezes.
        const everTrains = (n: string): boolean =>
          !frozen.includes(n) || (entries ?? []).some((e) => e.layers === 'all' || e.layers.includes(n));
        const warned = named.filter((l) => l.multiplier && !everTrains(l.name)).length;
        if (expected) assert.equal(result.problems.filter((p) => p.code === 'multiplier-on-frozen').length, warned);
      }),
      { numRuns: 300 },
    );
  });

  it('random data.digits on mnist: accepted exactly when they are 2 to 10 distinct digits 0..9 and the output has that many units', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1, max: 11 }), { maxLength: 11 }),
        fc.integer({ min: 2, max: 10 }),
        (digits, units) => {
          const spec = {
            data: { dataset: 'mnist', samples: 100, digits },
            model: { layers: [{ type: 'flatten' }, { type: 'dense', units, activation: 'softmax' }] },
            training: { epochs: 1 },
          };
          const text = JSON.stringify(spec);
          const result = parseSpecText(text, '/virtual/digits.gradscope.json');
          checkResult(result, text);
          const valid = digits.length >= 2 && new Set(digits).size === digits.length && digits.every((d) => d >= 0 && d <= 9);
          assert.equal(
            result.spec !== undefined,
            valid && units === digits.length,
            `${text}: ${result.problems.map((p) => p.code).join(', ')}`,
          );
          if (result.spec) assert.equal(result.spec.data.classes, digits.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

function parseLoose(text: string): unknown {
  // The fixtures are JSONC; read them with jsonc-parser directly rather than through the code under test.
  return parseJsonc(text, [], { allowTrailingComma: true });
}

/** Replaces the `pick`-th (modulo count) value of the tree, depth-first, by `replacement`; the root is never replaced. */
function replaceAt(root: unknown, pick: number, replacement: unknown): void {
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        slots.push({ parent: node, key: i });
        walk(child);
      });
    } else if (node && typeof node === 'object') {
      for (const [k, child] of Object.entries(node)) {
        slots.push({ parent: node as Record<string, unknown>, key: k });
        walk(child);
      }
    }
  };
  walk(root);
  if (slots.length === 0) return;
  const slot = slots[pick % slots.length];
  // A copy: the same constant may be picked again and must not end up inside itself.
  (slot.parent as Record<string | number, unknown>)[slot.key] = structuredClone(replacement);
}
