// Everything a detector reads (RunContext): the spec (none for an external run), the model view, the run history, the thresholds,
// the spec's raw JSON (for fixes), which codes have fired; plus the diagnostic-event builder, so every detector
// reports the same way.
import type { DiagnosticEvent, Fix, RunStartEvent, SourceLocation } from '../../shared/engineProtocol';
import { diagnosticDocsPath } from '../../shared/diagnosticDocs';
import type { ParsedSpec } from '../spec/types';
import type { ResolvedThresholds } from './defaults';
import type { RunHistory } from './history';
import type { LayerInfo, ModelView } from './modelView';
import { PatchBuilder, valueAt } from '../fixes/patchBuilder';
import type { RuntimeCode } from './types';

export interface RunContext {
  /**
   * The spec gradscope trained; undefined for an external run (run-start.external: a PyTorch script's monitor
   * recorded it), whose model is known from run-start alone and whose fixes are explanations (codeFixes.ts).
   */
  spec?: ParsedSpec;
  start: RunStartEvent;
  view: ModelView;
  history: RunHistory;
  t: ResolvedThresholds;
  /** The spec's raw JSON as written, or undefined when unknown. */
  doc: unknown;
  /** Codes already reported in this run (each fires once). */
  fired: Set<RuntimeCode>;
}

/** The context of a gradscope run: its spec is known (createDiagnoser). */
export interface DiagnosisContext extends RunContext {
  spec: ParsedSpec;
}

export function newPatch(ctx: RunContext): PatchBuilder {
  return new PatchBuilder(ctx.doc);
}

/**
 * The pointer itself when the spec text has it, else its nearest existing ancestor (never empty: `/training` at
 * worst). External runs have no spec: empty.
 */
export function nearestPath(ctx: RunContext, pointer: string): string {
  if (!ctx.spec) return '';
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
  fixes: (Fix | undefined)[];
  /** Default: the last step and epoch seen. */
  step?: number;
  epoch?: number;
}

/**
 * Where an external run's diagnostic points: the source line of the layer most at fault; for one about no layer,
 * where the monitor was created, else the training script's first line.
 */
function externalSource(ctx: RunContext, primary: LayerInfo | undefined): SourceLocation {
  return primary?.summary.source ?? ctx.start.external?.source ?? { file: ctx.start.specFile, line: 1 };
}

/**
 * Builds the diagnostic event: layer names, spec path and copy of the layer most at fault (external runs: its
 * source line, and an empty spec path), step/epoch, fixes (external runs: each names the code's docs page).
 */
export function diagnostic(ctx: RunContext, r: Report): DiagnosticEvent {
  const primary = r.layers?.[0];
  const event: DiagnosticEvent = {
    type: 'diagnostic',
    code: r.code,
    severity: r.severity,
    message: r.message,
    specPath: ctx.spec ? (primary?.summary.specPath ?? r.specPath ?? '/model/layers') : '',
    evidence: r.evidence,
  };
  if (!ctx.spec) event.source = externalSource(ctx, primary);
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
  const docs = diagnosticDocsPath(r.code);
  if (fixes.length > 0) event.fixes = fixes.map((f) => (f.explanation !== undefined && docs ? { ...f, docs } : f));
  return event;
}

/**
 * Drops missing fixes, empty patches (unless the fix is an explanation) and repeats of an earlier fix's operations
 * (explanations: of its title).
 */
function dedupeFixes(fixes: readonly (Fix | undefined)[]): Fix[] {
  const seen = new Set<string>();
  const out: Fix[] = [];
  for (const f of fixes) {
    if (!f || (f.patch.length === 0 && f.explanation === undefined)) continue;
    const key = f.patch.length > 0 ? JSON.stringify(f.patch) : `explanation:${f.title}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}
