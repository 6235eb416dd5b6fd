// The learning-rate range test (job `lr-find`): trains a fresh copy of the spec's model (its seeded initial weights)
// with the spec's optimizer, loss, clipping and regularisation, the learning rate rising geometrically every step,
// over the training batches (reshuffled and repeated when the test outlasts an epoch). It stops early when the
// smoothed loss exceeds 4× its minimum or a loss is NaN/Inf. Nothing is saved of the model; the caller saves the result.
import * as tf from '@tensorflow/tfjs';
import type { Backend, LrFindEvent, LrFindPoint, LrFindProgressEvent, LrFindSettings } from '../../shared/engineProtocol';
import { createRng, shuffledIndices } from '../data/random';
import { learningRateTarget } from '../fixes/learningRateEdit';
import type { ParsedSpec } from '../spec/types';
import { makeBatch } from './batches';
import { LossSmoother, rangeTestRate, readRangeTest } from './lrFindCurve';
import { disposeBuiltModel } from './model/buildModel';
import { makeOptimizer } from './optim/optimizer';
import { runStep } from './step';
import { prepareTraining, yieldToEventLoop } from './trainer';

export interface LrFindOptions {
  spec: ParsedSpec;
  specFile: string;
  /** The spec file's text, so that a layer TensorFlow.js refuses is named by line and column. */
  specText?: string;
  runId: string;
  backend: Backend;
  settings: LrFindSettings;
  onProgress: (event: LrFindProgressEvent) => void;
  /** Polled once per step; true ends the test without a result. */
  shouldStop: () => boolean;
}

/** The loss never was a finite number, so there is no curve to read. */
export class RangeTestError extends Error {}

/** Runs the range test; undefined when it was stopped on request (then it has no result). */
export async function findLearningRate(opts: LrFindOptions): Promise<LrFindEvent | undefined> {
  const { spec, settings } = opts;
  const t0 = Date.now();
  const { built, shapes, trainSplit } = prepareTraining(spec, opts.specText);
  const { optimizer, setLearningRate } = makeOptimizer(spec.training.optimizer);
  const { batchSize } = spec.training;
  const shuffleRng = createRng(spec.seed, 'batches');
  const smoother = new LossSmoother();
  const points: LrFindPoint[] = [];
  let stopReason: LrFindEvent['stopReason'] = 'completed';
  let step = 0;
  try {
    passes: while (step < settings.steps) {
      const order = shuffledIndices(trainSplit.count, shuffleRng);
      for (let first = 0; first < trainSplit.count && step < settings.steps; first += batchSize, step++) {
        if (opts.shouldStop()) return undefined;
        const learningRate = rangeTestRate(settings, step);
        setLearningRate(learningRate);
        built.clock.step = step;
        const batch = makeBatch(trainSplit, shapes, order, first, Math.min(trainSplit.count, first + batchSize));
        const { packed } = runStep(built, optimizer, spec.training, batch.x, batch.y, false);
        const values = await packed.data();
        tf.dispose([packed, batch.x, batch.y]);
        const loss = values[0];
        const smoothedLoss = Number.isFinite(loss) ? smoother.add(loss) : NaN;
        if (!Number.isFinite(smoothedLoss)) {
          stopReason = 'non-finite';
          break passes;
        }
        const point: LrFindPoint = { learningRate, loss, smoothedLoss };
        points.push(point);
        opts.onProgress({ type: 'lr-find-progress', step, steps: settings.steps, ...point });
        if (smoother.diverged(smoothedLoss)) {
          stopReason = 'diverged';
          break passes;
        }
        await yieldToEventLoop(); // lets a stop request (an IPC message) arrive between steps
      }
    }
  } finally {
    optimizer.dispose();
    disposeBuiltModel(built);
  }
  if (points.length === 0)
    throw new RangeTestError(
      `the loss was NaN or infinite from the first step, at learning rate ${settings.start}: the model blows up at ` +
        'any rate, so the range test has nothing to read (check its initialisation and inputs)',
    );
  const target = learningRateTarget(spec.training);
  return {
    type: 'lr-find',
    runId: opts.runId,
    specFile: opts.specFile,
    specName: spec.name,
    backend: opts.backend,
    seed: spec.seed,
    settings,
    points,
    ...readRangeTest(points, settings, stopReason),
    stoppedEarly: stopReason !== 'completed',
    stopReason,
    currentLearningRate: target.current,
    field: target.field,
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - t0,
  };
}
