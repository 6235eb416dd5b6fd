// Gradscope: Explain Run: Grad-CAM of a finished run's saved model, computed in an engine process (job `explain`
// through startExplain, the runner `gradscope explain` uses; the host never loads TensorFlow.js) with a cancellable
// progress notification; the explanation is shown in the run's dashboard (the history reducer's `explanation`
// case, which the Explain panel draws) and each sample's prediction and map in words go to the output channel.
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExplainMessage, ExplanationEvent } from '../shared/engineProtocol';
import { predictionText } from '../shared/explanationText';
import { summarizeHeatmap } from '../shared/heatmapText';
import { explainableKind } from '../training/model/facts';
import { startExplain, type ExplainOutcome } from '../training/run/runner';
import { recordedRunItems } from './commands';
import type { Config } from './config';
import type { Dashboards } from './dashboards';
import type { RunsNode } from './runsTree';
import { explainBlocked, trainingBlockedReason } from './workspaceTrust';

export const EXPLAIN_RUN = 'gradscope.explainRun';

interface ExplainDeps {
  config: Config;
  dashboards: Dashboards;
  output: vscode.OutputChannel;
  isTrusted?: () => boolean;
}

/** The run to explain: given (tests, other commands), clicked in the sidebar, or picked (newest first). */
async function chooseRun(arg?: string | RunsNode): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (arg?.kind === 'run') return arg.summary.runDir;
  // Only runs Grad-CAM can explain: a conv2d layer (the same fact the engine and the spec check use).
  const items = await recordedRunItems(
    (r) => r.start?.layers.some((l) => explainableKind(l.kind)) === true,
    'No run of a conv net yet: Grad-CAM explains conv2d layers. Train one, e.g. the mnist-conv-explain example.',
  );
  if (items.length === 0) return undefined;
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Run to explain (Grad-CAM)', matchOnDetail: true }))?.runDir;
}

/** The explanation in the output channel: one line per sample, then its map in words (and the sanity check). */
function report(output: vscode.OutputChannel, event: ExplanationEvent): void {
  output.appendLine(
    `${event.runDir ?? 'run'}: Grad-CAM at layer ${event.layer}, weights of epoch ${event.epoch + 1}, ${event.samples.length} validation samples`,
  );
  for (const s of event.samples) {
    output.appendLine(`  sample ${s.index}: ${predictionText(event, s)}${s.predicted === s.label ? '' : ' ✗ misclassified'}`);
    output.appendLine(`    ${summarizeHeatmap(s.gradCam).text}`);
  }
}

class RunExplainer {
  private running: { stop(): void } | undefined;

  constructor(private readonly deps: ExplainDeps) {}

  /** Explains a run; resolves with the explanation (undefined when none: the user was told why). */
  async explain(arg?: string | RunsNode): Promise<ExplanationEvent | undefined> {
    if (this.running) {
      void vscode.window.showWarningMessage('gradscope is already explaining a run: wait for it or cancel it first.');
      return undefined;
    }
    const blocked = trainingBlockedReason((this.deps.isTrusted ?? (() => vscode.workspace.isTrusted))());
    if (blocked) {
      explainBlocked(blocked);
      return undefined;
    }
    const runDir = await chooseRun(arg);
    if (!runDir) return undefined;
    const name = path.basename(runDir);
    const errors: string[] = [];
    const onMessage = (m: ExplainMessage): void => {
      if (m.type !== 'log') return;
      this.deps.output.appendLine(m.message);
      if (m.level === 'error') errors.push(m.message);
    };
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Explaining ${name} (Grad-CAM)`, cancellable: true },
      (_progress, token): Promise<ExplainOutcome> => {
        const handle = startExplain(
          // The sanity check costs about as much as the maps (tens of ms): a learner sees whether they can be trusted.
          {
            specFile: runDir,
            job: 'explain',
            runDir,
            backend: this.deps.config.backend,
            priority: this.deps.config.enginePriority,
            explain: { sanity: true },
          },
          onMessage,
        );
        this.running = handle;
        const cancel = token.onCancellationRequested(() => handle.kill());
        return handle.done.finally(() => {
          cancel.dispose();
          this.running = undefined;
        });
      },
    );
    if (!outcome.result) {
      if (outcome.signal === null) {
        const why = errors.at(-1) ?? `the engine ended with exit code ${outcome.exitCode}`;
        void vscode.window.showErrorMessage(`Cannot explain ${name}: ${why}`, 'Show Output').then((choice) => {
          if (choice) this.deps.output.show();
        });
      }
      return undefined;
    }
    const event: ExplanationEvent = { ...outcome.result, runDir: outcome.result.runDir ?? runDir };
    report(this.deps.output, event);
    await this.deps.dashboards.showExplanation(runDir, event);
    return event;
  }

  dispose(): void {
    this.running?.stop();
  }
}

/** Registers Gradscope: Explain Run; the command resolves with the explanation it showed (read by tests). */
export function registerExplainRun(deps: ExplainDeps): vscode.Disposable {
  const explainer = new RunExplainer(deps);
  return vscode.Disposable.from(
    explainer,
    vscode.commands.registerCommand(EXPLAIN_RUN, (arg?: string | RunsNode) => explainer.explain(arg)),
  );
}
