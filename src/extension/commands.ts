// The palette commands: Train Model, Stop Training, Open Dashboard, New Training Spec, Open Run…, Compare Runs…,
// Check Spec, Resume Run….
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { MAX_COMPARED } from '../shared/webviewProtocol';
import { checkpointEpochs } from '../training/run/checkpointStore';
import { defaultRunsDir, listRuns } from '../training/run/runStore';
import { summarizeRunAsync, type RunSummary } from '../training/run/runSummary';
import { specFromExample } from '../training/spec/exampleSpec';
import type { Dashboards } from './dashboards';
import type { ExternalRuns } from './externalRuns';
import { SPEC_EXCLUDE, SPEC_GLOB, type RunsNode } from './runsTree';
import type { SpecDiagnostics } from './specDiagnostics';
import { endedWell, runPickDescription, trainEndMessage } from './runText';
import { checkSpecFile, resolveSpec } from './specFiles';
import type { TrainingController } from './trainingController';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  /** Runs a PyTorch script's monitor recorded: Open Run… and Compare Runs… offer them too. */
  externalRuns: ExternalRuns;
  controller: TrainingController;
  dashboards: Dashboards;
  diagnostics: SpecDiagnostics;
  output: vscode.OutputChannel;
}

async function train(deps: CommandDeps, arg?: vscode.Uri | RunsNode): Promise<void> {
  const spec = await resolveSpec(arg);
  if (!spec) return;
  if (deps.controller.isRunning()) {
    void vscode.window
      .showWarningMessage('gradscope is already training. Stop that run first.', 'Stop Training')
      .then((choice) => {
        if (choice) deps.controller.stop();
      });
    return;
  }
  await trainWithProgress(deps, spec, `Training ${path.basename(spec.fsPath)}`);
}

/** Trains (or resumes, as `--resume <runDir>`) with a cancellable progress notification, then says how it ended. */
async function trainWithProgress(deps: CommandDeps, spec: vscode.Uri, title: string, resume?: string): Promise<void> {
  const end = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => deps.controller.train(spec, token, progress, resume),
  );
  if (!end) return; // no run started: the controller has said why
  const message = trainEndMessage(path.basename(spec.fsPath), end);
  if (endedWell(end.status)) void vscode.window.showInformationMessage(message);
  else void vscode.window.showErrorMessage(message);
}

/**
 * Every recorded run of the workspace's specs (those `keep` accepts), and the `external` runs given (a PyTorch
 * script's), newest first, as Quick Pick items; none: says `none` and returns [].
 */
export async function recordedRunItems(
  keep: (r: RunSummary) => boolean = () => true,
  none = 'No runs yet: train a spec with "Gradscope: Train Model".',
  external?: ExternalRuns,
): Promise<Array<vscode.QuickPickItem & { runDir: string; summary: RunSummary }>> {
  const specs = await vscode.workspace.findFiles(SPEC_GLOB, SPEC_EXCLUDE);
  const dirs = [...new Set(specs.map((s) => defaultRunsDir(s.fsPath)))];
  const runDirs = new Set(
    [...dirs.flatMap(listRuns), ...(external?.list() ?? []).map((r) => r.summary.runDir)].map((d) => path.resolve(d)),
  );
  const runs = (await Promise.all([...runDirs].map(summarizeRunAsync)))
    .filter(keep)
    .sort((a, b) => b.runId.localeCompare(a.runId));
  if (runs.length === 0) void vscode.window.showInformationMessage(none);
  return runs.map((r) => ({
    label: r.start?.specName ?? r.runId,
    description: runPickDescription(r),
    detail: r.runId,
    runDir: r.runDir,
    summary: r,
  }));
}

/**
 * Resume Run: continues a run from its newest checkpoint as a new run (`gradscope train <spec> --resume <runDir>`),
 * from the sidebar (a run with checkpoints), with a run directory, or else a Quick Pick of the runs that have one.
 * The spec is the one the run was trained from; a resume the engine would refuse is said in an error message.
 */
async function resumeRun(deps: CommandDeps, arg?: string | RunsNode): Promise<void> {
  let summary: RunSummary | undefined;
  if (typeof arg === 'string') summary = await summarizeRunAsync(arg);
  else if (arg?.kind === 'run') summary = arg.summary;
  else {
    const items = await recordedRunItems(
      (r) => checkpointEpochs(r.runDir).length > 0,
      'No run with a checkpoint: set "training": { "checkpoint": { "every": 1 } } in a spec and train it.',
    );
    if (items.length === 0) return;
    for (const item of items)
      item.description = `${item.description} · checkpoint after epoch ${checkpointEpochs(item.runDir).pop()}`;
    summary = (await vscode.window.showQuickPick(items, { placeHolder: 'Run to resume', matchOnDetail: true }))?.summary;
    if (!summary) return;
  }
  const specFile = summary.start?.specFile;
  if (!specFile || !fs.existsSync(specFile)) {
    void vscode.window.showErrorMessage(
      `Cannot resume ${summary.runId}: ${specFile ? `its spec ${specFile} is gone` : 'it has no run-start event (no spec recorded)'}.`,
    );
    return;
  }
  if (deps.controller.isRunning()) {
    void vscode.window.showWarningMessage('gradscope is already training. Stop that run first.');
    return;
  }
  // Refused before any progress shows (the controller checks again once the spec is saved and validated).
  if (deps.controller.refusesResume({ specFile, resume: summary.runDir })) return;
  await trainWithProgress(deps, vscode.Uri.file(specFile), `Resuming ${summary.runId}`, summary.runDir);
}

