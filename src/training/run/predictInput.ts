// The rows `gradscope predict <runDir> <input.csv>` feeds a saved model, read and checked against the run's
// preprocessing.json before any tensor exists, and the standardisation the run's inputs went through.
//   - A run trained on a csv (preprocessing.featureNames set): the input has a header row; the feature columns are
//     found by their names (any order), the label column (preprocessing.labelColumn) is optional, any other column is
//     an error.
//   - Any other run (generated data, mnist): each row holds the inputShape's values flattened row-major (784 pixels for
//     mnist, in [0, 1] as training saw them); a first row that is not all numbers is a header, and a header column
//     named `label` holds the true label.
// Every problem is one PredictInputError whose message starts with file:line:col.
import * as fs from 'fs';
import { parse } from 'csv-parse/sync';
import type { Preprocessing } from './preprocessing';

export class PredictInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PredictInputError';
  }
}

/** Rows read from an input csv: raw inputs (before standardisation), where each came from, their labels if given. */
export interface PredictInput {
  /** Row-major, `count × prod(inputShape)` raw values. */
  x: Float32Array;
  count: number;
  /** 1-based line of each row in the file. */
  lines: number[];
  /** The label cell of each row (classification: the class name; regression: the target), when a label column is there. */
  labels?: string[];
}

interface CsvRecord {
  record: string[];
  raw: string;
  info: { lines: number };
}

const isNumber = (cell: string): boolean => cell.trim() !== '' && Number.isFinite(Number(cell));

/** 1-based character column where each field of a one-line record starts (its text, after leading blanks). */
function fieldColumns(raw: string): number[] {
  const lines = raw.replace(/\r?\n$/, '').split('\n');
  const line = lines[lines.length - 1];
  const starts = [0];
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ',' && !quoted) starts.push(i + 1);
  }
  return starts.map((s) => {
    let i = s;
    while (line[i] === ' ' || line[i] === '\t') i++;
    return i + 1;
  });
}

function readRecords(file: string): CsvRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PredictInputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read: ${(err as Error).message}`);
  }
  try {
    return parse(text, {
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
    }) as CsvRecord[];
  } catch (err) {
    throw new PredictInputError(`${file}: not a readable csv: ${(err as Error).message}`);
  }
}

/** Which record column holds each model input (in input order), and which one the label, if any. */
interface Layout {
  inputColumns: number[];
  labelColumn?: number;
  /** Records before the first data row (the header). */
  headerRows: number;
  width: number;
}

function csvRunLayout(file: string, header: CsvRecord, pre: Preprocessing, featureNames: string[]): Layout {
  const at = `${file}:${header.info.lines}`;
  const columns = header.record;
  const inputColumns = featureNames.map((name) => {
    const found = columns.indexOf(name);
    if (found < 0) {
      throw new PredictInputError(
        `${at}:1: the header has no column "${name}"; the model takes the columns ${featureNames.join(', ')}` +
          (pre.labelColumn ? ` (and optionally ${pre.labelColumn})` : ''),
      );
    }
    return found;
  });
  const labelColumn = pre.labelColumn ? columns.indexOf(pre.labelColumn) : -1;
  const cols = fieldColumns(header.raw);
  columns.forEach((name, i) => {
    if (!inputColumns.includes(i) && i !== labelColumn) {
      throw new PredictInputError(
        `${at}:${cols[i] ?? 1}: unexpected column "${name}"; the model takes the columns ${featureNames.join(', ')}` +
          (pre.labelColumn ? ` and optionally ${pre.labelColumn}` : ''),
      );
    }
    if (columns.indexOf(name) !== i) throw new PredictInputError(`${at}:${cols[i] ?? 1}: column "${name}" appears twice`);
  });
  return {
    inputColumns,
    ...(labelColumn >= 0 ? { labelColumn } : {}),
    headerRows: 1,
    width: columns.length,
  };
}

/** The model's input, described for messages: "784 values (28×28×1)". */
function inputDescription(pre: Preprocessing, size: number): string {
  return `${size} values${pre.inputShape.length > 1 ? ` (${pre.inputShape.join('×')}, row-major)` : ''}`;
}

function unnamedLayout(file: string, first: CsvRecord, pre: Preprocessing, size: number): Layout {
  if (first.record.every(isNumber)) {
    return { inputColumns: Array.from({ length: size }, (_, i) => i), headerRows: 0, width: size };
  }
  // A header: a `label` column holds the truth; the other columns are the inputs, in order.
  const labelColumn = first.record.indexOf('label');
  const inputColumns = first.record.map((_, i) => i).filter((i) => i !== labelColumn);
  if (inputColumns.length !== size) {
    throw new PredictInputError(
      `${file}:${first.info.lines}:1: the header has ${inputColumns.length} input columns` +
        `${labelColumn >= 0 ? ' besides "label"' : ''}, but the model takes ${inputDescription(pre, size)}`,
    );
  }
  return { inputColumns, ...(labelColumn >= 0 ? { labelColumn } : {}), headerRows: 1, width: first.record.length };
}

/** Reads and checks the rows of an input csv for the model whose preprocessing is `pre`. Throws PredictInputError. */
export function readPredictInput(file: string, pre: Preprocessing): PredictInput {
  const records = readRecords(file);
  if (records.length === 0) throw new PredictInputError(`${file}: the file has no rows`);
  const size = pre.inputShape.reduce((a, b) => a * b, 1);
  const featureNames = pre.featureNames ?? null;
  const layout = featureNames ? csvRunLayout(file, records[0], pre, featureNames) : unnamedLayout(file, records[0], pre, size);
  const rows = records.slice(layout.headerRows);
  if (rows.length === 0) throw new PredictInputError(`${file}: the file has a header row but no data rows`);
  const x = new Float32Array(rows.length * size);
  const labels: string[] = [];
  rows.forEach((row, r) => {
    const line = row.info.lines;
    if (row.record.length !== layout.width) {
      const expected = layout.headerRows
        ? `the header has ${layout.width} columns`
        : `the model takes ${inputDescription(pre, size)}`;
      throw new PredictInputError(`${file}:${line}:1: the row has ${row.record.length} values, but ${expected}`);
    }
    const cols = fieldColumns(row.raw);
    layout.inputColumns.forEach((c, i) => {
      const cell = row.record[c];
      if (!isNumber(cell)) {
        const name = featureNames ? ` (column "${featureNames[i]}")` : layout.headerRows ? '' : ` (value ${c + 1})`;
        throw new PredictInputError(`${file}:${line}:${cols[c] ?? 1}: "${cell}"${name} is not a number`);
      }
      x[r * size + i] = Number(cell);
    });
    if (layout.labelColumn !== undefined) {
      const cell = row.record[layout.labelColumn];
      if (pre.task === 'regression' && !isNumber(cell)) {
        throw new PredictInputError(`${file}:${line}:${cols[layout.labelColumn] ?? 1}: the target "${cell}" is not a number`);
      }
      labels.push(cell);
    }
  });
  return {
    x,
    count: rows.length,
    lines: rows.map((row) => row.info.lines),
    ...(layout.labelColumn !== undefined ? { labels } : {}),
  };
}

/** Applies the run's standardisation in place: each feature becomes (x − mean) / std, as training inputs did. */
export function standardizeInputs(x: Float32Array, pre: Preprocessing): void {
  const s = pre.standardize;
  if (!s) return;
  const width = s.mean.length;
  for (let j = 0; j < x.length; j++) {
    const f = j % width;
    x[j] = (x[j] - s.mean[f]) / s.std[f];
  }
}
