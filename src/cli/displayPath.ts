// How the CLI prints a file or directory: relative to the current directory, everywhere (problems, run directories,
// `fix` messages and diff headers), so that output can be pasted back into a command and reads the same everywhere.
import * as path from 'path';

/** `file` relative to the current directory (`.` for the directory itself); absolute only across drives. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  if (relative === '') return '.';
  return path.isAbsolute(relative) ? file : relative;
}
