// `gradscope` command line: `train` runs a spec in the engine process, `lr-find` runs the learning-rate range test
// there, `evaluate` scores a run's saved model on a split of its data, `predict` applies it to new rows, `explain` draws
// where it looks (Grad-CAM PNGs), `export` writes a run's numbers as a TensorBoard event file or CSV, `diagnose` runs
// the training-health detectors over a recorded run (gradscope's or a PyTorch script's), `check` validates a spec, `fix` applies the fix of a lint finding or of a diagnostic of the spec's last run.
// A thin front-end: the engine (child process) does the work and streams events.
import { EXIT } from '../shared/exitCodes';
import { parseCommandLine, UsageError } from './args';
import { commandHelp, generalHelp, shortUsage, synopsis } from './commands';
import { displayPath } from './displayPath';
import { runDiagnose, thresholdsOption } from './diagnoseCommand';
import { runFix } from './fixCommand';
import { runEvaluate } from './evaluateCommand';
import { runExplain } from './explainCommand';
import { runExport } from './exportCommand';
import { runPredict } from './predictCommand';
import { runLrFind } from './lrFindCommand';
import { packageRoot } from './packageRoot';
import { checkSpec, runTrain } from './trainCommand';

/** gradscope's version, from the package.json above this file (dist/ in the package, out/src/cli/ in tests). */
function version(): string {
  return packageRoot()?.version ?? 'unknown';
}

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    switch (args.kind) {
      case 'help':
        process.stdout.write(`${args.command ? commandHelp(args.command) : generalHelp()}\n`);
        return EXIT.ok;
      case 'version':
        process.stdout.write(`gradscope ${version()}\n`);
        return EXIT.ok;
      case 'run':
        break;
      default: {
        const unknown: never = args;
        throw new Error(`unhandled arguments ${JSON.stringify(unknown)}`);
      }
    }
    const { command, file, values, input } = args;
    switch (command) {
      case 'train':
        return await runTrain(file, values);
      case 'lr-find':
        return await runLrFind(file, values);
      case 'evaluate':
        return await runEvaluate(file, values);
      case 'predict':
        return await runPredict(file, input, values);
      case 'explain':
        return await runExplain(file, values);
      case 'export':
        return runExport(file, values);
      case 'diagnose':
        return await runDiagnose(file, {
          json: values.json === true,
          follow: values.follow === true,
          thresholds: typeof values.thresholds === 'string' ? thresholdsOption(values.thresholds) : undefined,
        });
      case 'check': {
        const ok = checkSpec(file);
        if (ok) process.stdout.write(`${displayPath(file)}: ok\n`);
        return ok ? EXIT.ok : EXIT.invalidSpec;
      }
      case 'fix': {
        const code = values.code;
        if (typeof code !== 'string' || code === '')
          throw new UsageError('fix: missing --code <code> (the code in [brackets] of a finding)', 'fix');
        const out = values.out;
        return runFix(file, { code, write: values.write === true, runsDir: typeof out === 'string' ? out : undefined });
      }
      default: {
        const unknown: never = command;
        throw new Error(`unhandled command ${String(unknown)}`);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      const more = err.command
        ? `usage: ${synopsis(err.command)}\n(\`gradscope ${err.command} --help\` explains each option)`
        : shortUsage();
      process.stderr.write(`gradscope: ${err.message}\n${more}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

/** Runs the CLI and sets the process exit code; the `bin/gradscope.js` entry calls this. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`gradscope: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.divergedOrFailed;
    },
  );
}
