// Entry point of the spec parser: text or file → ParseResult (spec with defaults, or positioned problems; for a
// valid spec, the lint findings too).

import * as fs from 'fs';
import * as path from 'path';
import { lintSpec } from '../lint';
import { LineIndex } from './positions';
import { Reporter } from './problems';
import { parseSyntax } from './syntax';
import type { ParseResult, SpecProblem } from './types';
import { validateSpec } from './validateSpec';

export { nearestRangeOfPath, rangeOfPath } from './positions';
export { formatProblem } from './problems';

/**
 * Parses and validates spec text. `file` is the spec's absolute path: it names the spec by default and csv
 * paths are resolved against its directory. Never throws for any text.
 */
export function parseSpecText(text: string, file: string): ParseResult {
  try {
    return withLint(parseChecked(text, file), file);
  } catch (err) {
    // A parser bug must not take the editor or the CLI down with it: report it where the user will see it.
    const message = `internal error while checking this spec, please report it: ${err instanceof Error ? err.message : String(err)}`;
    return { file, text, problems: [{ severity: 'error', code: 'internal-error', message, specPath: '', range: START }] };
  }
}

const START = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 }, offset: 0, length: 0 };

function parseChecked(text: string, file: string): ParseResult {
  const lines = new LineIndex(text);
  const syntax = parseSyntax(text, lines);
  // After a syntax error the tree is a guess; checking it would report things the user never wrote.
  if (syntax.problems.length > 0 || !syntax.root) return { file, text, problems: syntax.problems };
  const reporter = new Reporter(lines);
  const spec = validateSpec(reporter, syntax.root, file);
  const problems = sortByPosition(reporter.problems);
  const result: ParseResult = { file, text, problems };
  if (spec && !problems.some((p) => p.severity === 'error')) result.spec = spec;
  return result;
}

/**
 * Appends lint findings (warnings/info with fixes) to a spec that parsed without error; the spec stays, so lint
 * never blocks a run. Fixes are kept only when they leave the spec valid and cure their finding.
 */
function withLint(result: ParseResult, file: string): ParseResult {
  if (!result.spec) return result;
  let findings: SpecProblem[];
  try {
    findings = lintSpec(result.text, result.spec, { reparse: (text) => parseChecked(text, file) });
  } catch (err) {
    const message = `internal error in the spec lint, please report it: ${err instanceof Error ? err.message : String(err)}`;
    findings = [{ severity: 'info', code: 'lint-internal-error', message, specPath: '', range: START }];
  }
  if (findings.length === 0) return result;
  return { ...result, problems: sortByPosition([...result.problems, ...findings]) };
}

/** Reads and parses a spec file; an unreadable file gives one `unreadable-file` problem at 1:1. */
export function parseSpecFile(file: string): ParseResult {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (err) {
    return { file: absolute, text: '', problems: [unreadable(absolute, err)] };
  }
  // Editors hide a byte-order mark, so columns are counted without it.
  return parseSpecText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, absolute);
}

function unreadable(file: string, err: unknown): SpecProblem {
  const code = (err as NodeJS.ErrnoException).code;
  const message =
    code === 'ENOENT'
      ? `spec file not found: ${file}`
      : code === 'EISDIR'
        ? `spec path is a directory, not a file: ${file}`
        : `cannot read spec file ${file}: ${(err as Error).message}`;
  return { severity: 'error', code: 'unreadable-file', message, specPath: '', range: START };
}

// Stable, so problems at the same place keep the order they were found in (outer before inner).
function sortByPosition(problems: SpecProblem[]): SpecProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.range.offset - b.p.range.offset || a.i - b.i)
    .map((x) => x.p);
}
