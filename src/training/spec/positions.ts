// Source positions: character offsets → 1-based line/column ranges, and JSON Pointers → ranges in the text.

import { type Node, parseTree } from 'jsonc-parser';
import { PARSE_OPTIONS } from './syntax';
import type { Position, SourceRange, SpecPath } from './types';

/** Line starts of one text, so many offsets convert in O(log lines) instead of rescanning the text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      // \r\n is one break (as jsonc-parser and editors count it); a lone \r is a break too.
      if (ch === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (ch === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  /** 1-based line and column (UTF-16 units, as editors count) of a 0-based offset, clamped to the text. */
  position(offset: number): Position {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.starts[lo] + 1 };
  }

  /** The range of `length` characters from `offset`, clamped so it always lies inside the text. */
  range(offset: number, length: number): SourceRange {
    const start = Math.max(0, Math.min(offset, this.text.length));
    const end = Math.max(start, Math.min(start + Math.max(0, length), this.text.length));
    return { start: this.position(start), end: this.position(end), offset: start, length: end - start };
  }

  rangeOfNode(node: Node): SourceRange {
    return this.range(node.offset, node.length);
  }
}

/** JSON Pointer (RFC 6901) for a list of segments. */
export function toPointer(segments: readonly (string | number)[]): SpecPath {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Appends one segment to a JSON Pointer. */
export function childPointer(parent: SpecPath, segment: string | number): SpecPath {
  return parent + toPointer([segment]);
}

/** Segments of a JSON Pointer; undefined when it is not one (it must be empty or start with `/`). */
export function fromPointer(pointer: SpecPath): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value node a pointer names, or undefined when the text has no such node. */
export function nodeAtPointer(root: Node | undefined, pointer: SpecPath): Node | undefined {
  return walkPointer(root, pointer).exact;
}

/** The node a pointer names, and the deepest existing node on the way (for paths of defaulted fields). */
export function walkPointer(root: Node | undefined, pointer: SpecPath): { exact?: Node; nearest?: Node; nearestPath: SpecPath } {
  const segments = fromPointer(pointer);
  if (!root || !segments) return { nearestPath: '' };
  let node: Node = root;
  const walked: string[] = [];
  for (const segment of segments) {
    const next = childNode(node, segment);
    if (!next) return { nearest: node, nearestPath: toPointer(walked) };
    node = next;
    walked.push(segment);
  }
  return { exact: node, nearest: node, nearestPath: pointer };
}

function childNode(node: Node, segment: string): Node | undefined {
  if (node.type === 'array') {
    if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
    return node.children?.[Number(segment)];
  }
  if (node.type === 'object') {
    // The last duplicate wins, as in JSON.parse and in the parser's own reading of the spec.
    let found: Node | undefined;
    for (const prop of node.children ?? []) {
      const [key, value] = prop.children ?? [];
      if (key && value && key.value === segment) found = value;
    }
    return found;
  }
  return undefined;
}

// Editors ask for many ranges of the same text in a row; re-parsing it each time would be wasted work.
let cached: { text: string; root: Node | undefined; lines: LineIndex } | undefined;

function treeOf(text: string): { root: Node | undefined; lines: LineIndex } {
  if (!cached || cached.text !== text) {
    let root: Node | undefined;
    try {
      // Same reading as the parser: a byte-order mark becomes a space so offsets stay those of `text`.
      root = parseTree(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text, [], PARSE_OPTIONS);
    } catch {
      root = undefined; // absurdly deep nesting overflows jsonc-parser's recursion; such text has no ranges
    }
    cached = { text, root, lines: new LineIndex(text) };
  }
  return cached;
}

/** Range of the value a JSON Pointer names in spec text; undefined when the text has no such node. */
export function rangeOfPath(text: string, specPath: SpecPath): SourceRange | undefined {
  const { root, lines } = treeOf(text);
  const node = nodeAtPointer(root, specPath);
  return node ? lines.rangeOfNode(node) : undefined;
}

/**
 * Range of the value a JSON Pointer names or, when it is absent (a defaulted field such as
 * `/training/optimizer/learningRate`), of its deepest existing ancestor; `specPath` says which one was found.
 */
export function nearestRangeOfPath(text: string, specPath: SpecPath): { specPath: SpecPath; range: SourceRange } | undefined {
  const { root, lines } = treeOf(text);
  const { nearest, nearestPath } = walkPointer(root, specPath);
  return nearest ? { specPath: nearestPath, range: lines.rangeOfNode(nearest) } : undefined;
}
