// The benchmark's tables, as Markdown (printed, and written to results.md): per spec, confusion of expected
// against detected codes, recall / false positives / steps to detection per code, cure rate, lint fixes re-trained,
// wall time.
import { RUNTIME_CODES, type RuntimeCode } from '../../src/training/diagnosis/types';
import type { SpecScore } from './score';

const SHORT: Record<RuntimeCode, string> = {
  'vanishing-gradient': 'vanish',
  'exploding-gradient': 'explode',
  'non-finite': 'nan',
  'dead-relu': 'dead',
  'saturated-activation': 'satur',
  divergence: 'diverg',
  'oscillating-loss': 'oscill',
  'slow-convergence': 'slow',
  overfitting: 'overfit',
  'lr-too-high': 'lr-hi',
  'lr-too-low': 'lr-lo',
};

const num = (x: number): string =>
  Number.isFinite(x) ? (Math.abs(x) < 0.01 || Math.abs(x) >= 1000 ? x.toExponential(1) : x.toFixed(3)) : String(x);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}

function perSpec(scores: SpecScore[]): string {
  return table(
    [
      'spec',
      'expected (also)',
      'detected @step',
      'missed / unexpected',
      'first fix of the expected diagnosis',
      'cured',
      'val loss before → after',
      's',
    ],
    scores.map((s) => [
      s.spec.name,
      s.spec.healthy ? 'none' : `${s.spec.expect.join(', ')}${s.spec.also.length ? ` (${s.spec.also.join(', ')})` : ''}`,
      [...s.detected].map(([c, step]) => `${c} @${step}`).join(', ') || '—',
      [...s.missed.map((c) => `MISSED ${c}`), ...s.unexpected.map((c) => `UNEXPECTED ${c}`)].join(', ') || '—',
      s.cure?.fix ?? '—',
      s.cure ? (s.cure.cured ? 'yes' : `NO (${s.cure.note})`) + (s.cure.cured && s.cure.note ? ` (${s.cure.note})` : '') : '—',
      s.cure ? `${num(s.cure.before)} → ${num(s.cure.after)}` : num(s.run.valLoss),
      ((s.run.ms + (s.cure?.ms ?? 0)) / 1000).toFixed(1),
    ]),
  );
}

function lintCures(scores: SpecScore[]): string {
  return table(
    ['spec', 'lint finding', 'fix', 'the re-run raised (counterpart or new)', 's'],
    scores.flatMap((s) =>
      s.lintCures.map((c) => [s.spec.name, c.code, c.fix, c.traded.join(', ') || 'nothing: cured', (c.ms / 1000).toFixed(1)]),
    ),
  );
}

function confusion(scores: SpecScore[]): string {
  const rows = [...RUNTIME_CODES, 'healthy' as const].map((row) => {
    const group = scores.filter((s) => (row === 'healthy' ? s.spec.healthy : s.spec.expect.includes(row)));
    return [
      `${row} (${group.length})`,
      ...RUNTIME_CODES.map((c) => {
        const n = group.filter((s) => s.detected.has(c)).length;
        return n === 0 ? '·' : row === c ? `**${n}**` : String(n);
      }),
    ];
  });
  return table(['expected ↓ / detected →', ...RUNTIME_CODES.map((c) => SHORT[c])], rows);
}

function perCode(scores: SpecScore[]): string {
  return table(
    ['code', 'specs expecting it', 'detected (recall)', 'also present, detected', 'false positives', 'median steps to detection'],
    RUNTIME_CODES.map((c) => {
      const expecting = scores.filter((s) => s.spec.expect.includes(c));
      const hit = expecting.filter((s) => s.detected.has(c));
      const also = scores.filter((s) => s.spec.also.includes(c) && s.detected.has(c)).length;
      const fp = scores.filter((s) => s.detected.has(c) && !s.spec.expect.includes(c) && !s.spec.also.includes(c));
      const steps = hit.map((s) => s.detected.get(c)!);
      return [
        c,
        String(expecting.length),
        expecting.length ? `${hit.length} (${Math.round((100 * hit.length) / expecting.length)}%)` : '—',
        String(also),
        fp.length ? `${fp.length} (${fp.map((s) => s.spec.name).join(', ')})` : '0',
        steps.length ? String(median(steps)) : '—',
      ];
    }),
  );
}

export function summary(scores: SpecScore[], wallMs: number, backend: string): { markdown: string; ok: boolean } {
  const pathological = scores.filter((s) => !s.spec.healthy);
  const expected = pathological.flatMap((s) => s.spec.expect.map((c) => s.detected.has(c)));
  const recall = expected.filter(Boolean).length / Math.max(1, expected.length);
  const healthy = scores.filter((s) => s.spec.healthy);
  const healthyFp = healthy.filter((s) => s.detected.size > 0);
  const tried = pathological.filter((s) => s.cure);
  const cured = tried.filter((s) => s.cure!.cured);
  const unexpected = pathological.filter((s) => s.unexpected.length > 0);
  const lintTried = scores.flatMap((s) => s.lintCures);
  const lintClean = lintTried.filter((c) => c.traded.length === 0);
  const lines = [
    `Backend: ${backend}. ${scores.length} specs (${pathological.length} pathological, ${healthy.length} healthy controls); wall time ${(wallMs / 1000).toFixed(1)} s.`,
    '',
    `- **Recall** (expected codes detected): ${expected.filter(Boolean).length}/${expected.length} (${Math.round(recall * 100)}%)`,
    `- **False positives on healthy controls**: ${healthyFp.length}/${healthy.length}${healthyFp.length ? ` (${healthyFp.map((s) => `${s.spec.name}: ${[...s.detected.keys()].join(', ')}`).join('; ')})` : ''}`,
    `- **Unexpected codes on pathological specs** (neither expected nor listed as co-occurring): ${unexpected.length}${unexpected.length ? ` (${unexpected.map((s) => `${s.spec.name}: ${s.unexpected.join(', ')}`).join('; ')})` : ''}`,
    `- **Cure rate of the first fix**: ${cured.length}/${tried.length} (${Math.round((100 * cured.length) / Math.max(1, tried.length))}%)` +
      (pathological.length > tried.length ? `; ${pathological.length - tried.length} spec(s) had no fix to try` : ''),
    `- **Lint fixes that cure without trading** (re-run raises neither the finding's run-time counterpart nor anything new): ${lintClean.length}/${lintTried.length}`,
    '',
    '### Confusion (specs per expected code × detected code)',
    '',
    confusion(scores),
    '',
    '### Per code',
    '',
    perCode(scores),
    '',
    '### Per spec',
    '',
    perSpec(scores),
    '',
    '### Lint fixes, re-trained',
    '',
    lintCures(scores),
  ];
  // Lint fixes that trade are listed, not (yet) a failure. lr-out-of-range's fix used to be the optimizer's default,
  // which traded for slow-convergence on two specs; its rule now (docs/diagnostics/lr-out-of-range.md) cures all seven.
  const ok = recall === 1 && healthyFp.length === 0 && cured.length >= 0.9 * tried.length;
  return { markdown: lines.join('\n'), ok };
}
