// The learning-rate range test: loss against learning rate on a log x axis, the raw loss faint, the smoothed loss
// solid, and vertical markers at the suggested learning rate (steepest descent), at min-loss/10 and at the spec's
// current learning rate. Test hooks on the canvas: `data-rendered`, `data-points`, `data-plot-area` (see
// markRendered) and `data-suggestion-px`, the suggestion line's x in canvas pixels.
import { Chart } from 'chart.js';
import { formatNumber } from '../../src/shared/format';
import type { LrFindView } from '../../src/shared/webviewProtocol';
import { lrFindLossRange, lrFindMarkers, lrFindSeries } from '../lrFind';
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
