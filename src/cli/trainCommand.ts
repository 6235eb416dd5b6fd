// `gradscope train <spec>`: checks the spec in this process (an invalid spec never forks an engine), runs it in
// the engine process, shows progress (or JSON lines), then the per-layer table; Ctrl-C/SIGTERM stop it cleanly.
import * as path from 'path';
import type {
  DiagnosticEvent,
  EngineMessage,
  LayerStepMetrics,
  RunEndEvent,
  RunStartEvent,
  StartOptions,
} from '../shared/engineProtocol';
import { EXIT, exitCodeForRun, type ExitCode } from '../shared/exitCodes';
import { scheduleLine } from '../shared/format';
import { startRun, type RunOutcome } from '../training/run/runner';
import { resumeRefusal } from '../training/run/startOptions';
import { formatProblem, parseSpecFile } from '../training/spec/parse';
import type { SpecProblem } from '../training/spec/types';
import { UsageError } from './args';
import type { CommandName } from './commands';
import { displayPath } from './displayPath';
import { ProgressBar } from './progress';
import { StopOnSignals, type StopSignal } from './stopSignals';
import { formatLayerTable } from './summaryTable';

export function printProblems(file: string, problems: SpecProblem[]): void {
  for (const p of problems) process.stderr.write(formatProblem(displayPath(file), p) + '\n');
}

/** Parses and prints the spec's problems; true when it has no error. */
export function checkSpec(file: string): boolean {
  const result = parseSpecFile(path.resolve(file));
  printProblems(result.file, result.problems);
  return result.spec !== undefined && !result.problems.some((p) => p.severity === 'error');
}

export function integerOption(
  name: string,
  value: string | boolean | undefined,
  min: number,
  command: CommandName = 'train',
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${String(value)}"`, command);
  return n;
}

/** The options `train` and `lr-find` share: --seed and --backend. */
export function engineOptions(file: string, values: Record<string, string | boolean>, command: CommandName): StartOptions {
  const options: StartOptions = { specFile: path.resolve(file) };
  const seed = integerOption('seed', values.seed, 0, command);
  if (seed !== undefined) options.seed = seed;
  const backend = values.backend;
  if (backend !== undefined) {
    if (backend !== 'wasm' && backend !== 'cpu' && backend !== 'tensorflow')
      throw new UsageError(`--backend must be wasm, cpu or tensorflow, got "${String(backend)}"`, command);
    options.backend = backend;
  }
  return options;
}

function startOptions(file: string, values: Record<string, string | boolean>): StartOptions {
  const options = engineOptions(file, values, 'train');
  const epochs = integerOption('epochs', values.epochs, 1);
  const measureEvery = integerOption('measure-every', values['measure-every'], 1);
  if (epochs !== undefined) options.epochs = epochs;
  if (measureEvery !== undefined) options.measureEvery = measureEvery;
  if (typeof values.out === 'string') options.outDir = path.resolve(values.out);
  if (typeof values.resume === 'string') options.resume = path.resolve(values.resume);
  return options;
}

/** What the run showed, gathered from the engine's messages for the closing summary. */
interface Seen {
  start?: RunStartEvent;
  lastLayers?: LayerStepMetrics[];
  diagnostics: DiagnosticEvent[];
  end?: RunEndEvent;
}

/** The one handler of engine messages in the CLI: progress or JSON lines, and what the summary needs. */
function messageHandler(json: boolean, bar: ProgressBar, seen: Seen): (m: EngineMessage) => void {
  const asJson = (m: EngineMessage): void => {
    if (json) process.stdout.write(JSON.stringify(m) + '\n');
  };
  return (m) => {
    switch (m.type) {
      case 'log':
        if (!json || m.level !== 'info') {
          bar.clear();
          process.stderr.write(`${m.message}\n`);
        }
        return;
      case 'spec-problems':
        printProblems(m.file, m.problems);
        return;
      case 'run-start':
        asJson(m);
        seen.start = m;
        if (!json) bar.start(m);
        return;
      case 'step':
        asJson(m);
        if (m.layers && !m.nonFinite) seen.lastLayers = m.layers;
        if (!json) bar.step(m);
        return;
      case 'augmentation-samples':
      case 'explanation':
        asJson(m);
        return;
      case 'epoch':
        asJson(m);
        if (!json) bar.epoch(m);
        return;
      case 'schedule':
        asJson(m);
        if (!json) {
          bar.clear();
          process.stderr.write(`${scheduleLine(m)}\n`);
        }
        return;
      case 'diagnostic':
        asJson(m);
        seen.diagnostics.push(m);
        if (!json) {
          bar.clear();
          process.stderr.write(`${m.severity}: ${m.message} [${m.code}]\n`);
        }
        return;
      case 'run-end':
        asJson(m);
        seen.end = m;
        return;
      default: {
        const unknown: never = m;
        process.stderr.write(`gradscope: unknown engine message ${JSON.stringify(unknown).slice(0, 200)}\n`);
      }
    }
  };
}

function printSummary(seen: Seen, end: RunEndEvent, runDir: string | undefined): void {
  if (!seen.start) return;
  process.stdout.write(`\n${formatLayerTable(seen.start, seen.lastLayers, seen.diagnostics)}\n\n`);
  const counts = ` after ${end.epochsCompleted} epoch${end.epochsCompleted === 1 ? '' : 's'}, ${end.steps} steps`;
  const best = end.bestEpoch !== undefined ? `, best epoch ${end.bestEpoch + 1} (val_loss ${end.bestValLoss?.toFixed(4)})` : '';
  process.stdout.write(`run ${end.status}${counts}${best}: ${runDir ? displayPath(runDir) : ''}\n`);
}

export async function runTrain(file: string, values: Record<string, string | boolean>): Promise<ExitCode> {
  const options = startOptions(file, values);
  if (!checkSpec(file)) return EXIT.invalidSpec;
  const refusal = resumeRefusal(options);
  if (refusal !== undefined) {
    process.stderr.write(`gradscope: cannot resume: ${refusal}\n`);
    return EXIT.usage;
  }

  const json = values.json === true;
  const bar = new ProgressBar(process.stderr);
  const seen: Seen = { diagnostics: [] };
  const handle = startRun(options, messageHandler(json, bar, seen));
  const signals = new StopOnSignals(handle, process.stderr);
  const outcome = await handle.done;
  const code = finish(outcome, seen, json, bar, signals.signal);
  signals.finished(code);
  return code;
}

/** The exit code of a run that is over, after its summary (human mode) and its error, if any, are printed. */
function finish(outcome: RunOutcome, seen: Seen, json: boolean, bar: ProgressBar, signal: StopSignal | undefined): ExitCode {
  const end = seen.end ?? outcome.end;
  if (!end) {
    // No run started: the engine said why (invalid spec, a backend that is not installed) on its way out.
    if (outcome.exitCode === EXIT.invalidSpec || outcome.exitCode === EXIT.usage) return outcome.exitCode;
    if (signal) return exitCodeForRun('stopped', signal);
    process.stderr.write(
      `gradscope: the engine ended before starting a run (${outcome.signal ?? `exit code ${outcome.exitCode}`})\n`,
    );
    return EXIT.divergedOrFailed;
  }
  bar.clear();
  if (!json) printSummary(seen, end, outcome.runDir);
  if (end.error) process.stderr.write(`error: ${end.error}\n`);
  return exitCodeForRun(end.status, signal);
}
