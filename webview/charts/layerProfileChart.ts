// The layer profile: the forward signal by depth at one step — each layer's activation std (log axis) from the
// input side to the output — so a signal that shrinks toward 0 with depth (too small an initialisation) or grows
// layer by layer is one line. Compared runs are drawn at their nearest step in their dash patterns.
import { Chart, type ChartDataset } from 'chart.js';
import { signalProfile, type SignalProfile } from '../../src/shared/runHistory';
import { formatNumber } from '../../src/shared/format';
import { withAlpha } from '../theme';
import {
  axisStyle,
  baseLineOptions,
  logAxis,
  logRange,
  clearRendered,
  markRendered,
  redraw,
  runDash,
  type LineChart,
  type XY,
} from './common';
import type { RenderContext } from './context';

const FLOOR = 1e-12;

export class LayerProfileChart {
  private chart: LineChart | undefined;
  private structure = '';
  /** Layer names along x for the shown run (1-based depth), for ticks and tooltips. */
  private names: string[] = [];

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** Draws the profile at `step` (undefined: the latest); returns the profile drawn, if any. */
  render(ctx: RenderContext, step: number | undefined): SignalProfile | undefined {
    const h = ctx.model.history;
    const profile = h?.start ? signalProfile(h, step) : undefined;
    if (!profile || profile.layers.length === 0) {
      this.destroy();
      clearRendered(this.canvas);
      return undefined;
    }
    const compare = ctx.model.compare;
    const names = profile.layers.map((l) => l.name);
    const structure = JSON.stringify([ctx.theme.key, ctx.model.generation, names, compare.map((c) => c.run.runId)]);
    if (structure !== this.structure || !this.chart) {
      this.destroy();
      this.names = names;
      this.create(ctx);
      this.structure = structure;
    }
    const chart = this.chart;
    if (!chart) return profile;
    const points = toXY(profile);
    chart.data.datasets[0].data = points;
    chart.data.datasets[0].label = `step ${profile.step}${compare.length ? ` (${ctx.model.label ?? 'this run'})` : ''}`;
    compare.forEach((c, k) => {
      const other = signalProfile(c.history, profile.step);
      const ds = chart.data.datasets[1 + k];
      ds.data = other ? toXY(other) : [];
      ds.label = other ? `step ${other.step} (${c.label})` : c.label;
    });
    const x = chart.options.scales?.x;
    if (x) x.max = Math.max(names.length, ...chart.data.datasets.map((d) => d.data.length)) + 0.5;
    if (x) x.min = 0.5;
    const yScale = chart.options.scales?.y;
    if (yScale) Object.assign(yScale, logRange(chart.data.datasets.map((d) => d.data)));
    redraw(chart, false);
    markRendered(chart, points.filter((p) => Number.isFinite(p.y)).length);
    this.canvas.dataset.step = String(profile.step);
    // For tests and accessibility tools: the std of each layer drawn, input side first.
    this.canvas.dataset.values = profile.layers.map((l) => l.std.toPrecision(3)).join(',');
    return profile;
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.structure = '';
    delete this.canvas.dataset.step;
    delete this.canvas.dataset.values;
  }

  private create(ctx: RenderContext): void {
    const theme = ctx.theme;
    const colors = this.names.map((n) => ctx.colorOf(n));
    const datasets: Array<ChartDataset<'line', XY[]>> = [
      {
        label: 'this run',
        data: [],
        borderColor: theme.foreground,
        backgroundColor: colors,
        pointBackgroundColor: colors,
        pointBorderColor: colors,
        pointRadius: 3.5,
        pointHoverRadius: 5,
        borderWidth: 2,
      },
    ];
    ctx.model.compare.forEach((c, k) => {
      datasets.push({
        label: c.label,
        data: [],
        borderColor: withAlpha(theme.foreground, 0.55),
        backgroundColor: withAlpha(theme.foreground, 0.55),
        borderDash: runDash(k + 1),
        borderWidth: 1.5,
        pointRadius: 2,
      });
    });
    const base = baseLineOptions(theme);
    const xAxis = axisStyle(theme, 'layer (input → output)');
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets },
      options: {
        ...base,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            ...xAxis,
            type: 'linear',
            min: 0.5,
            afterBuildTicks: (axis) => {
              axis.ticks = this.names.map((_, i) => ({ value: i + 1 }));
            },
            ticks: {
              ...xAxis.ticks,
              autoSkip: true,
              callback: (v) => (Number.isInteger(Number(v)) ? (this.names[Number(v) - 1] ?? '') : ''),
            },
          },
          y: logAxis(theme, 'activation std (log)'),
        },
        plugins: {
          ...base.plugins,
          decimation: { enabled: false },
          tooltip: {
            ...base.plugins?.tooltip,
            callbacks: {
              title: (items) =>
                items.length ? `layer ${items[0].parsed.x}: ${this.names[(items[0].parsed.x ?? 1) - 1] ?? ''}` : '',
              label: (item) => ` ${item.dataset.label ?? ''}  std ${formatNumber(item.parsed.y)}`,
            },
          },
        },
      },
    });
  }
}

function toXY(profile: SignalProfile): XY[] {
  return profile.layers.map((l, i) => ({ x: i + 1, y: Math.max(FLOOR, l.std) }));
}
