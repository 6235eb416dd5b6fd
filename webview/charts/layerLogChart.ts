// A per-layer quantity over steps on a log axis: one line per layer, coloured from the first layer to the last,
// the same layers of compared runs (matched by name) overlaid in their run's dash pattern. Gradient norms,
// update ratios ‖ΔW‖/‖W‖ and the forward signal (activation std) are three configurations of it.
import { Chart, type ChartDataset, type Plugin, type ScriptableScaleContext } from 'chart.js';
import type { LayerSummary } from '../../src/shared/engineProtocol';
import { nearestStep, type RunHistoryState, type StepPoint } from '../../src/shared/runHistory';
import { decadeLabel, formatNumber, isFiniteNumber } from '../../src/shared/format';
import { layerLineWidth, withAlpha } from '../theme';
import { axisStyle, baseLineOptions, logRange, runDash, stepAxis, type XY } from './common';
import type { RenderContext } from './context';
import { StepChart } from './stepChart';

/** A shaded range of healthy values with a line at its typical value (the update ratio's ~1e-3 rule of thumb). */
export interface LogBand {
  low: number;
  mid: number;
  high: number;
  label: string;
}

export interface LayerSeries {
  /** Axis title, e.g. "gradient norm (log)". */
  yTitle: string;
  /** Values at or below this are drawn at it (a log axis cannot show 0); shown as ≈0 in tooltips. */
  floor: number;
  /** The columns of a run's StepPoint arrays this chart reads (layers in model order). */
  columns(h: RunHistoryState): LayerSummary[];
  /** Column `i` (an index into columns(h)) at one point, null when absent or not finite. */
  value(p: StepPoint, i: number): number | null;
  /** Draw only the layers that report a value (e.g. activation statistics of layers with an activation). */
  onlyReporting?: boolean;
  /** The y axis spans at least two decades (a quantity whose level matters more than its wiggles). */
  wideAxis?: boolean;
  band?: LogBand;
}

interface SeriesInfo {
  name: string;
  color: string;
  /** 0: the shown run; k: the k-th compared run. */
  style: number;
}

const isDecade = (v: number): boolean => decadeLabel(v) !== '';

/** Draws a LogBand behind the data: the range shaded, its typical value as a dashed line, labelled at the right. */
function bandPlugin(getBand: () => { band: LogBand; color: string; font: string } | undefined): Plugin<'line'> {
  return {
    id: 'gradscopeBand',
    beforeDatasetsDraw(chart): void {
      const b = getBand();
      const y = chart.scales.y;
      if (!b || !y) return;
      const area = chart.chartArea;
      const top = Math.max(area.top, Math.min(area.bottom, y.getPixelForValue(b.band.high)));
      const bottom = Math.max(area.top, Math.min(area.bottom, y.getPixelForValue(b.band.low)));
      const mid = y.getPixelForValue(b.band.mid);
      const g = chart.ctx;
      g.save();
      g.fillStyle = withAlpha(b.color, 0.12);
      g.fillRect(area.left, top, area.right - area.left, bottom - top);
      if (mid >= area.top && mid <= area.bottom) {
        g.strokeStyle = withAlpha(b.color, 0.8);
        g.setLineDash([6, 4]);
        g.lineWidth = 1.25;
        g.beginPath();
        g.moveTo(area.left, Math.round(mid) + 0.5);
        g.lineTo(area.right, Math.round(mid) + 0.5);
        g.stroke();
        g.setLineDash([]);
        g.font = `10px ${b.font}`;
        g.fillStyle = b.color;
        g.textAlign = 'right';
        g.textBaseline = 'bottom';
        g.fillText(b.band.label, area.right - 4, Math.round(mid) - 2);
      }
      g.restore();
    },
  };
}

export class LayerLogChart extends StepChart {
  private info: SeriesInfo[] = [];
  private shownColumns: LayerSummary[] = [];
  private gutter = 64;
  private steps: StepPoint[] = [];
  private bandStyle: { band: LogBand; color: string; font: string } | undefined;

