// Everything a detector reads: the spec, the model view, the run history, the thresholds, the spec's raw JSON (for
// fixes), which codes have fired; plus the diagnostic-event builder, so every detector reports the same way.
import type { DiagnosticEvent, RunStartEvent } from '../../shared/engineProtocol';
import type { ParsedSpec, SpecFix } from '../spec/types';
import type { ResolvedThresholds } from './defaults';
import type { RunHistory } from './history';
import type { LayerInfo, ModelView } from './modelView';
import { PatchBuilder, valueAt } from '../fixes/patchBuilder';
import type { RuntimeCode } from './types';

export interface DiagnosisContext {
  spec: ParsedSpec;
  start: RunStartEvent;
  view: ModelView;
  history: RunHistory;
  t: ResolvedThresholds;
  /** The spec's raw JSON as written, or undefined when unknown. */
  doc: unknown;
  /** Codes already reported in this run (each fires once). */
  fired: Set<RuntimeCode>;
}

export function newPatch(ctx: DiagnosisContext): PatchBuilder {
  return new PatchBuilder(ctx.doc);
}

/** The pointer itself when the spec text has it, else its nearest existing ancestor (never empty: `/training` at worst). */
export function nearestPath(ctx: DiagnosisContext, pointer: string): string {
  if (ctx.doc === undefined) return pointer;
  let p = pointer;
  while (p.lastIndexOf('/') > 0 && valueAt(ctx.doc, p) === undefined) p = p.slice(0, p.lastIndexOf('/'));
  return p;
}

export interface Report {
  code: RuntimeCode;
  severity: DiagnosticEvent['severity'];
  message: string;
  /** The layer most at fault first, then the others involved (any order: they are listed in model order). */
  layers?: LayerInfo[];
  /** Where to point when no layer is at fault (e.g. the learning rate). */
  specPath?: string;
  evidence: Record<string, unknown>;
  fixes: (SpecFix | undefined)[];
  /** Default: the last step and epoch seen. */
  step?: number;
  epoch?: number;
}

/** Builds the diagnostic event: layer names, spec path and copy of the layer most at fault, step/epoch, fixes. */
export function diagnostic(ctx: DiagnosisContext, r: Report): DiagnosticEvent {
  const primary = r.layers?.[0];
  const event: DiagnosticEvent = {
    type: 'diagnostic',
    code: r.code,
    severity: r.severity,
    message: r.message,
    specPath: primary?.summary.specPath ?? r.specPath ?? '/model/layers',
    evidence: r.evidence,
  };
  if (primary) {
    event.layer = primary.summary.name;
    event.layers = [...r.layers!].sort((a, b) => a.index - b.index).map((l) => l.summary.name);
    if (primary.summary.copy !== undefined) event.copy = primary.summary.copy;
  }
  const step = r.step ?? ctx.history.lastStep;
  if (step !== undefined && step >= 0) event.step = step;
  const epoch = r.epoch ?? ctx.history.lastEpoch;
  if (epoch >= 0) event.epoch = epoch;
  const fixes = dedupeFixes(r.fixes);
  if (fixes.length > 0) event.fixes = fixes;
  return event;
}

/** Drops missing fixes, empty patches and repeats of an earlier fix's operations. */
function dedupeFixes(fixes: readonly (SpecFix | undefined)[]): SpecFix[] {
  const seen = new Set<string>();
  const out: SpecFix[] = [];
  for (const f of fixes) {
    if (!f || f.patch.length === 0) continue;
    const key = JSON.stringify(f.patch);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}
