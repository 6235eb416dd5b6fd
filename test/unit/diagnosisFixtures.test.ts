// Fixtures of the diagnosis tests: a real run-start event for a spec (built by the engine's model builder), and
// synthetic step/epoch streams — healthy, noisy-but-healthy, and one per pathology — fed through a diagnoser.
// The tests at the bottom check the fixtures themselves (the synthetic streams look like the engine's).
import * as assert from 'assert';
import type {
  DiagnosticEvent,
  EpochEvent,
  LayerStepMetrics,
  RunStartEvent,
  StepEvent,
  TrainingEvent,
} from '../../src/shared/engineProtocol';
import { resolveThresholds } from '../../src/training/diagnosis/defaults';
import { createDiagnoser } from '../../src/training/diagnosis/diagnoser';
import { buildModelView, type LayerInfo, type ModelView } from '../../src/training/diagnosis/modelView';
import type { Diagnoser, Thresholds } from '../../src/training/diagnosis/types';
import { buildModel } from '../../src/training/engine/model/buildModel';
import type { ParsedSpec } from '../../src/training/spec/types';
import { assertNoEngineErrors, engineLog } from './support/engineLog';
import { parsedSpec, useBackend } from './support/specs';

/** The engine's run-start event for a spec (no data, no training: only the model is built). */
export function runStart(spec: ParsedSpec, stepsPerEpoch = 20): RunStartEvent {
  const built = buildModel(spec, spec.seed);
  const layers = built.layers;
  const totalParams = built.model.countParams();
  built.model.dispose();
  return {
    type: 'run-start',
    runId: 'synthetic',
    specFile: '/virtual/synthetic.gradscope.json',
    specPath: '/virtual/synthetic.gradscope.json',
    specName: spec.name,
    runDir: '/virtual',
    backend: 'wasm',
    seed: spec.seed,
    epochs: spec.training.epochs,
    stepsPerEpoch,
    batchSize: spec.training.batchSize,
    trainSamples: stepsPerEpoch * spec.training.batchSize,
    validationSamples: 100,
    task: spec.training.loss === 'meanSquaredError' ? 'regression' : 'classification',
    totalParams,
    layers,
    startedAt: new Date(0).toISOString(),
  };
}

/** A small deterministic PRNG (mulberry32), so streams are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The mixed network most synthetic streams use: two ReLU, one tanh, one sigmoid hidden layer, softmax output. */
export const MIXED_SPEC = {
  name: 'synthetic',
  seed: 1,
  data: { dataset: 'spiral', samples: 700, classes: 3 },
  model: {
    inputShape: [2],
    layers: [
      { type: 'dense', units: 16, activation: 'relu', kernelInitializer: 'heNormal' },
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'dense', units: 16, activation: 'tanh' },
      { type: 'dense', units: 16, activation: 'sigmoid' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  },
  training: { epochs: 20, batchSize: 32, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 } },
};

/** What a synthetic step looks like: the loss, and overrides of each layer's healthy metrics. */
export interface StreamShape {
  loss(i: number, r: () => number): number;
  layer?(i: number, l: LayerInfo, base: LayerStepMetrics, r: () => number): Partial<LayerStepMetrics>;
  lr?(i: number): number;
  nonFinite?(i: number): boolean;
}

/** Healthy per-layer metrics with mild noise: similar gradients in every layer, ~3e-3 updates, few dead, little saturation. */
function healthyLayer(l: LayerInfo, r: () => number, view: ModelView): LayerStepMetrics {
  const m: LayerStepMetrics = {
    name: l.summary.name,
    gradNorm: 0.3 + 0.4 * r(),
    biasGradNorm: 0.05 + 0.05 * r(),
    weightNorm: 3 + r(),
    updateRatio: 2e-3 * (0.5 + r()),
  };
  if (l.units) m.units = l.units;
  if (l.activation === 'relu' && l !== view.last) m.deadUnits = Math.floor(r() * 2);
  if ((l.activation === 'tanh' || l.activation === 'sigmoid') && l !== view.last) m.saturation = 0.1 * r();
  return m;
}

export interface Stream {
  start: RunStartEvent;
  view: ModelView;
  events: TrainingEvent[];
}

