// Scores one labelled spec: which codes were detected (and when), and whether the first fix of the primary
// expected diagnostic cures it: applied to the spec text, re-trained, the diagnosis must be gone and the validation
// loss better (for non-finite/divergence/exploding-gradient: the run must also finish with a finite loss). Every fix
// of every lint finding on the spec is re-trained too: the re-run must raise neither the finding's run-time
// counterparts nor anything the unfixed run did not raise (lint/counterparts).
import type { Backend } from '../../src/shared/engineProtocol';
import type { RuntimeCode } from '../../src/training/diagnosis/types';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { LINT_CODES, type LintCode } from '../../src/training/lint';
import { tradedDiagnoses } from '../../src/training/lint/counterparts';
import { parseSpecText } from '../../src/training/spec/parse';
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

export interface LintCureResult {
  code: LintCode;
  fix: string;
  /** Diagnoses of the re-run the fix should have prevented (empty: cured without trading); the error when it failed. */
  traded: string[];
  ms: number;
}

export interface SpecScore {
  spec: LabelledSpec;
  /** How far the spec's seed was shifted for this run (0: the spec's own seed). */
  seedOffset: number;
  run: RunResult;
  detected: Map<RuntimeCode, number>;
  /** Expected codes not detected. */
  missed: RuntimeCode[];
  /** Detected codes neither expected nor listed under `also`. */
  unexpected: RuntimeCode[];
  cure?: CureResult;
  lintCures: LintCureResult[];
}

/** How a seed shift is shown: "seed+0", "seed+1", … */
export const seedLabel = (offset: number): string => `seed${offset < 0 ? '' : '+'}${offset}`;

const MUST_FINISH = new Set<RuntimeCode>(['non-finite', 'divergence', 'exploding-gradient']);

async function tryCure(
  spec: LabelledSpec,
  run: RunResult,
  backend: Backend,
  seedOffset: number,
): Promise<CureResult | undefined> {
  const primary = spec.expect[0];
  const diagnostic = run.diagnostics.find((d) => d.code === primary);
  const fix = diagnostic?.fixes?.[0];
  if (!fix) return undefined;
  const t0 = Date.now();
  let text: string;
  try {
    text = applyPatchToText(spec.text, fix.patch);
  } catch (err) {
    return {
      fix: fix.title,
      cured: false,
      note: `patch failed: ${(err as Error).message}`,
      before: run.valLoss,
      after: NaN,
      ms: 0,
    };
  }
  let after: RunResult;
  try {
    after = await trainText(text, spec.file, backend, seedOffset);
  } catch (err) {
    return {
      fix: fix.title,
      cured: false,
      note: `fixed spec failed: ${(err as Error).message}`,
      before: run.valLoss,
      after: NaN,
      ms: Date.now() - t0,
    };
  }
  const codes = new Set(after.diagnostics.map((d) => d.code as RuntimeCode));
  const gone = !codes.has(primary);
  const finished = after.status !== 'diverged' && Number.isFinite(after.loss);
  const improved = after.valLoss < run.valLoss;
  const cured = gone && improved && (!MUST_FINISH.has(primary) || finished);
  const problems = [
    !gone && `${primary} still diagnosed`,
    !improved && 'validation loss not better',
    !finished && 'run diverged',
  ].filter(Boolean);
  const others = [...codes].filter((c) => c !== primary);
  const note = [...problems, others.length > 0 ? `after the fix: ${others.join(', ')}` : ''].filter(Boolean).join('; ');
  return { fix: fix.title, cured, note, before: run.valLoss, after: after.valLoss, ms: Date.now() - t0 };
}

async function tryLintCures(spec: LabelledSpec, run: RunResult, backend: Backend, seedOffset: number): Promise<LintCureResult[]> {
  const before = run.diagnostics.map((d) => d.code);
  const findings = parseSpecText(spec.text, spec.file).problems.filter((p) => (LINT_CODES as readonly string[]).includes(p.code));
  const out: LintCureResult[] = [];
  for (const finding of findings) {
    for (const fix of finding.fixes ?? []) {
      const t0 = Date.now();
      let traded: string[];
      try {
        const after = await trainText(applyPatchToText(spec.text, fix.patch), spec.file, backend, seedOffset);
        traded = tradedDiagnoses(
          finding.code as LintCode,
          before,
          after.diagnostics.map((d) => d.code),
        );
      } catch (err) {
        traded = [`failed: ${(err as Error).message}`];
      }
      out.push({ code: finding.code as LintCode, fix: fix.title, traded, ms: Date.now() - t0 });
    }
  }
  return out;
}

export async function scoreSpec(spec: LabelledSpec, backend: Backend, cure: boolean, seedOffset = 0): Promise<SpecScore> {
  const run = await trainText(spec.text, spec.file, backend, seedOffset);
  const detected = new Map<RuntimeCode, number>();
  for (const d of run.diagnostics) if (!detected.has(d.code as RuntimeCode)) detected.set(d.code as RuntimeCode, d.step ?? -1);
  const missed = spec.expect.filter((c) => !detected.has(c));
  const unexpected = [...detected.keys()].filter((c) => !spec.expect.includes(c) && !spec.also.includes(c));
  const score: SpecScore = { spec, seedOffset, run, detected, missed, unexpected, lintCures: [] };
  if (cure && !spec.healthy) score.cure = await tryCure(spec, run, backend, seedOffset);
  if (cure) score.lintCures = await tryLintCures(spec, run, backend, seedOffset);
  return score;
}
