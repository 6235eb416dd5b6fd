// Events of an external run as the PyTorch monitor (gradscope_torch) records them, for tests of what follows and
// shows such runs: a run-start with `external`, no planned epochs or steps (0) and layers with source lines; measured
// steps of sigmoid dense layers; epochs; a run-end.
import * as path from 'path';
import type { DiagnosticEvent, EpochEvent, RunEndEvent, RunStartEvent, StepEvent } from '../../../src/shared/engineProtocol';

/** A PyTorch monitor's run-start: no planned epochs or steps, layers with source lines. */
export function externalStart(runDir: string, layers = 3): RunStartEvent {
  return {
    type: 'run-start',
    runId: path.basename(runDir),
    specFile: '/work/train.py',
    specPath: '/work/train.py',
    specName: 'mlp',
    runDir,
    backend: 'pytorch',
    external: { framework: 'pytorch', frameworkVersion: '1.13.1', monitor: 'gradscope_torch', monitorVersion: '0.1.0' },
    seed: 0,
    epochs: 0,
    stepsPerEpoch: 0,
    batchSize: 0,
    trainSamples: 0,
    validationSamples: 0,
    task: 'classification',
    totalParams: 100,
    layers: Array.from({ length: layers }, (_, i) => ({
      name: `fc${i + 1}`,
      kind: 'dense',
      activation: 'sigmoid',
      params: 10,
      outputShape: [8],
      specPath: '',
      hasWeights: true,
      source: { file: '/work/train.py', line: 10 + i, column: 9 },
    })),
    startedAt: '2026-12-05T07:00:00.000Z',
  };
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
