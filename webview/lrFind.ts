// The range-test panel's data, apart from the DOM and chart.js (so that plain Node tests can check it): the chart's
// series, its loss-axis range, its markers (the suggestion, min-loss/10, the spec's current learning rate) and the
// panel's status line.
import type { LrFindPoint } from '../src/shared/engineProtocol';
import { formatNumber } from '../src/shared/format';
import type { LrFindView } from '../src/shared/webviewProtocol';

interface Point {
  x: number;
  y: number;
}

const finiteLoss = (v: number | null): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** The chart's series: raw and smoothed loss over learning rate (non-finite losses are gaps). */
export function lrFindSeries(points: readonly LrFindPoint[]): { raw: Point[]; smoothed: Point[] } {
  const usable = points.filter((p) => Number.isFinite(p.learningRate) && p.learningRate > 0);
  return {
    raw: usable.map((p) => ({ x: p.learningRate, y: finiteLoss(p.loss) })),
    smoothed: usable.map((p) => ({ x: p.learningRate, y: finiteLoss(p.smoothedLoss) })),
  };
}

/**
 * The loss axis range: from below the lowest loss to a little above the smoothed curve's highest point, so that a
 * raw spike at the end (the test stops once the smoothed loss passes 4× its minimum) does not flatten the part
 * that matters; the spike is clipped at the top.
 */
export function lrFindLossRange(raw: Point[], smoothed: Point[]): { min?: number; max?: number } {
  const ys = (s: Point[]): number[] => s.map((p) => p.y).filter((y) => Number.isFinite(y));
  const low = Math.min(...ys(raw), ...ys(smoothed));
  const high = Math.max(...ys(smoothed));
  if (!Number.isFinite(low) || !Number.isFinite(high)) return {};
  const span = Math.max(high - low, Math.abs(high) * 1e-3, 1e-9);
  return { min: Math.max(0, low - 0.05 * span), max: high + 0.1 * span };
}

/** The markers: the suggestion, min-loss/10 and the spec's current learning rate (when the result is in). */
export function lrFindMarkers(
  view: LrFindView,
  theme: { green: string; orange: string; muted: string },
): Array<{ x: number; color: string; label: string }> {
  const r = view.result;
  if (!r) return [];
  // An inconclusive test (no descent to read) suggests nothing of its own: only the min-loss/10 rule is marked.
  const out = [
    ...(r.conclusive
      ? [{ x: r.suggestion.learningRate, color: theme.green, label: `suggested ${formatNumber(r.suggestion.learningRate)}` }]
      : []),
    { x: r.secondOpinion.learningRate, color: theme.orange, label: `min loss/10 ${formatNumber(r.secondOpinion.learningRate)}` },
  ];
  if (Number.isFinite(r.currentLearningRate) && r.currentLearningRate > 0)
    out.push({ x: r.currentLearningRate, color: theme.muted, label: `spec had ${formatNumber(r.currentLearningRate)}` });
  return out;
}

/** The status line under the title. */
export function lrFindStatusText(view: LrFindView): string {
  const n = view.result?.points.length ?? view.points.length;
  switch (view.status) {
    case 'running':
      return `running: ${n} ${view.steps ? `of ${view.steps} ` : ''}step${(view.steps ?? n) === 1 ? '' : 's'}`;
    case 'stopped':
      return `stopped after ${n} step${n === 1 ? '' : 's'}: no suggestion`;
    case 'failed':
      return `failed${view.error ? `: ${view.error}` : ''}`;
    case 'done': {
      const why: Record<string, string> = {
        diverged: ', stopped early: the smoothed loss rose past 4× its minimum',
        'non-finite': ', stopped early: the loss became NaN or infinite',
      };
      const inconclusive = view.result?.conclusive === false ? '; inconclusive' : '';
      return `${n} steps${view.result ? (why[view.result.stopReason] ?? '') : ''}${inconclusive}`;
    }
  }
}