async function openRun(deps: CommandDeps, arg?: string | RunsNode): Promise<void> {
  if (typeof arg === 'string') return deps.dashboards.showRunDir(arg);
  if (arg && arg.kind === 'run') return deps.dashboards.showRunDir(arg.summary.runDir);
  const items = await recordedRunItems(undefined, undefined, deps.externalRuns);
  if (items.length === 0) return;
  const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Run to open', matchOnDetail: true });
  if (pick) await deps.dashboards.showRunDir(pick.runDir);
}

/**
 * Compare Runs…: from the sidebar (the clicked run and every selected one), with run directories (tests, other
 * commands), or else a multi-select Quick Pick of the recorded runs (the clicked run, if any, picked already).
 */
async function compareRuns(deps: CommandDeps, arg?: string[] | RunsNode, selected?: RunsNode[]): Promise<void> {
  const fromTree = [arg, ...(selected ?? [])].flatMap((n) =>
    n && !Array.isArray(n) && n.kind === 'run' ? [n.summary.runDir] : [],
  );
  const given = Array.isArray(arg) ? arg : [...new Set(fromTree)];
  if (given.length >= 2) return deps.dashboards.compareRuns(given);
  const items = await recordedRunItems(undefined, undefined, deps.externalRuns);
  if (items.length === 0) return;
  for (const item of items) item.picked = given.includes(item.runDir);
  const picks = await vscode.window.showQuickPick(items, {
    placeHolder: `Runs to compare (two or more; at most ${MAX_COMPARED + 1})`,
    canPickMany: true,
    matchOnDetail: true,
  });
  if (!picks) return;
  if (picks.length < 2) {
    void vscode.window.showInformationMessage('Pick two or more runs to compare.');
    return;
  }
  if (picks.length > MAX_COMPARED + 1)
    void vscode.window.showWarningMessage(`Comparing the newest ${MAX_COMPARED + 1} of the ${picks.length} runs picked.`);
  await deps.dashboards.compareRuns(picks.map((p) => p.runDir));
}

async function newSpec(deps: CommandDeps): Promise<void> {
  const examples = vscode.Uri.joinPath(deps.context.extensionUri, 'examples');
  const templates = fs
    .readdirSync(examples.fsPath)
    .filter((f) => f.endsWith('.gradscope.json'))
    .map((file) => {
      const text = fs.readFileSync(path.join(examples.fsPath, file), 'utf8');
      const firstComment = /^\s*\/\/\s*(.*)$/m.exec(text)?.[1] ?? '';
      return { label: file.replace('.gradscope.json', ''), detail: firstComment, text };
    });
  const template = await vscode.window.showQuickPick(templates, { placeHolder: 'Start from a template' });
  if (!template) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({ language: 'jsonc', content: specFromExample(template.text) });
    await vscode.window.showTextDocument(doc);
    return;
  }
  const name = await vscode.window.showInputBox({
    prompt: 'Name of the new spec',
    value: `my-${template.label}`,
    validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'Use letters, digits, dots, dashes or underscores'),
  });
  if (!name) return;
  const target = vscode.Uri.joinPath(folder, `${name}.gradscope.json`);
  if (fs.existsSync(target.fsPath)) {
    void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(target)} already exists.`);
    return;
  }
  fs.writeFileSync(target.fsPath, specFromExample(template.text, name));
  await vscode.window.showTextDocument(target);
}

async function checkSpec(deps: CommandDeps, arg?: vscode.Uri | RunsNode): Promise<void> {
  const spec = await resolveSpec(arg);
  if (!spec) return;
  const result = checkSpecFile(spec);
  deps.diagnostics.setValidation(spec, result.problems);
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const name = path.basename(spec.fsPath);
  if (result.problems.length === 0) {
    void vscode.window.showInformationMessage(`${name}: no problems.`);
    return;
  }
  offerProblems(vscode.window.showWarningMessage(`${name}: ${errors} error(s), ${warnings} warning(s).`, 'Show Problems'));
}

/** Commands resolve at once; the message's button (if clicked later) opens the Problems panel. */
function offerProblems(message: Thenable<string | undefined>): void {
  void message.then((choice) => choice && vscode.commands.executeCommand('workbench.actions.view.problems'));
}

export function registerCommands(deps: CommandDeps): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('gradscope.train', (arg?: vscode.Uri | RunsNode) => train(deps, arg)),
    vscode.commands.registerCommand('gradscope.stop', () => deps.controller.stop()),
    vscode.commands.registerCommand('gradscope.openDashboard', () => deps.dashboards.open()),
    vscode.commands.registerCommand('gradscope.newSpec', () => newSpec(deps)),
    vscode.commands.registerCommand('gradscope.openRun', (arg?: string | RunsNode) => openRun(deps, arg)),
    vscode.commands.registerCommand('gradscope.compareRuns', (arg?: string[] | RunsNode, selected?: RunsNode[]) =>
      compareRuns(deps, arg, selected),
    ),
    vscode.commands.registerCommand('gradscope.checkSpec', (arg?: vscode.Uri | RunsNode) => checkSpec(deps, arg)),
    vscode.commands.registerCommand('gradscope.resumeRun', (arg?: string | RunsNode) => resumeRun(deps, arg)),
    vscode.commands.registerCommand('gradscope.showOutput', () => deps.output.show()),
  );
}
