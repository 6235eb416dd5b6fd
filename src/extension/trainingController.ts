// Owns the live training run: starts the engine child process (the same runner the CLI uses), keeps the run's
// history in the host, and tells the rest of the extension what happened. The host never loads TensorFlow.js.
import * as path from 'path';
import * as vscode from 'vscode';
import type { EngineMessage, RunEndEvent, StartOptions, TrainingEvent } from '../shared/engineProtocol';
import { applyEvent, emptyHistory, type RunHistoryState } from '../shared/runHistory';
import type { RunRef } from '../shared/webviewProtocol';
import { startRun, type RunHandle } from '../training/run/runner';
import { parseSpecFile } from '../training/spec/parse';
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

  constructor(private readonly config: Config, private readonly diagnostics: SpecDiagnostics,
    private readonly output: vscode.OutputChannel) {}

  get current(): LiveRun | undefined {
    return this.live;
  }

  isRunning(): boolean {
    return this.live !== undefined;
  }

  /**
   * Validates and trains a spec. Resolves with the run's last event, or undefined when no run started
   * (invalid spec: its problems are in the Problems panel).
   */
  async train(specUri: vscode.Uri, token?: vscode.CancellationToken,
    progress?: vscode.Progress<{ message?: string; increment?: number }>): Promise<RunEndEvent | undefined> {
    if (this.live) throw new Error('a run is already in progress: stop it first');
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === specUri.toString());
    if (document?.isDirty) await document.save();
    const parsed = parseSpecFile(specUri.fsPath);
    this.diagnostics.setValidation(specUri, parsed.problems);
    if (!parsed.spec || parsed.problems.some((p) => p.severity === 'error')) {
      this.output.appendLine(`${path.basename(specUri.fsPath)}: invalid spec, no run started`);
      return undefined;
    }
    this.diagnostics.clearRun(specUri);
    const options: StartOptions = { specFile: specUri.fsPath };
    if (this.config.measureEvery !== undefined) options.measureEvery = this.config.measureEvery;
    if (this.config.backend !== undefined) options.backend = this.config.backend;
    const thresholds = this.config.diagnosisThresholds;
    if (Object.keys(thresholds).length) options.thresholds = thresholds;

    let end: RunEndEvent | undefined;
    const run: LiveRun = {
      specUri,
      history: emptyHistory(this.config.chartMaxPoints),
      handle: startRun(options, (m) => this.onMessage(run, m, progress)),
    };
    this.live = run;
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

  stop(): void {
    this.live?.handle.stop();
  }

  private onMessage(run: LiveRun, m: EngineMessage, progress?: vscode.Progress<{ message?: string; increment?: number }>): void {
    switch (m.type) {
      case 'log':
        this.output.appendLine(m.message);
        return;
      case 'spec-problems':
        this.diagnostics.setValidation(run.specUri, m.problems);
        return;
      case 'run-start':
        run.ref = { runId: m.runId, specFile: m.specFile, runDir: m.runDir, live: true };
        this.output.appendLine(`run ${m.runId}: ${m.trainSamples} train samples, ${m.totalParams} parameters, backend ${m.backend}`);
        break;
      case 'epoch': {
        const total = run.history.start?.epochs ?? 1;
        const acc = m.valAcc !== undefined ? `, val_acc ${m.valAcc.toFixed(3)}` : '';
        progress?.report({ increment: 100 / total, message: `epoch ${m.epoch + 1}/${total}: val_loss ${m.valLoss.toFixed(4)}${acc}` });
        this.output.appendLine(`epoch ${m.epoch + 1}/${total}: loss ${m.loss.toFixed(4)} val_loss ${m.valLoss.toFixed(4)}${acc}`);
        break;
      }
      case 'diagnostic':
        this.diagnostics.addRun(run.specUri, m, run.history);
        this.output.appendLine(`${m.severity}: ${m.message} [${m.code}]`);
        break;
      case 'run-end':
        this.output.appendLine(`run ${run.ref?.runId ?? ''}: ${m.status}${m.error ? ` (${m.error})` : ''}`);
        if (run.ref) run.ref = { ...run.ref, live: false };
        break;
      case 'step':
        break;
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
