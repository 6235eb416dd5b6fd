// A run's scalar series as one CSV table (`gradscope export --csv`): a row per step the run recorded, a column per tag
// (the TensorBoard tags of runScalars.ts, e.g. `grad_norm/dense_2`), empty where the step has no value for it.
// csv-stringify writes the text (RFC 4180 quoting, so a name with a comma or a quote stays one cell).
import { stringify } from 'csv-stringify/sync';
import type { RunScalars } from './runScalars';

/** The first columns, before the tags: the run's 0-based step and the 0-based epoch it belongs to. */
export const INDEX_COLUMNS = ['step', 'epoch'] as const;

/** A value as its cell: the shortest text that reads back as the same number; NaN stays `NaN`. */
const cell = (v: number | undefined): string => (v === undefined ? '' : String(v));

/**
 * The table: header row, then one row per step in step order. An epoch's values (loss/val, accuracy/…) sit in the row
 * of the step where the epoch ended.
 */
export function csvRows(scalars: RunScalars): string[][] {
  const byStep = new Map<number, { epoch: number; values: Map<string, number> }>();
  for (const r of scalars.records) {
    const row = byStep.get(r.step) ?? { epoch: r.epoch, values: new Map<string, number>() };
    for (const [tag, v] of r.values) row.values.set(tag, v);
    byStep.set(r.step, row);
  }
  const rows = [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, row]) => [String(step), String(row.epoch), ...scalars.tags.map((tag) => cell(row.values.get(tag)))]);
  return [[...INDEX_COLUMNS, ...scalars.tags], ...rows];
}

/** The CSV text (header line first, `\n` line ends). */
export function csvText(scalars: RunScalars): string {
  return stringify(csvRows(scalars));
}
