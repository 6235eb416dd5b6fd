// Validates open specs as the user types (debounced) and keeps run diagnostics on the entries they point at.
import * as vscode from 'vscode';
import { isSpec } from './runsTree';
import { checkSpecText } from './specFiles';
import type { SpecDiagnostics } from './specDiagnostics';

const DEBOUNCE_MS = 300;

export function registerSpecValidation(diagnostics: SpecDiagnostics): vscode.Disposable {
  const timers = new Map<string, NodeJS.Timeout>();
  const validate = (document: vscode.TextDocument): void => {
    if (!isSpec(document.uri)) return;
    const result = checkSpecText(document.getText(), document.uri);
    diagnostics.setValidation(document.uri, result.problems);
    diagnostics.refreshRanges(document);
  };
  const schedule = (document: vscode.TextDocument): void => {
    if (!isSpec(document.uri)) return;
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        validate(document);
      }, DEBOUNCE_MS),
    );
  };
  vscode.workspace.textDocuments.forEach(validate);
  return vscode.Disposable.from(
    vscode.workspace.onDidOpenTextDocument(validate),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => {
      if (isSpec(d.uri)) diagnostics.clearValidation(d.uri);
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
}
