// What the line charts share: the data point type, themed base options (axes, tooltip, decimation), the step
// range every step chart uses (so they line up with each other and with the heat strip), and the test hooks
// (`data-rendered`, `data-points`, `data-plot-area`) set once real data is drawn.
import type { Chart, ChartOptions, ScaleOptions, TooltipOptions } from 'chart.js';
import type { StepPoint } from '../../src/shared/runHistory';
import { decadeLabel, formatCount } from '../../src/shared/format';
import type { DashboardModel } from '../state';
import { isHighContrast, withAlpha, type Theme } from '../theme';
import { decimate, type XY } from './decimate';

export type { XY } from './decimate';

export type LineChart = Chart<'line', XY[]>;

export function tooltipOptions(theme: Theme): Partial<TooltipOptions<'line'>> {
  return {
    backgroundColor: withAlpha(theme.background, 0.96),
    titleColor: theme.foreground,
    bodyColor: theme.foreground,
    borderColor: theme.border,
    borderWidth: 1,
    padding: 8,
    boxPadding: 4,
    usePointStyle: false,
    titleFont: { family: theme.fontFamily, size: 12, weight: 'bold' },
    bodyFont: { family: theme.monoFamily, size: 11 },
  };
}

type LinearAxis = ScaleOptions<'linear'>;

export function axisStyle(theme: Theme, title?: string): LinearAxis {
  const hc = isHighContrast(theme);
  return {
    grid: { color: theme.grid, lineWidth: hc ? 1 : 0.8, tickColor: theme.grid },
    border: { color: hc ? theme.border : withAlpha(theme.foreground, 0.25) },
    ticks: { color: theme.muted, font: { family: theme.fontFamily, size: 10 }, maxRotation: 0, autoSkipPadding: 12 },
    title: title
      ? {
          display: true,
          text: title,
          color: theme.muted,
          font: { family: theme.fontFamily, size: 10 },
          padding: { top: 2, bottom: 0 },
        }
      : { display: false },
  };
}

/** Line dash of run `style`: 0 the shown run (solid), then one pattern per compared run. */
const RUN_DASHES: number[][] = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 2]];

export function runDash(style: number): number[] {
  return RUN_DASHES[Math.min(style, RUN_DASHES.length - 1)];
}

/** Step-axis ticks: whole steps only (a padded range must not label its fractional ends). */
const stepTicks = {
  precision: 0,
  includeBounds: false,
  callback: (v: string | number): string => (Number.isInteger(Number(v)) ? formatCount(Number(v)) : ''),
};

/** The x axis of every chart over steps. */
export function stepAxis(theme: Theme): LinearAxis {
  const axis = axisStyle(theme, 'step');
  return { ...axis, type: 'linear', ticks: { ...axis.ticks, ...stepTicks } };
}

/** A logarithmic y axis labelled at powers of ten only. */
export function logAxis(theme: Theme, title: string): ScaleOptions<'logarithmic'> {
  const axis = axisStyle(theme, title);
  return { ...axis, type: 'logarithmic', ticks: { ...axis.ticks, callback: (v) => decadeLabel(Number(v)) } };
}

/** A small legend at the top right (charts whose lines are not layers: loss, global norm). */
export function topLegend(theme: Theme): NonNullable<ChartOptions<'line'>['plugins']>['legend'] {
  return {
    display: true,
    position: 'top',
    align: 'end',
    labels: { color: theme.muted, font: { family: theme.fontFamily, size: 10 }, boxWidth: 16, boxHeight: 2, padding: 8 },
  };
}

/**
 * A log axis range of at least two decades around the series' positive values: a level signal (std 0.75…0.85 at
 * every depth) must look level, not stretched over the whole height the way an auto-scaled axis draws it.
 * Wider data: undefined bounds (chart.js fits the data).
 */
export function logRange(series: XY[][]): { min?: number; max?: number } {
  let lo = Infinity;
  let hi = 0;
  for (const s of series)
    for (const p of s)
      if (Number.isFinite(p.y) && p.y > 0) {
        lo = Math.min(lo, p.y);
        hi = Math.max(hi, p.y);
      }
  if (!(hi > 0) || hi / lo >= 100) return { min: undefined, max: undefined };
  const centre = Math.sqrt(lo * hi);
  return { min: centre / 10, max: centre * 10 };
}

/** Options every line chart starts from: x linear (steps or epochs), pre-parsed sorted {x, y} data. */
export function baseLineOptions(theme: Theme): ChartOptions<'line'> {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    spanGaps: false,
    layout: { padding: { top: 4, right: 10, bottom: 0, left: 0 } },
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    font: { family: theme.fontFamily },
    color: theme.foreground,
    plugins: {
      legend: { display: false },
      tooltip: tooltipOptions(theme),
      decimation: { enabled: true, algorithm: 'min-max' },
    },
    elements: { line: { borderWidth: isHighContrast(theme) ? 2 : 1.5 }, point: { radius: 0, hoverRadius: 3 } },
  };
}

/** The step range every step chart and the heat strip share: the whole run while live, else what ran. */
export function stepRange(model: DashboardModel): { min: number; max: number } {
  const h = model.history;
  let min = Infinity;
  let max = -Infinity;
  for (const steps of [h?.steps, ...model.compare.map((c) => c.history.steps)]) {
    if (!steps || steps.length === 0) continue;
    min = Math.min(min, steps[0].step);
    max = Math.max(max, steps[steps.length - 1].step);
  }
  const start = h?.start;
  if (start && model.run?.live !== false && !h?.end) max = Math.max(max, start.epochs * start.stepsPerEpoch - 1);
  if (!Number.isFinite(min)) min = 0;
  if (!Number.isFinite(max) || max <= min) max = min + 1;
  // A very short run (diverged after a step or two): a little air so edge points are not cut in half.
  const span = max - min;
  if (span < 20) return { min: min - 0.03 * span, max: max + 0.03 * span };
  return { min, max };
}

