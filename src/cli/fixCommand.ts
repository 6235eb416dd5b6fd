// `gradscope fix <spec> --code <code> [--write]`: applies the first fix for a diagnostic code to the spec. The fix
// comes from the spec's lint findings, else from the last run of that spec (its diagnostics with fixes). Without
// --write it prints the change as a unified diff; with --write it writes the spec, comments and layout kept.

import * as fs from 'fs';
import * as path from 'path';
import { EXIT, type ExitCode } from '../shared/exitCodes';
import { applyPatchToText } from '../training/fixes/applyPatch';
import { unifiedDiff } from '../training/fixes/diff';
import { defaultRunsDir, listRuns } from '../training/run/runStore';
import { summarizeRun } from '../training/run/runSummary';
import { formatProblem, parseSpecFile, parseSpecText } from '../training/spec/parse';
import type { SpecFix } from '../training/spec/types';
import { displayPath } from './displayPath';

export interface FixOptions {
  code: string;
  write: boolean;
  /** Where the spec's runs are (as `train --out`); default `.gradscope/runs` next to the spec. */
  runsDir?: string;
}

interface FoundFix {
  fix: SpecFix;
  /** Where it came from, for the message: `lint` or `run <runId>`. */
  origin: string;
}

/** Runs `fix`; writes the diff or a confirmation to stdout and explanations to stderr; returns the exit code. */
export function runFix(specArg: string, options: FixOptions): ExitCode {
  const parsed = parseSpecFile(path.resolve(specArg));
  const file = parsed.file;
  if (!parsed.spec) {
    for (const p of parsed.problems) process.stderr.write(formatProblem(displayPath(file), p) + '\n');
    return EXIT.invalidSpec;
  }
  const found = fromLint(parsed.problems, options.code) ?? fromLastRun(file, options);
  if ('missing' in found) {
    const linted = parsed.problems.some((p) => p.code === options.code);
    process.stderr.write(
      `gradscope fix: ${linted ? `the spec's lint reports [${options.code}] without an automatic fix; ` : ''}${found.missing}\n`,
    );
    return EXIT.noFix;
  }
  let patched: string;
  try {
    patched = applyPatchToText(parsed.text, found.fix.patch);
  } catch (err) {
    process.stderr.write(
      `gradscope fix: the fix "${found.fix.title}" (${found.origin}) no longer applies to ${displayPath(file)}: ${(err as Error).message}\n`,
    );
    return EXIT.noFix;
  }
  const after = parseSpecText(patched, file);
  for (const p of after.problems.filter((q) => q.severity === 'error')) {
    process.stderr.write(`warning: after this fix, ${formatProblem(displayPath(file), p)}\n`);
  }
  if (options.write) {
    writeSpecText(file, patched);
    process.stdout.write(`${displayPath(file)}: applied "${found.fix.title}" [${options.code}] (${found.origin})\n`);
    return EXIT.ok;
  }
  process.stderr.write(`fix for [${options.code}] (${found.origin}): ${found.fix.title}; run again with --write to apply it\n`);
  const name = displayPath(file).split(path.sep).join('/');
  process.stdout.write(unifiedDiff(parsed.text, patched, { fromName: `a/${name}`, toName: `b/${name}` }));
  return EXIT.ok;
}

/** Rewrites a spec file with `text` (its byte-order mark, if it had one, kept). */
export function writeSpecText(file: string, text: string): void {
  const raw = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, (raw.charCodeAt(0) === 0xfeff ? '\ufeff' : '') + text);
}

function fromLint(problems: { code: string; fixes?: SpecFix[] }[], code: string): FoundFix | undefined {
  const p = problems.find((q) => q.code === code && q.fixes && q.fixes.length > 0);
  return p?.fixes ? { fix: p.fixes[0], origin: 'lint' } : undefined;
}

/** The first fix of a `code` diagnostic in the newest run whose run-start names this spec. */
function fromLastRun(file: string, options: FixOptions): FoundFix | { missing: string } {
  const runsDir = options.runsDir ? path.resolve(options.runsDir) : defaultRunsDir(file);
  for (const dir of listRuns(runsDir)) {
    const run = summarizeRun(dir);
    if (!run.start || path.resolve(run.start.specFile) !== file) continue;
    const diagnostic = run.diagnostics.find((d) => d.code === options.code && d.fixes && d.fixes.length > 0);
    if (diagnostic?.fixes) return { fix: diagnostic.fixes[0], origin: `run ${run.runId}` };
    const seen = run.diagnostics.some((d) => d.code === options.code);
    return {
      missing: seen
        ? `the last run of ${displayPath(file)} (${run.runId}) reported [${options.code}] but without an automatic fix`
        : `no [${options.code}] finding in the spec's lint nor in its last run (${run.runId})`,
    };
  }
  return {
    missing: `no [${options.code}] finding in the spec's lint, and ${displayPath(file)} has no run in ${displayPath(runsDir)}`,
  };
}
