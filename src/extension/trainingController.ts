// Owns the live training run: starts the engine child process (the same runner the CLI uses), keeps the run's
// history in the host, and tells the rest of the extension what happened. The host never loads TensorFlow.js.
import { setImmediate as nextTurn } from 'timers/promises';
import * as vscode from 'vscode';
import type { EngineMessage, RunEndEvent, StartOptions, TrainingEvent } from '../shared/engineProtocol';
import { applyEvent, emptyHistory, type RunHistoryState } from '../shared/runHistory';
import type { RunRef } from '../shared/webviewProtocol';
import { startRun, type RunHandle } from '../training/run/runner';
import { resumeRefusal } from '../training/run/startOptions';
import { epochProgressText, outputLineFor } from './runText';
import { readyToRun } from './specFiles';
import type { Config } from './config';
import type { SpecDiagnostics } from './specDiagnostics';

export interface LiveRun {
  specUri: vscode.Uri;
  ref?: RunRef;
  history: RunHistoryState;
  handle: RunHandle;
}

export interface RunEvents {
  run: LiveRun;
  events: TrainingEvent[];
}

export class TrainingController implements vscode.Disposable {
  private live: LiveRun | undefined;
  private readonly changed = new vscode.EventEmitter<LiveRun | undefined>();
  private readonly eventsEmitter = new vscode.EventEmitter<RunEvents>();
  /** Fires when a run starts, gets its run id, or ends. */
  readonly onDidChangeRun = this.changed.event;
  /** Every training event of the live run, in order (listeners batch as they need). */
  readonly onEvents = this.eventsEmitter.event;

  /** `isTrusted` is read at each train (Workspace Trust can be granted while the window is open). */
  constructor(
    private readonly config: Config,
    private readonly diagnostics: SpecDiagnostics,
    private readonly output: vscode.OutputChannel,
    private readonly isTrusted: () => boolean = () => vscode.workspace.isTrusted,
  ) {}

  get current(): LiveRun | undefined {
    return this.live;
  }

  isRunning(): boolean {
    return this.live !== undefined;
  }

  /**
   * Validates and trains a spec. Resolves with the run's last event, or undefined when no run started; the user
   * has then been told why (an untrusted folder, or an invalid spec whose problems are in the Problems panel, or a
   * `resume` the engine would refuse: shown as an error message). `resume`: a run directory to continue from its
   * newest checkpoint, as `gradscope train <spec> --resume <runDir>` does.
   */
  async train(
    specUri: vscode.Uri,
    token?: vscode.CancellationToken,
    progress?: vscode.Progress<{ message?: string; increment?: number }>,
    resume?: string,
  ): Promise<RunEndEvent | undefined> {
    if (this.live) throw new Error('a run is already in progress: stop it first');
    if (!(await readyToRun(specUri, this.diagnostics, this.output, this.isTrusted(), 'no run was started'))) return undefined;
    const options: StartOptions = { specFile: specUri.fsPath, priority: this.config.enginePriority };
    if (this.config.measureEvery !== undefined) options.measureEvery = this.config.measureEvery;
    if (this.config.backend !== undefined) options.backend = this.config.backend;
    const thresholds = this.config.diagnosisThresholds;
    if (Object.keys(thresholds).length) options.thresholds = thresholds;
    if (resume !== undefined) {
      options.resume = resume;
      if (this.refusesResume(options)) return undefined;
    }
    this.diagnostics.clearRun(specUri);

    let end: RunEndEvent | undefined;
    const run: LiveRun = {
      specUri,
      history: emptyHistory(this.config.chartMaxPoints),
      handle: startRun(options, (m) => this.onMessage(run, m, progress)),
    };
    this.live = run;
    // The listeners (the dashboard opens its panel, the sidebar refreshes: ~30 ms) run in a later turn of the event
    // loop than the fork (~20 ms), so the host is not held for both; they show whatever the engine said meanwhile.
    await nextTurn();
    this.changed.fire(run);
    const cancel = token?.onCancellationRequested(() => this.stop());
    try {
      const outcome = await run.handle.done;
      end = outcome.end;
      if (!end) this.output.appendLine(`engine exited (code ${outcome.exitCode ?? outcome.signal}) before starting a run`);
    } finally {
      cancel?.dispose();
      this.live = undefined;
      this.changed.fire(undefined);
    }
    return end;
  }

  /**
   * Whether the engine would refuse to resume `options.resume` with `options.specFile` (`resumeRefusal`, as the
   * CLI asks); the reason is then shown as an error message and written to the output channel.
   */
  refusesResume(options: StartOptions): boolean {
    const refusal = resumeRefusal(options);
    if (refusal === undefined) return false;
    this.output.appendLine(`cannot resume: ${refusal}`);
    void vscode.window.showErrorMessage(`Cannot resume: ${refusal}`);
    return true;
  }

  stop(): void {
    this.live?.handle.stop();
  }

  private onMessage(run: LiveRun, m: EngineMessage, progress?: vscode.Progress<{ message?: string; increment?: number }>): void {
    // The line is worked out before the event is applied: it reads the run's state up to this message.
    const line = outputLineFor(m, run.history);
    if (line !== undefined) this.output.appendLine(line);
    switch (m.type) {
      case 'log':
        return;
      case 'spec-problems':
        this.diagnostics.setValidation(run.specUri, m.problems);
        return;
      case 'run-start':
        run.ref = { runId: m.runId, specFile: m.specFile, runDir: m.runDir, live: true };
        break;
      case 'epoch': {
        const total = run.history.start?.epochs ?? 1;
        progress?.report({ increment: 100 / total, message: epochProgressText(m, total) });
        break;
      }
      case 'diagnostic':
        this.diagnostics.addRun(run.specUri, m, run.history);
        break;
      case 'run-end':
        if (run.ref) run.ref = { ...run.ref, live: false };
        break;
      case 'step':
      case 'augmentation-samples':
      case 'explanation':
      case 'schedule':
        break;
      default: {
        const unknown: never = m;
        throw new Error(`unhandled engine message ${JSON.stringify(unknown)}`);
      }
    }
    applyEvent(run.history, m);
    if (m.type === 'run-start' || m.type === 'run-end') this.changed.fire(run);
    this.eventsEmitter.fire({ run, events: [m] });
  }

  dispose(): void {
    this.live?.handle.stop(2000);
    this.changed.dispose();
    this.eventsEmitter.dispose();
  }
}
