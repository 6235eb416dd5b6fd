// A reopened window shows what the last run of each spec found: its diagnostics are in the run's events.jsonl,
// so on activation they go back into Problems (with their Quick Fixes) until the spec's next run replaces them.
import * as vscode from 'vscode';
import { emptyHistory } from '../shared/runHistory';
import { latestRunOfSpec, SPEC_EXCLUDE, SPEC_GLOB } from './runsTree';
import type { SpecDiagnostics } from './specDiagnostics';

/**
 * Puts each spec's latest run's diagnostics back in Problems; resolves with how many specs got some. `specUris`: the
 * workspace's specs (the extension passes the runs tree's list, so that activation searches for them once).
 */
export async function restoreRunDiagnostics(
  diagnostics: SpecDiagnostics,
  isLive: (specUri: vscode.Uri) => boolean,
  specUris: () => Thenable<vscode.Uri[]> = () => vscode.workspace.findFiles(SPEC_GLOB, SPEC_EXCLUDE),
): Promise<number> {
  const specs = await specUris();
  let restored = 0;
  for (const uri of specs) {
    // A spec that started training meanwhile shows its live run's diagnostics instead.
    if (isLive(uri)) continue;
    // Only the newest run counts: read no further back than it (every run's events file is read in full).
    const latest = await latestRunOfSpec(uri);
    if (!latest?.start || latest.diagnostics.length === 0) continue;
    // The start event is all the mapping needs (layer copies for "copy 3 of 10", the run for Quick Fixes).
    diagnostics.setRun(uri, latest.diagnostics, { ...emptyHistory(), start: latest.start });
    restored++;
  }
  return restored;
}
