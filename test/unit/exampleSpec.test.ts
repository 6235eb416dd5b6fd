// New specs from the bundled examples (New Training Spec): the relative "$schema" link goes, the name is set, and
// everything else, comments included, stays as the example has it.

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { type ParseError, parse } from 'jsonc-parser';
import { specFromExample } from '../../src/training/spec/exampleSpec';

const EXAMPLES = path.resolve(__dirname, '../../../examples');

function parseStrict(text: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true }) as Record<string, unknown>;
  assert.deepEqual(errors, []);
  return value;
}

describe('specFromExample', () => {
  const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.gradscope.json'));

  it('drops the $schema link and renames every example, keeping the rest and its comments', () => {
    let linked = 0;
    for (const file of examples) {
      const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
      const copy = specFromExample(text, 'my-copy');
      const { $schema, name, ...rest } = parseStrict(text);
      if ($schema !== undefined) linked++;
      assert.equal(typeof name, 'string', `${file} has a name`);
      assert.deepEqual(parseStrict(copy), { name: 'my-copy', ...rest }, file);
      assert.doesNotMatch(copy, /\$schema/, file);
      const comments = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('//'));
      assert.deepEqual(comments(copy), comments(text), `${file} keeps its comments`);
    }
    assert.ok(linked > 3, `${linked} of ${examples.length} examples link the schema`);
  });

  it('leaves a spec without $schema as it is when no name is given', () => {
    const text = '{\n  "name": "a",\n  "data": { "dataset": "spiral" },\n}\n';
    assert.equal(specFromExample(text), text);
  });
});