/** `steps` step events shaped by `shape`, with an epoch event every `stepsPerEpoch` steps (val loss from `val`). */
export function makeStream(
  spec: ParsedSpec,
  steps: number,
  shape: StreamShape,
  val?: (epoch: number, trainLoss: number) => Partial<EpochEvent>,
  seed = 7,
): Stream {
  const start = runStart(spec);
  const view = buildModelView(spec, start);
  const r = rng(seed);
  const events: TrainingEvent[] = [start];
  let epochLosses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const epoch = Math.floor(i / start.stepsPerEpoch);
    const layers = view.layers.map((l) => {
      const base = healthyLayer(l, r, view);
      return { ...base, ...(shape.layer?.(i, l, base, r) ?? {}) };
    });
    const loss = shape.loss(i, r);
    const lr = shape.lr?.(i) ?? spec.training.optimizer.learningRate;
    const e: StepEvent = {
      type: 'step',
      step: i,
      epoch,
      loss,
      lr,
      globalGradNorm: Math.hypot(...layers.map((l) => l.gradNorm!)),
      layers,
    };
    e.clippedGradNorm = e.globalGradNorm;
    if (shape.nonFinite?.(i)) e.nonFinite = true;
    events.push(e);
    epochLosses.push(loss);
    if ((i + 1) % start.stepsPerEpoch === 0) {
      const trainLoss = epochLosses.reduce((a, b) => a + b, 0) / epochLosses.length;
      events.push({
        type: 'epoch',
        epoch,
        loss: trainLoss,
        valLoss: trainLoss * 1.05,
        acc: 0.5,
        valAcc: 0.5,
        lr,
        durationMs: 100,
        samplesPerSec: 1000,
        ...(val?.(epoch, trainLoss) ?? {}),
      });
      epochLosses = [];
    }
  }
  return { start, view, events };
}

export interface Found {
  diagnostic: DiagnosticEvent;
  /** The event that triggered it. */
  after: TrainingEvent;
}

/** Feeds a stream through a new diagnoser; returns what it reported and after which event. */
export function diagnose(spec: ParsedSpec, stream: Stream, thresholds: Thresholds = {}, specText?: string): Found[] {
  const logs = engineLog();
  const d: Diagnoser = createDiagnoser(spec, stream.start, resolveThresholds(thresholds, spec.monitor), {
    specText,
    log: logs.log,
  });
  const found: Found[] = [];
  for (const e of stream.events) {
    const out = e.type === 'step' ? d.step(e) : e.type === 'epoch' ? d.epoch(e) : e.type === 'run-end' ? d.end(e) : [];
    for (const diagnostic of out) found.push({ diagnostic, after: e });
  }
  assertNoEngineErrors(logs.events, 'diagnosis');
  return found;
}

export const codes = (found: Found[]): string[] => found.map((f) => f.diagnostic.code);

/** ln K: a K-class model that has learnt nothing. */
export const chance = (classes = 3): number => Math.log(classes);

/** A healthy loss curve: from chance level down to 10% of it, with batch noise. */
export const healthyLoss =
  (noise = 0.15) =>
  (i: number, r: () => number): number =>
    chance() * (0.1 + 0.9 * Math.exp(-i / 60)) * Math.exp(noise * (2 * r() - 1));

/** A loss stuck at chance level. */
export const stuckLoss = (i: number, r: () => number): number => chance() * (1 + 0.02 * (2 * r() - 1));

export function mixedSpec(overrides: Record<string, unknown> = {}): ParsedSpec {
  return parsedSpec({ ...MIXED_SPEC, ...overrides });
}

describe('diagnosis fixtures', () => {
  before(useBackend);

  it('build the engine run-start layers for the mixed network', () => {
    const spec = mixedSpec();
    const start = runStart(spec);
    const view = buildModelView(spec, start);
    assert.deepStrictEqual(
      view.kernels.map((l) => l.activation),
      ['relu', 'relu', 'tanh', 'sigmoid', 'softmax'],
    );
    assert.deepStrictEqual(
      view.kernels.map((l) => l.fanIn),
      [2, 16, 16, 16, 16],
    );
    assert.strictEqual(view.first?.summary.name, 'dense_1');
    assert.strictEqual(view.last?.summary.name, 'dense_5');
  });

  it('make streams with a step per step, an epoch per 20 steps, and the engine layer metrics', () => {
    const spec = mixedSpec();
    const s = makeStream(spec, 45, { loss: healthyLoss() });
    const steps = s.events.filter((e): e is StepEvent => e.type === 'step');
    assert.strictEqual(steps.length, 45);
    assert.strictEqual(s.events.filter((e) => e.type === 'epoch').length, 2);
    const layers = steps[0].layers!;
    assert.strictEqual(layers.length, 5);
    assert.ok(layers[0].deadUnits !== undefined && layers[2].saturation !== undefined && layers[4].saturation === undefined);
  });
});
