// Property tests of applyPatchToText: on random JSONC documents (random layout, comments, trailing commas)
// and random patches, patching the text then parsing it gives exactly what patching the parsed value gives,
// both fail on the same operations, the result is always valid JSONC, and comments survive.

import * as fc from 'fast-check';
import { type ParseError, parse as parseJsonc, parseTree } from 'jsonc-parser';
import * as assert from 'node:assert/strict';
import { JsonPatchError, applyPatchToText, applyPatchToValue } from '../../src/training/fixes/applyPatch';
import { fromPointer, toPointer } from '../../src/training/spec/positions';
import type { JsonPatchOperation } from '../../src/training/spec/types';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const KEYS = ['a', 'b', 'units', 'type', 'x/y', 'm~n', ''];
const leaf = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.constantFrom(0.5, 1e-3, 'relu', '', 'a "q"', 'ü'),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec<{ tree: Json; node: Json }>((tie) => ({
  tree: fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 4, noNullPrototype: true }),
  node: fc.oneof(
    { depthSize: 'small' },
    leaf as fc.Arbitrary<Json>,
    fc.array(tie('node'), { maxLength: 4 }) as fc.Arbitrary<Json>,
    fc.dictionary(fc.constantFrom(...KEYS), tie('node'), { maxKeys: 3, noNullPrototype: true }) as fc.Arbitrary<Json>,
  ),
}));

interface Layout {
  indent: string;
  eol: string;
  /** Consumed one per container: true = one child per line. */
  multiline: boolean[];
  /** Consumed one per child: add a comment there. */
  comments: boolean[];
  trailingCommas: boolean;
}

const layout: fc.Arbitrary<Layout> = fc.record({
  indent: fc.constantFrom('  ', '    ', '\t'),
  eol: fc.constantFrom('\n', '\r\n'),
  multiline: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  comments: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  trailingCommas: fc.boolean(),
});

/** Writes a value as JSONC with the layout's choices; every comment is unique (`c<n>`). */
function writeJsonc(value: Json, l: Layout): { text: string; comments: string[] } {
  let containers = 0;
  let children = 0;
  const comments: string[] = [];
  const comment = (kind: 'block' | 'line'): string => {
    const c = kind === 'block' ? `/*c${comments.length}*/` : `// c${comments.length}`;
    comments.push(c);
    return c;
  };
  const write = (v: Json, depth: number): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const entries: [string | undefined, Json][] = Array.isArray(v) ? v.map((x) => [undefined, x]) : Object.entries(v);
    const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return open + close;
    const multi = l.multiline[containers++ % l.multiline.length];
    const items = entries.map(([k, x]) => {
      const lead = l.comments[children++ % l.comments.length] ? comment('block') + ' ' : '';
      return lead + (k === undefined ? '' : JSON.stringify(k) + ': ') + write(x, depth + 1);
    });
    if (!multi) return `${open} ${items.join(', ')} ${close}`;
    const pad = l.indent.repeat(depth + 1);
    const body = items.map((item, i) => {
      const last = i === items.length - 1;
      const comma = !last || l.trailingCommas ? ',' : '';
      const tail = l.comments[children++ % l.comments.length] ? ' ' + comment('line') : '';
      return pad + item + comma + tail;
    });
    return open + l.eol + body.join(l.eol) + l.eol + l.indent.repeat(depth) + close;
  };
  const head = comment('line');
  const body = write(value, 0);
  const foot = comment('block');
  return { text: `${head}${l.eol}${body}${l.eol}${foot}${l.eol}`, comments };
}

function parseStrict(text: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  assert.deepEqual(errors, [], `invalid JSONC:\n${text}`);
  return value;
}

