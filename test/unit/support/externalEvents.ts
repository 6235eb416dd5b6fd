// Events of an external run as the PyTorch monitor (gradscope_torch) records them, for tests of what follows and
// shows such runs: a run-start with `external`, no planned epochs or steps (0) and layers with source lines; measured
// steps of sigmoid dense layers; epochs; a run-end.
import type { DiagnosticEvent, EpochEvent, RunEndEvent, RunStartEvent, StepEvent } from '../../../src/shared/engineProtocol';
import { deepSigmoid, dense, runStart } from './externalRuns';

/**
 * A PyTorch monitor's run-start (the diagnosis tests' runStart, support/externalRuns.ts): no planned epochs or steps,
 * `layers` dense sigmoid layers fc1… with source lines 10… of /work/train.py.
 */
export function externalStart(runDir: string, layers = 3): RunStartEvent {
  const stream = {
    ...deepSigmoid(),
    layers: Array.from({ length: layers }, (_, i) => dense(`fc${i + 1}`, 8, 10 + i, 'sigmoid')),
  };
  return runStart(stream, '/work/train.py', runDir);
}

/** A measured step of `layers` sigmoid layers whose gradient norms fall 10× per layer towards the input. */
export function step(n: number, epoch: number, layers = 3): StepEvent {
  return {
    type: 'step',
    step: n,
    epoch,
    loss: 1 / (n + 1),
    lr: 0.01,
    globalGradNorm: n + 0.5,
    layers: Array.from({ length: layers }, (_, i) => ({
      name: `fc${i + 1}`,
      gradNorm: (n + 1) * 10 ** -(layers - 1 - i),
      weightNorm: 1 + i,
      updateRatio: 1e-3 / (i + 1),
      saturation: 0.25,
    })),
  };
}

export function epochEvent(epoch: number): EpochEvent {
  return { type: 'epoch', epoch, loss: 0.5, valLoss: 0.6, lr: 0.01, durationMs: 10, samplesPerSec: 100 };
}

export const end = (steps: number, epochs: number): RunEndEvent => ({
  type: 'run-end',
  status: 'completed',
  epochsCompleted: epochs,
  steps,
  durationMs: 5,
});

/** A diagnostic of such a run, as `gradscope diagnose --json` prints it: at the blamed layer's source line. */
export const VANISHING: DiagnosticEvent = {
  type: 'diagnostic',
  code: 'vanishing-gradient',
  severity: 'warning',
  message: 'Gradients vanish before fc1',
  layer: 'fc1',
  specPath: '',
  source: { file: '/work/train.py', line: 11, column: 9 },
  step: 40,
  evidence: { ratio: 1e-6 },
};
