// Trains one spec text in-process (as the engine would) and keeps what the benchmark scores: the diagnostics, the
// run's status, its validation loss and wall time.
import type { Backend, DiagnosticEvent, EpochEvent, RunStatus } from '../../src/shared/engineProtocol';
import { parseSpecText } from '../../src/training/spec/parse';
import { train } from '../../src/training/engine/trainer';

export interface RunResult {
  status: RunStatus;
  diagnostics: DiagnosticEvent[];
  /**
   * Validation loss the run ends with: the mean of the last 3 epochs' (one lucky epoch of an unstable run must not
   * decide), or the restored best epoch's under early stopping; Infinity when the run diverged.
   */
  valLoss: number;
  /** Last epoch's training loss (Infinity when the run diverged). */
  loss: number;
  steps: number;
  ms: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** `seedOffset` shifts the spec's seed (robustness runs: do the labels hold for other initialisations and data?). */
export async function trainText(text: string, file: string, backend: Backend, seedOffset = 0): Promise<RunResult> {
  const parsed = parseSpecText(text, file);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (!parsed.spec || errors.length > 0)
    throw new Error(`${file}: invalid spec: ${errors.map((p) => `${p.specPath} ${p.message}`).join('; ')}`);
  const spec = parsed.spec;
  spec.seed += seedOffset;
  const diagnostics: DiagnosticEvent[] = [];
  const epochs: EpochEvent[] = [];
  const t0 = Date.now();
  const end = await train({
    spec,
    specFile: file,
    runId: 'bench',
    runDir: '(in memory)',
    backend,
    specText: text,
    emit: (e) => {
      if (e.type === 'diagnostic') diagnostics.push(e);
      if (e.type === 'epoch') epochs.push(e);
    },
    shouldStop: () => false,
  });
  const last = epochs[epochs.length - 1];
  const restored = spec.training.earlyStopping?.restoreBestWeights && end.bestValLoss !== undefined;
  const diverged = end.status === 'diverged' || !last;
  return {
    status: end.status,
    diagnostics,
    valLoss: diverged ? Infinity : restored ? end.bestValLoss! : mean(epochs.slice(-3).map((e) => e.valLoss)),
    loss: diverged ? Infinity : last.loss,
    steps: end.steps,
    ms: Date.now() - t0,
  };
}
