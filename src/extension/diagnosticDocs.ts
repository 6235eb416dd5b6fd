// The learner's page for each diagnostic code (docs/diagnostics/<code>.md, shipped with the extension): linked
// from Problems and hovers (Diagnostic.codeDescription) and from the dashboard's "What is this?".
import * as fs from 'fs';
import * as vscode from 'vscode';
import { diagnosticDocsPath } from '../shared/diagnosticDocs';

export function diagnosticDocsUri(extensionUri: vscode.Uri, code: string): vscode.Uri | undefined {
  const relative = diagnosticDocsPath(code);
  if (!relative) return undefined;
  const uri = vscode.Uri.joinPath(extensionUri, ...relative.split('/'));
  return fs.existsSync(uri.fsPath) ? uri : undefined;
}

/** Opens the page rendered (Markdown preview), or says there is none. */
export async function openDiagnosticDocs(extensionUri: vscode.Uri, code: string): Promise<void> {
  const uri = diagnosticDocsUri(extensionUri, code);
  if (!uri) {
    void vscode.window.showInformationMessage(`No documentation page for "${code}".`);
    return;
  }
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}
