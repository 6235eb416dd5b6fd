// The benchmark's tables, as Markdown (printed, and written to results.md): recall and false positives per seed and
// over all seeds, confusion of expected against detected codes, recall / false positives / steps to detection per
// code, per spec and seed, cure rate, lint fixes re-trained, wall time. Every count is over runs (spec × seed).
import { RUNTIME_CODES, type RuntimeCode } from '../../src/training/diagnosis/types';
import { seedLabel, type SpecScore } from './score';

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

const bySpecThenSeed = (a: SpecScore, b: SpecScore): number =>
  a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : a.seedOffset - b.seedOffset;

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}

function perSpec(scores: SpecScore[]): string {
  return table(
    [
      'spec',
      'seed',
      'expected (also)',
      'detected @step',
      'missed / unexpected',
      'first fix of the expected diagnosis',
      'cured',
      'val loss before → after',
      's',
    ],
    [...scores]
      .sort(bySpecThenSeed)
      .map((s) => [
        s.spec.name,
        seedLabel(s.seedOffset),
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
    ['spec', 'seed', 'lint finding', 'fix', 'the re-run raised (counterpart or new)', 's'],
    [...scores]
      .sort(bySpecThenSeed)
      .flatMap((s) =>
        s.lintCures.map((c) => [
          s.spec.name,
          seedLabel(s.seedOffset),
          c.code,
          c.fix,
          c.traded.join(', ') || 'nothing: cured',
          (c.ms / 1000).toFixed(1),
        ]),
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
        fp.length ? `${fp.length} (${fp.map(runName).join(', ')})` : '0',
        steps.length ? String(median(steps)) : '—',
      ];
    }),
  );
}

interface Headline {
  expected: number;
  detected: number;
  healthy: number;
  healthyFp: SpecScore[];
  unexpected: SpecScore[];
}

function headline(scores: SpecScore[]): Headline {
  const expected = scores.filter((s) => !s.spec.healthy).flatMap((s) => s.spec.expect.map((c) => s.detected.has(c)));
  const healthy = scores.filter((s) => s.spec.healthy);
  return {
    expected: expected.length,
    detected: expected.filter(Boolean).length,
    healthy: healthy.length,
    healthyFp: healthy.filter((s) => s.detected.size > 0),
    unexpected: scores.filter((s) => !s.spec.healthy && s.unexpected.length > 0),
  };
}

const percent = (n: number, d: number): string => `${n}/${d} (${Math.round((100 * n) / Math.max(1, d))}%)`;
const runName = (s: SpecScore): string => `${s.spec.name} ${seedLabel(s.seedOffset)}`;

function perSeed(scores: SpecScore[]): string {
  const offsets = [...new Set(scores.map((s) => s.seedOffset))].sort((a, b) => a - b);
  return table(
    ['seed', 'recall', 'false positives on healthy controls', 'missed'],
    offsets.map((o) => {
      const runs = scores.filter((s) => s.seedOffset === o);
      const h = headline(runs);
      const missed = runs.filter((s) => s.missed.length > 0).map((s) => `${s.spec.name}: ${s.missed.join(', ')}`);
      return [
        seedLabel(o),
        percent(h.detected, h.expected),
        `${h.healthyFp.length}/${h.healthy}${h.healthyFp.length ? ` (${h.healthyFp.map((s) => `${s.spec.name}: ${[...s.detected.keys()].join(', ')}`).join('; ')})` : ''}`,
        missed.join('; ') || '—',
      ];
    }),
  );
}

/** Recall the benchmark must reach over all seeds (issue 9: ≥ 95%), with no false positive on a healthy control. */
const RECALL_BAR = 0.95;

export function summary(scores: SpecScore[], wallMs: number, backend: string): { markdown: string; ok: boolean } {
  const h = headline(scores);
  const specs = new Set(scores.map((s) => s.spec.name)).size;
  const seeds = new Set(scores.map((s) => s.seedOffset)).size;
  const pathological = scores.filter((s) => !s.spec.healthy);
  const tried = pathological.filter((s) => s.cure);
  const cured = tried.filter((s) => s.cure!.cured);
  const lintTried = scores.flatMap((s) => s.lintCures);
  const lintClean = lintTried.filter((c) => c.traded.length === 0);
  const recall = h.detected / Math.max(1, h.expected);
  const lines = [
    `Backend: ${backend}. ${specs} specs × ${seeds} seed${seeds === 1 ? '' : 's'} = ${scores.length} runs (${pathological.length} pathological, ${h.healthy} healthy controls); wall time ${(wallMs / 1000).toFixed(1)} s.`,
    '',
    `- **Recall** (expected codes detected, all seeds): ${percent(h.detected, h.expected)}`,
    `- **False positives on healthy controls** (all seeds): ${h.healthyFp.length}/${h.healthy}${h.healthyFp.length ? ` (${h.healthyFp.map((s) => `${runName(s)}: ${[...s.detected.keys()].join(', ')}`).join('; ')})` : ''}`,
    `- **Unexpected codes on pathological runs** (neither expected nor listed as co-occurring): ${h.unexpected.length}${h.unexpected.length ? ` (${h.unexpected.map((s) => `${runName(s)}: ${s.unexpected.join(', ')}`).join('; ')})` : ''}`,
    `- **Cure rate of the first fix**: ${percent(cured.length, tried.length)}` +
      (pathological.length > tried.length ? `; ${pathological.length - tried.length} run(s) had no fix to try` : ''),
    `- **Lint fixes that cure without trading** (re-run raises neither the finding's run-time counterpart nor anything new): ${lintClean.length}/${lintTried.length}`,
    '',
    '### Per seed',
    '',
    perSeed(scores),
    '',
    '### Confusion (runs per expected code × detected code, all seeds)',
    '',
    confusion(scores),
    '',
    '### Per code (runs, all seeds)',
    '',
    perCode(scores),
    '',
    '### Per spec and seed',
    '',
    perSpec(scores),
    '',
    '### Lint fixes, re-trained',
    '',
    lintCures(scores),
  ];
  // Lint fixes that trade are listed, not (yet) a failure. lr-out-of-range's fix used to be the optimizer's default,
  // which traded for slow-convergence on two specs; its rule now (docs/diagnostics/lr-out-of-range.md) cures all seven.
  const ok = recall >= RECALL_BAR && h.healthyFp.length === 0 && cured.length >= 0.9 * tried.length;
  return { markdown: lines.join('\n'), ok };
}
