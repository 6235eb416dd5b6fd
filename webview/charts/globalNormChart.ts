// The global gradient norm (all layers' gradients as one vector) before and after clipping, on a log axis. With
// `clipNorm` the "after" line is capped at the limit while "before" keeps its spikes: what clipping does. Without
// clipping the two lines coincide. Compared runs are overlaid (before clipping) in their dash patterns.
import { Chart, type ChartDataset } from 'chart.js';
import type { StepPoint } from '../../src/shared/runHistory';
import { formatNumber } from '../../src/shared/format';
import { withAlpha } from '../theme';
import { baseLineOptions, logAxis, runDash, stepAxis, topLegend, type XY } from './common';
import type { RenderContext } from './context';
import { StepChart } from './stepChart';

const FLOOR = 1e-12;
const y = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) ? NaN : Math.max(FLOOR, v));
const before = (p: StepPoint): number => y(p.globalGradNorm);
const after = (p: StepPoint): number => y(p.clippedGradNorm);

/** Whether a run recorded global norms (runs from before they were measured did not). */
function hasGlobalNorms(steps: StepPoint[]): boolean {
  return steps.some((p) => p.globalGradNorm !== undefined);
}

export class GlobalNormChart extends StepChart {
  render(ctx: RenderContext): void {
    const h = ctx.model.history;
    if (!h?.start || !hasGlobalNorms(h.steps)) {
      this.clear();
      return;
    }
    const compared = ctx.model.compare.map((c) => [c.run.runId, c.history.steps.length]);
    const chart = this.ensure(JSON.stringify([ctx.theme.key, ctx.model.generation, compared]), () => this.create(ctx));
    if (!chart) return;
    this.data.sync(chart, h.steps, [before, after]);
    this.finish(chart, ctx);
  }

  private create(ctx: RenderContext): void {
    const theme = ctx.theme;
    const comparing = ctx.model.compare.length > 0;
    const own = comparing ? ` (${ctx.model.label ?? 'this run'})` : '';
    const datasets: Array<ChartDataset<'line', XY[]>> = [
      { label: `before clipping${own}`, data: [], borderColor: theme.blue, backgroundColor: theme.blue, borderWidth: 1.5 },
      {
        label: `after clipping${own}`,
        data: [],
        borderColor: theme.orange,
        backgroundColor: theme.orange,
        borderWidth: 1.5,
        borderDash: [4, 3],
      },
    ];
    ctx.model.compare.forEach((c, k) => {
      datasets.push({
        label: `before clipping (${c.label})`,
        data: c.history.steps.map((p) => ({ x: p.step, y: before(p) })),
        borderColor: withAlpha(theme.blue, 0.5),
        backgroundColor: withAlpha(theme.blue, 0.5),
        borderDash: runDash(k + 1),
        borderWidth: 1.25,
      });
    });
    const base = baseLineOptions(theme);
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets },
      options: {
        ...base,
        scales: {
          x: stepAxis(theme),
          y: logAxis(theme, 'global gradient norm (log)'),
        },
        plugins: {
          ...base.plugins,
          legend: topLegend(theme),
          tooltip: {
            ...base.plugins?.tooltip,
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => ` ${item.dataset.label ?? ''}  ${formatNumber(item.parsed.y)}`,
            },
          },
        },
      },
      plugins: [this.markerPlugin()],
    });
  }
}
