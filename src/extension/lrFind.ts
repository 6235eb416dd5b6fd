// Gradscope: Find Learning Rate: runs the learning-rate range test in an engine process (startLrFind, the runner the
// CLI's `gradscope lr-find` uses; the host never loads TensorFlow.js) with a cancellable progress notification,
// streams its points to the dashboard's "Learning-rate range test" panel, and writes a suggested learning rate
// into the spec: from the panel's "Use learning rate …" button, from the notification that ends the test, and from
// the code action on the spec's learning rate (offered once a range test of that spec exists, on disk or here).
// Every one of them goes through the ONE edit that says where a spec's learning rate is written (learningRateEdit).
import * as path from 'path';
import * as vscode from 'vscode';
import { lrFindSettingsProblem, type LrFindEvent, type LrFindMessage, type LrFindPoint } from '../shared/engineProtocol';
import { formatNumber } from '../shared/format';
import type { LrFindView } from '../shared/webviewProtocol';
import { learningRateEdit, learningRateTarget } from '../training/fixes/learningRateEdit';
import { learningRateSite } from '../training/fixes/learningRateSite';
import { readSpecDocument } from '../training/fixes/patchBuilder';
import { latestLrFind } from '../training/run/lrFindStore';
import { startLrFind, type LrFindHandle } from '../training/run/runner';
import type { SpecFix } from '../training/spec/types';
import type { Config } from './config';
import type { Dashboards } from './dashboards';
import { fixEdit } from './quickFixes';
import { revealSpecPath } from './revealSpec';
import { SPEC_GLOB } from './runsTree';
import type { SpecDiagnostics } from './specDiagnostics';
import { checkSpecText, readyToRun, resolveSpec } from './specFiles';
import type { TrainingController } from './trainingController';
import type { RunsNode } from './runsTree';

export const FIND_LEARNING_RATE = 'gradscope.findLearningRate';

/** The edit that writes `learningRate` into the spec text (undefined when the text is not a valid spec). */
function learningRateFix(text: string, uri: vscode.Uri, learningRate: number): SpecFix | undefined {
  const parsed = checkSpecText(text, uri);
  if (!parsed.spec || parsed.problems.some((p) => p.severity === 'error')) return undefined;
  return learningRateEdit(parsed.spec.training, readSpecDocument(text, undefined), learningRate);
}

const sameFile = (a: string, b: string): boolean => path.resolve(a) === path.resolve(b);

/** What the dashboard calls a spec: its file name without `.gradscope.json`. */
const specNameOf = (file: string): string => path.basename(file).replace(/\.gradscope\.json$/, '');

export class LrFinder implements vscode.Disposable {
  private handle: LrFindHandle | undefined;
  /** The newest range test of each spec (by absolute path), from this window or from disk. */
  private readonly latest = new Map<string, LrFindEvent | null>();
  /** Results by the id the dashboard knows them by. */
  private readonly byId = new Map<string, LrFindEvent>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly found = new vscode.EventEmitter<LrFindEvent>();
  /** Fires when a range test run here ends with a result (conclusive or not). */
  readonly onDidFind = this.found.event;

  constructor(
    private readonly config: Config,
    private readonly controller: TrainingController,
    private readonly dashboards: Dashboards,
    private readonly diagnostics: SpecDiagnostics,
    private readonly output: vscode.OutputChannel,
    private readonly isTrusted: () => boolean = () => vscode.workspace.isTrusted,
  ) {
    // A range test run from the CLI (gradscope lr-find) counts too: forget what was read when results change.
    const watcher = vscode.workspace.createFileSystemWatcher('**/.gradscope/lr-find/*.json');
    const forget = (): void => this.latest.clear();
    this.disposables.push(
      this.found,
      watcher,
      watcher.onDidCreate(forget),
      watcher.onDidChange(forget),
      watcher.onDidDelete(forget),
      dashboards.onUseLearningRate(({ id, learningRate }) => {
        const result = this.byId.get(id);
        if (result?.conclusive) void this.useLearningRate(vscode.Uri.file(result.specFile), learningRate);
      }),
    );
  }

  isRunning(): boolean {
    return this.handle !== undefined;
  }

  stop(): void {
    this.handle?.stop();
  }

