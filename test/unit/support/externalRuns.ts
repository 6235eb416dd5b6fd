// External (PyTorch) runs as their monitor records them — run-start with `external` and layers with `source`, steps with
// per-layer metrics, epochs, run-end — generated from a few numbers per run, so that each stream shows exactly one
// training problem (and the tests can say which detector must name it, at which Python line). The numbers are chosen
// against the detectors' documented thresholds (src/training/diagnosis/defaults.ts), not read back from them.
import * as fs from 'fs';
import * as path from 'path';
import type {
  EpochEvent,
  LayerStepMetrics,
  RunEndEvent,
  RunStartEvent,
  StepEvent,
  TrainingEvent,
} from '../../../src/shared/engineProtocol';
import { EVENTS_FILE } from '../../../src/training/run/runStore';

export interface StreamLayer {
  /** Module name, e.g. `fc1`. */
  name: string;
  kind: 'dense' | 'conv2d' | 'batchNormalization';
  activation?: string;
  units: number;
  /** Line of `self.<name> = nn.…(...)` in the script. */
  line: number;
}

export interface ExternalStream {
  /** What the stream shows; the code the diagnosis must name first. */
  expected: string;
  /** The layer that diagnosis must blame (its source line), or undefined for a training-level problem. */
  blamed?: string;
  layers: StreamLayer[];
  task: 'classification' | 'regression';
  /** As the monitor may record them (optional in the contract). */
  optimizer?: string;
  loss?: string;
  steps: number;
  stepsPerEpoch: number;
  lr: (step: number) => number;
  stepLoss: (step: number) => number;
  /** Metrics of layer `i` (index among the layers with weights) at `step`. */
  metrics: (i: number, step: number, layer: StreamLayer) => Omit<LayerStepMetrics, 'name'>;
  epoch?: (epoch: number) => { loss: number; valLoss: number };
  /** Leave the run-end out (a run still going, or killed). */
  noEnd?: boolean;
}

/** The training script the streams' layers point into (written by writeScript). */
export function scriptText(layers: readonly StreamLayer[]): string {
  const lines: string[] = [];
  const at = (line: number, text: string): void => {
    while (lines.length < line - 1) lines.push('');
    lines[line - 1] = text;
  };
  at(1, 'import torch');
  at(2, 'from torch import nn');
  at(4, 'class Net(nn.Module):');
  at(5, '    def __init__(self):');
  at(6, '        super().__init__()');
  for (const l of layers) at(l.line, `        self.${l.name} = nn.Linear(${l.units}, ${l.units})`);
  return lines.join('\n') + '\n';
}

export function runStart(s: ExternalStream, script: string, runDir: string): RunStartEvent {
  return {
    type: 'run-start',
    runId: path.basename(runDir),
    specFile: script,
    specPath: script,
    specName: 'net',
    runDir,
    backend: 'pytorch',
    external: {
      framework: 'pytorch',
      frameworkVersion: '1.13.1',
      monitor: 'gradscope_torch',
      monitorVersion: '0.1.0',
      ...(s.optimizer ? { optimizer: s.optimizer } : {}),
      ...(s.loss ? { loss: s.loss } : {}),
    },
    seed: 0,
    epochs: 0,
    stepsPerEpoch: 0,
    batchSize: 0,
    trainSamples: 0,
    validationSamples: 0,
    task: s.task,
    totalParams: s.layers.reduce((n, l) => n + l.units * (l.units + 1), 0),
    layers: s.layers.map((l) => ({
      name: l.name,
      kind: l.kind,
      ...(l.activation ? { activation: l.activation } : {}),
      params: l.units * (l.units + 1),
      outputShape: [l.units],
      specPath: '',
      hasWeights: true,
      source: { file: script, line: l.line, column: 9 },
    })),
    startedAt: '2026-12-05T07:00:00.000Z',
  };
}

