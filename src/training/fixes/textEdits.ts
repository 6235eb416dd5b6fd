// Minimal text edits on JSONC for one change each (insert a property or an array element, remove one, replace a
// value), written in the layout of the surrounding text. Comments outside the changed value are never touched.
//
// jsonc-parser's own `modify` is not used for the edits: with formattingOptions it re-lays-out every line it
// touches (it forces keepLines: false, so a one-line layer entry is exploded over many lines), without them it
// writes `,"key": value` glued to its neighbour, and in 3.3.1 it cuts one character too many when removing the
// last array element (microsoft/node-jsonc-parser#108, fixed only in 4.0 pre-releases). Its parse tree and
// applyEdits are used instead.

import type { Edit, Node } from 'jsonc-parser';
import {
  type TextStyle,
  childIndent,
  commaAfter,
  endOfTrivialLine,
  firstOnLine,
  indentAt,
  isMultiline,
  lineStart,
  renderValue,
  skipTrivia,
} from './textLayout';

/** Writes `value` for a slot whose line is indented by `indent` and that starts at `column`. */
function render(value: unknown, indent: string, column: number, style: TextStyle): string {
  return renderValue(value, indent, column, style);
}

/** Replaces a value node by `value`, laid out for the column it starts at. */
export function replaceValue(text: string, node: Node, value: unknown, style: TextStyle): Edit[] {
  const indent = indentAt(text, node.offset);
  const column = node.offset - lineStart(text, node.offset);
  return [{ offset: node.offset, length: node.length, content: render(value, indent, column, style) }];
}

/** Inserts `"key": value` as the last property of an object. */
export function insertProperty(text: string, obj: Node, key: string, value: unknown, style: TextStyle): Edit[] {
  const head = `${JSON.stringify(key)}: `;
  return insertChild(
    text,
    obj,
    obj.children?.length ?? 0,
    (indent, column) => head + render(value, indent, column + head.length, style),
    style,
  );
}

/** Inserts `value` into an array before the element at `index` (at the end when index is the length). */
export function insertElement(text: string, arr: Node, index: number, value: unknown, style: TextStyle): Edit[] {
  return insertChild(text, arr, index, (indent, column) => render(value, indent, column, style), style);
}

type Writer = (indent: string, column: number) => string;

function insertChild(text: string, container: Node, index: number, write: Writer, style: TextStyle): Edit[] {
  const children = container.children ?? [];
  if (children.length === 0) return insertIntoEmpty(text, container, write, style);
  const multiline = isMultiline(text, container);
  if (index < children.length) {
    // Before an existing child: the new one takes its place and layout, the old one follows.
    const target = children[index];
    // A comment that leads the target's line (`/* the output */ { ... }`) stays with the target.
    const indent = indentAt(text, target.offset);
    const lineHead = lineStart(text, target.offset) + indent.length;
    const ownLine = multiline && skipTrivia(text, lineHead) === target.offset;
    const at = ownLine ? lineHead : target.offset;
    const separator = ownLine ? style.eol + indent : ' ';
    return [
      {
        offset: at,
        length: 0,
        content: write(ownLine ? indent : indentAt(text, container.offset), at - lineStart(text, at)) + ',' + separator,
      },
    ];
  }
  const last = children[children.length - 1];
  const lastEnd = last.offset + last.length;
  const comma = commaAfter(text, lastEnd);
  const close = container.offset + container.length - 1;
  if (!multiline) {
    const column = lastEnd - lineStart(text, lastEnd) + 2;
    return [{ offset: lastEnd, length: 0, content: ', ' + write(indentAt(text, container.offset), column) }];
  }
  const indent = childIndent(text, container, style);
  const closeLine = lineStart(text, close);
  if (firstOnLine(text, close) && closeLine > lastEnd) {
    // On its own line just above the closing bracket, so a comment after the last child stays with it.
    const edits: Edit[] = [];
    if (comma < 0) edits.push({ offset: lastEnd, length: 0, content: ',' });
    edits.push({
      offset: closeLine,
      length: 0,
      content: indent + write(indent, indent.length) + (comma >= 0 ? ',' : '') + style.eol,
    });
    return edits;
  }
  const at = comma >= 0 ? comma + 1 : lastEnd;
  return [
    {
      offset: at,
      length: 0,
      content: (comma >= 0 ? '' : ',') + style.eol + indent + write(indent, indent.length) + (comma >= 0 ? ',' : ''),
    },
  ];
}

function insertIntoEmpty(text: string, container: Node, write: Writer, style: TextStyle): Edit[] {
  const open = container.offset + 1;
  const inner = text.slice(open, container.offset + container.length - 1);
  const multiline = /[\r\n]/.test(inner);
  const outer = indentAt(text, container.offset);
  if (inner.trim() === '') {
    if (!multiline) {
      const column = open - lineStart(text, open);
      const padded = container.type === 'object';
      const content = padded ? ` ${write(outer, column + 1)} ` : write(outer, column);
      return [{ offset: open, length: inner.length, content }];
    }
    const indent = outer + style.unit;
    return [
      { offset: open, length: inner.length, content: style.eol + indent + write(indent, indent.length) + style.eol + outer },
    ];
  }
  // Only comments inside: the new child goes first, the comments stay after it.
  const indent = multiline ? outer + style.unit : outer;
  const lead = multiline ? style.eol + indent : ' ';
  return [
    { offset: open, length: 0, content: lead + write(indent, multiline ? indent.length : open - lineStart(text, open) + 1) },
  ];
}

/**
 * Removes one child of an object (its property node) or array (its element node) with its comma. A child alone
 * on its line(s) goes with its whole line, trailing comment included.
 */
export function removeChild(text: string, container: Node, index: number): Edit[] {
  const children = container.children ?? [];
  const child = children[index];
  const start = child.offset;
  const end = child.offset + child.length;
  const isLast = index === children.length - 1;
  const prev = index > 0 ? children[index - 1] : undefined;
  if (isMultiline(text, container) && firstOnLine(text, start)) {
    const lineEnd = endOfTrivialLine(text, end);
    if (lineEnd >= 0) {
      const edits: Edit[] = [{ offset: lineStart(text, start), length: lineEnd - lineStart(text, start), content: '' }];
      // The previous child's comma was a separator; without a trailing comma on the removed one, it goes too.
      if (isLast && prev && commaAfter(text, end) < 0) {
        const comma = commaAfter(text, prev.offset + prev.length);
        if (comma >= 0) edits.push({ offset: comma, length: 1, content: '' });
      }
      return edits;
    }
  }
  if (!isLast) return [{ offset: start, length: children[index + 1].offset - start, content: '' }];
  if (prev) return [{ offset: prev.offset + prev.length, length: end - (prev.offset + prev.length), content: '' }];
  // The only child: empty the container, keeping any comment that is not the child's.
  const open = container.offset + 1;
  const close = container.offset + container.length - 1;
  const comma = commaAfter(text, end);
  const removeEnd = comma >= 0 ? comma + 1 : end;
  const rest = text.slice(open, start) + text.slice(removeEnd, close);
  if (rest.trim() === '') return [{ offset: open, length: close - open, content: '' }];
  return [{ offset: start, length: removeEnd - start, content: '' }];
}
