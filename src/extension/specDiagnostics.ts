// Spec problems (from the parser) and training diagnostics (from the engine) as Problems-panel entries on the spec,
// at the range of the entry their specPath names. Validation updates as the user types; a run's diagnostics
// accumulate live and are replaced when the next run of that spec starts.
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { DiagnosticEvent } from '../shared/engineProtocol';
import type { RunHistoryState } from '../shared/runHistory';
import { nearestRangeOfPath } from '../training/spec/parse';
import type { SourceRange, SpecFix, SpecProblem } from '../training/spec/types';
import { diagnosticDocsUri } from './diagnosticDocs';

export const DIAGNOSTIC_SOURCE = 'gradscope';

function toRange(r: SourceRange): vscode.Range {
  return new vscode.Range(r.start.line - 1, r.start.column - 1, r.end.line - 1, r.end.column - 1);
}

export function severity(s: 'error' | 'warning' | 'info'): vscode.DiagnosticSeverity {
  return s === 'error'
    ? vscode.DiagnosticSeverity.Error
    : s === 'warning'
      ? vscode.DiagnosticSeverity.Warning
      : vscode.DiagnosticSeverity.Information;
}

function specText(uri: vscode.Uri): string {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return fs.readFileSync(uri.fsPath, 'utf8');
  } catch {
    return '';
  }
}

/** "copy 4 of 12" for layers built by `repeat`, from the run's layer list. */
function copyNote(d: DiagnosticEvent, history: RunHistoryState | undefined): string {
  if (d.copy === undefined) return '';
  const copies = history?.start?.layers.filter((l) => l.specPath === d.specPath).length;
  return copies ? ` (in copy ${d.copy + 1} of ${copies} made by "repeat")` : ` (in copy ${d.copy + 1} made by "repeat")`;
}

/** " [step 12]" or " [epoch 3]": when a run diagnostic fired, appended to its message in Problems. */
export function whenText(d: DiagnosticEvent): string {
  return d.step !== undefined ? ` [step ${d.step}]` : d.epoch !== undefined ? ` [epoch ${d.epoch + 1}]` : '';
}

export function runDiagnostic(d: DiagnosticEvent, text: string, history?: RunHistoryState): vscode.Diagnostic {
  const found = nearestRangeOfPath(text, d.specPath);
  const range = found ? toRange(found.range) : new vscode.Range(0, 0, 0, 0);
  const diagnostic = new vscode.Diagnostic(range, `${d.message}${copyNote(d, history)}${whenText(d)}`, severity(d.severity));
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = d.code;
  return diagnostic;
}

/** The cures a diagnostic carries, and the run it came from (for "re-run and compare"). */
export interface DiagnosticFixes {
  fixes: SpecFix[];
  runDir?: string;
}

/** A diagnostic's code as a string, whether or not it links to a docs page. */
/** gradscope's diagnostics among those a Code Action request names, each with what `lookup` knows of it (else left out). */
export function ourDiagnostics<T>(
  context: vscode.CodeActionContext,
  lookup: (diagnostic: vscode.Diagnostic) => T | undefined,
): [vscode.Diagnostic, T][] {
  return context.diagnostics.flatMap((diagnostic) => {
    const info = diagnostic.source === DIAGNOSTIC_SOURCE ? lookup(diagnostic) : undefined;
    return info === undefined ? [] : [[diagnostic, info] as [vscode.Diagnostic, T]];
  });
}

/** A Quick Fix of `diagnostic` that runs `command` with `args` (after `edit`, when given). */
export function quickFix(
  title: string,
  diagnostic: vscode.Diagnostic,
  command: string,
  args: unknown[],
  edit?: vscode.WorkspaceEdit,
): vscode.CodeAction {
  const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  if (edit) action.edit = edit;
  action.command = { command, title, arguments: args };
  return action;
}

export function codeOf(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  return typeof code === 'object' && code !== null ? String(code.value) : String(code ?? '');
}