/** The whole event stream of a run (run-start first; run-end last unless `noEnd`). */
export function externalRunEvents(s: ExternalStream, script: string, runDir: string): TrainingEvent[] {
  const events: TrainingEvent[] = [runStart(s, script, runDir)];
  for (let step = 0; step < s.steps; step++) {
    const epoch = Math.floor(step / s.stepsPerEpoch);
    const layers: LayerStepMetrics[] = s.layers.map((l, i) => ({ name: l.name, ...s.metrics(i, step, l) }));
    const norm = Math.hypot(...layers.map((l) => l.gradNorm ?? 0));
    const e: StepEvent = { type: 'step', step, epoch, loss: s.stepLoss(step), lr: s.lr(step), globalGradNorm: norm, layers };
    events.push(e);
    if ((step + 1) % s.stepsPerEpoch === 0 && s.epoch) {
      const { loss, valLoss } = s.epoch(epoch);
      const ep: EpochEvent = { type: 'epoch', epoch, loss, valLoss, lr: s.lr(step), durationMs: 100, samplesPerSec: 1000 };
      events.push(ep);
    }
  }
  if (!s.noEnd) {
    const end: RunEndEvent = {
      type: 'run-end',
      status: 'completed',
      epochsCompleted: Math.floor(s.steps / s.stepsPerEpoch),
      steps: s.steps,
      durationMs: 1000,
    };
    events.push(end);
  }
  return events;
}

/** Writes the script and the run directory (`<dir>/net.py`, `<dir>/.gradscope/runs/<name>/events.jsonl`). */
export function writeRun(
  dir: string,
  name: string,
  s: ExternalStream,
): { script: string; runDir: string; events: TrainingEvent[] } {
  const script = path.join(dir, 'net.py');
  fs.writeFileSync(script, scriptText(s.layers));
  const runDir = path.join(dir, '.gradscope', 'runs', name);
  fs.mkdirSync(runDir, { recursive: true });
  const events = externalRunEvents(s, script, runDir);
  fs.writeFileSync(path.join(runDir, EVENTS_FILE), events.map((e) => JSON.stringify(e) + '\n').join(''));
  return { script, runDir, events };
}

export const dense = (name: string, units: number, line: number, activation?: string): StreamLayer => ({
  name,
  kind: 'dense',
  units,
  line,
  ...(activation ? { activation } : {}),
});

/** A healthy layer's numbers. */
const healthy = (l: StreamLayer): Omit<LayerStepMetrics, 'name'> => ({
  gradNorm: 0.1,
  biasGradNorm: 0.02,
  weightNorm: 3,
  updateRatio: 3e-3,
  ...(l.activation === 'relu' ? { deadUnits: 0, units: l.units } : {}),
  activationMean: 0.3,
  activationStd: 0.5,
});

/** A stream with the usual settings (a classifier, one epoch of 30 steps) unless `s` says otherwise. */
function stream(
  s: Partial<ExternalStream> & Pick<ExternalStream, 'expected' | 'layers' | 'lr' | 'stepLoss' | 'metrics'>,
): ExternalStream {
  return { task: 'classification', steps: 30, stepsPerEpoch: 30, ...s };
}

/** A tiny deterministic wobble, so that no series is exactly constant. */
const wobble = (step: number, size: number): number => size * Math.sin(step * 1.7);

/**
 * Five sigmoid layers and a linear output trained with SGD: the gradient shrinks 20× per layer on the way back
 * (first layer 3.1e-8, output 0.1: ratio 3.1e-7, under AUTOTRAINER's 1e-3; first norm under 1e-4), the updates
 * likewise (3e-8 … 3e-3), the loss stays at its start, the sigmoids are not saturated (5% in the tails). Expected:
 * vanishing-gradient at fc1.
 */
export function deepSigmoid(): ExternalStream {
  const layers = [1, 2, 3, 4, 5].map((k) => dense(`fc${k}`, 32, 7 + k, 'sigmoid'));
  layers.push(dense('out', 10, 13));
  return stream({
    expected: 'vanishing-gradient',
    blamed: 'fc1',
    layers,
    optimizer: 'sgd',
    steps: 90,
    lr: () => 0.1,
    stepLoss: (step) => 2.3 + wobble(step, 0.002),
    metrics: (i, _step, l) => ({
      gradNorm: 0.1 * 20 ** (i - 5),
      biasGradNorm: 0.1 * 20 ** (i - 5),
      weightNorm: 3,
      updateRatio: 3 * 10 ** (i - 8),
      ...(l.activation === 'sigmoid' ? { saturation: 0.05 } : {}),
      activationMean: 0.5,
      activationStd: 0.02,
    }),
    epoch: () => ({ loss: 2.3, valLoss: 2.3 }),
  });
}

