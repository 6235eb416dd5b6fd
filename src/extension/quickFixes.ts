// Quick Fixes for gradscope diagnostics: each fix (a JSON Patch carried by the diagnostic) becomes a code action
// that edits the spec text in place, comments and formatting kept; plus "Apply Fix and Re-run", which trains the
// fixed spec and shows the two runs overlaid in the dashboard, saying whether the diagnosis is gone.
import * as path from 'path';
import * as vscode from 'vscode';
import type { SpecFix } from '../training/spec/types';
import { applyPatchToText } from '../training/fixes/applyPatch';
import type { Dashboards } from './dashboards';
import { codeOf, DIAGNOSTIC_SOURCE, ourDiagnostics, quickFix, type SpecDiagnostics } from './specDiagnostics';
import type { TrainingController } from './trainingController';

export const APPLY_AND_RERUN = 'gradscope.applyFixAndRerun';
/** Run by a Quick Fix after its edit (a code action's command follows its edit): tells `onFixApplied` listeners. */
const FIX_APPLIED = 'gradscope.fixApplied';

/** Called with the spec and the diagnostic code whenever one of gradscope's Quick Fixes has edited a spec. */
export type FixAppliedListener = (uri: vscode.Uri, code: string) => void;

/** The whole-document edit that applies `fix`, or undefined when the patch no longer fits the text. */
export function fixEdit(document: vscode.TextDocument, fix: SpecFix): vscode.WorkspaceEdit | undefined {
  let text: string;
  try {
    text = applyPatchToText(document.getText(), fix.patch);
  } catch {
    return undefined;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  return edit;
}

class FixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: SpecDiagnostics) {}

  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const [diagnostic, info] of ourDiagnostics(context, (d) => this.diagnostics.fixesOf(d))) {
      const code = codeOf(diagnostic);
      info.fixes.forEach((fix, i) => {
        const edit = fixEdit(document, fix);
        if (!edit) return;
        const action = quickFix(fix.title, diagnostic, FIX_APPLIED, [document.uri, code], edit);
        action.isPreferred = i === 0;
        actions.push(action);
        if (info.runDir)
          actions.push(
            quickFix(`${fix.title}, then re-run and compare`, diagnostic, APPLY_AND_RERUN, [
              document.uri,
              fix,
              code,
              info.runDir,
            ]),
          );
      });
    }
    return actions;
  }
}

/** Applies a fix, saves, trains the fixed spec and overlays it on the run that had the diagnostic. */
async function applyFixAndRerun(
  onFixApplied: FixAppliedListener,
  controller: TrainingController,
  dashboards: Dashboards,
  uri: vscode.Uri,
  fix: SpecFix,
  code: string,
  beforeRunDir: string,
): Promise<boolean | undefined> {
  const document = await vscode.workspace.openTextDocument(uri);
  const edit = fixEdit(document, fix);
  if (!edit || !(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(`Could not apply "${fix.title}": the spec has changed since the diagnosis.`);
    return undefined;
  }
  await document.save();
  onFixApplied(uri, code);
  await dashboards.compareNextRunWith(beforeRunDir);
  const end = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Re-running ${path.basename(uri.fsPath)} with "${fix.title}"`,
      cancellable: true,
    },
    (progress, token) => controller.train(uri, token, progress),
  );
  if (!end) return undefined;
  const still = vscode.languages.getDiagnostics(uri).some((d) => d.source === DIAGNOSTIC_SOURCE && codeOf(d) === code);
  const outcome = still ? `"${code}" is still reported` : `"${code}" is gone`;
  void (still ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
    `${path.basename(uri.fsPath)}: ${outcome} after "${fix.title}" (run ${end.status}). The dashboard overlays both runs.`,
  );
  return !still;
}

export function registerQuickFixes(
  diagnostics: SpecDiagnostics,
  controller: TrainingController,
  dashboards: Dashboards,
  onFixApplied: FixAppliedListener = () => {},
): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.languages.registerCodeActionsProvider({ pattern: '**/*.gradscope.json' }, new FixProvider(diagnostics), {
      providedCodeActionKinds: FixProvider.kinds,
    }),
    vscode.commands.registerCommand(APPLY_AND_RERUN, (uri: vscode.Uri, fix: SpecFix, code: string, runDir: string) =>
      applyFixAndRerun(onFixApplied, controller, dashboards, uri, fix, code, runDir),
    ),
    vscode.commands.registerCommand(FIX_APPLIED, (uri: vscode.Uri, code: string) => onFixApplied(uri, code)),
  );
}
