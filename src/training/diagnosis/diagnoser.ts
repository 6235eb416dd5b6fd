// The diagnoser: records each event into the run history, runs the detectors on it (causes and severe problems
// first, so a detector can see what already fired), and returns the new diagnostics. Each code fires at most once
// per run. A detector that throws is switched off for the rest of the run: diagnosis must never stop training.
import type { DiagnosticEvent, EpochEvent, RunEndEvent, RunStartEvent, StepEvent } from '../../shared/engineProtocol';
import type { ParsedSpec } from '../spec/types';
import type { DiagnosisContext } from './context';
import { resolveThresholds } from './defaults';
import { contradictedBy } from './contradictions';
import type { Detector } from './detector';
import { createDeadRelu } from './detectors/deadRelu';
import { createDivergence } from './detectors/divergence';
import { createExplodingGradient } from './detectors/explodingGradient';
import { createLrTooHigh } from './detectors/lrTooHigh';
import { createLrTooLow } from './detectors/lrTooLow';
import { createNonFinite } from './detectors/nonFinite';
import { createOscillatingLoss } from './detectors/oscillatingLoss';
import { createOverfitting } from './detectors/overfitting';
import { createSaturatedActivation } from './detectors/saturatedActivation';
import { createSlowConvergence } from './detectors/slowConvergence';
import { createVanishingGradient } from './detectors/vanishingGradient';
import { RunHistory } from './history';
import { buildModelView } from './modelView';
import { readSpecDocument } from './patchBuilder';
import type { CreateDiagnoser, Diagnoser, DiagnoserOptions, Thresholds } from './types';

/** Every detector of a run, in the order they are consulted. */
function detectors(): Detector[] {
  return [
    createNonFinite(), createExplodingGradient(), createDivergence(), createOscillatingLoss(), createLrTooHigh(),
    createDeadRelu(), createSaturatedActivation(), createVanishingGradient(), createLrTooLow(), createSlowConvergence(),
    createOverfitting(),
  ];
}

/**
 * Creates the diagnoser of one run. `thresholds` override the defaults (callers resolve StartOptions and the spec's
 * `monitor` section with resolveThresholds first); `options.specText` lets fixes tell present from absent properties.
 */
export function createDiagnoser(spec: ParsedSpec, start: RunStartEvent, thresholds: Thresholds, options: DiagnoserOptions = {}): Diagnoser {
  try {
    return diagnoserFor(spec, start, thresholds, options);
  } catch {
    return { step: () => [], epoch: () => [], end: () => [] }; // diagnosis must never stop training
  }
}

function diagnoserFor(spec: ParsedSpec, start: RunStartEvent, thresholds: Thresholds, options: DiagnoserOptions): Diagnoser {
  const t = resolveThresholds(thresholds);
  const view = buildModelView(spec, start);
  const ctx: DiagnosisContext = {
    spec, start, view, history: new RunHistory(view, t, spec.training.optimizer.learningRate), t, doc: readSpecDocument(options.specText, start.specPath), fired: new Set(),
  };
  const all = detectors();
  const broken = new Set<Detector>();

  const run = (call: (d: Detector) => DiagnosticEvent | undefined): DiagnosticEvent[] => {
    const out: DiagnosticEvent[] = [];
    for (const d of all) {
      if (ctx.fired.has(d.code) || broken.has(d) || contradictedBy(ctx.fired, d.code)) continue;
      let found: DiagnosticEvent | undefined;
      try {
        found = call(d);
      } catch {
        broken.add(d);
      }
      if (found) {
        ctx.fired.add(d.code);
        out.push(found);
      }
    }
    return out;
  };
  const withExplanations = (found: DiagnosticEvent[]): DiagnosticEvent[] =>
    found.some((d) => d.code === 'non-finite') ? [...found, ...run((d) => d.explainNonFinite?.(ctx))] : found;

  return {
    step(e: StepEvent): DiagnosticEvent[] {
      ctx.history.recordStep(e);
      return withExplanations(run((d) => d.onStep?.(ctx, e)));
    },
    epoch(e: EpochEvent): DiagnosticEvent[] {
      ctx.history.recordEpoch(e);
      return withExplanations(run((d) => d.onEpoch?.(ctx, e)));
    },
    end(e: RunEndEvent): DiagnosticEvent[] {
      return run((d) => d.onEnd?.(ctx, e));
    },
  };
}

createDiagnoser satisfies CreateDiagnoser;
