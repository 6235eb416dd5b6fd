// What the detectors know about how a run trains, whichever way it was started: from the spec for gradscope's runs;
// for an external run (a PyTorch script's monitor) only what run-start.external and the steps recorded — the
// optimizer when the monitor named it, the learning rate of each step. Messages say no more than this knows.
import { OPTIMIZER_FACTS } from '../model/facts';
import { learningRateTarget } from '../fixes/learningRateEdit';
import type { OptimizerType } from '../spec/types';
import { nearestPath, type RunContext } from './context';

/** The optimizer's type: the spec's, or the one an external run's monitor named (undefined when unknown). */
export function optimizerType(ctx: RunContext): OptimizerType | undefined {
  if (ctx.spec) return ctx.spec.training.optimizer.type;
  const named = ctx.start.external?.optimizer;
  return named !== undefined && Object.prototype.hasOwnProperty.call(OPTIMIZER_FACTS, named)
    ? (named as OptimizerType)
    : undefined;
}

/**
 * The learning rate the run is judged at: the spec's (learningRateTarget: what schedules start from or peak at); for
 * an external run, the highest rate its steps recorded so far.
 */
export function baseLearningRate(ctx: RunContext): number {
  return ctx.spec ? learningRateTarget(ctx.spec.training).current : ctx.history.peakLr;
}

/** Where a learning-rate diagnosis points in the spec; external runs have no spec (empty). */
export function learningRatePointer(ctx: RunContext): string {
  return ctx.spec ? nearestPath(ctx, learningRateTarget(ctx.spec.training).pointer) : '';
}

/** `with adam ` when the optimizer is known, else nothing: a message never names an optimizer it does not know. */
export function withOptimizer(ctx: RunContext): string {
  const type = optimizerType(ctx);
  return type ? `with ${type} ` : '';
}