/**
 * Two ReLU layers whose every unit outputs 0 for every sample (biases at −5): no gradient reaches any kernel, nothing
 * moves, the loss stays at ln 2. Expected: dead-relu at fc1 (both layers 100% dead; the first is named).
 */
export function deadRelu(): ExternalStream {
  const layers = [dense('fc1', 64, 8, 'relu'), dense('fc2', 64, 9, 'relu'), dense('out', 2, 10)];
  return stream({
    expected: 'dead-relu',
    blamed: 'fc1',
    layers,
    loss: 'categoricalCrossentropy',
    steps: 60,
    lr: () => 0.01,
    stepLoss: (step) => Math.log(2) + wobble(step, 1e-4),
    metrics: (_i, _step, l) => ({
      gradNorm: 0,
      biasGradNorm: l.name === 'out' ? 0.3 : 0,
      weightNorm: 4,
      updateRatio: 0,
      ...(l.activation === 'relu' ? { deadUnits: l.units, units: l.units } : {}),
      activationMean: 0,
      activationStd: 0,
    }),
    epoch: () => ({ loss: Math.log(2), valLoss: Math.log(2) }),
  });
}

/** Adam moving fc1 by twice its norm per step from step 5 on. Expected: exploding-gradient (an error) at fc1. */
export function exploding(): ExternalStream {
  const layers = [dense('fc1', 32, 8, 'relu'), dense('fc2', 32, 9, 'relu'), dense('out', 3, 10)];
  return stream({
    expected: 'exploding-gradient',
    blamed: 'fc1',
    layers,
    optimizer: 'adam',
    lr: () => 1e-3,
    stepLoss: (step) => 1.1 + wobble(step, 0.01),
    metrics: (i, step, l) => ({ ...healthy(l), ...(i === 0 && step >= 5 ? { gradNorm: 50, updateRatio: 2 } : {}) }),
  });
}

/**
 * Training loss falling 20% an epoch while the validation loss turns up after epoch 5 (0.9 … 0.58, then 0.65 → 1.05).
 * Expected: overfitting (about no layer).
 */
export function overfitting(): ExternalStream {
  const val = [0.9, 0.7, 0.6, 0.58, 0.65, 0.75, 0.9, 1.05];
  const layers = [
    dense('fc1', 64, 8, 'relu'),
    { name: 'bn1', kind: 'batchNormalization' as const, units: 64, line: 9 },
    dense('out', 4, 10),
  ];
  return stream({
    expected: 'overfitting',
    layers,
    optimizer: 'adam',
    steps: 80,
    stepsPerEpoch: 10,
    lr: () => 1e-3,
    stepLoss: (step) => 0.8 ** Math.floor(step / 10) + wobble(step, 0.001),
    metrics: (_i, _step, l) => healthy(l),
    epoch: (e) => ({ loss: 0.8 ** e, valLoss: val[e] }),
  });
}

/** SGD at 0.5 moving every layer by 30% of its norm each step, the loss going nowhere. Expected: lr-too-high. */
export function lrTooHigh(): ExternalStream {
  const layers = [dense('fc1', 32, 8, 'tanh'), dense('out', 3, 9)];
  return stream({
    expected: 'lr-too-high',
    layers,
    optimizer: 'sgd',
    lr: () => 0.5,
    stepLoss: (step) => 1.1 + wobble(step, 0.01),
    metrics: (_i, _step, l) => ({ ...healthy(l), updateRatio: 0.3, ...(l.activation === 'tanh' ? { saturation: 0.1 } : {}) }),
  });
}

/** Every layer moving by 5e-5 of its norm per step (20× under the usual 1e-3), the loss flat. Expected: lr-too-low. */
export function lrTooLow(): ExternalStream {
  const layers = [dense('fc1', 32, 8, 'relu'), dense('out', 1, 9)];
  return stream({
    expected: 'lr-too-low',
    layers,
    task: 'regression',
    lr: () => 1e-4,
    stepLoss: (step) => 0.5 + wobble(step, 0.001),
    metrics: (_i, _step, l) => ({ ...healthy(l), updateRatio: 5e-5 }),
  });
}

/** Every canned stream, by the code it must produce. */
export const EXTERNAL_STREAMS: ReadonlyArray<() => ExternalStream> = [
  deepSigmoid,
  deadRelu,
  exploding,
  overfitting,
  lrTooHigh,
  lrTooLow,
];