  /**
   * `alignGutter`: the y axis takes the context's gutter width (the heat strip below lines up with it);
   * `onResize`: the plot area moved; `onHoverStep` / `onClickStep`: the step under the pointer (null: it left).
   */
  constructor(
    canvas: HTMLCanvasElement,
    private readonly series: LayerSeries,
    private readonly options: {
      alignGutter?: boolean;
      onResize?: () => void;
      onHoverStep?: (step: number | null) => void;
      onClickStep?: (step: number) => void;
    } = {},
  ) {
    super(canvas);
  }

  /** The plot area in CSS pixels after the last draw (the heat strip aligns its columns to it). */
  plotArea(): { left: number; right: number } | undefined {
    const a = this.chart?.chartArea;
    return a ? { left: a.left, right: a.right } : undefined;
  }

  /** The layers drawn for the shown run (for the legend), after the last render. */
  shown(): LayerSummary[] {
    return this.shownColumns;
  }

  render(ctx: RenderContext): void {
    const h = ctx.model.history;
    const columns = h?.start ? this.drawable(h) : [];
    if (!h || columns.length === 0) {
      this.clear();
      this.shownColumns = columns;
      return;
    }
    const compare = ctx.model.compare;
    const structure = JSON.stringify([
      ctx.theme.key,
      ctx.model.generation,
      columns.map((l) => l.name),
      compare.map((c) => [c.run.runId, c.history.steps.length]),
      columns.map((l) => ctx.colorOf(l.name)),
    ]);
    const chart = this.ensure(structure, () => {
      this.shownColumns = columns;
      this.create(ctx);
    });
    if (!chart) return;
    this.gutter = ctx.gutter;
    this.steps = h.steps;
    const { floor } = this.series;
    const all = this.series.columns(h);
    const indices = this.shownColumns.map((l) => all.findIndex((c) => c.name === l.name));
    this.data.sync(
      chart,
      h.steps,
      indices.map((i) => (p: StepPoint) => clampLog(this.series.value(p, i), floor)),
    );
    this.applyStyles(ctx);
    const y = chart.options.scales?.y;
    if (this.series.wideAxis && y) Object.assign(y, logRange(chart.data.datasets.map((d) => d.data)));
    this.finish(chart, ctx);
  }

  /** The shown run's layers this chart draws. */
  private drawable(h: RunHistoryState): LayerSummary[] {
    const all = this.series.columns(h);
    return this.series.onlyReporting ? reportingColumns(h, all, (p, i) => this.series.value(p, i)) : all;
  }