/** Links a diagnostic's code to its docs page, so Problems and the hover lead to the longer explanation. */
export function withDocs(diagnostic: vscode.Diagnostic, code: string, extensionUri: vscode.Uri | undefined): vscode.Diagnostic {
  const target = extensionUri && diagnosticDocsUri(extensionUri, code);
  diagnostic.code = target ? { value: code, target } : code;
  return diagnostic;
}

export class SpecDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly fixes = new WeakMap<vscode.Diagnostic, DiagnosticFixes>();

  /** `extensionUri` locates the docs pages that diagnostic codes link to. */
  constructor(private readonly extensionUri?: vscode.Uri) {}
  private readonly validation = new Map<string, vscode.Diagnostic[]>();
  private readonly run = new Map<string, { events: DiagnosticEvent[]; diagnostics: vscode.Diagnostic[]; runDir?: string }>();

  /** The fixes behind a gradscope diagnostic shown in the editor, if it has any. */
  fixesOf(diagnostic: vscode.Diagnostic): DiagnosticFixes | undefined {
    return this.fixes.get(diagnostic);
  }

  private withFixes(diagnostic: vscode.Diagnostic, event: DiagnosticEvent, runDir: string | undefined): vscode.Diagnostic {
    withDocs(diagnostic, event.code, this.extensionUri);
    if (event.fixes?.length) this.fixes.set(diagnostic, { fixes: event.fixes, runDir });
    return diagnostic;
  }

  /** Replaces a spec's validation problems (their ranges come from the text the parser read). */
  setValidation(uri: vscode.Uri, problems: SpecProblem[]): void {
    this.validation.set(
      uri.toString(),
      problems.map((p) => {
        const d = new vscode.Diagnostic(toRange(p.range), p.message, severity(p.severity));
        d.source = DIAGNOSTIC_SOURCE;
        withDocs(d, p.code, this.extensionUri);
        if (p.fixes?.length) this.fixes.set(d, { fixes: p.fixes });
        if (p.related?.length) {
          d.relatedInformation = p.related.map(
            (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message),
          );
        }
        return d;
      }),
    );
    this.publish(uri);
  }

  /** Adds one engine diagnostic of the running spec. */
  addRun(uri: vscode.Uri, event: DiagnosticEvent, history?: RunHistoryState): void {
    const key = uri.toString();
    const entry = this.run.get(key) ?? { events: [], diagnostics: [] };
    entry.events.push(event);
    entry.runDir = history?.start?.runDir;
    entry.diagnostics.push(this.withFixes(runDiagnostic(event, specText(uri), history), event, entry.runDir));
    this.run.set(key, entry);
    this.publish(uri);
  }

  /** Shows the diagnostics of a finished run (e.g. one opened from disk) on its spec. */
  setRun(uri: vscode.Uri, events: DiagnosticEvent[], history?: RunHistoryState): void {
    const text = specText(uri);
    const runDir = history?.start?.runDir;
    this.run.set(uri.toString(), {
      events: [...events], // addRun appends to it; a run summary's list is shared and frozen
      runDir,
      diagnostics: events.map((e) => this.withFixes(runDiagnostic(e, text, history), e, runDir)),
    });
    this.publish(uri);
  }

  clearRun(uri: vscode.Uri): void {
    this.run.delete(uri.toString());
    this.publish(uri);
  }

  clearValidation(uri: vscode.Uri): void {
    this.validation.delete(uri.toString());
    this.publish(uri);
  }

  /** Recomputes run diagnostics' ranges after the spec text changed (entries move as the user edits). */
  refreshRanges(document: vscode.TextDocument, history?: RunHistoryState): void {
    const entry = this.run.get(document.uri.toString());
    if (!entry) return;
    entry.diagnostics = entry.events.map((e) => this.withFixes(runDiagnostic(e, document.getText(), history), e, entry.runDir));
    this.publish(document.uri);
  }

  private publish(uri: vscode.Uri): void {
    const key = uri.toString();
    this.collection.set(uri, [...(this.validation.get(key) ?? []), ...(this.run.get(key)?.diagnostics ?? [])]);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
