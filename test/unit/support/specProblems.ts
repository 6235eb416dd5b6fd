// Parsing a spec object as text and finding the problems the parser gives, for the parser's own tests.
import * as assert from 'node:assert/strict';
import { parseSpecText } from '../../../src/training/spec/parse';
import type { ParseResult, SpecProblem } from '../../../src/training/spec/types';

/** The spec as pretty-printed JSON text (positions are in it) and what the parser makes of it. */
export function parse(spec: object, file = '/virtual/t.gradscope.json'): { text: string; result: ParseResult } {
  const text = JSON.stringify(spec, null, 2);
  return { text, result: parseSpecText(text, file) };
}

/** The one problem with `code` (fails when there is none or more than one, listing every problem). */
export function only(result: ParseResult, code: string): SpecProblem {
  const found = result.problems.filter((p) => p.code === code);
  assert.equal(found.length, 1, `${code} once: ${result.problems.map((p) => `${p.code} ${p.message}`).join(' | ')}`);
  return found[0];
}

/** The text a problem's range starts at, to the end of its line. */
export function at(text: string, p: SpecProblem): string {
  return text
    .split('\n')
    [p.range.start.line - 1].slice(p.range.start.column - 1)
    .trim();
}
