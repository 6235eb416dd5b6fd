// How a JSONC text is laid out (indent unit, line ends, one-line vs one-item-per-line containers) and how to
// write a new value so it looks like its neighbours. Used by applyPatchToText to keep a spec's formatting.

import type { Node } from 'jsonc-parser';

/** Layout conventions of one text. */
export interface TextStyle {
  eol: string;
  /** One level of indentation: spaces or a tab. */
  unit: string;
  /** Values longer than this (from their column) are written over several lines. */
  width: number;
}

const WIDTH = 120;

/** The text's line end and indentation unit (the most common indentation step, 2 spaces when unknown). */
export function inferStyle(text: string): TextStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.some((l) => /^\t+\S/.test(l))) return { eol, unit: '\t', width: WIDTH };
  const steps = new Map<number, number>();
  let previous = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const indent = /^ */.exec(line)?.[0].length ?? 0;
    if (indent > previous) steps.set(indent - previous, (steps.get(indent - previous) ?? 0) + 1);
    previous = indent;
  }
  let unit = 2;
  let best = 0;
  for (const [step, count] of steps) {
    if (count > best || (count === best && step < unit)) {
      unit = step;
      best = count;
    }
  }
  return { eol, unit: ' '.repeat(Math.min(Math.max(unit, 1), 8)), width: WIDTH };
}

function isBreak(ch: string): boolean {
  return ch === '\n' || ch === '\r';
}

/** Offset where the line holding `offset` starts. */
export function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && !isBreak(text[i - 1])) i--;
  return i;
}

/** The whitespace that starts the line holding `offset`. */
export function indentAt(text: string, offset: number): string {
  const start = lineStart(text, offset);
  return /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? '';
}

/** True when only whitespace precedes `offset` on its line. */
export function firstOnLine(text: string, offset: number): boolean {
  return text.slice(lineStart(text, offset), offset).trim() === '';
}

/** Offset just past whitespace and comments from `offset`. */
export function skipTrivia(text: string, offset: number): number {
  let i = offset;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (text.startsWith('//', i)) {
      while (i < text.length && !isBreak(text[i])) i++;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else {
      return i;
    }
  }
}

/** Offset of the comma that follows `offset` (past whitespace and comments), or -1. */
export function commaAfter(text: string, offset: number): number {
  const i = skipTrivia(text, offset);
  return text[i] === ',' ? i : -1;
}

/**
 * When the rest of the line after `offset` holds nothing but an optional comma and comments, the offset just
 * past that line's end (its line break included); otherwise -1.
 */
export function endOfTrivialLine(text: string, offset: number): number {
  let i = offset;
  const spaces = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  spaces();
  if (text[i] === ',') i++;
  for (;;) {
    spaces();
    if (text.startsWith('//', i)) {
      while (i < text.length && !isBreak(text[i])) i++;
    } else if (text.startsWith('/*', i)) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || /[\r\n]/.test(text.slice(i, close))) return -1;
      i = close + 2;
      continue;
    }
    break;
  }
  if (i >= text.length) return i;
  if (text[i] === '\r' && text[i + 1] === '\n') return i + 2;
  return isBreak(text[i]) ? i + 1 : -1;
}

/** True when the container lists its children one per line (a line break before its first child). */
export function isMultiline(text: string, container: Node): boolean {
  const first = container.children?.[0];
  if (!first) return false;
  return /[\r\n]/.test(text.slice(container.offset + 1, first.offset));
}

/** Indentation for a child of a multi-line container: that of its first child, else one level deeper. */
export function childIndent(text: string, container: Node, style: TextStyle): string {
  const first = container.children?.[0];
  if (first && firstOnLine(text, first.offset)) return indentAt(text, first.offset);
  return indentAt(text, container.offset) + style.unit;
}

/** A value on one line, spaced as hand-written specs are: `{ "type": "dense", "units": 3 }`, `[2, 2]`. */
export function renderInline(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[${value.map(renderInline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${renderInline(v)}`).join(', ')} }`;
  }
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error(`cannot write ${String(value)} as JSON`);
  return json;
}

/**
 * A value as it should appear at `column` on a line indented by `indent`: on one line when it fits the
 * style's width, else one child per line (each child again on one line when it fits).
 */
export function renderValue(value: unknown, indent: string, column: number, style: TextStyle): string {
  const flat = renderInline(value);
  if (value === null || typeof value !== 'object' || column + flat.length <= style.width) return flat;
  const inner = indent + style.unit;
  const lines = Array.isArray(value)
    ? value.map((v) => inner + renderValue(v, inner, inner.length, style))
    : Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => {
          const head = `${inner}${JSON.stringify(k)}: `;
          return head + renderValue(v, inner, head.length, style);
        });
  if (lines.length === 0) return flat;
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}${style.eol}${lines.join(',' + style.eol)}${style.eol}${indent}${close}`;
}
