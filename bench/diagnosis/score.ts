// Scores one labelled spec: which codes were detected (and when), and whether the first fix of the primary
// expected diagnostic cures it: applied to the spec text, re-trained, the diagnosis must be gone and the validation
// loss better (for non-finite/divergence/exploding-gradient: the run must also finish with a finite loss).
import type { Backend } from '../../src/shared/engineProtocol';
import type { RuntimeCode } from '../../src/training/diagnosis/types';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import type { LabelledSpec } from './labels';
import { trainText, type RunResult } from './trainSpec';

export interface CureResult {
  fix: string;
  cured: boolean;
  /** Why not, or what else appeared. */
  note: string;
  before: number;
  after: number;
  ms: number;
}

export interface SpecScore {
  spec: LabelledSpec;
  run: RunResult;
  detected: Map<RuntimeCode, number>;
  /** Expected codes not detected. */
  missed: RuntimeCode[];
  /** Detected codes neither expected nor listed under `also`. */
  unexpected: RuntimeCode[];
  cure?: CureResult;
}

const MUST_FINISH = new Set<RuntimeCode>(['non-finite', 'divergence', 'exploding-gradient']);

async function tryCure(spec: LabelledSpec, run: RunResult, backend: Backend, seedOffset: number): Promise<CureResult | undefined> {
  const primary = spec.expect[0];
  const diagnostic = run.diagnostics.find((d) => d.code === primary);
  const fix = diagnostic?.fixes?.[0];
  if (!fix) return undefined;
  const t0 = Date.now();
  let text: string;
  try {
    text = applyPatchToText(spec.text, fix.patch);
  } catch (err) {
    return { fix: fix.title, cured: false, note: `patch failed: ${(err as Error).message}`, before: run.valLoss, after: NaN, ms: 0 };
  }
  let after: RunResult;
  try {
    after = await trainText(text, spec.file, backend, seedOffset);
  } catch (err) {
    return { fix: fix.title, cured: false, note: `fixed spec failed: ${(err as Error).message}`, before: run.valLoss, after: NaN, ms: Date.now() - t0 };
  }
  const codes = new Set(after.diagnostics.map((d) => d.code as RuntimeCode));
  const gone = !codes.has(primary);
  const finished = after.status !== 'diverged' && Number.isFinite(after.loss);
  const improved = after.valLoss < run.valLoss;
  const cured = gone && improved && (!MUST_FINISH.has(primary) || finished);
  const problems = [!gone && `${primary} still diagnosed`, !improved && 'validation loss not better', !finished && 'run diverged'].filter(Boolean);
  const others = [...codes].filter((c) => c !== primary);
  const note = [...problems, others.length > 0 ? `after the fix: ${others.join(', ')}` : ''].filter(Boolean).join('; ');
  return { fix: fix.title, cured, note, before: run.valLoss, after: after.valLoss, ms: Date.now() - t0 };
}

export async function scoreSpec(spec: LabelledSpec, backend: Backend, cure: boolean, seedOffset = 0): Promise<SpecScore> {
  const run = await trainText(spec.text, spec.file, backend, seedOffset);
  const detected = new Map<RuntimeCode, number>();
  for (const d of run.diagnostics) if (!detected.has(d.code as RuntimeCode)) detected.set(d.code as RuntimeCode, d.step ?? -1);
  const missed = spec.expect.filter((c) => !detected.has(c));
  const unexpected = [...detected.keys()].filter((c) => !spec.expect.includes(c) && !spec.also.includes(c));
  const score: SpecScore = { spec, run, detected, missed, unexpected };
  if (cure && !spec.healthy) score.cure = await tryCure(spec, run, backend, seedOffset);
  return score;
}
