// Opens a spec and selects the entry a JSON pointer names (from a diagnostic or a dashboard click).
import * as vscode from 'vscode';
import { nearestRangeOfPath } from '../training/spec/parse';

export async function revealSpecPath(uri: vscode.Uri, specPath: string): Promise<void> {
  const document = await vscode.workspace.openTextDocument(uri);
  const found = nearestRangeOfPath(document.getText(), specPath);
  const selection = found
    ? new vscode.Range(
        found.range.start.line - 1,
        found.range.start.column - 1,
        found.range.end.line - 1,
        found.range.end.column - 1,
      )
    : undefined;
  await vscode.window.showTextDocument(document, { selection, viewColumn: vscode.ViewColumn.One });
}
