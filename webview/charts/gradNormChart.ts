// Gradient norm per layer over steps: one line per layer with weights on a log axis, coloured from the first to
// the last layer, so vanishing (lines sinking toward 1e-6 and below) and exploding (lines shooting up) gradients
// show at a glance. A compared run ("before") is overlaid dashed and lighter; diagnostics are marked.
import { Chart, type ChartDataset, type ScriptableScaleContext } from 'chart.js';
import type { StepPoint } from '../../src/shared/runHistory';
import { decadeLabel, formatNumber, isFiniteNumber } from '../../src/shared/format';
import { withAlpha } from '../theme';
import { axisStyle, baseLineOptions, clearRendered, stepTicks, type XY } from './common';
import type { RenderContext } from './context';
import { StepChart } from './stepChart';

/** Norms at or below this are drawn at this floor (a log axis cannot show 0). */
export const GRAD_FLOOR = 1e-12;

const gradY = (v: number | null): number => (v === null ? NaN : Math.max(GRAD_FLOOR, v));

const isDecade = (v: number): boolean => decadeLabel(v) !== '';

interface SeriesInfo {
  name: string;
  color: string;
  compare: boolean;
}

export class GradNormChart extends StepChart {
  private info: SeriesInfo[] = [];
  private gutter = 64;

  /** `onResize`: the plot area moved (the heat strip below must follow). */
  constructor(
    canvas: HTMLCanvasElement,
    private readonly onResize: () => void = () => undefined,
  ) {
    super(canvas);
  }

  /** The plot area in CSS pixels after the last draw (the heat strip aligns its columns to it). */
  plotArea(): { left: number; right: number } | undefined {
    const a = this.chart?.chartArea;
    return a ? { left: a.left, right: a.right } : undefined;
  }

  render(ctx: RenderContext): void {
    const h = ctx.model.history;
    if (!h || h.layers.length === 0 || !h.start) {
      this.destroy();
      clearRendered(this.canvas);
      return;
    }
    const compare = ctx.model.compare;
    const structure = JSON.stringify([
      ctx.theme.key,
      ctx.model.generation,
      h.layers.map((l) => l.name),
      compare?.run.runId,
      compare?.history.steps.length,
      ctx.layerColors,
    ]);
    if (structure !== this.structure || !this.chart) {
      this.destroy();
      this.create(ctx);
      this.structure = structure;
    }
    const chart = this.chart;
    if (!chart) return;
    this.gutter = ctx.gutter;
    this.data.sync(
      chart,
      h.steps,
      h.layers.map((_, i) => (p: StepPoint) => gradY(p.gradNorm[i])),
    );
    this.applyStyles(ctx);
    this.finish(chart, ctx);
  }

  private create(ctx: RenderContext): void {
    const h = ctx.model.history;
    if (!h) return;
    const theme = ctx.theme;
    const layerNames = h.layers.map((l) => l.name);
    this.info = layerNames.map((name, i) => ({ name, color: ctx.layerColors[i], compare: false }));
    const datasets: Array<ChartDataset<'line', XY[]>> = this.info.map((s) => ({
      label: ctx.model.compare ? `${s.name} (after)` : s.name,
      data: [],
      borderColor: s.color,
      backgroundColor: s.color,
      order: 1,
    }));
    const compare = ctx.model.compare;
    if (compare) {
      compare.history.layers.forEach((layer, j) => {
        const i = layerNames.indexOf(layer.name);
        const color = i >= 0 ? ctx.layerColors[i] : (ctx.layerColors[Math.min(j, ctx.layerColors.length - 1)] ?? theme.muted);
        this.info.push({ name: layer.name, color, compare: true });
        datasets.push({
          label: `${layer.name} (before)`,
          data: compare.history.steps.map((p) => ({ x: p.step, y: gradY(p.gradNorm[j]) })),
          borderColor: withAlpha(color, 0.5),
          backgroundColor: withAlpha(color, 0.5),
          borderDash: [5, 4],
          borderWidth: 1.25,
          order: 2,
        });
      });
    }
    const base = baseLineOptions(theme);
    const xAxis = axisStyle(theme, 'step');
    const yAxis = axisStyle(theme, 'gradient norm (log)');
    const gridColor = theme.grid;
    const manyLayers = layerNames.length > 8;
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets },
      options: {
        ...base,
        onResize: () => this.onResize(),
        scales: {
          x: { ...xAxis, type: 'linear', ticks: { ...xAxis.ticks, ...stepTicks } },
          y: {
            ...yAxis,
            type: 'logarithmic',
            ticks: { ...yAxis.ticks, callback: (v) => decadeLabel(Number(v)), autoSkip: false },
            grid: {
              ...yAxis.grid,
              color: (c: ScriptableScaleContext) => (isDecade(c.tick?.value ?? 0) ? gridColor : 'transparent'),
            },
            afterFit: (scale) => {
              scale.width = this.gutter;
            },
          },
        },
        plugins: {
          ...base.plugins,
          tooltip: {
            ...base.plugins?.tooltip,
            filter: (item) => !manyLayers || !this.info[item.datasetIndex]?.compare,
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => {
                const y = item.parsed.y;
                const v = isFiniteNumber(y) && y <= GRAD_FLOOR ? '≈0' : formatNumber(y);
                return ` ${item.dataset.label ?? ''}  ${v}`;
              },
            },
          },
        },
      },
      plugins: [this.markerPlugin()],
    });
  }

  private applyStyles(ctx: RenderContext): void {
    const chart = this.chart;
    if (!chart) return;
    const hl = ctx.highlighted;
    this.info.forEach((s, i) => {
      const ds = chart.data.datasets[i];
      ds.hidden = ctx.hidden.has(s.name);
      const faded = hl !== null && hl !== s.name;
      const alpha = (s.compare ? 0.5 : 1) * (faded ? 0.12 : 1);
      ds.borderColor = withAlpha(s.color, alpha);
      ds.borderWidth = hl === s.name ? 2.75 : s.compare ? 1.25 : 1.5;
    });
  }
}
