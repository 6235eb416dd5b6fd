// The diagnoser: records each event into the run history, runs the detectors on it (causes and severe problems
// first, so a detector can see what already fired), and returns the new diagnostics. Each code fires at most once
// per run. Diagnosis must never stop training, and must never fail silently: a detector that throws is reported as
// a `log` event (level error, naming the detector and the error) and switched off for the rest of the run, while
// the other detectors go on. gradscope's runs are judged with their spec (createDiagnoser); an external run (a
// PyTorch script's monitor) from its run-start alone, by the same detectors (createExternalDiagnoser).
import type { DiagnosticEvent, EpochEvent, LogEvent, RunEndEvent, RunStartEvent, StepEvent } from '../../shared/engineProtocol';
import type { ParsedSpec } from '../spec/types';
import type { RunContext } from './context';
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
import { specLearningRate } from './trainingFixes';
import { buildExternalModelView, buildModelView, trainingView, type ModelView } from './modelView';
import { readSpecDocument } from '../fixes/patchBuilder';
import type { CreateDiagnoser, Diagnoser, DiagnoserOptions, Thresholds } from './types';

/** Every detector of a run, in the order they are consulted. */
export function allDetectors(): Detector[] {
  return [
    createNonFinite(),
    createExplodingGradient(),
    createDivergence(),
    createOscillatingLoss(),
    createLrTooHigh(),
    createDeadRelu(),
    createSaturatedActivation(),
    createVanishingGradient(),
    createLrTooLow(),
    createSlowConvergence(),
    createOverfitting(),
  ];
}

/** Where a diagnoser's errors go when the caller gives no `log`: stderr, so that they are never silent. */
function logToStderr(e: LogEvent): void {
  process.stderr.write(`${e.message}\n`);
}

const describeError = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Creates the diagnoser of one run. `thresholds` override the defaults (callers resolve StartOptions and the spec's
 * `monitor` section with resolveThresholds first); `options.specText` lets fixes tell present from absent properties.
 * If the diagnoser cannot be set up for this model, that is logged and the run trains undiagnosed.
 */
export function createDiagnoser(
  spec: ParsedSpec,
  start: RunStartEvent,
  thresholds: Thresholds,
  options: DiagnoserOptions = {},
): Diagnoser {
  return guarded(options, () => {
    const t = resolveThresholds(thresholds);
    const view = buildModelView(spec, start);
    const history = new RunHistory(view, t, specLearningRate(spec.training));
    const doc = readSpecDocument(options.specText, start.specFile);
    return diagnoserOver({ spec, start, view, history, t, doc, fired: new Set() }, view, options);
  });
}

/**
 * Creates the diagnoser of an external run (run-start.external: no spec), judged from run-start alone: the model
 * view of buildExternalModelView, the learning rate its steps record, fixes that explain what to change in the code.
 */
export function createExternalDiagnoser(start: RunStartEvent, thresholds: Thresholds, options: DiagnoserOptions = {}): Diagnoser {
  return guarded(options, () => {
    const t = resolveThresholds(thresholds);
    const view = buildExternalModelView(start);
    const history = new RunHistory(view, t, NaN);
    return diagnoserOver({ start, view, history, t, doc: undefined, fired: new Set() }, view, options);
  });
}

/** The diagnoser `make` sets up, or (logged) one that diagnoses nothing when it cannot be set up for this model. */
function guarded(options: DiagnoserOptions, make: () => Diagnoser): Diagnoser {
  const log = options.log ?? logToStderr;
  try {
    return make();
  } catch (err) {
    log({ type: 'log', level: 'error', message: `diagnosis: could not start, this run is not diagnosed: ${describeError(err)}` });
    return { step: () => [], epoch: () => [], end: () => [] };
  }
}

function diagnoserOver(ctx: RunContext, view: ModelView, options: DiagnoserOptions): Diagnoser {
  const log = options.log ?? logToStderr;
  const all = options.detectors ?? allDetectors();
  const broken = new Set<Detector>();

  const run = (when: string, call: (d: Detector) => DiagnosticEvent | undefined): DiagnosticEvent[] => {
    const out: DiagnosticEvent[] = [];
    for (const d of all) {
      if (ctx.fired.has(d.code) || broken.has(d) || contradictedBy(ctx.fired, d.code)) continue;
      let found: DiagnosticEvent | undefined;
      try {
        found = call(d);
      } catch (err) {
        broken.add(d);
        log({
          type: 'log',
          level: 'error',
          message: `diagnosis: the ${d.code} detector failed ${when} and is off for the rest of this run: ${describeError(err)}`,
        });
      }
      if (found) {
        ctx.fired.add(d.code);
        out.push(found);
      }
    }
    return out;
  };
  const withExplanations = (when: string, found: DiagnosticEvent[]): DiagnosticEvent[] =>
    found.some((d) => d.code === 'non-finite') ? [...found, ...run(when, (d) => d.explainNonFinite?.(ctx))] : found;

  return {
    step(e: StepEvent): DiagnosticEvent[] {
      ctx.history.recordStep(e);
      // Frozen layers are not judged (modelView.trainingView): the detectors see the layers that train in the window.
      ctx.view = trainingView(view, ctx.history.recent());
      const when = `at step ${e.step}`;
      return withExplanations(
        when,
        run(when, (d) => d.onStep?.(ctx, e)),
      );
    },
    epoch(e: EpochEvent): DiagnosticEvent[] {
      ctx.history.recordEpoch(e);
      const when = `after epoch ${e.epoch + 1}`;
      return withExplanations(
        when,
        run(when, (d) => d.onEpoch?.(ctx, e)),
      );
    },
    end(e: RunEndEvent): DiagnosticEvent[] {
      return run('at the end of the run', (d) => d.onEnd?.(ctx, e));
    },
  };
}

createDiagnoser satisfies CreateDiagnoser;
