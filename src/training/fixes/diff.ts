// A unified diff (as `diff -u` / `git diff` print it) between two versions of a spec, to show a fix before
// writing it. Line-based; the common head and tail are trimmed first, so a fix's few changed lines cost little.

export interface DiffOptions {
  /** Names shown after `---` and `+++`. */
  fromName: string;
  toName: string;
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Longest-common-subsequence edit script between two line lists. */
function editScript(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const n = x.length;
  const m = y.length;
  // lcs[i][j] = LCS length of x[i..] and y[j..], stored row-major.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        x[i] === y[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    }
  }
  const ops: Op[] = a.slice(0, head).map((line) => ({ kind: ' ', line }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      ops.push({ kind: ' ', line: x[i] });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i * (m + 1) + j + 1] >= lcs[(i + 1) * (m + 1) + j])) {
      ops.push({ kind: '+', line: y[j++] });
    } else {
      ops.push({ kind: '-', line: x[i++] });
    }
  }
  // Removals before additions within a change, as diff prints them.
  const ordered: Op[] = [];
  let pendingAdds: Op[] = [];
  for (const op of ops) {
    if (op.kind === '+') pendingAdds.push(op);
    else if (op.kind === '-') ordered.push(op);
    else {
      ordered.push(...pendingAdds, op);
      pendingAdds = [];
    }
  }
  ordered.push(...pendingAdds);
  for (const line of a.slice(a.length - tail)) ordered.push({ kind: ' ', line });
  return ordered;
}

/** The unified diff from `before` to `after`; empty when they have the same lines. */
export function unifiedDiff(before: string, after: string, options: DiffOptions): string {
  const context = options.context ?? 3;
  const ops = editScript(splitLines(before), splitLines(after));
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context windows touch into hunks.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const start = Math.max(0, k - context);
    const end = Math.min(ops.length, k + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  }
  const out = [`--- ${options.fromName}`, `+++ ${options.toName}`];
  // Line numbers (1-based) in each file at the start of each op.
  let aLine = 1;
  let bLine = 1;
  const at: { a: number; b: number }[] = ops.map((o) => {
    const here = { a: aLine, b: bLine };
    if (o.kind !== '+') aLine++;
    if (o.kind !== '-') bLine++;
    return here;
  });
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end);
    const aCount = slice.filter((o) => o.kind !== '+').length;
    const bCount = slice.filter((o) => o.kind !== '-').length;
    const aStart = aCount === 0 ? at[start].a - 1 : at[start].a;
    const bStart = bCount === 0 ? at[start].b - 1 : at[start].b;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of slice) out.push(o.kind + o.line);
  }
  return out.join('\n') + '\n';
}
