// The learning path's side in the extension: Open Learning Path, the walkthrough's "Open <example>" and "Start over"
// buttons (the step's examples copied into a scratch folder), and step completion: the extension reports what
// happened (a run ended, a Quick Fix was applied, a range test finished), src/shared/learningPath.ts says which
// steps that moves on, and a finished step sets its context key, which the walkthrough's completion event waits
// for. Progress is kept in globalState, so a reloaded window sets the keys again.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  doneContextKey,
  isDone,
  LEARN_STEPS,
  OPEN_EXAMPLE_COMMAND,
  OPEN_LEARNING_PATH_COMMAND,
  record,
  RESET_EXAMPLE_COMMAND,
  SCRATCH_FOLDER,
  walkthroughRef,
  type LearnEvent,
  type LearnStep,
} from '../../shared/learningPath';
import type { LrFinder } from '../lrFind';
import type { TrainingController } from '../trainingController';

const PROGRESS_KEY = 'gradscope.learn.progress';
/** A step whose example was copied into the global-storage scratch folder, to open once that folder is open. */
const PENDING_KEY = 'gradscope.learn.pending';

interface Pending {
  folder: string;
  stepId: string;
}

export class LearningPath {
  /** Reports are applied one after the other (each reads the progress the one before stored). */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {}

  private get progress(): Record<string, number> {
    return this.context.globalState.get<Record<string, number>>(PROGRESS_KEY) ?? {};
  }

  /** Sets the context key of every step finished in an earlier session (the walkthrough reads them). */
  async restore(): Promise<void> {
    const progress = this.progress;
    for (const step of LEARN_STEPS)
      if (isDone(step, progress)) await vscode.commands.executeCommand('setContext', doneContextKey(step.id), true);
  }

  /** Moves the steps on by one event; a step that is now done gets its context key and a line in the output. */
  report(event: LearnEvent): Promise<void> {
    this.queue = this.queue.then(
      () => this.apply(event),
      () => this.apply(event),
    );
    return this.queue;
  }

  /** `report`, with a failure (globalState could not be written) logged rather than thrown. */
  reportLogged(event: LearnEvent): void {
    this.report(event).catch((err: unknown) => this.log(`could not record ${event.kind} of ${event.spec}: ${String(err)}`));
  }

  private async apply(event: LearnEvent): Promise<void> {
    const before = this.progress;
    const after = record(before, event);
    if (LEARN_STEPS.every((s) => (before[s.id] ?? 0) === (after[s.id] ?? 0))) return;
    await this.context.globalState.update(PROGRESS_KEY, after);
    for (const step of LEARN_STEPS) {
      if (isDone(step, before) || !isDone(step, after)) continue;
      await vscode.commands.executeCommand('setContext', doneContextKey(step.id), true);
      this.output.appendLine(`learning path: "${step.title}" done`);
    }
  }

  /**
   * The scratch folder: `gradscope-learn/` in the first workspace folder (the runs land beside the specs, in the
   * sidebar, and the folder's trust applies). Without a folder, one in the extension's global storage.
   */
  scratchFolder(): { uri: vscode.Uri; inWorkspace: boolean } {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const global = vscode.Uri.joinPath(this.context.globalStorageUri, SCRATCH_FOLDER);
    if (folder?.toString() === global.toString()) return { uri: folder, inWorkspace: true };
    if (folder) return { uri: vscode.Uri.joinPath(folder, SCRATCH_FOLDER), inWorkspace: true };
    return { uri: global, inWorkspace: false };
  }

