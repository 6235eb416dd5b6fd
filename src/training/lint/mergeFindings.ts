// One finding for a run of identical ones: a rule that judges layer by layer says the same thing once per layer
// when the layers are written out one by one (eight `initializer-mismatch` warnings for eight identical layers).
// Findings that differ only by their layer become one, at the first layer, naming the others, with one fix per
// original fix whose patch mends every layer.

import type { JsonPatchOperation, RelatedLocation, SpecFix, SpecPath, SpecProblem } from '../spec/types';
import { reverseDocumentOrder } from '../fixes/entries';

/** Line numbers listed in a merged message before "and N more". */
const LISTED_LINES = 10;

/** The layer entry a pointer is in (`/model/layers/3/kernelInitializer` → `/model/layers/3`), if any. */
function layerEntry(pointer: SpecPath): SpecPath | undefined {
  return /^(.*\/layers\/\d+)(\/.*)?$/.exec(pointer)?.[1];
}

/** A pointer relative to the finding's layer entry, so the same edit on another layer reads the same. */
function relative(pointer: SpecPath, entry: SpecPath): string {
  return pointer === entry || pointer.startsWith(entry + '/') ? `<layer>${pointer.slice(entry.length)}` : pointer;
}

function opShape(op: JsonPatchOperation, entry: SpecPath): unknown {
  return { ...op, path: relative(op.path, entry), ...(op.from !== undefined ? { from: relative(op.from, entry) } : {}) };
}

/** What two findings must share to be one: everything but their layer. */
function shapeKey(p: SpecProblem, entry: SpecPath): string {
  return JSON.stringify([
    p.code,
    p.severity,
    p.message.split(entry).join('<layer>'),
    relative(p.specPath, entry),
    (p.fixes ?? []).map((f) => [f.title, f.patch.map((op) => opShape(op, entry))]),
  ]);
}

function linesNote(group: SpecProblem[]): string {
  const lines = group.slice(1).map((p) => p.range.start.line);
  const listed = lines.slice(0, LISTED_LINES).join(', ');
  const more = lines.length > LISTED_LINES ? ` and ${lines.length - LISTED_LINES} more` : '';
  return `; the same for ${lines.length === 1 ? 'the layer at line' : 'the layers at lines'} ${listed}${more}`;
}

/** Fix i of the merged finding: fix i of every finding, the last layer's patch first so no edit shifts another. */
function mergedFix(group: SpecProblem[], i: number): SpecFix {
  const byPath = new Map(group.map((p) => [p.specPath, p.fixes?.[i]?.patch ?? []]));
  const all = reverseDocumentOrder(group.map((p) => p.specPath)).flatMap((path) => byPath.get(path) ?? []);
  // An edit outside the layers (e.g. setting clipNorm) is the same in every finding's patch: make it once.
  const seen = new Set<string>();
  const patch = all.filter((op) => {
    const key = JSON.stringify(op);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const title = group[0].fixes?.[i]?.title ?? '';
  return { title: `${title}, and the same for the ${group.length - 1} other layer${group.length > 2 ? 's' : ''} like it`, patch };
}

function merge(group: SpecProblem[]): SpecProblem {
  const [first] = group;
  if (group.length === 1) return first;
  const related: RelatedLocation[] = group.slice(1).map((p) => ({
    specPath: p.specPath,
    range: p.range,
    message: `the same ${p.code} finding here`,
  }));
  const merged: SpecProblem = { ...first, message: first.message + linesNote(group), related };
  if (first.fixes) merged.fixes = first.fixes.map((_, i) => mergedFix(group, i));
  return merged;
}

/** Merges findings that differ only by their layer; the result keeps the order of each group's first finding. */
export function mergeIdenticalFindings(findings: SpecProblem[]): SpecProblem[] {
  const groups = new Map<string, SpecProblem[]>();
  for (const p of findings) {
    // Findings not about a layer entry (e.g. the learning rate) have nothing to merge with.
    const entry = layerEntry(p.specPath);
    const key = entry === undefined ? `\0${groups.size}` : shapeKey(p, entry);
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  return [...groups.values()].map(merge);
}
