// The shape of one detector: it watches the run (through the shared context) and returns a diagnostic the first
// time its evidence is clear. The diagnoser calls it only while its code has not fired yet.
import type { DiagnosticEvent, EpochEvent, RunEndEvent, StepEvent } from '../../shared/engineProtocol';
import type { RunContext } from './context';
import type { RuntimeCode } from './types';

export interface Detector {
  readonly code: RuntimeCode;
  onStep?(ctx: RunContext, e: StepEvent): DiagnosticEvent | undefined;
  onEpoch?(ctx: RunContext, e: EpochEvent): DiagnosticEvent | undefined;
  onEnd?(ctx: RunContext, e: RunEndEvent): DiagnosticEvent | undefined;
  /** Called when the run produced NaN/Inf: report this code now if the steps before it show its evidence. */
  explainNonFinite?(ctx: RunContext): DiagnosticEvent | undefined;
}
