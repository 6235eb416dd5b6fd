// `gradscope` command line: `train` runs a spec in the engine process, `check` validates a spec, `fix` applies the
// fix of a lint finding or of a diagnostic of the spec's last run.
// A thin front-end: the engine (child process) does the work and streams events.
import * as path from 'path';
import { parseArgs } from 'util';
import type { DiagnosticEvent, EngineMessage, LayerStepMetrics, RunEndEvent, RunStartEvent, StartOptions } from '../shared/engineProtocol';
import { startRun } from '../training/run/runner';
import { formatProblem, parseSpecFile } from '../training/spec/parse';
import type { SpecProblem } from '../training/spec/types';
import { EXIT } from './exitCodes';
import { runFix } from './fixCommand';
import { ProgressBar } from './progress';
import { formatLayerTable } from './summaryTable';

const USAGE = `usage:
  gradscope train <spec> [--json] [--out DIR] [--epochs N] [--seed N] [--measure-every N] [--backend wasm|cpu|tensorflow]
  gradscope check <spec>
  gradscope fix <spec> --code <code> [--write] [--out DIR]

exit codes: 0 run finished (completed, early-stopped), spec valid or fix printed/applied, 1 invalid spec,
            2 usage error, 3 run diverged or failed, 4 no finding with a fix for that code, 130 stopped by Ctrl-C`;

class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

function printProblems(file: string, problems: SpecProblem[]): void {
  const shown = path.relative(process.cwd(), file) || file;
  for (const p of problems) process.stderr.write(formatProblem(shown, p) + '\n');
}

/** Parses the spec in this process first, so an invalid spec never forks an engine. */
function checkSpec(file: string): boolean {
  const result = parseSpecFile(path.resolve(file));
  printProblems(result.file, result.problems);
  return result.spec !== undefined && !result.problems.some((p) => p.severity === 'error');
}

async function train(file: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  const options: StartOptions = { specFile: path.resolve(file) };
  const epochs = positiveInt('epochs', values.epochs as string | undefined);
  const seed = positiveInt('seed', values.seed as string | undefined, 0);
  const measureEvery = positiveInt('measure-every', values['measure-every'] as string | undefined);
  if (epochs !== undefined) options.epochs = epochs;
  if (seed !== undefined) options.seed = seed;
  if (measureEvery !== undefined) options.measureEvery = measureEvery;
  if (typeof values.out === 'string') options.outDir = values.out;
  const backend = values.backend;
  if (backend !== undefined) {
    if (backend !== 'wasm' && backend !== 'cpu' && backend !== 'tensorflow') throw new UsageError(`--backend must be wasm, cpu or tensorflow, got "${backend}"`);
    options.backend = backend;
  }
  if (!checkSpec(file)) return EXIT.invalidSpec;

  const json = values.json === true;
  const bar = new ProgressBar(process.stderr);
  let start: RunStartEvent | undefined;
  let lastLayers: LayerStepMetrics[] | undefined;
  const diagnostics: DiagnosticEvent[] = [];
  let end: RunEndEvent | undefined;
  const onMessage = (m: EngineMessage): void => {
    if (m.type === 'log') {
      if (!json || m.level !== 'info') process.stderr.write(`${m.message}\n`);
      return;
    }
    if (m.type === 'spec-problems') { printProblems(m.file, m.problems); return; }
    if (json) process.stdout.write(JSON.stringify(m) + '\n');
    switch (m.type) {
      case 'run-start': start = m; if (!json) bar.start(m); break;
      case 'step': if (m.layers && !m.nonFinite) lastLayers = m.layers; if (!json) bar.step(m); break;
      case 'epoch': if (!json) bar.epoch(m); break;
      case 'diagnostic':
        diagnostics.push(m);
        if (!json) { bar.clear(); process.stderr.write(`${m.severity}: ${m.message} [${m.code}]\n`); }
        break;
      case 'run-end': end = m; break;
    }
  };

  const handle = startRun(options, onMessage);
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nstopping after the current step (Ctrl-C again to kill)…\n');
      handle.stop();
    } else handle.kill();
  };
  process.on('SIGINT', onSigint);
  const outcome = await handle.done;
  process.off('SIGINT', onSigint);

  if (!outcome.end && outcome.exitCode === EXIT.invalidSpec) return EXIT.invalidSpec;
  end = end ?? outcome.end;
  if (!json && start) {
    bar.clear();
    process.stdout.write(`\n${formatLayerTable(start, lastLayers, diagnostics)}\n\n`);
    const best = end?.bestEpoch !== undefined ? `, best epoch ${end.bestEpoch + 1} (val_loss ${end.bestValLoss?.toFixed(4)})` : '';
    process.stdout.write(`run ${end?.status ?? 'failed'}${best}: ${outcome.runDir ?? ''}\n`);
  }
  if (end?.error) process.stderr.write(`error: ${end.error}\n`);
  if (!end) return EXIT.divergedOrFailed;
  if (end.status === 'stopped') return interrupts > 0 ? EXIT.interrupted : EXIT.ok;
  return end.status === 'completed' || end.status === 'early-stopped' ? EXIT.ok : EXIT.divergedOrFailed;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' }, out: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' },
        'measure-every': { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        code: { type: 'string' }, write: { type: 'boolean' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const [command, file, ...extra] = parsed.positionals;
  if (parsed.values.help) { process.stdout.write(`${USAGE}\n`); return EXIT.ok; }
  try {
    if (!command) throw new UsageError('missing command');
    if (command !== 'train' && command !== 'check' && command !== 'fix') throw new UsageError(`unknown command "${command}"`);
    if (!file) throw new UsageError(`${command}: missing spec file`);
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (command === 'fix') {
      const code = parsed.values.code;
      if (typeof code !== 'string' || code === '') throw new UsageError('fix: missing --code <code> (the code in [brackets] of a finding)');
      const out = parsed.values.out;
      return runFix(file, { code, write: parsed.values.write === true, runsDir: typeof out === 'string' ? out : undefined });
    }
    if (command === 'check') {
      const ok = checkSpec(file);
      if (ok) process.stdout.write(`${file}: ok\n`);
      return ok ? EXIT.ok : EXIT.invalidSpec;
    }
    return await train(file, parsed.values);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gradscope: ${err.message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

/** Runs the CLI and sets the process exit code; the `bin/gradscope.js` entry calls this. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`gradscope: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.divergedOrFailed;
    },
  );
}
