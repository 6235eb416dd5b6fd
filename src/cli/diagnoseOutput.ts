// How `gradscope diagnose` prints a diagnostic: in `check`'s format, `file:line:col: severity: message [code]`, at the
// training code's line for an external run (its `source`: the layer's definition, e.g. `self.fc1 = nn.Linear(...)`),
// at the spec entry its JSON Pointer names for a gradscope run (the same mapping as check and Problems use); then one
// `note:` line per fix (an external run's: what to change in the code, and the docs page).
import * as fs from 'fs';
import * as path from 'path';
import type { DiagnosticEvent, RunStartEvent } from '../shared/engineProtocol';
import { readRunSpec } from '../training/run/runStore';
import { nearestRangeOfPath } from '../training/spec/parse';
import { displayPath } from './displayPath';
import { packageRoot } from './packageRoot';

export interface Place {
  file: string;
  /** 1-based. */
  line: number;
  column: number;
}

const specTexts = new Map<string, { file: string; text: string } | undefined>();

/** The spec text a gradscope run's positions are read from (read once): the spec file as it is now, as Problems shows it. */
function specText(start: RunStartEvent, runDir: string): { file: string; text: string } | undefined {
  const key = `${start.specFile}\0${runDir}`;
  if (!specTexts.has(key)) specTexts.set(key, readRunSpec(start, runDir, 'current'));
  return specTexts.get(key);
}

/** Where a diagnostic points: its source location, else its spec path's position in the spec (1:1 when unknown). */
export function placeOf(d: DiagnosticEvent, start: RunStartEvent, runDir: string): Place {
  if (d.source) return { file: d.source.file, line: d.source.line, column: d.source.column ?? 1 };
  const spec = specText(start, runDir);
  if (!spec) return { file: start.specFile, line: 1, column: 1 };
  const found = nearestRangeOfPath(spec.text, d.specPath);
  return { file: spec.file, line: found?.range.start.line ?? 1, column: found?.range.start.column ?? 1 };
}

/** A docs page (relative to the package root) as a path the user can open. */
function docsPath(relative: string): string {
  const root = packageRoot();
  const file = root ? path.join(root.dir, ...relative.split('/')) : relative;
  return root && fs.existsSync(file) ? displayPath(file) : relative;
}

/** The diagnostic's line and its fixes' note lines, each ending with a newline. */
export function diagnosticLines(d: DiagnosticEvent, start: RunStartEvent, runDir: string): string {
  const p = placeOf(d, start, runDir);
  const at = `${displayPath(p.file)}:${p.line}:${p.column}`;
  const lines = [`${at}: ${d.severity}: ${d.message} [${d.code}]`];
  for (const f of d.fixes ?? []) {
    const how = f.explanation ? `: ${f.explanation}` : '';
    const docs = f.docs ? ` (see ${docsPath(f.docs)})` : '';
    lines.push(`${at}: note: fix: ${f.title}${how}${docs}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}
