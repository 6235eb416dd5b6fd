// Contracts of training-health diagnosis: the stable codes (read by checks outside this repo: never rename),
// the thresholds (configurable in the spec's `monitor` section and in VS Code settings) and the diagnoser.
import type { DiagnosticEvent, EpochEvent, LogEvent, RunEndEvent, RunStartEvent, StepEvent } from '../../shared/engineProtocol';
import type { Detector } from './detector';
import type { ParsedSpec } from '../spec/types';

/** Codes of diagnostics found while training. */
export const RUNTIME_CODES = [
  'vanishing-gradient',
  'exploding-gradient',
  'non-finite',
  'dead-relu',
  'saturated-activation',
  'divergence',
  'oscillating-loss',
  'slow-convergence',
  'overfitting',
  'lr-too-high',
  'lr-too-low',
] as const;
export type RuntimeCode = (typeof RUNTIME_CODES)[number];

/** Diagnosis thresholds by name; every one has a documented default (see defaults.ts). */
export type Thresholds = Record<string, number>;

/** Watches a run's events and says what is wrong, once per problem, as soon as the evidence is clear. */
export interface Diagnoser {
  step(e: StepEvent): DiagnosticEvent[];
  epoch(e: EpochEvent): DiagnosticEvent[];
  end(e: RunEndEvent): DiagnosticEvent[];
}

export type CreateDiagnoser = (spec: ParsedSpec, start: RunStartEvent, thresholds: Thresholds) => Diagnoser;

/** Optional inputs of a diagnoser beyond the contract's three. */
export interface DiagnoserOptions {
  /**
   * The spec file's text as it was when training started: fixes use it to tell present properties (`replace`) from
   * absent ones (`add`). Without it the diagnoser reads the file `start.specFile`; failing that, fixes use `add` only.
   */
  specText?: string;
  /** Where a detector that throws is reported (level error); default: stderr. */
  log?: (event: LogEvent) => void;
  /** The detectors to run instead of all of them (tests). */
  detectors?: Detector[];
}
