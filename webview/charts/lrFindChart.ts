// The learning-rate range test: loss against learning rate on a log x axis, the raw loss faint, the smoothed loss
// solid, and vertical markers at the suggested learning rate (steepest descent), at min-loss/10 and at the spec's
// current learning rate. Test hooks on the canvas: `data-rendered`, `data-points`, `data-plot-area` (see
// markRendered) and `data-suggestion-px`, the suggestion line's x in canvas pixels.
import { Chart } from 'chart.js';
import type { LrFindPoint } from '../../src/shared/engineProtocol';
import { formatNumber } from '../../src/shared/format';
import type { LrFindView } from '../../src/shared/webviewProtocol';
import {
  axisStyle,
  baseLineOptions,
  clearRendered,
  countFinite,
  logAxis,
  markRendered,
  topLegend,
  type LineChart,
  type XY,
} from './common';
import { markerPlugin, type Marker, type MarkerStyle } from './markers';
import type { Theme } from '../theme';
import { withAlpha } from '../theme';

const finiteLoss = (v: number | null): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** The chart's series: raw and smoothed loss over learning rate (non-finite losses are gaps). */
export function lrFindSeries(points: readonly LrFindPoint[]): { raw: XY[]; smoothed: XY[] } {
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
export function lrFindLossRange(raw: XY[], smoothed: XY[]): { min?: number; max?: number } {
  const ys = (s: XY[]): number[] => s.map((p) => p.y).filter((y) => Number.isFinite(y));
  const low = Math.min(...ys(raw), ...ys(smoothed));
  const high = Math.max(...ys(smoothed));
  if (!Number.isFinite(low) || !Number.isFinite(high)) return {};
  const span = Math.max(high - low, Math.abs(high) * 1e-3, 1e-9);
  return { min: Math.max(0, low - 0.05 * span), max: high + 0.1 * span };
}

/** The markers: the suggestion, min-loss/10 and the spec's current learning rate (when the result is in). */
export function lrFindMarkers(view: LrFindView, theme: Theme): Marker[] {
  const r = view.result;
  if (!r) return [];
  const out: Marker[] = [
    { x: r.suggestion.learningRate, color: theme.green, label: `suggested ${formatNumber(r.suggestion.learningRate)}` },
    { x: r.secondOpinion.learningRate, color: theme.orange, label: `min loss/10 ${formatNumber(r.secondOpinion.learningRate)}` },
  ];
  if (Number.isFinite(r.currentLearningRate) && r.currentLearningRate > 0)
    out.push({ x: r.currentLearningRate, color: theme.muted, label: `spec now ${formatNumber(r.currentLearningRate)}` });
  return out;
}

export class LrFindChart {
  private chart: LineChart | undefined;
  private structure = '';
  private markers: Marker[] = [];
  private markerStyle: MarkerStyle = { fontFamily: 'sans-serif', background: '#000' };

  constructor(readonly canvas: HTMLCanvasElement) {}

  render(view: LrFindView | undefined, theme: Theme): void {
    const points = view?.result?.points ?? view?.points ?? [];
    const { raw, smoothed } = lrFindSeries(points);
    if (!view || countFinite(smoothed) + countFinite(raw) === 0) {
      this.destroy();
      clearRendered(this.canvas);
      delete this.canvas.dataset.suggestionPx;
      return;
    }
    if (this.structure !== theme.key || !this.chart) {
      this.destroy();
      this.chart = this.create(theme);
      this.structure = theme.key;
    }
    const chart = this.chart;
    chart.data.datasets[0].data = raw;
    chart.data.datasets[1].data = smoothed;
    const xs = raw.map((p) => p.x);
    const { min, max } = lrFindLossRange(raw, smoothed);
    const scales = chart.options.scales;
    if (scales?.x) {
      scales.x.min = Math.min(...xs);
      scales.x.max = Math.max(...xs);
    }
    if (scales?.y) {
      scales.y.min = min;
      scales.y.max = max;
    }
    this.markers = lrFindMarkers(view, theme);
    this.markerStyle = { fontFamily: theme.fontFamily, background: theme.background };
    chart.update('none');
    markRendered(chart, countFinite(raw) + countFinite(smoothed));
    const suggestion = view.result?.suggestion.learningRate;
    const px = suggestion === undefined ? NaN : chart.scales.x.getPixelForValue(suggestion);
    if (Number.isFinite(px)) {
      const ratio = chart.width > 0 ? this.canvas.width / chart.width : 1;
      this.canvas.dataset.suggestionPx = String(Math.round(px * ratio));
    } else delete this.canvas.dataset.suggestionPx;
  }

  private create(theme: Theme): LineChart {
    const base = baseLineOptions(theme);
    const y = axisStyle(theme, 'loss');
    return new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: {
        datasets: [
          {
            label: 'loss',
            data: [],
            borderColor: withAlpha(theme.blue, 0.35),
            backgroundColor: withAlpha(theme.blue, 0.35),
            borderWidth: 1,
          },
          { label: 'smoothed loss', data: [], borderColor: theme.blue, backgroundColor: theme.blue, borderWidth: 2.25 },
        ],
      },
      options: {
        ...base,
        scales: {
          x: logAxis(theme, 'learning rate (log scale)'),
          y: {
            ...y,
            type: 'linear',
            ticks: { ...y.ticks, maxTicksLimit: 6, includeBounds: false, callback: (v) => formatNumber(Number(v)) },
          },
        },
        plugins: {
          ...base.plugins,
          legend: topLegend(theme),
          tooltip: {
            ...base.plugins?.tooltip,
            callbacks: {
              title: (items) => (items.length ? `learning rate ${formatNumber(items[0].parsed.x)}` : ''),
              label: (item) => ` ${item.dataset.label ?? ''}  ${formatNumber(item.parsed.y)}`,
            },
          },
        },
      },
      plugins: [
        markerPlugin<'line'>(
          () => this.markers,
          () => this.markerStyle,
        ),
      ],
    });
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.structure = '';
  }
}
