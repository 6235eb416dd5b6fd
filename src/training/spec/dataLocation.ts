// A csv `path` that leads out of the workspace folder: positioned warning. Opening a folder must not let its spec
// quietly read files elsewhere on the machine (Workspace Trust's concern), so the editor says so at the entry.
// The check needs the workspace root, which only the front-end knows: the extension passes its folder, the CLI
// only when it is given one. Works on the text, so it reports even when other parts of the spec have errors.
import * as fs from 'fs';
import * as path from 'path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { nearestRangeOfPath } from './positions';
import type { ParseResult, SpecProblem } from './types';

export const DATA_OUTSIDE_WORKSPACE = 'data-outside-workspace';

/** The real path (symlinks followed) when the file exists, else the resolved path. */
function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function inside(file: string, root: string): boolean {
  const rel = path.relative(real(root), real(file));
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** The warning for `text` (the spec in `specFile`) when its csv path leaves `workspaceRoot`, else none. */
export function dataLocationProblems(text: string, specFile: string, workspaceRoot: string): SpecProblem[] {
  const root = parseTree(text, [], { allowTrailingComma: true });
  const node = root && findNodeAtLocation(root, ['data', 'path']);
  if (!node || typeof node.value !== 'string' || node.value === '') return [];
  const file = path.resolve(path.dirname(path.resolve(specFile)), node.value);
  if (inside(file, workspaceRoot)) return [];
  const found = nearestRangeOfPath(text, '/data/path');
  if (!found) return [];
  return [
    {
      severity: 'warning',
      code: DATA_OUTSIDE_WORKSPACE,
      message:
        `the data file ${file} is outside the workspace folder ${path.resolve(workspaceRoot)}: training would read ` +
        'a file this folder does not contain. Copy the file into the workspace and point "path" at the copy.',
      specPath: '/data/path',
      range: found.range,
    },
  ];
}

/** `result` with the data-location warning added (sorted into place) when a workspace root is known. */
export function withDataLocation(result: ParseResult, workspaceRoot: string | undefined): ParseResult {
  if (workspaceRoot === undefined) return result;
  const extra = dataLocationProblems(result.text, result.file, workspaceRoot);
  if (extra.length === 0) return result;
  const problems = [...result.problems, ...extra].sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column,
  );
  return { ...result, problems };
}
