// deep-saturating-stack: many sigmoid/tanh layers in a row with nothing to restore the signal (no normalization,
// no skip connection). The sigmoid's slope is at most 0.25, so the gradient can shrink 4× per layer on its way
// back; saturated tanh units pass back almost nothing either: the first layers stop learning (vanishing gradients).

import { childPointer } from '../../spec/positions';
import type { JsonPatchOperation, SpecFix, SpecProblem } from '../../spec/types';
import { entrySlot, fix, fmt, problem, reverseDocumentOrder, setOp } from '../context';
import { type RunMember, SATURATING, distinctEntries, outputLayer, runs } from '../model';
import type { LintContext, LintRule } from '../types';

export const CODE = 'deep-saturating-stack';
/** Hidden sigmoid layers in a row from which the finding is raised (0.25^5 ≈ 1e-3: a thousandfold shrink). */
export const MIN_SIGMOID_RUN = 5;
/** tanh-only runs: tanh's slope reaches 1, so only deeper stacks lose the gradient reliably. */
export const MIN_TANH_RUN = 10;

export const deepSaturatingStack: LintRule = {
  code: CODE,
  check(ctx: LintContext): SpecProblem[] {
    const output = outputLayer(ctx.spec);
    const found: SpecProblem[] = [];
    for (const run of runs(ctx.spec, (m) => SATURATING.has(m.activation.activation) && m.layer !== output)) {
      const sigmoids = run.filter((m) => m.activation.activation === 'sigmoid').length;
      if (run.length < (sigmoids > 0 ? MIN_SIGMOID_RUN : MIN_TANH_RUN)) continue;
      const first = run[0].layer;
      found.push(problem(CODE, 'warning', message(run.length, sigmoids), { specPath: first.specPath, range: first.range },
        [...reluFix(ctx, run), ...normalizeFix(ctx, run)]));
    }
    return found;
  },
};

function message(n: number, sigmoids: number): string {
  const kind = sigmoids === n ? 'sigmoid' : sigmoids === 0 ? 'tanh' : 'sigmoid/tanh';
  const why = sigmoids > 0
    ? `the sigmoid's slope is at most 0.25, so the gradient reaching the first of them can be ${fmt(0.25 ** sigmoids)} of the last one's (0.25^${sigmoids})`
    : 'saturated tanh units pass back almost no gradient, and the shrinkage compounds layer after layer';
  return `${n} ${kind} layers in a row with no normalization or skip connection: ${why}; the first layers will get almost no learning signal (vanishing gradients)`;
}

/** Most likely cure: ReLU with He initialization, as in the healthy examples. */
function reluFix(ctx: LintContext, run: RunMember[]): SpecFix[] {
  const patch: (JsonPatchOperation | undefined)[] = [];
  for (const m of distinctEntries(run.map((r) => ({ ...r, specPath: r.layer.specPath })))) {
    const where = m.activation.source ?? m.layer;
    patch.push(setOp(ctx, childPointer(where.specPath, 'activation'), 'relu'));
    patch.push(setOp(ctx, childPointer(m.layer.specPath, 'kernelInitializer'), 'heNormal'));
  }
  return fix(`use relu with heNormal initialization in these ${run.length} layers`, dedupe(patch));
}

/** Keep the activation, but normalize before it: dense (linear) → batchNormalization → activation. */
function normalizeFix(ctx: LintContext, run: RunMember[]): SpecFix[] {
  const entries = distinctEntries(run.map((m) => m.layer));
  const patch: (JsonPatchOperation | undefined)[] = [];
  for (const path of reverseDocumentOrder(entries.map((e) => e.specPath))) {
    const layer = entries.find((e) => e.specPath === path)!;
    const slot = entrySlot(path);
    if (!slot) return [];
    const bn = { op: 'add' as const, path: childPointer(slot.array, slot.index + 1), value: { type: 'batchNormalization' } };
    if (layer.activation === 'linear') {
      patch.push(bn); // its activation is a separate layer after it: normalize in between
      continue;
    }
    patch.push({ op: 'remove', path: childPointer(path, 'activation') });
    patch.push(bn);
    patch.push({ op: 'add', path: childPointer(slot.array, slot.index + 2), value: { type: 'activation', activation: layer.activation } });
  }
  return fix('add batch normalization before each activation of the stack', patch);
}

function dedupe(list: (JsonPatchOperation | undefined)[]): (JsonPatchOperation | undefined)[] {
  const seen = new Set<string>();
  return list.filter((o) => {
    if (!o) return true;
    const key = JSON.stringify(o);
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