/**
 * Marks a chart canvas for tests: `data-rendered="true"` once it shows real data, `data-points` the finite points
 * drawn for the shown run, `data-plot-area` = "left,top,width,height" of the plot in canvas pixels (for
 * getImageData).
 */
export function markRendered(chart: LineChart, points: number): void {
  const canvas = chart.canvas;
  const area = chart.chartArea;
  canvas.dataset.rendered = points > 0 ? 'true' : 'false';
  canvas.dataset.points = String(points);
  // Canvas pixels per CSS pixel, from the chart's own sizes (reading clientWidth here would force a layout).
  const r = chart.width > 0 ? canvas.width / chart.width : 1;
  const px = [area.left, area.top, area.right - area.left, area.bottom - area.top].map((v) => Math.round(v * r));
  canvas.dataset.plotArea = px.join(',');
}

export function clearRendered(canvas: HTMLCanvasElement): void {
  canvas.dataset.rendered = 'false';
  canvas.dataset.points = '0';
  delete canvas.dataset.plotArea;
}

/** Redraws without animation; a full update when point options changed (see showLonePoints). */
export function redraw(chart: LineChart, optionsChanged: boolean): void {
  if (optionsChanged) chart.update();
  else chart.update('none');
}

export function countFinite(data: XY[]): number {
  let n = 0;
  for (const p of data) if (Number.isFinite(p.y)) n++;
  return n;
}

/** The whole series of each dataset StepSeriesSync thins for drawing (the dataset's `data` is the thinned one). */
const fullSeries = new WeakMap<object, XY[]>();

/**
 * Every point of a dataset, before any thinning for the screen: StepSeriesSync's whole series, else the data chart.js
 * kept aside while its decimation plugin drew fewer points (`_data`), else the data.
 */
export function seriesOf(ds: object & { data: unknown[] }): unknown[] {
  return fullSeries.get(ds) ?? (ds as { _data?: unknown[] })._data ?? ds.data;
}

/**
 * Keeps chart series in step with `history.steps` cheaply: appends only the points added since the last draw,
 * and rebuilds when the history replaced its array (it halves its resolution by building a new one). A chart is
 * given at most about one point per pixel of its width (`decimate`): chart.js's cost per update grows with the
 * points it lays out and strokes, and more points than pixels draw nothing more.
 * Series k is the data of dataset `firstDataset + k`.
 */
export class StepSeriesSync {
  series: XY[][] = [];
  /** Per series, the array its dataset draws while the series is decimated (filled again on every draw). */
  private shown: XY[][] = [];
  /** Finite points per series, kept as points are added (no rescans on every draw). */
  private finite: number[] = [];
  private synced: StepPoint[] | null = null;
  private count = 0;

  reset(): void {
    this.synced = null;
    this.count = 0;
    this.series = [];
    this.shown = [];
    this.finite = [];
  }

  sync(
    chart: LineChart,
    steps: StepPoint[],
    values: Array<(p: StepPoint) => number>,
    firstDataset = 0,
    xOf: (p: StepPoint) => number = (p) => p.step,
  ): void {
    let from = 0;
    if (steps === this.synced && steps.length >= this.count && this.series.length === values.length) {
      from = this.count;
    } else {
      this.series = values.map(() => []);
      this.finite = values.map(() => 0);
    }
    if (from < steps.length) {
      // One push per series per draw: chart.js observes pushes on its data arrays, so a push per point would
      // make it resynchronise its elements once per point.
      for (let k = 0; k < values.length; k++) {
        const value = values[k];
        const added: XY[] = new Array<XY>(steps.length - from);
        let finite = 0;
        for (let i = from; i < steps.length; i++) {
          const p = steps[i];
          const y = value(p);
          if (Number.isFinite(y)) finite++;
          added[i - from] = { x: xOf(p), y };
        }
        this.finite[k] += finite;
        pushAll(this.series[k], added);
      }
    }
    this.synced = steps;
    this.count = steps.length;
    // One bucket per two CSS pixels of the canvas (its plot is a little narrower): two points each at most.
    const buckets = Math.max(50, Math.round((chart.width || 600) / 2));
    this.series.forEach((s, k) => {
      const ds = chart.data.datasets[firstDataset + k];
      if (!ds) return;
      fullSeries.set(ds, s);
      const shown = decimate(s, buckets, (this.shown[k] ??= []));
      // The same array when nothing was decimated: chart.js then sees only the points pushed since its last update.
      if (ds.data !== shown) ds.data = shown;
    });
  }

  finitePoints(): number {
    let n = 0;
    for (const f of this.finite) n += f;
    return n;
  }

  /**
   * Lines hide their points; a series with only a few finite points (a run that diverged at its second step)
   * would then draw nothing, so those series show their points. Returns whether a radius changed: chart.js
   * only re-resolves shared point options on a full `update()`, not on `update('none')`.
   */
  showLonePoints(chart: LineChart, firstDataset = 0, radius = 3): boolean {
    let changed = false;
    this.finite.forEach((f, k) => {
      const ds = chart.data.datasets[firstDataset + k];
      if (!ds) return;
      const r = f <= 3 ? radius : 0;
      if ((ds.pointRadius ?? 0) !== r) changed = true;
      ds.pointRadius = r;
    });
    return changed;
  }
}

/** Appends in chunks (one call per chunk keeps chart.js's array observer cheap; chunks stay under arg limits). */
function pushAll(target: XY[], items: XY[]): void {
  for (let i = 0; i < items.length; i += 8192) target.push(...items.slice(i, i + 8192));
}