  /**
   * Copies the step's examples into the scratch folder (keeping copies already there, edited or not, unless
   * `fresh`) and opens the first. Without a workspace folder it returns `{ openFolder }`, which the walkthrough
   * opens (the window reloads); `resumePending` then shows the walkthrough at this step and opens the example.
   */
  async openExample(stepId: unknown, fresh = false): Promise<{ openFolder: vscode.Uri } | undefined> {
    const step = LEARN_STEPS.find((s) => s.id === stepId);
    if (!step) {
      void vscode.window.showErrorMessage(`No learning path step "${String(stepId)}".`);
      return undefined;
    }
    const scratch = this.scratchFolder();
    const copied = this.copyExamples(step, scratch.uri.fsPath, fresh);
    if (copied.length) this.output.appendLine(`learning path: copied ${copied.join(', ')} to ${scratch.uri.fsPath}`);
    if (!scratch.inWorkspace) {
      const pending: Pending = { folder: scratch.uri.toString(), stepId: step.id };
      await this.context.globalState.update(PENDING_KEY, pending);
      return { openFolder: scratch.uri };
    }
    // Beside the group the button was clicked in (the walkthrough's), which stays in view.
    const first = vscode.Uri.joinPath(scratch.uri, step.examples[0]);
    await vscode.window.showTextDocument(first, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return undefined;
  }

  private copyExamples(step: LearnStep, folder: string, fresh: boolean): string[] {
    fs.mkdirSync(folder, { recursive: true });
    const copied: string[] = [];
    for (const file of step.examples) {
      const target = path.join(folder, file);
      if (!fresh && fs.existsSync(target)) continue;
      fs.copyFileSync(path.join(this.context.extensionPath, 'examples', file), target);
      copied.push(file);
    }
    return copied;
  }

  /** In the window that opened the global-storage scratch folder for a step: the walkthrough at it, its example. */
  async resumePending(): Promise<void> {
    const pending = this.context.globalState.get<Pending>(PENDING_KEY);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!pending || !folder || folder.toString() !== pending.folder) return;
    await this.context.globalState.update(PENDING_KEY, undefined);
    await this.open(pending.stepId);
    await this.openExample(pending.stepId);
  }

  async resetExample(stepId: unknown): Promise<void> {
    const step = LEARN_STEPS.find((s) => s.id === stepId);
    if (!step) return;
    const reset = 'Start Over';
    const choice = await vscode.window.showWarningMessage(
      `Replace ${step.examples.join(', ')} in ${SCRATCH_FOLDER}/ with the original example${step.examples.length > 1 ? 's' : ''}? Your edits to them are lost; runs are kept.`,
      { modal: true },
      reset,
    );
    if (choice === reset) await this.openExample(step.id, true);
  }

  log(line: string): void {
    this.output.appendLine(`learning path: ${line}`);
  }

  /** Opens the walkthrough, at `stepId` if given. */
  async open(stepId?: string): Promise<void> {
    // openWalkthrough does nothing while an editor group shows another walkthrough at one of its steps (VS Code
    // 1.100): close the walkthrough and Welcome tabs on show first (the editor API sees them as tabs of no type).
    const shown = vscode.window.tabGroups.all
      .map((g) => g.activeTab)
      .filter((t): t is vscode.Tab => !!t && t.input === undefined && /^(Walkthrough: |Welcome$)/.test(t.label));
    if (shown.length) await vscode.window.tabGroups.close(shown, true);
    const category = walkthroughRef(this.context.extension.id);
    await vscode.commands.executeCommand(
      'workbench.action.openWalkthrough',
      stepId ? { category, step: stepId } : category,
      false,
    );
  }
}

const specOf = (uri: vscode.Uri): string => path.basename(uri.fsPath);

/** Hooks the learning path to the events that complete its steps, and registers its commands. */
export function registerLearningPath(
  learning: LearningPath,
  controller: TrainingController,
  lrFinder: LrFinder,
): vscode.Disposable {
  const report = (event: LearnEvent): void => learning.reportLogged(event);
  void learning.restore();
  learning.resumePending().catch((err: unknown) => learning.log(`could not reopen the learning path: ${String(err)}`));
  return vscode.Disposable.from(
    vscode.commands.registerCommand(OPEN_LEARNING_PATH_COMMAND, () => learning.open()),
    vscode.commands.registerCommand(OPEN_EXAMPLE_COMMAND, (stepId: unknown) => learning.openExample(stepId)),
    vscode.commands.registerCommand(RESET_EXAMPLE_COMMAND, (stepId: unknown) => learning.resetExample(stepId)),
    // A run stopped by the user has not shown what the step is about; diverged and early-stopped runs have.
    controller.onEvents(({ run, events }) => {
      for (const e of events)
        if (e.type === 'run-end' && e.status !== 'stopped') report({ kind: 'run-ended', spec: specOf(run.specUri) });
    }),
    lrFinder.onDidFind(({ specFile }) => report({ kind: 'lr-found', spec: path.basename(specFile) })),
  );
}

/** The Quick Fix listener that reports applied fixes to the learning path. */
export const fixReporter =
  (learning: LearningPath) =>
  (uri: vscode.Uri, code: string): void =>
    learning.reportLogged({ kind: 'fix-applied', spec: specOf(uri), code });