  /** The newest range test of a spec, if one was run (here or with `gradscope lr-find`). */
  latestFor(specFile: string): LrFindEvent | undefined {
    const key = path.resolve(specFile);
    if (!this.latest.has(key)) this.latest.set(key, latestLrFind(key) ?? null);
    return this.latest.get(key) ?? undefined;
  }

  /** Runs the range test on a spec; resolves with its result (undefined when none: the user was told why). */
  async find(specUri: vscode.Uri): Promise<LrFindEvent | undefined> {
    const name = path.basename(specUri.fsPath);
    if (this.handle || this.controller.isRunning()) {
      void vscode.window.showWarningMessage(
        `gradscope is already ${this.handle ? 'running a range test' : 'training'}: wait for it or stop it first.`,
      );
      return undefined;
    }
    if (!(await readyToRun(specUri, this.diagnostics, this.output, this.isTrusted(), 'the range test was not run')))
      return undefined;
    const settings = this.config.lrFind;
    const problem = lrFindSettingsProblem(settings);
    if (problem) {
      void vscode.window.showErrorMessage(`The range test's settings (gradscope.lrFind): ${problem}.`);
      return undefined;
    }
    let cancelled = false;
    const view: LrFindView = {
      id: `running-${Date.now()}`,
      specFile: specUri.fsPath,
      specName: specNameOf(specUri.fsPath),
      status: 'running',
      steps: settings.steps,
      points: [],
    };
    this.dashboards.showLrFind(view, true);
    this.output.appendLine(
      `${name}: learning-rate range test, ${formatNumber(settings.start)} → ${formatNumber(settings.end)} over ${settings.steps} steps`,
    );
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Finding a learning rate for ${name}`, cancellable: true },
      async (progress, token) => {
        const options = {
          specFile: specUri.fsPath,
          job: 'lr-find' as const,
          lrFind: settings,
          backend: this.config.backend,
          priority: this.config.enginePriority,
        };
        const onMessage = (m: LrFindMessage): void => {
          switch (m.type) {
            case 'lr-find-progress': {
              const point: LrFindPoint = { learningRate: m.learningRate, loss: m.loss, smoothedLoss: m.smoothedLoss };
              view.points.push(point);
              progress.report({
                increment: 100 / m.steps,
                message: `step ${m.step + 1}/${m.steps}: learning rate ${formatNumber(m.learningRate)}, loss ${formatNumber(m.loss)}`,
              });
              this.dashboards.showLrFind(view);
              return;
            }
            case 'lr-find':
              return;
            case 'log':
              if (m.level !== 'info') this.output.appendLine(m.message);
              return;
            case 'spec-problems':
              this.diagnostics.setValidation(specUri, m.problems);
              return;
          }
        };
        this.handle = startLrFind(options, onMessage);
        const cancel = token.onCancellationRequested(() => {
          cancelled = true;
          this.stop();
        });
        try {
          return await this.handle.done;
        } finally {
          cancel.dispose();
          this.handle = undefined;
        }
      },
    );
    const result = outcome.result;
    if (!result) {
      const stopped = cancelled && outcome.exitCode === 0;
      const how = outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.exitCode}`;
      this.dashboards.showLrFind({
        ...view,
        status: stopped ? 'stopped' : 'failed',
        error: stopped ? undefined : `the engine ended (${how}) without a result; see Gradscope: Show Output`,
      });
      if (!stopped) void vscode.window.showErrorMessage(`The range test of ${name} ended without a result (${how}).`);
      return undefined;
    }
    this.remember(result);
    this.found.fire(result);
    this.dashboards.showLrFind(this.viewOf(result), true);
    const suggested = formatNumber(result.suggestion.learningRate);
    if (result.warning) this.output.appendLine(`${name}: range test: ${result.warning}`);
    this.output.appendLine(
      `${name}: range test suggests ${suggested} (${result.suggestion.method}), ${formatNumber(result.secondOpinion.learningRate)} (min loss/10); the spec has ${formatNumber(result.currentLearningRate)} (${result.field})`,
    );
    if (!result.conclusive) {
      void vscode.window.showWarningMessage(
        `${name}: the range test is inconclusive: ${result.warning ?? 'the loss curve has no descent to read'}. Nothing to write into the spec.`,
      );
      return result;
    }
    const use = `Use learning rate ${suggested}`;
    void vscode.window
      .showInformationMessage(
        `${name}: the range test suggests learning rate ${suggested} (min loss/10: ${formatNumber(result.secondOpinion.learningRate)}; the spec has ${formatNumber(result.currentLearningRate)}).`,
        use,
      )
      .then((choice) => {
        if (choice === use) void this.useLearningRate(specUri, result.suggestion.learningRate);
      });
    return result;
  }

  private remember(result: LrFindEvent): void {
    this.latest.set(path.resolve(result.specFile), result);
    this.byId.set(result.runId, result);
  }

  private viewOf(result: LrFindEvent): LrFindView {
    return {
      id: result.runId,
      specFile: result.specFile,
      specName: specNameOf(result.specFile),
      status: 'done',
      points: result.points,
      result,
    };
  }

  /** Writes `learningRate` into the spec (comment-preserving), saves it and shows where. Returns whether it did. */
  async useLearningRate(specUri: vscode.Uri, learningRate: number): Promise<boolean> {
    const document = await vscode.workspace.openTextDocument(specUri);
    const fix = learningRateFix(document.getText(), specUri, learningRate);
    const edit = fix && fixEdit(document, fix);
    if (!fix || !edit || !(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage(
        `Could not write learning rate ${formatNumber(learningRate)} into ${path.basename(specUri.fsPath)}: fix the spec's problems first.`,
      );
      return false;
    }
    await document.save();
    const parsed = checkSpecText(document.getText(), specUri);
    const pointer = parsed.spec ? learningRateTarget(parsed.spec.training).pointer : '/training/optimizer/learningRate';
    await revealSpecPath(specUri, pointer);
    void vscode.window.showInformationMessage(`${path.basename(specUri.fsPath)}: ${fix.title}.`);
    return true;
  }

  dispose(): void {
    this.handle?.stop(2000);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/**
 * "Use learning rate X from the range test" on the spec's learning rate (the property learningRateEdit writes:
 * optimizer.learningRate, oneCycle's maxLearningRate, piecewise values), once a range test of the spec exists.
 */
class LearningRateActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly finder: LrFinder) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    const result = this.finder.latestFor(document.uri.fsPath);
    // An inconclusive test suggests nothing to write (as `gradscope lr-find --apply` writes nothing then).
    if (!result?.conclusive || !sameFile(result.specFile, document.uri.fsPath)) return [];
    const text = document.getText();
    const parsed = checkSpecText(text, document.uri);
    if (!parsed.spec || parsed.problems.some((p) => p.severity === 'error')) return [];
    const target = learningRateTarget(parsed.spec.training);
    const site = learningRateSite(text, parsed.spec.training);
    if (!site || range.end.line < site.first - 1 || range.start.line > site.last - 1) return [];
    const doc = readSpecDocument(text, undefined);
    const actions: vscode.CodeAction[] = [];
    const offers: Array<[number, string]> = [
      [result.suggestion.learningRate, ''],
      [result.secondOpinion.learningRate, ' (min loss/10)'],
    ];
    offers.forEach(([learningRate, why], i) => {
      // Nothing to offer when the spec has that rate already, or when both opinions are the same rate.
      if (learningRate === target.current || (i > 0 && learningRate === offers[0][0])) return;
      const fix = learningRateEdit(parsed.spec!.training, doc, learningRate);
      const edit = fixEdit(document, fix);
      if (!edit) return;
      const action = new vscode.CodeAction(
        `Use learning rate ${formatNumber(learningRate)} from the range test${why}`,
        vscode.CodeActionKind.QuickFix,
      );
      action.edit = edit;
      action.isPreferred = i === 0;
      actions.push(action);
    });
    return actions;
  }
}

export function registerLrFind(finder: LrFinder): vscode.Disposable {
  return vscode.Disposable.from(
    finder,
    vscode.commands.registerCommand(FIND_LEARNING_RATE, async (arg?: vscode.Uri | RunsNode) => {
      const spec = await resolveSpec(arg);
      return spec ? finder.find(spec) : undefined;
    }),
    vscode.languages.registerCodeActionsProvider({ pattern: SPEC_GLOB }, new LearningRateActions(finder), {
      providedCodeActionKinds: LearningRateActions.kinds,
    }),
  );
}
