// Diagnostics of external runs (a PyTorch script's, see externalRuns.ts) in Problems, at the source line their
// `source` names (the layer's `self.fc1 = nn.Linear(...)`), with the code linked to its docs page. Which runs of a
// training script are shown is DiagnosisSchedule's rule (its newest, and the others that ran alongside it); when
// several are, each message begins with its run's id, since their diagnoses sit at the same lines. Their Code Actions
// explain what to change in the code and open the docs: nothing edits the code (a JSON patch fits a spec, not a
// Python file).
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DiagnosticEvent, SourceLocation } from '../shared/engineProtocol';
import type { ShownRun } from './diagnosisSchedule';
import { diagnosticDocsUri, openDiagnosticDocs } from './diagnosticDocs';
import { sourceRange } from './revealSpec';
import { codeOf, DIAGNOSTIC_SOURCE, ourDiagnostics, quickFix, severity, whenText, withDocs } from './specDiagnostics';

/** The command a fix's Code Action runs: shows the fix's explanation, with a button to the docs page. */
const SHOW_FIX_EXPLANATION = 'gradscope.showFixExplanation';

/** What is behind one external diagnostic shown in Problems. */
interface Shown {
  event: DiagnosticEvent;
  runDir: string;
}

/** Where an external run's diagnostic goes: its `source`, else the training script's first line. */
export function sourceOf(d: DiagnosticEvent, script: string): SourceLocation {
  return d.source ?? { file: script, line: 1 };
}

export class ExternalDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('gradscope-external');
  /** The runs shown per training script, with their diagnostics so far. */
  private readonly byScript = new Map<string, ShownRun[]>();
  private readonly shown = new WeakMap<vscode.Diagnostic, Shown>();
  /** Files that hold diagnostics now (cleared when they hold none). */
  private files = new Set<string>();

  constructor(private readonly extensionUri?: vscode.Uri) {}

  /** Problems for `script` are these runs' diagnostics (replacing what it showed; none for an empty list). */
  show(script: string, runs: readonly ShownRun[]): void {
    if (runs.length === 0) this.byScript.delete(path.resolve(script));
    else
      this.byScript.set(
        path.resolve(script),
        runs.map((r) => ({ ...r, runDir: path.resolve(r.runDir), diagnostics: [...r.diagnostics] })),
      );
    this.publish();
  }

  /** The diagnostic event behind a Problems entry of an external run, if it is one. */
  shownOf(diagnostic: vscode.Diagnostic): Shown | undefined {
    return this.shown.get(diagnostic);
  }

  private publish(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const lines = new Map<string, string[]>();
    for (const [script, runs] of this.byScript) {
      for (const run of runs) {
        const which = runs.length > 1 ? `[${run.runId}] ` : '';
        for (const event of run.diagnostics) {
          const source = sourceOf(event, script);
          const file = path.resolve(source.file);
          if (!lines.has(file)) lines.set(file, fileLines(file));
          const diagnostic = new vscode.Diagnostic(
            sourceRange(source, lines.get(file)?.[source.line - 1]),
            `${which}${event.message}${whenText(event)}`,
            severity(event.severity),
          );
          diagnostic.source = DIAGNOSTIC_SOURCE;
          withDocs(diagnostic, event.code, this.extensionUri);
          this.shown.set(diagnostic, { event, runDir: run.runDir });
          byFile.set(file, [...(byFile.get(file) ?? []), diagnostic]);
        }
      }
    }
    for (const file of this.files) if (!byFile.has(file)) this.collection.delete(vscode.Uri.file(file));
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.file(file), diagnostics);
    this.files = new Set(byFile.keys());
  }

  dispose(): void {
    this.collection.dispose();
  }
}

/** A source file's lines: the open editor's text, else the file's (empty when it cannot be read). */
function fileLines(file: string): string[] {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && path.resolve(d.uri.fsPath) === file);
  if (open) return open.getText().split(/\r?\n/);
  try {
    return fs.readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return [];
  }
}

class ExplanationProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly diagnostics: ExternalDiagnostics,
    private readonly extensionUri: vscode.Uri,
  ) {}

  provideCodeActions(
    _document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const [diagnostic, shown] of ourDiagnostics(context, (d) => this.diagnostics.shownOf(d))) {
      const code = codeOf(diagnostic);
      // An external run's fixes have an empty patch and say what to change in the code (Fix.explanation).
      for (const fix of shown.event.fixes ?? [])
        actions.push(
          quickFix(`How to fix: ${fix.title}`, diagnostic, SHOW_FIX_EXPLANATION, [code, fix.title, fix.explanation ?? '']),
        );
      const docs = diagnosticDocsUri(this.extensionUri, code);
      if (docs) actions.push(quickFix(`Learn about ${code} (docs)`, diagnostic, 'markdown.showPreview', [docs]));
    }
    return actions;
  }
}

/** Shows a fix's explanation in a dialog; its button opens the diagnostic's docs page. */
async function showFixExplanation(extensionUri: vscode.Uri, code: string, title: string, explanation: string): Promise<void> {
  const docs = 'Open Docs';
  const choice = await vscode.window.showInformationMessage(
    title,
    { modal: true, detail: explanation || `See the ${code} docs page for what to change in the training code.` },
    docs,
  );
  if (choice === docs) await openDiagnosticDocs(extensionUri, code);
}

/** Code Actions on external runs' diagnostics, in any file (they are at the training code's lines). */
export function registerExternalExplanations(diagnostics: ExternalDiagnostics, extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new ExplanationProvider(diagnostics, extensionUri), {
      providedCodeActionKinds: ExplanationProvider.kinds,
    }),
    vscode.commands.registerCommand(SHOW_FIX_EXPLANATION, (code: string, title: string, explanation: string) =>
      showFixExplanation(extensionUri, code, title, explanation),
    ),
  );
}
