// Workspace Trust: in Restricted Mode gradscope checks specs (parse, lint, Problems, Quick Fixes that edit the
// spec) but does not train them, because training reads the data files a spec names and runs its model in a child
// process. package.json declares this as `capabilities.untrustedWorkspaces: limited`.
import * as vscode from 'vscode';

/** The command that opens VS Code's Workspace Trust editor. */
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';
export const MANAGE_TRUST_ACTION = 'Manage Workspace Trust';

/** Why training is refused in this window, or undefined when it may train. */
export function trainingBlockedReason(isTrusted: boolean): string | undefined {
  if (isTrusted) return undefined;
  return (
    'gradscope does not train in Restricted Mode: a run reads the data files the spec names and runs its ' +
    'model. Specs are still checked. To train, trust this folder (Manage Workspace Trust).'
  );
}

/** Says why no run starts, with a button that opens the Workspace Trust editor. */
export function explainBlocked(reason: string): void {
  void vscode.window.showWarningMessage(reason, MANAGE_TRUST_ACTION).then((choice) => {
    if (choice === MANAGE_TRUST_ACTION) void vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
  });
}
