// Learning rate over steps: the planned curve faint across the whole run (schedules that do not react to the run),
// the rate each measured step ran at solid over it, reduceOnPlateau's reductions as markers (a point with the change
// in its tooltip and a vertical line), momentum / β1 on a right-hand axis when the steps report it, and the
// diagnostic markers every step chart has.
import { Chart, type TooltipItem } from 'chart.js';
import type { ScheduleEvent } from '../../src/shared/engineProtocol';
import type { StepPoint } from '../../src/shared/runHistory';
import { formatNumber, scheduleLine } from '../../src/shared/format';
import { axisStyle, baseLineOptions, stepAxis, topLegend, type XY } from './common';
import type { RenderContext } from './context';
import type { Marker } from './markers';
import { StepChart } from './stepChart';
import { withAlpha } from '../theme';

const lrOf = (p: StepPoint): number => (Number.isFinite(p.lr) ? p.lr : NaN);
const momentumOf = (p: StepPoint): number => p.momentum ?? NaN;

// Dataset order: the two synced series first (StepSeriesSync fills datasets 0 and 1), then the plan and the plateaus.
const REALISED = 0;
const MOMENTUM = 1;
const PLANNED = 2;
const PLATEAU = 3;

export class LrChart extends StepChart {
  /** The shown run's plateau reductions, read by the tooltip of their points. */
  private schedules: ScheduleEvent[] = [];

  render(ctx: RenderContext): void {
    const h = ctx.model.history;
    if (!h?.start || h.steps.length === 0) {
      this.clear();
      return;
    }
    const chart = this.ensure(JSON.stringify([ctx.theme.key, ctx.model.generation]), () => this.create(ctx));
    if (!chart) return;
    this.data.sync(chart, h.steps, [lrOf, momentumOf]);
    chart.data.datasets[PLANNED].data = (h.start.learningRatePlan ?? []).map((p) => ({ x: p.step, y: p.learningRate }));
    const schedules = h.schedules ?? [];
    this.schedules = schedules;
    chart.data.datasets[PLATEAU].data = schedules.map((s) => ({ x: s.step, y: s.learningRate }));
    const hasMomentum = h.steps.some((p) => p.momentum !== undefined);
    const y2 = chart.options.scales?.y2;
    if (y2) y2.display = hasMomentum;
    chart.data.datasets[MOMENTUM].hidden = !hasMomentum;
    const legend = chart.options.plugins?.legend;
    if (legend) legend.display = hasMomentum || schedules.length > 0 || h.start.learningRatePlan !== undefined;
    const markers: Marker[] = schedules.map((s) => ({ x: s.step, color: ctx.theme.purple, label: 'plateau' }));
    this.finish(chart, ctx, markers);
    // Test hooks: the series drawn, and the plateau markers' tooltip lines.
    this.canvas.dataset.series = chart.data.datasets
      .filter((d) => !d.hidden && d.data.length > 0)
      .map((d) => d.label)
      .join(',');
    this.canvas.dataset.plateaus = schedules.map((s) => scheduleLine(s)).join('\n');
  }

  private create(ctx: RenderContext): void {
    const theme = ctx.theme;
    const base = baseLineOptions(theme);
    const yAxis = axisStyle(theme, 'learning rate');
    const y2Axis = axisStyle(theme, 'momentum');
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'learning rate', data: [], borderColor: theme.purple, backgroundColor: theme.purple, borderWidth: 2 },
          {
            label: 'momentum',
            data: [],
            borderColor: theme.green,
            backgroundColor: theme.green,
            borderWidth: 1.5,
            yAxisID: 'y2',
          },
          {
            label: 'planned',
            data: [],
            borderColor: withAlpha(theme.purple, 0.5),
            backgroundColor: withAlpha(theme.purple, 0.5),
            borderWidth: 2,
            borderDash: [4, 3],
          },
          {
            label: 'plateau',
            data: [],
            showLine: false,
            borderColor: theme.purple,
            backgroundColor: theme.background,
            pointStyle: 'triangle',
            pointRadius: 5,
            pointHoverRadius: 7,
            borderWidth: 1.5,
          },
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
          y2: {
            ...y2Axis,
            type: 'linear',
            position: 'right',
            display: false,
            grid: { display: false },
            ticks: { ...y2Axis.ticks, maxTicksLimit: 5, callback: (v) => formatNumber(Number(v)) },
          },
        },
        plugins: {
          ...base.plugins,
          legend: {
            ...topLegend(theme),
            display: false,
            labels: {
              ...topLegend(theme)?.labels,
              // Only the series this run has (a plan, momentum, plateau points).
              filter: (item, data) =>
                !data.datasets[item.datasetIndex ?? 0]?.hidden && (data.datasets[item.datasetIndex ?? 0]?.data.length ?? 0) > 0,
            },
          },
          tooltip: {
            ...base.plugins?.tooltip,
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => this.tooltipLabel(item),
            },
          },
        },
      },
      plugins: [this.markerPlugin()],
    });
  }

  private tooltipLabel(item: TooltipItem<'line'>): string {
    switch (item.datasetIndex) {
      case REALISED:
        return ` learning rate  ${formatNumber(item.parsed.y)}`;
      case MOMENTUM:
        return ` momentum  ${formatNumber(item.parsed.y)}`;
      case PLANNED:
        return ` planned  ${formatNumber(item.parsed.y)}`;
      default: {
        const s = this.schedules[item.dataIndex];
        return s ? ` ${scheduleLine(s)}` : '';
      }
    }
  }
}
