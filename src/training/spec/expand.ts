// Repeat expansion: validated layer entries (with `repeat` blocks) → the flat ResolvedLayer list the engine builds.

import type { LayerOrigin, ResolvedLayer, SourceRange, SpecPath } from './types';

type WithoutOrigin<T> = T extends unknown ? Omit<T, keyof LayerOrigin> : never;

/** Layer types with inner `layers` (a residual block, a DenseNet block). */
export type BlockType = 'residual' | 'denseBlock';

/** A validated layer's own settings; a block's inner layers live in its entry's `children`. */
export type LayerFields = WithoutOrigin<Exclude<ResolvedLayer, { type: BlockType }>> | { type: BlockType };

/** One valid entry of a `layers` array, before expansion. */
export type LayerEntry =
  | {
      kind: 'layer';
      fields: LayerFields;
      specPath: SpecPath;
      range: SourceRange;
      children: LayerEntry[];
      /** The entry's own `trainable` / `learningRateMultiplier`, when given (blocks pass them to their insides). */
      transfer?: TransferSettings;
    }
  | { kind: 'repeat'; count: number; specPath: SpecPath; range: SourceRange; children: LayerEntry[] };

/** A layer's or block's transfer-learning settings (see LayerOrigin). */
export interface TransferSettings {
  trainable?: boolean;
  learningRateMultiplier?: number;
}

/** How many layers (blocks and their insides each counting one) the entries expand to. */
export function expandedCount(entries: readonly LayerEntry[]): number {
  let total = 0;
  for (const e of entries) {
    const inner = expandedCount(e.children);
    total += e.kind === 'repeat' ? e.count * inner : 1 + inner;
  }
  return total;
}

/**
 * Expands every repeat. Each layer keeps the pointer and range of the entry it was built from (for repeats the
 * template entry, so problems and live metrics point at text the user wrote) plus the copy indices that made it.
 */
export function expandLayers(
  entries: readonly LayerEntry[],
  copies: readonly number[] = [],
  inherited: TransferSettings = {},
): ResolvedLayer[] {
  const out: ResolvedLayer[] = [];
  for (const e of entries) {
    if (e.kind === 'repeat') {
      for (let i = 0; i < e.count; i++) out.push(...expandLayers(e.children, [...copies, i], inherited));
      continue;
    }
    const origin: LayerOrigin = { specPath: e.specPath, range: e.range };
    if (copies.length > 0) {
      origin.copy = copies[copies.length - 1];
      origin.copies = [...copies];
    }
    // A layer's own setting wins over its block's.
    const transfer = { ...inherited, ...e.transfer };
    if (transfer.trainable === false) origin.trainable = false;
    if (transfer.learningRateMultiplier !== undefined) origin.learningRateMultiplier = transfer.learningRateMultiplier;
    const fields = e.fields;
    if (isBlock(fields)) {
      out.push({ type: fields.type, ...origin, layers: expandLayers(e.children, copies, transfer) });
    } else {
      out.push({ ...cloneFields(fields), ...origin });
    }
  }
  return out;
}

/** A residual or DenseNet block: its settings are its inner layers. */
export function isBlock(fields: LayerFields): fields is { type: BlockType } {
  return fields.type === 'residual' || fields.type === 'denseBlock';
}

// Copies share no arrays or objects, so the engine may annotate one copy without touching its siblings.
function cloneFields<T extends object>(fields: T): T {
  return structuredClone(fields);
}
