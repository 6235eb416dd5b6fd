// `gradscope explain`: Grad-CAM of a finished run's saved model on a seeded choice of its validation samples (the
// same choice as `monitor.explain` during training, for the same count). Like evaluateRun.ts, the run's spec copy and
// seed rebuild exactly the data it trained on, and loadRunWeights puts its saved weights into the rebuilt model.
import * as fs from 'fs';
import * as path from 'path';
import type { EpochEvent, ExplainRequest, ExplanationEvent, RunEndEvent } from '../../shared/engineProtocol';
import { readEvents, WEIGHTS_DIR } from '../run/runStore';
import type { ParsedSpec } from '../spec/types';
import { EXPLAIN_DEFAULTS } from '../spec/validateExplain';
import { classLabels } from './evaluate';
import { runSpec } from './evaluateRun';
import { explainLayer } from './explain/convLayer';
import { pickExplainIndices } from './explain/samplePick';
import { explanationOf } from './explainEvent';
import { disposeBuiltModel } from './model/buildModel';
import { loadRunWeights, RunWeightsError } from './model/runWeights';
import { prepareTraining } from './trainer';

/** Something about the run or the request that stops the explanation; the message says what. */
export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

/** Why a run has no saved model: the reason its run-end gave, or what happened. */
function noModelReason(events: readonly { type: string }[]): string {
  const end = events.find((e): e is RunEndEvent => e.type === 'run-end');
  if (end?.modelNotSaved) return end.modelNotSaved;
  if (!end) return 'the run has not ended (a model is saved when training ends)';
  if (end.status === 'diverged') return 'the run diverged, and a diverged run saves no model';
  return `the run ended ${end.status} and its ${WEIGHTS_DIR}/ is gone (moved or deleted?)`;
}

/**
 * The epoch whose weights the saved model holds: the best epoch's when early stopping restored them (restoreBest
 * puts them back unless the best was the last), else the last finished epoch.
 */
function savedEpoch(spec: ParsedSpec, events: readonly { type: string }[]): number {
  const end = events.find((e): e is RunEndEvent => e.type === 'run-end');
  const lastEpoch = events.filter((e): e is EpochEvent => e.type === 'epoch').at(-1)?.epoch ?? 0;
  const restored = spec.training.earlyStopping?.restoreBestWeights === true && end?.bestEpoch !== undefined;
  return restored && end.bestEpoch !== undefined ? end.bestEpoch : lastEpoch;
}

/** A class is asked for by index: when the classes have other names (csv labels, mnist digits 5–9), say which is which. */
function namedClasses(names: readonly string[]): string {
  if (names.every((name, i) => name === String(i))) return '';
  return `; by index they are ${names.map((name, i) => `${i} = ${JSON.stringify(name)}`).join(', ')}`;
}

/** Explains a finished run's saved model. Throws ExplainError (or EvaluationError about the run) with a clear message. */
export function explainRun(runDir: string, request: ExplainRequest = {}): ExplanationEvent {
  if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) throw new ExplainError(`${runDir}: no such run directory`);
  const { spec } = runSpec(runDir);
  const events = readEvents(runDir);
  if (!fs.existsSync(path.join(runDir, WEIGHTS_DIR, 'model.json'))) {
    throw new ExplainError(`${runDir}: no saved model to explain (no ${WEIGHTS_DIR}/model.json): ${noModelReason(events)}`);
  }
  const { dataset, built, shapes, validation } = prepareTraining(spec, undefined);
  try {
    if (dataset.task !== 'classification') {
      throw new ExplainError(`${runDir}: the run trained a regression; Grad-CAM explains class predictions`);
    }
    const found = explainLayer(built, request.layer);
    if ('problem' in found) throw new ExplainError(`${runDir}: ${found.problem}`);
    const classes = dataset.classes;
    if (request.class !== undefined && (request.class < 0 || request.class >= classes)) {
      throw new ExplainError(
        `class ${request.class} is out of range: the model has ${classes} classes (0–${classes - 1})${namedClasses(classLabels(dataset))}`,
      );
    }
    // As many as `monitor.explain` takes by default, so the job explains the same rows a run's own explanations did.
    const samples = request.samples ?? EXPLAIN_DEFAULTS.samples;
    if (samples > validation.count) {
      throw new ExplainError(
        `${samples} samples asked for, but the run's validation split has ${validation.count}; ask for at most ${validation.count}`,
      );
    }
    try {
      loadRunWeights(built, runDir);
    } catch (err) {
      throw err instanceof RunWeightsError ? new ExplainError(err.message) : err;
    }
    const event = explanationOf({
      built,
      dataset,
      validation,
      shapes,
      layer: found.layer,
      indices: pickExplainIndices(validation.count, samples, spec.seed),
      epoch: savedEpoch(spec, events),
      ...(request.class !== undefined ? { target: request.class } : {}),
      ...(request.sanity ? { sanitySeed: spec.seed } : {}),
    });
    event.runDir = runDir;
    return event;
  } finally {
    disposeBuiltModel(built);
  }
}
