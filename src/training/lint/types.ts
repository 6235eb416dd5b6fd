// Contracts of the static lint: a rule looks at a valid spec (and its text, for positions and for what the
// user actually wrote) and returns findings as SpecProblems of severity warning/info, each with its fixes.

import type { Node } from 'jsonc-parser';
import type { LayerShape } from '../spec/shapes';
import type { ParsedSpec, ResolvedLayer, SpecProblem } from '../spec/types';

/** Everything a rule may look at; built once per lint run. */
export interface LintContext {
  text: string;
  spec: ParsedSpec;
  /** Syntax tree of `text` (present: lint runs only on specs that parsed). */
  root: Node | undefined;
  /** The spec's JSON value as written (no defaults filled in): what fixes patch. */
  doc: unknown;
  task: 'classification' | 'regression';
  /** Input and output shape of every layer (residual insides included), when shapes could be inferred. */
  shapes: Map<ResolvedLayer, LayerShape>;
}

/** One lint rule: a stable code (documented in docs/diagnostics/<code>.md) and its check. */
export interface LintRule {
  code: string;
  check(ctx: LintContext): SpecProblem[];
}
