// `gradscope export <runDir> --tensorboard <dir> --csv <file>`: a run's recorded numbers in open formats, read from
// its events.jsonl (no engine, no TensorFlow.js): a TensorBoard event file and/or one CSV table. docs/export.md lists
// the tags (= the CSV's columns) and what each value is.
import * as fs from 'fs';
import * as path from 'path';
import { EXIT, type ExitCode } from '../shared/exitCodes';
import { RunScalarsError, runScalars, type RunScalars } from '../training/export/runScalars';
import { csvText } from '../training/export/runCsv';
import { writeEventFile } from '../training/export/tensorboard';
import { EVENTS_FILE, readEvents } from '../training/run/runStore';
import { UsageError } from './args';
import { displayPath } from './displayPath';

/** Why a file could not be read or written, in words (the system's code otherwise). */
const FILE_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'a part of the path is a file, not a directory',
  ENOENT: 'no such directory',
  ENOSPC: 'no space left on the device',
};

function fileProblem(verb: 'read' | 'write', target: string, err: unknown): UsageError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const why = FILE_ERRORS[code] ?? (err instanceof Error ? err.message : String(err));
  return new UsageError(`export: cannot ${verb} ${displayPath(target)}: ${why}`, 'export');
}

/** The run's scalars, or a usage error saying why the directory is not a run this can read. */
function readRun(runDir: string): RunScalars {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(dir)) throw new UsageError(`export: no such run directory: ${runDir}`, 'export');
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`export: ${runDir} is a file, not a run directory`, 'export');
  const events = path.join(dir, EVENTS_FILE);
  if (!fs.existsSync(events))
    throw new UsageError(`export: ${runDir} is not a run directory: it has no ${EVENTS_FILE}`, 'export');
  try {
    return runScalars(readEvents(dir));
  } catch (err) {
    if (err instanceof RunScalarsError) throw new UsageError(`export: ${displayPath(events)}:1:1: ${err.message}`, 'export');
    if ((err as NodeJS.ErrnoException).code) throw fileProblem('read', events, err);
    throw err;
  }
}

function stringOption(values: Record<string, string | boolean>, name: 'tensorboard' | 'csv'): string | undefined {
  const v = values[name];
  if (typeof v !== 'string') return undefined;
  if (v.trim() === '') throw new UsageError(`export: --${name} needs a path`, 'export');
  return v;
}

export function runExport(runDir: string, values: Record<string, string | boolean>): ExitCode {
  const logDir = stringOption(values, 'tensorboard');
  const csvFile = stringOption(values, 'csv');
  if (logDir === undefined && csvFile === undefined)
    throw new UsageError('export: nothing to export: give --tensorboard DIR, --csv FILE, or both', 'export');
  const scalars = readRun(runDir);
  const steps = new Set(scalars.records.map((r) => r.step)).size;
  // With the CSV on stdout, what was written is said on stderr.
  const report = csvFile === '-' ? process.stderr : process.stdout;
  if (logDir !== undefined) {
    let written: { file: string; events: number };
    try {
      written = writeEventFile(scalars, logDir);
    } catch (err) {
      throw fileProblem('write', logDir, err);
    }
    report.write(
      `${displayPath(written.file)}: ${written.events} events, ${scalars.tags.length} tags (view: tensorboard --logdir ${displayPath(logDir)})\n`,
    );
  }
  if (csvFile !== undefined) {
    const text = csvText(scalars);
    if (csvFile === '-') process.stdout.write(text);
    else {
      try {
        fs.mkdirSync(path.dirname(path.resolve(csvFile)), { recursive: true });
        fs.writeFileSync(csvFile, text);
      } catch (err) {
        throw fileProblem('write', csvFile, err);
      }
      report.write(`${displayPath(csvFile)}: ${steps} rows (one per step), ${scalars.tags.length + 2} columns\n`);
    }
  }
  if (steps === 0) report.write(`note: ${displayPath(runDir)} recorded no step, so there are no values\n`);
  return EXIT.ok;
}