  private create(ctx: RenderContext): void {
    const h = ctx.model.history;
    if (!h) return;
    const theme = ctx.theme;
    const { floor, band } = this.series;
    const comparing = ctx.model.compare.length > 0;
    this.info = this.shownColumns.map((l) => ({ name: l.name, color: ctx.colorOf(l.name), style: 0 }));
    const datasets: Array<ChartDataset<'line', XY[]>> = this.info.map((s) => ({
      label: comparing ? `${s.name} (${ctx.model.label ?? 'this run'})` : s.name,
      data: [],
      borderColor: s.color,
      backgroundColor: s.color,
      order: 1,
    }));
    const names = this.shownColumns.map((l) => l.name);
    ctx.model.compare.forEach((c, k) => {
      const columns = this.series.columns(c.history);
      columns.forEach((layer, j) => {
        if (!names.includes(layer.name)) return; // only layers the shown run has: matched by name
        const color = ctx.colorOf(layer.name);
        this.info.push({ name: layer.name, color, style: k + 1 });
        datasets.push({
          label: `${layer.name} (${c.label})`,
          data: c.history.steps.map((p) => ({ x: p.step, y: clampLog(this.series.value(p, j), floor) })),
          borderColor: withAlpha(color, 0.55),
          backgroundColor: withAlpha(color, 0.55),
          borderDash: runDash(k + 1),
          borderWidth: 1.25,
          order: 2,
        });
      });
    });
    this.bandStyle = band ? { band, color: theme.green, font: theme.fontFamily } : undefined;
    const base = baseLineOptions(theme);
    const yAxis = axisStyle(theme, this.series.yTitle);
    const gridColor = theme.grid;
    const manyLayers = this.shownColumns.length > 8;
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets },
      options: {
        ...base,
        onResize: () => this.options.onResize?.(),
        onHover: (event, _elements, chart) => {
          if (!this.options.onHoverStep) return;
          const inside = event.type !== 'mouseout' && event.x !== null && event.x >= chart.chartArea.left;
          this.options.onHoverStep(inside ? this.stepAt(chart, event.x ?? 0) : null);
        },
        onClick: (event, _elements, chart) => {
          const step = event.x === null ? null : this.stepAt(chart, event.x);
          if (step !== null) this.options.onClickStep?.(step);
        },
        scales: {
          x: stepAxis(theme),
          y: {
            ...yAxis,
            type: 'logarithmic',
            ...(band ? { suggestedMin: band.low / 3, suggestedMax: band.high * 3 } : {}),
            ticks: { ...yAxis.ticks, callback: (v) => decadeLabel(Number(v)), autoSkip: false },
            grid: {
              ...yAxis.grid,
              color: (c: ScriptableScaleContext) => (isDecade(c.tick?.value ?? 0) ? gridColor : 'transparent'),
            },
            ...(this.options.alignGutter
              ? {
                  afterFit: (scale: { width: number }) => {
                    scale.width = this.gutter;
                  },
                }
              : {}),
          },
        },
        plugins: {
          ...base.plugins,
          tooltip: {
            ...base.plugins?.tooltip,
            filter: (item) => !manyLayers || this.info[item.datasetIndex]?.style === 0,
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => {
                const y = item.parsed.y;
                const v = isFiniteNumber(y) && y <= floor ? '≈0' : formatNumber(y);
                return ` ${item.dataset.label ?? ''}  ${v}`;
              },
            },
          },
        },
      },
      plugins: [bandPlugin(() => this.bandStyle), this.markerPlugin()],
    });
  }

  /** The kept step of the shown run nearest pixel `x`, or null outside the plot. */
  private stepAt(chart: Chart, x: number): number | null {
    const area = chart.chartArea;
    if (x < area.left || x > area.right) return null;
    const value = chart.scales.x?.getValueForPixel(x);
    const steps = this.steps;
    if (value === undefined || steps.length === 0) return null;
    return nearestStep(steps, value)?.step ?? null;
  }

  private applyStyles(ctx: RenderContext): void {
    const chart = this.chart;
    if (!chart) return;
    const hl = ctx.highlighted;
    this.info.forEach((s, i) => {
      const ds = chart.data.datasets[i];
      ds.hidden = ctx.hidden.has(s.name);
      const faded = hl !== null && hl !== s.name;
      const alpha = (s.style > 0 ? 0.55 : 1) * (faded ? 0.12 : 1);
      ds.borderColor = withAlpha(s.color, alpha);
      ds.borderWidth = hl === s.name ? 2.75 : layerLineWidth(ctx.theme);
    });
  }
}

function clampLog(v: number | null, floor: number): number {
  return v === null ? NaN : Math.max(floor, v);
}

/** Columns that report a value on their first or last kept step (layers that never report are not drawn). */
function reportingColumns(
  h: RunHistoryState,
  columns: LayerSummary[],
  value: (p: StepPoint, i: number) => number | null,
): LayerSummary[] {
  const probes = [h.steps[0], h.steps[h.steps.length - 1]].filter((p): p is StepPoint => p !== undefined);
  return columns.filter((_, i) => probes.some((p) => value(p, i) !== null));
}
