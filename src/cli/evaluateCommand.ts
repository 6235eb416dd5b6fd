// `gradscope evaluate <runDir> [--split val|test]`: a run's saved model scored in the engine process on the split
// of its data. Human mode: the scores, and for classification the confusion matrix and its most confused pairs;
// `--json`: the `evaluation` result as one line on stdout.
import * as path from 'path';
import type { EvaluateMessage, EvaluationResult, EvaluationSplit } from '../shared/engineProtocol';
import { EXIT, type ExitCode } from '../shared/exitCodes';
import { startEvaluate } from '../training/run/runner';
import { UsageError } from './args';
import { displayPath } from './displayPath';
import { fixed } from './progress';
import { engineOptions } from './trainCommand';

function splitOption(value: string | boolean | undefined): EvaluationSplit {
  if (value === undefined) return 'val';
  if (value === 'val' || value === 'test') return value;
  throw new UsageError(`--split must be val or test, got "${String(value)}"`, 'evaluate');
}

/** The pairs (true → predicted, off the diagonal) with the most samples, most first; at most `count`. */
function mostConfused(result: EvaluationResult, count = 3): { actual: string; predicted: string; samples: number }[] {
  const names = result.classNames ?? [];
  const pairs: { actual: string; predicted: string; samples: number }[] = [];
  (result.confusion ?? []).forEach((row, i) =>
    row.forEach((n, j) => {
      if (i !== j && n > 0) pairs.push({ actual: names[i] ?? String(i), predicted: names[j] ?? String(j), samples: n });
    }),
  );
  return pairs.sort((a, b) => b.samples - a.samples).slice(0, count);
}

/** The confusion matrix as a table: rows are the true classes, columns the predicted ones. */
function confusionTable(result: EvaluationResult): string[] {
  const matrix = result.confusion ?? [];
  const names = result.classNames ?? matrix.map((_, i) => String(i));
  const width = Math.max(4, ...names.map((n) => n.length), ...matrix.flat().map((n) => String(n).length));
  const cell = (text: string): string => text.padStart(width);
  return [
    'confusion matrix (rows: true class, columns: predicted class):',
    `  ${cell('')}  ${names.map(cell).join(' ')}`,
    ...matrix.map((row, i) => `  ${cell(names[i])}  ${row.map((n) => cell(String(n))).join(' ')}`),
  ];
}

/** The human-readable report of an evaluation. */
function formatEvaluation(result: EvaluationResult): string {
  const which = result.split === 'test' ? 'test' : 'validation';
  const lines = [`${displayPath(result.runDir)}: ${which} split, ${result.samples} samples`];
  if (result.task === 'classification') {
    lines.push(`  loss ${fixed(result.loss, 4)}   accuracy ${fixed((result.acc ?? NaN) * 100, 1)}%`);
    lines.push(...confusionTable(result));
    const confused = mostConfused(result);
    lines.push(
      confused.length === 0
        ? 'no sample was misclassified'
        : `most confused: ${confused.map((p) => `${p.actual} taken for ${p.predicted} (${p.samples})`).join(', ')}`,
    );
  } else {
    lines.push(
      `  loss ${fixed(result.loss, 4)}   MAE ${fixed(result.mae ?? NaN, 4)}   RMSE ${fixed(result.rmse ?? NaN, 4)}   R² ${fixed(result.r2 ?? NaN, 4)}`,
    );
  }
  return lines.join('\n');
}

export async function runEvaluate(runDir: string, values: Record<string, string | boolean>): Promise<ExitCode> {
  const options = engineOptions(runDir, values, 'evaluate');
  options.runDir = path.resolve(runDir);
  options.split = splitOption(values.split);
  const json = values.json === true;
  const handle = startEvaluate(options, (m: EvaluateMessage) => {
    if (m.type === 'log' && (m.level !== 'info' || !json)) process.stderr.write(`${m.message}\n`);
  });
  const outcome = await handle.done;
  if (!outcome.result) return outcome.exitCode === EXIT.usage ? EXIT.usage : EXIT.divergedOrFailed;
  process.stdout.write(json ? `${JSON.stringify(outcome.result)}\n` : `${formatEvaluation(outcome.result)}\n`);
  return EXIT.ok;
}
