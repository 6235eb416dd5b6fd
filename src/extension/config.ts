// Typed access to gradscope's settings. Which changes need a re-run: measureEvery, backend and engine.priority apply
// to the next run; chartMaxPoints applies when the dashboard next loads a run.
import * as vscode from 'vscode';
import { LR_FIND_DEFAULTS, type Backend, type EnginePriority, type LrFindSettings } from '../shared/engineProtocol';

const SECTION = 'gradscope';

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** Full measurement every N steps (1 = every step); the spec's `training.measureEvery` when unset. */
  get measureEvery(): number | undefined {
    const v = this.cfg.get<number | null>('measureEvery', null);
    return typeof v === 'number' && v >= 1 ? Math.floor(v) : undefined;
  }

  /** Force a TensorFlow.js backend; `auto` picks the fastest that loads. */
  get backend(): Backend | undefined {
    const v = this.cfg.get<string>('backend', 'auto');
    return v === 'wasm' || v === 'cpu' || v === 'tensorflow' ? v : undefined;
  }

  /** The CPU priority of the engine processes the extension starts (`low` unless set to `normal`). */
  get enginePriority(): EnginePriority {
    return this.cfg.get<string>('engine.priority', 'low') === 'normal' ? 'normal' : 'low';
  }

  /** Points each chart series keeps before halving its resolution. */
  get chartMaxPoints(): number {
    return Math.max(100, Math.floor(this.cfg.get<number>('chart.maxPoints', 2000)));
  }

  /** The learning-rate range test's settings (`gradscope lr-find --start/--end/--steps`). */
  get lrFind(): LrFindSettings {
    return {
      start: this.cfg.get<number>('lrFind.start', LR_FIND_DEFAULTS.start),
      end: this.cfg.get<number>('lrFind.end', LR_FIND_DEFAULTS.end),
      steps: Math.floor(this.cfg.get<number>('lrFind.steps', LR_FIND_DEFAULTS.steps)),
    };
  }

  /** Diagnosis thresholds (read by the diagnosis module; the spec's `monitor` section overrides them). */
  get diagnosisThresholds(): Record<string, number> {
    return this.cfg.get<Record<string, number>>('diagnosis.thresholds', {});
  }
}
