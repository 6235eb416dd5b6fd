// A synthetic training run shaped like the engine's output for a deep MLP: `layers` dense layers (relu, a softmax
// last), every step measured with every per-layer statistic the engine reports (gradient, bias gradient, weight and
// update norms, dead units, activation mean/std, global norms), an epoch event per epoch, a few diagnostics and a
// run-end. Deterministic (no randomness), so two bench runs replay the same events.
import type { LayerStepMetrics, LayerSummary, RunStartEvent, TrainingEvent } from '../../src/shared/engineProtocol';

export interface SyntheticRunOptions {
  layers: number;
  steps: number;
  stepsPerEpoch: number;
  runId?: string;
}

export function syntheticRun({ layers, steps, stepsPerEpoch, runId = 'bench-run' }: SyntheticRunOptions): TrainingEvent[] {
  const summaries: LayerSummary[] = Array.from({ length: layers }, (_, i) => ({
    name: `dense_${i + 1}`,
    kind: 'dense',
    activation: i === layers - 1 ? 'softmax' : 'relu',
    params: 4160,
    outputShape: [64],
    specPath: `/model/layers/${i}`,
    hasWeights: true,
  }));
  const spe = stepsPerEpoch;
  const epochs = Math.ceil(steps / spe);
  const start: RunStartEvent = {
    type: 'run-start',
    runId,
    specFile: '/tmp/bench-deep.gradscope.json',
    specPath: '/tmp/bench-deep.gradscope.json',
    specName: 'bench-deep-relu',
    runDir: `/tmp/${runId}`,
    backend: 'wasm',
    seed: 1,
    epochs,
    stepsPerEpoch: spe,
    batchSize: 64,
    trainSamples: spe * 64,
    validationSamples: 1000,
    task: 'classification',
    totalParams: layers * 4160,
    layers: summaries,
    startedAt: new Date(0).toISOString(),
    learningRatePlan: Array.from({ length: 101 }, (_, k) => {
      const step = Math.round((k / 100) * (steps - 1));
      return { step, learningRate: lrAt(step, steps) };
    }),
  };
  const events: TrainingEvent[] = [start];
  for (let s = 0; s < steps; s++) {
    const metrics: LayerStepMetrics[] = summaries.map((l, i) => {
      const g = Math.pow(10, -4 + (3 * i) / layers + 0.3 * Math.sin(s / 40 + i));
      const m: LayerStepMetrics = {
        name: l.name,
        gradNorm: g,
        biasGradNorm: g / 4,
        weightNorm: 3 + 0.001 * s,
        updateRatio: 1e-3 * (1 + 0.5 * Math.sin(s / 97 + i)),
        units: 64,
        activationMean: 0.3 + 0.01 * Math.sin(s / 50 + i),
        activationStd: 0.8 * Math.pow(0.97, i) * (1 + 0.05 * Math.cos(s / 30 + i)),
      };
      if (i < layers - 1) m.deadUnits = Math.min(64, Math.floor((s / steps) * 40 * (i / layers)));
      return m;
    });
    const global = 0.5 + 0.2 * Math.sin(s / 25);
    events.push({
      type: 'step',
      step: s,
      epoch: Math.floor(s / spe),
      loss: 2 * Math.exp(-s / 2000) + 0.1 + 0.05 * Math.sin(s * 1.7),
      lr: lrAt(s, steps),
      globalGradNorm: global,
      clippedGradNorm: global,
      layers: metrics,
    });
    if (s === Math.floor(steps / 3))
      events.push({
        type: 'diagnostic',
        code: 'dead-relu',
        severity: 'warning',
        message: 'dense_18: 71% of its units are dead',
        layer: 'dense_18',
        specPath: '/model/layers/17',
        step: s,
        evidence: { deadFraction: 0.71 },
      });
    if ((s + 1) % spe === 0 || s === steps - 1) {
      const e = Math.floor(s / spe);
      events.push({
        type: 'epoch',
        epoch: e,
        loss: 2 * Math.exp(-s / 2000) + 0.1,
        valLoss: 2.1 * Math.exp(-s / 2200) + 0.15,
        acc: 0.9 - 0.5 * Math.exp(-s / 2000),
        valAcc: 0.88 - 0.5 * Math.exp(-s / 2200),
        lr: lrAt(s, steps),
        durationMs: 1000,
        samplesPerSec: 6400,
      });
    }
  }
  events.push({ type: 'run-end', status: 'completed', epochsCompleted: epochs, steps, durationMs: steps * 10 });
  return events;
}

/** Cosine decay from 0.01. */
function lrAt(step: number, steps: number): number {
  return (0.01 * (1 + Math.cos((Math.PI * step) / Math.max(1, steps)))) / 2;
}
