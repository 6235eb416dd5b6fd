// Spec entries as fixes address them: layers built from one `repeat` template share its entry, so a fix patches each
// entry once; insertions go in reverse document order so that no operation shifts the path of a later one.
import { fromPointer, toPointer } from '../spec/positions';
import type { SpecPath } from '../spec/types';

/** One item per spec entry (the first, e.g. the first copy of a repeat template), in the order given. */
export function distinctEntries<T>(items: readonly T[], pathOf: (item: T) => SpecPath): T[] {
  const seen = new Set<SpecPath>();
  return items.filter((item) => {
    const path = pathOf(item);
    return seen.has(path) ? false : (seen.add(path), true);
  });
}

/** Sorts pointers so the last in the document comes first: edits made in that order never shift the others. */
export function reverseDocumentOrder(pointers: readonly SpecPath[]): SpecPath[] {
  const key = (p: SpecPath): (string | number)[] => (fromPointer(p) ?? []).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const compare = (a: SpecPath, b: SpecPath): number => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      if (ka[i] === kb[i]) continue;
      if (typeof ka[i] === 'number' && typeof kb[i] === 'number') return (kb[i] as number) - (ka[i] as number);
      return String(kb[i]).localeCompare(String(ka[i]));
    }
    return kb.length - ka.length;
  };
  return [...pointers].sort(compare);
}

/** The array pointer and index of a layer entry (`/model/layers/2` → [`/model/layers`, 2]). */
export function entrySlot(specPath: SpecPath): { array: SpecPath; index: number } | undefined {
  const segments = fromPointer(specPath);
  if (!segments || segments.length === 0) return undefined;
  const last = segments[segments.length - 1];
  if (!/^(0|[1-9][0-9]*)$/.test(last)) return undefined;
  return { array: toPointer(segments.slice(0, -1)), index: Number(last) };
}
