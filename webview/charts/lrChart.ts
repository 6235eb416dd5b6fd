// Learning rate over steps (warm-up, decay, restarts as the schedule applies them), with diagnostic markers.
import { Chart } from 'chart.js';
import type { StepPoint } from '../../src/shared/runHistory';
import { formatNumber } from '../../src/shared/format';
import { axisStyle, baseLineOptions, stepAxis, type XY } from './common';
import type { RenderContext } from './context';
import { StepChart } from './stepChart';

const lrOf = (p: StepPoint): number => (Number.isFinite(p.lr) ? p.lr : NaN);

export class LrChart extends StepChart {
  render(ctx: RenderContext): void {
    const h = ctx.model.history;
    if (!h?.start || h.steps.length === 0) {
      this.clear();
      return;
    }
    const chart = this.ensure(JSON.stringify([ctx.theme.key, ctx.model.generation]), () => this.create(ctx));
    if (!chart) return;
    this.data.sync(chart, h.steps, [lrOf]);
    this.finish(chart, ctx);
  }

  private create(ctx: RenderContext): void {
    const theme = ctx.theme;
    const base = baseLineOptions(theme);
    const yAxis = axisStyle(theme, 'learning rate');
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'learning rate', data: [], borderColor: theme.purple, backgroundColor: theme.purple, borderWidth: 2 },
        ],
      },
      options: {
        ...base,
        scales: {
          x: stepAxis(theme),
          y: {
            ...yAxis,
            type: 'linear',
            beginAtZero: true,
            grace: '8%',
            ticks: { ...yAxis.ticks, maxTicksLimit: 5, callback: (v) => formatNumber(Number(v)) },
          },
        },
        plugins: {
          ...base.plugins,
          tooltip: {
            ...base.plugins?.tooltip,
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => ` learning rate  ${formatNumber(item.parsed.y)}`,
            },
          },
        },
      },
      plugins: [this.markerPlugin()],
    });
  }
}