/** Every pointer into a value (the root included), in document order. */
function pointers(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pointers(v, [...at, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...pointers(v, [...at, k]));
  return out;
}

/** An operation chosen relative to the current value, so most are valid and some are not. */
interface OpChoice {
  op: JsonPatchOperation['op'];
  target: number;
  source: number;
  key: string;
  index: number;
  dash: boolean;
  value: Json;
  bogus: boolean;
}

const opChoice: fc.Arbitrary<OpChoice> = fc.record({
  op: fc.constantFrom<JsonPatchOperation['op']>('add', 'add', 'remove', 'replace', 'move', 'copy', 'test'),
  target: fc.nat(),
  source: fc.nat(),
  key: fc.constantFrom(...KEYS, 'new'),
  index: fc.nat({ max: 5 }),
  dash: fc.boolean(),
  value: fc.oneof(leaf as fc.Arbitrary<Json>, tree),
  bogus: fc.boolean().map((b) => b && Math.random() < 0.2),
});

function concrete(choice: OpChoice, doc: unknown): JsonPatchOperation {
  const all = pointers(doc);
  const pick = (n: number): (string | number)[] => all[n % all.length];
  const target = pick(choice.target);
  const from = toPointer(pick(choice.source));
  let path = toPointer(target);
  if (choice.op === 'add' || choice.op === 'copy' || choice.op === 'move') {
    // Add into the chosen container (a new key or an array position), or replace the chosen value itself.
    const node = target.reduce<unknown>((v, s) => (v as Record<string, unknown>)[s], doc);
    if (Array.isArray(node)) path = toPointer([...target, choice.dash ? '-' : choice.index]);
    else if (node !== null && typeof node === 'object') path = toPointer([...target, choice.key]);
  }
  if (choice.bogus) path = `${path}/nope/1`;
  switch (choice.op) {
    case 'move':
    case 'copy':
      return { op: choice.op, from, path };
    case 'remove':
      return { op: 'remove', path };
    case 'test': {
      const actual = target.reduce<unknown>((v, s) => (v as Record<string, unknown>)[s], doc);
      return { op: 'test', path, value: choice.dash ? choice.value : actual };
    }
    case 'add':
    case 'replace':
      return { op: choice.op, path, value: choice.value };
  }
}

/** True when `add` at `pointer` inserts (an array element or a new key) rather than replacing a value. */
function addsNewMember(doc: unknown, pointer: string): boolean {
  const segments = fromPointer(pointer) ?? [];
  if (segments.length === 0) return false;
  const parent = segments.slice(0, -1).reduce<unknown>((v, s) => (v as Record<string, unknown>)[s], doc);
  return Array.isArray(parent) || !Object.prototype.hasOwnProperty.call(parent, segments[segments.length - 1]);
}

describe('applyPatchToText: properties', () => {
  it('patching the text then parsing equals patching the parsed value; both fail on the same operations', () => {
    fc.assert(
      fc.property(tree, layout, fc.array(opChoice, { minLength: 1, maxLength: 6 }), (doc, l, choices) => {
        let { text } = writeJsonc(doc, l);
        let value: unknown = parseStrict(text);
        assert.deepStrictEqual(value, doc);
        for (const choice of choices) {
          const op = concrete(choice, value);
          let expected: unknown;
          try {
            expected = applyPatchToValue(value, [op]);
          } catch (err) {
            assert.ok(err instanceof JsonPatchError, String(err));
            assert.throws(
              () => applyPatchToText(text, [op]),
              JsonPatchError,
              `text patch should fail too: ${JSON.stringify(op)}`,
            );
            continue;
          }
          text = applyPatchToText(text, [op]);
          value = expected;
          assert.deepStrictEqual(parseStrict(text), value, `after ${JSON.stringify(op)}:\n${text}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('comments survive: all of them through additions of new members, the first and last through anything', () => {
    fc.assert(
      fc.property(tree, layout, fc.array(opChoice, { minLength: 1, maxLength: 6 }), (doc, l, choices) => {
        const written = writeJsonc(doc, l);
        let text = written.text;
        let value: unknown = parseStrict(text);
        let onlyNew = true;
        for (const choice of choices) {
          const op = concrete(choice, value);
          try {
            const next = applyPatchToValue(value, [op]);
            if (op.op !== 'test' && !(op.op === 'add' && addsNewMember(value, op.path))) onlyNew = false;
            value = next;
          } catch {
            continue;
          }
          text = applyPatchToText(text, [op]);
        }
        const [head] = written.comments;
        const foot = written.comments[written.comments.length - 1];
        assert.ok(text.startsWith(head + l.eol), 'the first comment stays first');
        assert.ok(text.endsWith(foot + l.eol), 'the last comment stays last');
        if (onlyNew) for (const c of written.comments) assert.ok(text.includes(c), `${c} lost:\n${text}`);
      }),
      { numRuns: 200 },
    );
  });

  it('an empty patch returns the text unchanged; adding a member keeps everything up to the last member', () => {
    fc.assert(
      fc.property(tree, layout, (doc, l) => {
        const { text } = writeJsonc(doc, l);
        assert.equal(applyPatchToText(text, []), text);
        const root = parseTree(text, [], { allowTrailingComma: true });
        const last = root?.children?.[root.children.length - 1];
        const out = applyPatchToText(text, [{ op: 'add', path: '/zz', value: 1 }]);
        if (last && !('zz' in (doc as object))) assert.ok(out.startsWith(text.slice(0, last.offset + last.length)), out);
      }),
      { numRuns: 100 },
    );
  });
});
