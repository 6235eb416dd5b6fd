// `gradscope lr-find <spec>`: the learning-rate range test in the engine process (no run is recorded). Human mode: a
// progress line, then an ASCII plot of loss against learning rate and the suggestion; `--json`: the `lr-find` result
// as one line on stdout. `--apply` writes the suggestion into the spec through learningRateEdit (comments kept).
import type { LrFindEvent, LrFindMessage, LrFindSettings } from '../shared/engineProtocol';
import { LR_FIND_DEFAULTS } from '../shared/engineProtocol';
import { EXIT, exitCodeForSignal, type ExitCode } from '../shared/exitCodes';
import { applyPatchToText } from '../training/fixes/applyPatch';
import { learningRateEdit } from '../training/fixes/learningRateEdit';
import { readSpecDocument } from '../training/fixes/patchBuilder';
import { startLrFind } from '../training/run/runner';
import { formatProblem, parseSpecFile } from '../training/spec/parse';
import { UsageError } from './args';
import { displayPath } from './displayPath';
import { writeSpecText } from './fixCommand';
import { describeRangeTest, plotRangeTest } from './lrFindPlot';
import { fixed } from './progress';
import { StopOnSignals } from './stopSignals';
import { checkSpec, engineOptions, integerOption, printProblems } from './trainCommand';

function rateOption(name: 'start' | 'end', value: string | boolean | undefined): number {
  if (value === undefined) return LR_FIND_DEFAULTS[name];
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number (e.g. 1e-7), got "${String(value)}"`, 'lr-find');
  return n;
}

function settingsFrom(values: Record<string, string | boolean>): LrFindSettings {
  const start = rateOption('start', values.start);
  const end = rateOption('end', values.end);
  if (end <= start) throw new UsageError(`--end (${end}) must be above --start (${start})`, 'lr-find');
  const steps = integerOption('steps', values.steps, 2, 'lr-find') ?? LR_FIND_DEFAULTS.steps;
  return { start, end, steps };
}

/** The progress line on a terminal (nothing otherwise: the plot follows). */
function progressHandler(json: boolean, out: NodeJS.WriteStream): { onMessage: (m: LrFindMessage) => void; clear: () => void } {
  let drawn = false;
  const clear = (): void => {
    if (drawn) out.write('\r\x1b[2K');
    drawn = false;
  };
  const onMessage = (m: LrFindMessage): void => {
    switch (m.type) {
      case 'log':
        if (json && m.level === 'info') return;
        clear();
        out.write(`${m.message}\n`);
        return;
      case 'spec-problems':
        printProblems(m.file, m.problems);
        return;
      case 'lr-find-progress':
        if (json || !out.isTTY) return;
        out.write(
          `\r\x1b[2Klr-find step ${m.step + 1}/${m.steps}: learning rate ${m.learningRate.toExponential(1)}, ` +
            `loss ${fixed(m.loss, 4)} (smoothed ${fixed(m.smoothedLoss, 4)})`,
        );
        drawn = true;
        return;
      case 'lr-find':
        clear();
        return;
      default: {
        const unknown: never = m;
        out.write(`gradscope: unknown engine message ${JSON.stringify(unknown).slice(0, 200)}\n`);
      }
    }
  };
  return { onMessage, clear };
}

/** Writes the suggestion into the spec as it is now (it may have been edited while the test ran). */
function applySuggestion(file: string, result: LrFindEvent): ExitCode {
  const parsed = parseSpecFile(file);
  if (!parsed.spec) {
    for (const p of parsed.problems) process.stderr.write(formatProblem(displayPath(file), p) + '\n');
    return EXIT.invalidSpec;
  }
  if (!result.conclusive) {
    process.stderr.write(`${displayPath(file)}: not changed: the range test was inconclusive\n`);
    return EXIT.noFix;
  }
  const edit = learningRateEdit(parsed.spec.training, readSpecDocument(parsed.text, file), result.suggestion.learningRate);
  writeSpecText(file, applyPatchToText(parsed.text, edit.patch));
  process.stderr.write(`${displayPath(file)}: ${edit.title}\n`);
  return EXIT.ok;
}

export async function runLrFind(file: string, values: Record<string, string | boolean>): Promise<ExitCode> {
  const options = engineOptions(file, values, 'lr-find');
  options.lrFind = settingsFrom(values);
  if (!checkSpec(file)) return EXIT.invalidSpec;

  const json = values.json === true;
  const { onMessage, clear } = progressHandler(json, process.stderr);
  const s = options.lrFind;
  if (!json) process.stderr.write(`lr-find ${displayPath(file)}: learning rate ${s.start} → ${s.end} over ${s.steps} steps\n`);
  const handle = startLrFind(options, onMessage);
  const signals = new StopOnSignals(handle, process.stderr, 'no result');
  const outcome = await handle.done;
  clear();
  const code = finish(outcome.result, outcome.exitCode, json, signals.signal, options.specFile, values.apply === true);
  signals.finished(code);
  return code;
}

function finish(
  result: LrFindEvent | undefined,
  exitCode: number | null,
  json: boolean,
  signal: 'SIGINT' | 'SIGTERM' | undefined,
  specFile: string,
  apply: boolean,
): ExitCode {
  if (!result) {
    // The engine said why on its way out (invalid spec, backend missing, a loss that was never finite).
    if (signal) {
      process.stderr.write('lr-find stopped before the end: no suggestion\n');
      return exitCodeForSignal(signal);
    }
    if (exitCode === EXIT.invalidSpec || exitCode === EXIT.usage) return exitCode;
    if (exitCode !== EXIT.divergedOrFailed)
      process.stderr.write(`gradscope: the engine ended without a result (exit code ${exitCode})\n`);
    return EXIT.divergedOrFailed;
  }
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(`${plotRangeTest(result)}\n\n${describeRangeTest(result)}\n`);
    if (result.resultFile) process.stdout.write(`saved: ${displayPath(result.resultFile)}\n`);
    if (!apply && result.conclusive)
      process.stdout.write('to write it into the spec, run again with --apply (the test is seeded: same spec, same result)\n');
  }
  return apply ? applySuggestion(specFile, result) : EXIT.ok;
}
