// A synthetic run's events for the dashboard's tests: deep ReLU layers whose gradients vanish towards the input.
import type { LayerStepMetrics, LayerSummary, RunStartEvent, TrainingEvent } from '../../../src/shared/engineProtocol';

/** A synthetic run: `layers` dense ReLU layers, `steps` measured steps (for the speed check). */
export function syntheticRun(layers: number, steps: number): TrainingEvent[] {
  const summaries: LayerSummary[] = Array.from({ length: layers }, (_, i) => ({
    name: `dense_${i + 1}`,
    kind: 'dense',
    activation: i === layers - 1 ? 'softmax' : 'relu',
    params: 4160,
    outputShape: [64],
    specPath: `/model/layers/${i}`,
    hasWeights: true,
  }));
  const spe = 100;
  const start: RunStartEvent = {
    type: 'run-start',
    runId: 'synthetic-run',
    specFile: '/tmp/synthetic.gradscope.json',
    specPath: '/tmp/synthetic.gradscope.json',
    specName: 'synthetic-deep-relu',
    runDir: '/tmp/synthetic',
    backend: 'cpu',
    seed: 1,
    epochs: Math.ceil(steps / spe),
    stepsPerEpoch: spe,
    batchSize: 32,
    trainSamples: 3200,
    validationSamples: 800,
    task: 'classification',
    totalParams: layers * 4160,
    layers: summaries,
    startedAt: new Date(0).toISOString(),
  };
  const events: TrainingEvent[] = [start];
  for (let s = 0; s < steps; s++) {
    const metrics: LayerStepMetrics[] = summaries.map((l, i) => ({
      name: l.name,
      gradNorm: Math.pow(10, -4 + (3 * i) / layers + 0.3 * Math.sin(s / 40 + i)),
      weightNorm: 3,
      updateRatio: 1e-3,
      units: 64,
      deadUnits: i === layers - 1 ? undefined : Math.min(64, Math.floor((s / steps) * 40 * (i / layers))),
    }));
    events.push({
      type: 'step',
      step: s,
      epoch: Math.floor(s / spe),
      loss: 2 * Math.exp(-s / 800) + 0.1,
      lr: (0.01 * (1 + Math.cos((Math.PI * s) / steps))) / 2,
      layers: metrics,
    });
    if ((s + 1) % spe === 0) {
      const e = (s + 1) / spe - 1;
      events.push({
        type: 'epoch',
        epoch: e,
        loss: 2 * Math.exp(-s / 800) + 0.1,
        valLoss: 2.1 * Math.exp(-s / 900) + 0.15,
        acc: 0.5,
        valAcc: 0.48,
        lr: 0.01,
        durationMs: 100,
        samplesPerSec: 3000,
      });
    }
  }
  return events;
}
