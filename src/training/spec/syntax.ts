// JSONC text → syntax tree, with every syntax error as a positioned problem in words a learner can act on.

import {
  type Node,
  type ParseError,
  ParseErrorCode,
  type ParseOptions,
  SyntaxKind,
  createScanner,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import type { LineIndex } from './positions';
import type { SpecProblem } from './types';

/**
 * Comments are allowed (specs are meant to be annotated) and so are trailing commas: they are harmless,
 * editors of JSONC files accept them, and rejecting them would only punish deleting the last layer of a list.
 */
export const PARSE_OPTIONS: ParseOptions = { disallowComments: false, allowTrailingComma: true, allowEmptyContent: false };

const EXPLANATIONS: Partial<Record<ParseErrorCode, string>> = {
  [ParseErrorCode.InvalidSymbol]: 'unexpected character(s) here',
  [ParseErrorCode.InvalidNumberFormat]: 'this is not a valid number',
  [ParseErrorCode.PropertyNameExpected]: 'expected a property name in double quotes',
  [ParseErrorCode.ValueExpected]: 'expected a value (a number, string, true/false, null, object or array)',
  [ParseErrorCode.ColonExpected]: 'expected ":" after the property name',
  [ParseErrorCode.CommaExpected]: 'expected "," between two values or properties',
  [ParseErrorCode.CloseBraceExpected]: 'expected "}" to close the object',
  [ParseErrorCode.CloseBracketExpected]: 'expected "]" to close the array',
  [ParseErrorCode.EndOfFileExpected]: 'expected the end of the file after the top-level object',
  [ParseErrorCode.InvalidCommentToken]: 'comments are not allowed here',
  [ParseErrorCode.UnexpectedEndOfComment]: 'this comment is never closed (missing "*/")',
  [ParseErrorCode.UnexpectedEndOfString]: "this string is never closed (missing '\"')",
  [ParseErrorCode.UnexpectedEndOfNumber]: 'this number is incomplete',
  [ParseErrorCode.InvalidUnicode]: 'invalid \\u escape in a string',
  [ParseErrorCode.InvalidEscapeCharacter]: 'invalid escape character in a string',
  [ParseErrorCode.InvalidCharacter]: 'invalid character in a string (control characters must be escaped)',
};

export interface SyntaxResult {
  root: Node | undefined;
  problems: SpecProblem[];
}

/**
 * Deeper nesting than this is refused before parsing: jsonc-parser recurses per level and would overflow the
 * stack a few thousand levels down, and no real spec comes close (each residual or repeat level adds two).
 */
export const MAX_NESTING = 100;

/** Parses spec text; `problems` holds one `syntax` error per jsonc-parser error, in text order. */
export function parseSyntax(text: string, lines: LineIndex): SyntaxResult {
  const errors: ParseError[] = [];
  // A byte-order mark is invisible in editors; a space of the same length keeps every offset unchanged.
  const source = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  const deep = tooDeep(source);
  if (deep !== undefined) {
    const message = `the spec is nested more than ${MAX_NESTING} levels deep here; flatten nested residual or repeat blocks`;
    return {
      root: undefined,
      problems: [{ severity: 'error', code: 'too-deep', message, specPath: '', range: lines.range(deep, 1) }],
    };
  }
  const root = parseTree(source, errors, PARSE_OPTIONS);
  const problems = errors.map((e): SpecProblem => ({
    severity: 'error',
    code: 'syntax',
    message: `syntax error: ${EXPLANATIONS[e.error] ?? 'unexpected input'} (${printParseErrorCode(e.error)})`,
    specPath: '',
    range: lines.range(e.offset, e.length),
  }));
  return { root, problems };
}

/** Offset of the first bracket that opens nesting level MAX_NESTING + 1, if any (strings and comments skipped). */
function tooDeep(text: string): number | undefined {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let token = scanner.scan(); token !== SyntaxKind.EOF; token = scanner.scan()) {
    if (token === SyntaxKind.OpenBraceToken || token === SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_NESTING) return scanner.getTokenOffset();
    } else if (token === SyntaxKind.CloseBraceToken || token === SyntaxKind.CloseBracketToken) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}
