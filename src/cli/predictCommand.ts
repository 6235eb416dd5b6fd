// `gradscope predict <runDir> <input.csv|--dataset-sample N>`: a run's saved model applied, in the engine process,
// to the rows of a csv or to samples of the run's validation split. Human mode: a table, one line per row (the
// predicted class and every class's probability, or the predicted value; the truth when known); `--json`: the
// `prediction` result as one line on stdout.
import * as path from 'path';
import type { PredictionResult, PredictionRow, PredictMessage, StartOptions } from '../shared/engineProtocol';
import { EXIT, type ExitCode } from '../shared/exitCodes';
import { startPredict } from '../training/run/runner';
import { UsageError } from './args';
import { displayPath } from './displayPath';
import { fixed } from './progress';
import { engineOptions, integerOption } from './trainCommand';

function predictOptions(runDir: string, input: string | undefined, values: Record<string, string | boolean>): StartOptions {
  const options = engineOptions(runDir, values, 'predict');
  options.runDir = path.resolve(runDir);
  const sample = integerOption('dataset-sample', values['dataset-sample'], 1, 'predict');
  if (input !== undefined && sample !== undefined)
    throw new UsageError('predict: give an input csv or --dataset-sample N, not both', 'predict');
  if (input === undefined && sample === undefined)
    throw new UsageError('predict: missing input: an input csv or --dataset-sample N', 'predict');
  if (input !== undefined) options.input = path.resolve(input);
  if (sample !== undefined) options.datasetSample = sample;
  return options;
}

/** Aligned columns: every cell padded to its column's widest. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`.trimEnd(),
  );
}

function rowName(row: PredictionRow): string {
  return row.line !== undefined ? `line ${row.line}` : `#${row.index ?? '?'}`;
}

/** The human-readable report of a prediction. */
function formatPrediction(result: PredictionResult): string {
  const source = result.source.startsWith(path.sep) ? displayPath(result.source) : result.source;
  const lines = [`${displayPath(result.runDir)}: ${result.rows.length} rows, ${source}`];
  const withTruth = result.rows.some((r) => r.actual !== undefined);
  const truth = (row: PredictionRow): string[] =>
    withTruth
      ? [row.actual === undefined ? '' : Array.isArray(row.actual) ? row.actual.map((v) => fixed(v, 4)).join(' ') : row.actual]
      : [];
  if (result.task === 'classification') {
    const names = result.classNames ?? [];
    const header = ['row', 'predicted', ...(withTruth ? ['true'] : []), ...names.map((n) => `p(${n})`)];
    const body = result.rows.map((row) => [
      rowName(row),
      row.predicted ?? '',
      ...truth(row),
      ...(row.probabilities ?? []).map((p) => fixed(p, 4)),
    ]);
    lines.push(...table([header, ...body]));
    if (withTruth) {
      const right = result.rows.filter((r) => r.actual !== undefined && r.actual === r.predicted).length;
      const known = result.rows.filter((r) => r.actual !== undefined).length;
      lines.push(`${right} of ${known} predicted right`);
    }
  } else {
    const header = ['row', 'predicted', ...(withTruth ? ['true'] : [])];
    const body = result.rows.map((row) => [rowName(row), (row.values ?? []).map((v) => fixed(v, 4)).join(' '), ...truth(row)]);
    lines.push(...table([header, ...body]));
  }
  return lines.join('\n');
}

export async function runPredict(
  runDir: string,
  input: string | undefined,
  values: Record<string, string | boolean>,
): Promise<ExitCode> {
  const options = predictOptions(runDir, input, values);
  const json = values.json === true;
  const handle = startPredict(options, (m: PredictMessage) => {
    if (m.type === 'log' && (m.level !== 'info' || !json)) process.stderr.write(`${m.message}\n`);
  });
  const outcome = await handle.done;
  if (!outcome.result) return outcome.exitCode === EXIT.usage ? EXIT.usage : EXIT.divergedOrFailed;
  for (const warning of outcome.result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(json ? `${JSON.stringify(outcome.result)}\n` : `${formatPrediction(outcome.result)}\n`);
  return EXIT.ok;
}
