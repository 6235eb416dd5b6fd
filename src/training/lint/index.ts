// Static lint of a valid spec before training: likely training problems (vanishing/exploding signals, symmetric
// units, mismatched output and loss, odd hyperparameters) as warnings/info with positions and JSON Patch fixes.
// Lint never blocks a run: the parser appends these findings to a spec that parsed without error.

import { applyPatchToText } from '../fixes/applyPatch';
import type { ParseResult, ParsedSpec, SpecFix, SpecProblem } from '../spec/types';
import { createContext } from './context';
import { mergeIdenticalFindings } from './mergeFindings';
import { RULES } from './rules';

/** Stable codes of lint findings; each is documented in docs/diagnostics/<code>.md. */
export const LINT_CODES = [
  'deep-saturating-stack',
  'initializer-mismatch',
  'initializer-scale',
  'zero-initializer',
  'output-loss-mismatch',
  'dropout-too-high',
  'dropout-before-output',
  'lr-out-of-range',
  'batchnorm-small-batch',
  'linear-stack',
  'selu-dropout',
  'bias-before-batchnorm',
  'recurrent-unclipped',
  'horizontal-flip-digits',
] as const;
export type LintCode = (typeof LINT_CODES)[number];

export interface LintOptions {
  /**
   * Parses patched text (without lint). When given, a fix is kept only if applying it leaves a spec without
   * errors and without the finding it is meant to cure.
   */
  reparse?: (text: string) => ParseResult;
}

/** Lint findings for a spec that parsed without error, in rule order; `text` is the text it was parsed from. */
export function lintSpec(text: string, spec: ParsedSpec, options: LintOptions = {}): SpecProblem[] {
  const ctx = createContext(text, spec);
  // A repeat template is checked once per copy: one finding per code and entry is enough.
  const seen = new Set<string>();
  const findings = mergeIdenticalFindings(
    RULES.flatMap((rule) => rule.check(ctx)).filter((p) => {
      const key = `${p.code}\0${p.specPath}`;
      return seen.has(key) ? false : (seen.add(key), true);
    }),
  );
  const { reparse } = options;
  if (!reparse) return findings;
  return findings.map((finding) => {
    if (!finding.fixes) return finding;
    const fixes = finding.fixes.filter((f) => cures(text, finding, f, reparse));
    const { fixes: _all, ...rest } = finding;
    return fixes.length > 0 ? { ...rest, fixes } : rest;
  });
}

function cures(text: string, finding: SpecProblem, fix: SpecFix, reparse: (text: string) => ParseResult): boolean {
  let patched: string;
  try {
    patched = applyPatchToText(text, fix.patch);
  } catch {
    return false;
  }
  const result = reparse(patched);
  if (!result.spec || result.problems.some((p) => p.severity === 'error')) return false;
  // A merged finding is cured only when none of its places has the finding any more.
  const places = (p: SpecProblem): string[] => [p.specPath, ...(p.related ?? []).map((r) => r.specPath)];
  const mended = places(finding);
  return !lintSpec(patched, result.spec).some(
    (p) => p.code === finding.code && places(p).some((a) => mended.some((b) => related(a, b))),
  );
}

/** Same place, or one inside the other (a finding on an entry moves to its field once the fix writes the field). */
function related(a: string, b: string): boolean {
  return a === b || a.startsWith(b + '/') || b.startsWith(a + '/');
}
