// Collecting spec problems while validating, and printing them as `file:line:col: severity: message [code]`.

import type { Node } from 'jsonc-parser';
import type { LineIndex } from './positions';
import type { Severity, SourceRange, SpecPath, SpecProblem } from './types';

/** Something with a place in the text: a syntax-tree node or an already computed range. */
export type Place = Node | SourceRange;

/** Accumulates problems for one spec text; validators compare `errorCount` before and after to know if a part was valid. */
export class Reporter {
  readonly problems: SpecProblem[] = [];
  private errors = 0;

  constructor(readonly lines: LineIndex) {}

  get errorCount(): number {
    return this.errors;
  }

  error(code: string, message: string, place: Place, specPath: SpecPath): void {
    this.add('error', code, message, place, specPath);
  }

  warning(code: string, message: string, place: Place, specPath: SpecPath): void {
    this.add('warning', code, message, place, specPath);
  }

  add(severity: Severity, code: string, message: string, place: Place, specPath: SpecPath): void {
    const range = 'start' in place ? place : this.lines.rangeOfNode(place);
    if (severity === 'error') this.errors++;
    this.problems.push({ severity, code, message, specPath, range });
  }
}

/** One problem as a compiler-style line that terminals and editors turn into a link. */
export function formatProblem(file: string, p: SpecProblem): string {
  const notes = (p.related ?? []).map((r) => `\n${file}:${r.range.start.line}:${r.range.start.column}: note: ${r.message}`);
  return `${file}:${p.range.start.line}:${p.range.start.column}: ${p.severity}: ${p.message} [${p.code}]${notes.join('')}`;
}
