// Finding the spec a command is about: an explicit argument, the active editor, or a pick from the workspace.
import * as path from 'path';
import { setImmediate as nextTurn } from 'timers/promises';
import * as vscode from 'vscode';
import { withDataLocation } from '../training/spec/dataLocation';
import { parseSpecFile, parseSpecText } from '../training/spec/parse';
import type { ParseResult } from '../training/spec/types';
import type { RunsNode } from './runsTree';
import type { SpecDiagnostics } from './specDiagnostics';
import { explainBlocked, trainingBlockedReason } from './workspaceTrust';
import { isSpec, SPEC_EXCLUDE, SPEC_GLOB } from './runsTree';

/** The workspace folder that holds `uri` (where its data files are expected to be), if any. */
export function workspaceRootOf(uri: vscode.Uri): string | undefined {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
}

/** A spec file's problems as the editor shows them: the parser's and lint's, plus where its data lives. */
export function checkSpecFile(uri: vscode.Uri): ParseResult {
  return withDataLocation(parseSpecFile(uri.fsPath), workspaceRootOf(uri));
}

/** The same for the text of an open (maybe unsaved) spec. */
export function checkSpecText(text: string, uri: vscode.Uri): ParseResult {
  return withDataLocation(parseSpecText(text, uri.fsPath), workspaceRootOf(uri));
}

/**
 * Before the engine runs a spec (training, range test): saves it when open with changes, checks it (its problems
 * go to the Problems panel) and says whether it may run. Not in Restricted Mode (explained, with Manage Workspace
 * Trust; checked after validation: the spec is still checked there), not with errors (Show Problems). `notDone`
 * ends the messages ("no run started"). Resolves true in a later turn of the event loop than the check.
 */
export async function readyToRun(
  specUri: vscode.Uri,
  diagnostics: SpecDiagnostics,
  output: vscode.OutputChannel,
  isTrusted: boolean,
  notDone: string,
): Promise<boolean> {
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === specUri.toString());
  if (document?.isDirty) await document.save();
  const parsed = checkSpecFile(specUri);
  diagnostics.setValidation(specUri, parsed.problems);
  const name = path.basename(specUri.fsPath);
  const blocked = trainingBlockedReason(isTrusted);
  if (blocked) {
    output.appendLine(`${name}: ${blocked}`);
    explainBlocked(blocked);
    return false;
  }
  if (!parsed.spec || parsed.problems.some((p) => p.severity === 'error')) {
    output.appendLine(`${name}: invalid spec, ${notDone}`);
    void vscode.window.showErrorMessage(`${name} has problems: ${notDone}.`, 'Show Problems').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
    return false;
  }
  // The check (its lint verifies each Quick Fix by checking the patched spec: ~45 ms for a 20-layer spec with findings)
  // and what the caller does next (fork the engine: 10-20 ms more) run in separate turns of the event loop, so the
  // extension host is not held for both at once.
  await nextTurn();
  return true;
}

/** The spec a command targets, asking the user when it is not obvious. */
export async function resolveSpec(arg?: vscode.Uri | RunsNode): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri && isSpec(arg)) return arg;
  if (arg && !(arg instanceof vscode.Uri) && arg.kind === 'spec') return arg.uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (isSpec(active)) return active;
  const specs = await vscode.workspace.findFiles(SPEC_GLOB, SPEC_EXCLUDE);
  if (specs.length === 1) return specs[0];
  if (specs.length === 0) {
    void vscode.window.showInformationMessage(
      'No *.gradscope.json spec in this workspace. Create one with "Gradscope: New Training Spec".',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    specs.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: 'Spec to use' },
  );
  return pick?.uri;
}
