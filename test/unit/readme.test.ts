// The README's spec examples are real specs: every ```jsonc block parses without a problem, and none is named like
// a bundled example while saying something else.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { parseSpecText } from '../../src/training/spec/parse';

const ROOT = path.resolve(__dirname, '../../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```jsonc\n([\s\S]*?)```/g)].map((m) => m[1]);
const readJsonc = (text: string): unknown => parseJsonc(text, [], { allowTrailingComma: true });
const EXAMPLES = fs.readdirSync(path.join(ROOT, 'examples')).filter((n) => n.endsWith('.gradscope.json'));

describe('README', () => {
  it('has spec examples', () => assert.ok(BLOCKS.length > 0));

  BLOCKS.forEach((text, i) => {
    it(`jsonc block ${i + 1} parses without errors or lint findings`, () => {
      const result = parseSpecText(text, path.join(ROOT, 'README.gradscope.json'));
      assert.deepEqual(
        result.problems.map((p) => `${p.range.start.line}: ${p.severity} ${p.code}: ${p.message}`),
        [],
      );
      assert.ok(result.spec);
    });

    it(`jsonc block ${i + 1} is not named like a bundled example unless it is that example`, () => {
      const value = readJsonc(text) as { name?: string };
      const file = `${value.name}.gradscope.json`;
      // Only a block that claims a bundled example's name has something to agree with.
      if (!EXAMPLES.includes(file)) return;
      assert.deepEqual(
        value,
        readJsonc(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8')),
        `the README's "${value.name}" differs from examples/${file}`,
      );
    });
  });
});
