// Reads a CSV data file into numeric feature columns plus a raw label column, cached by path and mtime
// because the editor asks for the dataset shape on every keystroke.

import * as fs from 'fs';
import { parse } from 'csv-parse/sync';
import { DatasetError, type Task } from './types';

/** A CSV file split into numeric features and its label column, validated. */
export interface CsvTable {
  featureNames: string[];
  /** Row-major, `rows * featureNames.length` values. */
  features: Float64Array;
  /** Raw label cells, one per row, trimmed. */
  labels: string[];
  rows: number;
  task: Task;
  /** Distinct label values in sorted order (classification only; empty for regression). */
  classValues: string[];
}

interface RawTable {
  columns: string[];
  records: string[][];
}

// Keyed by path; entries are reused only while size and mtime are unchanged.
const rawCache = new Map<string, { stamp: string; table: RawTable }>();
// Validated tables keyed by path, label and task, so repeated describes skip the per-cell checks too.
const tableCache = new Map<string, { stamp: string; table: CsvTable }>();
/** A handful of files is all one session edits; the bound only stops a long-running editor from hoarding memory. */
const MAX_CACHED = 16;

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (!cache.has(key) && cache.size >= MAX_CACHED) {
    // Maps iterate in insertion order, so this drops the oldest entry.
    cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, value);
}

/** Regression is guessed only for many distinct numeric labels: a 0..9 digit column is classes, not targets. */
const REGRESSION_MIN_DISTINCT = 20;

function isNumeric(cell: string): boolean {
  return cell.trim() !== '' && Number.isFinite(Number(cell));
}

function readRaw(path: string | undefined): { stamp: string; table: RawTable } {
  if (path === undefined || path === '') {
    throw new DatasetError('csv dataset needs a "path" to a CSV file', 'path');
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    throw new DatasetError(`CSV file not found: ${path}`, 'path');
  }
  if (!stat.isFile()) {
    throw new DatasetError(`CSV path is not a file: ${path}`, 'path');
  }
  const stamp = `${stat.mtimeMs}:${stat.size}`;
  const cached = rawCache.get(path);
  if (cached && cached.stamp === stamp) {
    return cached;
  }
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatasetError(`cannot read CSV file ${path}: ${(err as Error).message}`, 'path');
  }
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (err) {
    throw new DatasetError(`cannot parse CSV file ${path}: ${(err as Error).message}`, 'path');
  }
  if (rows.length === 0) {
    throw new DatasetError(`CSV file is empty: ${path}`, 'path');
  }
  const [columns, ...records] = rows;
  if (records.length === 0) {
    throw new DatasetError(`CSV file has a header row but no data rows: ${path}`, 'path');
  }
  const entry = { stamp, table: { columns, records } };
  remember(rawCache, path, entry);
  return entry;
}

function chooseTask(labels: string[], requested: Task | undefined): Task {
  if (requested) {
    return requested;
  }
  if (!labels.every(isNumeric)) {
    return 'classification';
  }
  return new Set(labels.map(Number)).size > REGRESSION_MIN_DISTINCT ? 'regression' : 'classification';
}

function sortedClassValues(labels: string[]): string[] {
  const distinct = [...new Set(labels)];
  // Numeric labels sort by value so "10" comes after "9"; anything else sorts as text.
  if (distinct.every(isNumeric)) {
    return distinct.sort((a, b) => Number(a) - Number(b));
  }
  return distinct.sort();
}

/**
 * Reads and validates a CSV data file: a header row, a `label` column, and numeric values in every other column.
 * Throws DatasetError with field `path` or `label`.
 */
export function readCsvTable(path: string | undefined, label: string | undefined, task?: Task): CsvTable {
  const { stamp, table: raw } = readRaw(path);
  const key = `${path}\0${label}\0${task ?? ''}`;
  const cached = tableCache.get(key);
  if (cached && cached.stamp === stamp) {
    return cached.table;
  }
  const table = validate(raw, path as string, label, task);
  remember(tableCache, key, { stamp, table });
  return table;
}

function validate(raw: RawTable, path: string, label: string | undefined, task: Task | undefined): CsvTable {
  if (label === undefined || label === '') {
    throw new DatasetError(`csv dataset needs a "label" column name; columns: ${raw.columns.join(', ')}`, 'label');
  }
  const labelIndex = raw.columns.indexOf(label);
  if (labelIndex < 0) {
    throw new DatasetError(`label column "${label}" not found in ${path}; columns: ${raw.columns.join(', ')}`, 'label');
  }
  const featureIndices = raw.columns.map((_, i) => i).filter((i) => i !== labelIndex);
  if (featureIndices.length === 0) {
    throw new DatasetError(`CSV file ${path} has no feature columns besides the label "${label}"`, 'path');
  }
  const rows = raw.records.length;
  const width = featureIndices.length;
  const features = new Float64Array(rows * width);
  const labels: string[] = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    const record = raw.records[r];
    // Line numbers count the header as line 1, as an editor would show them.
    const line = r + 2;
    if (record.length !== raw.columns.length) {
      throw new DatasetError(
        `CSV row ${line} of ${path} has ${record.length} values but the header has ${raw.columns.length} columns`,
        'path',
      );
    }
    for (let f = 0; f < width; f++) {
      const cell = record[featureIndices[f]];
      if (!isNumeric(cell)) {
        throw new DatasetError(
          `non-numeric value "${cell}" in CSV row ${line}, column "${raw.columns[featureIndices[f]]}" of ${path}`,
          'path',
        );
      }
      features[r * width + f] = Number(cell);
    }
    labels[r] = record[labelIndex];
  }
  const chosen = chooseTask(labels, task);
  if (chosen === 'regression') {
    const bad = labels.findIndex((l) => !isNumeric(l));
    if (bad >= 0) {
      throw new DatasetError(
        `regression label "${labels[bad]}" in CSV row ${bad + 2}, column "${label}" of ${path} is not a number`,
        'label',
      );
    }
  }
  return {
    featureNames: featureIndices.map((i) => raw.columns[i]),
    features,
    labels,
    rows,
    task: chosen,
    classValues: chosen === 'classification' ? sortedClassValues(labels) : [],
  };
}
