// Extension entry: registers gradscope's features and nothing heavy (TensorFlow.js runs only in the engine child
// process). A failure here is shown to the user instead of leaving half-registered commands behind.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerQuickFixes } from './quickFixes';
import { restoreRunDiagnostics } from './restoreDiagnostics';
import { Config } from './config';
import { Dashboards } from './dashboards';
import { registerExplainRun } from './explainRun';
import { ExternalDiagnosis } from './externalDiagnosis';
import { ExternalDiagnostics, registerExternalExplanations } from './externalDiagnostics';
import { ExternalRuns } from './externalRuns';
import { fixReporter, LearningPath, registerLearningPath } from './learn/learningPath';
import { LrFinder, registerLrFind } from './lrFind';
import { createRunsView, RunsTreeProvider } from './runsTree';
import { SpecDiagnostics } from './specDiagnostics';
import { registerSpecValidation } from './specValidation';
import { registerStatusBar } from './statusBar';
import { TrainingController } from './trainingController';

/** What `activate` returns: read by the integration tests (and by other extensions, if they ask). */
export interface GradscopeApi {
  controller: TrainingController;
  lrFinder: LrFinder;
  runsTree: RunsTreeProvider;
  diagnostics: SpecDiagnostics;
  /** Runs a PyTorch script's monitor recorded (not started by gradscope). */
  externalRuns: ExternalRuns;
}

export function activate(context: vscode.ExtensionContext): GradscopeApi {
  try {
    const config = new Config();
    const output = vscode.window.createOutputChannel('gradscope');
    const diagnostics = new SpecDiagnostics(context.extensionUri);
    const controller = new TrainingController(config, diagnostics, output);
    const externalRuns = new ExternalRuns((line) => output.appendLine(line));
    const externalDiagnostics = new ExternalDiagnostics(context.extensionUri);
    const cli = vscode.Uri.joinPath(context.extensionUri, 'bin', 'gradscope.js').fsPath;
    const externalDiagnosis = new ExternalDiagnosis(
      cli,
      externalRuns,
      externalDiagnostics,
      output,
      () => config.diagnosisThresholds,
    );
    const dashboards = new Dashboards(context, controller, config, externalRuns, externalDiagnosis);
    const tree = new RunsTreeProvider(controller, externalRuns);
    const lrFinder = new LrFinder(config, controller, dashboards, diagnostics, output);
    const learning = new LearningPath(context, output);
    context.subscriptions.push(
      output,
      diagnostics,
      controller,
      externalRuns,
      externalDiagnostics,
      externalDiagnosis,
      dashboards,
      tree,
      createRunsView(tree),
      registerCommands({ context, controller, dashboards, diagnostics, output, externalRuns }),
      registerSpecValidation(diagnostics),
      registerStatusBar(controller),
      registerQuickFixes(diagnostics, controller, dashboards, fixReporter(learning)),
      registerExternalExplanations(externalDiagnostics, context.extensionUri),
      registerLrFind(lrFinder),
      registerExplainRun({ config, dashboards, output }),
      registerLearningPath(learning, controller, lrFinder),
      controller.onDidChangeRun(
        (run) => void vscode.commands.executeCommand('setContext', 'gradscope.training', run !== undefined),
      ),
    );
    restoreRunDiagnostics(
      diagnostics,
      (uri) => controller.current?.specUri.fsPath === uri.fsPath,
      () => tree.specUris(),
    ).then(
      (n) => {
        if (n) output.appendLine(`restored the last run's diagnostics of ${n} spec(s)`);
      },
      (err: unknown) =>
        output.appendLine(`could not restore the last runs' diagnostics: ${err instanceof Error ? err.message : String(err)}`),
    );
    externalDiagnosis.restore().then(
      (n) => {
        if (n) output.appendLine(`diagnosing ${n} external run(s)`);
      },
      (err: unknown) =>
        output.appendLine(`could not diagnose the external runs: ${err instanceof Error ? err.message : String(err)}`),
    );
    return { controller, lrFinder, runsTree: tree, diagnostics, externalRuns };
  } catch (err) {
    void vscode.window.showErrorMessage(`gradscope failed to start: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
