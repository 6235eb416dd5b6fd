// Opens a spec and selects the entry a JSON pointer names (from a diagnostic or a dashboard click); for runs defined
// in code (a PyTorch script), opens the source file at the line of a layer or diagnostic.
import * as vscode from 'vscode';
import type { SourceLocation } from '../shared/engineProtocol';
import { nearestRangeOfPath } from '../training/spec/parse';

/** Where a source location is in an editor: its line (1-based in the event) from its column, or the line's code. */
export function sourceRange(source: SourceLocation, lineText?: string): vscode.Range {
  const line = Math.max(0, source.line - 1);
  const column = source.column !== undefined ? Math.max(0, source.column - 1) : (/\S/.exec(lineText ?? '')?.index ?? 0);
  return new vscode.Range(line, column, line, Math.max(column, (lineText ?? '').trimEnd().length));
}

export async function revealSource(source: SourceLocation): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(source.file));
  const text = source.line - 1 < document.lineCount ? document.lineAt(Math.max(0, source.line - 1)).text : '';
  await vscode.window.showTextDocument(document, { selection: sourceRange(source, text), viewColumn: vscode.ViewColumn.One });
}

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
