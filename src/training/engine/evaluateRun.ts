// `gradscope evaluate`: a saved run's model scored on its validation or test split. The run's spec copy and seed
// rebuild exactly the data it trained on; its saved weights are loaded by loadRunWeights (model/runWeights.ts).
import * as fs from 'fs';
import * as path from 'path';
import { applyEdits, modify } from 'jsonc-parser';
import type { EvaluationResult, EvaluationSplit, RunStartEvent } from '../../shared/engineProtocol';
import { readEvents, SPEC_COPY } from '../run/runStore';
import { parseSpecText } from '../spec/parse';
import type { ParsedSpec } from '../spec/types';
import { classLabels, evaluate } from './evaluate';
import { disposeBuiltModel } from './model/buildModel';
import { loadRunWeights, RunWeightsError } from './model/runWeights';
import { prepareTraining, taskScores } from './trainer';

/** Something about the run directory that stops it from being evaluated; the message says what. */
export class EvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}

/** The spec a run trained: its copy, read as if it stood at the original path (a csv path is relative to that). */
export function runSpec(runDir: string): { spec: ParsedSpec; start: RunStartEvent } {
  const eventsFile = path.join(runDir, 'events.jsonl');
  if (!fs.existsSync(eventsFile)) throw new EvaluationError(`${runDir} is not a gradscope run (no events.jsonl)`);
  const start = readEvents(runDir).find((e): e is RunStartEvent => e.type === 'run-start');
  if (!start) throw new EvaluationError(`${runDir}: the run has no run-start event`);
  const copy = path.join(runDir, SPEC_COPY);
  if (!fs.existsSync(copy)) throw new EvaluationError(`${runDir}: the run has no spec copy (${SPEC_COPY})`);
  // The run's own model/ holds its weights: its spec's model.initFrom source (which may be gone) is not needed.
  const text = fs.readFileSync(copy, 'utf8');
  const parsed = parseSpecText(applyEdits(text, modify(text, ['model', 'initFrom'], undefined, {})), start.specFile);
  const error = parsed.problems.find((p) => p.severity === 'error');
  if (!parsed.spec || error) {
    throw new EvaluationError(`${runDir}: the run's spec no longer parses: ${error?.message ?? 'unknown problem'}`);
  }
  // The seed the run used (a --seed override included) rebuilds its splits.
  parsed.spec.seed = start.seed;
  return { spec: parsed.spec, start };
}

/** Scores the model a run saved on its validation or test split. Throws EvaluationError with a clear message. */
export async function evaluateRun(runDir: string, split: EvaluationSplit): Promise<EvaluationResult> {
  const { spec } = runSpec(runDir);
  const { dataset, built, shapes, validation, test } = prepareTraining(spec, undefined);
  try {
    const data = split === 'test' ? test : validation;
    if (!data) {
      throw new EvaluationError(`${runDir}: the run has no test split; its spec needs "data": { "testSplit": ... } (e.g. 0.2)`);
    }
    try {
      loadRunWeights(built, runDir);
    } catch (err) {
      throw err instanceof RunWeightsError ? new EvaluationError(err.message) : err;
    }
    const classification = dataset.task === 'classification';
    const scored = await evaluate(built, spec.training.loss, data, shapes, classification ? dataset.classes : undefined);
    const result: EvaluationResult = {
      type: 'evaluation',
      runDir,
      split,
      task: dataset.task,
      ...taskScores(scored, classification, data.count),
    };
    if (scored.confusion) {
      result.confusion = scored.confusion;
      result.classNames = classLabels(dataset);
    }
    return result;
  } finally {
    disposeBuiltModel(built);
  }
}
