// Train and validation loss over epochs (accuracy on a right-hand axis for classification runs), with the
// per-step training loss drawn faintly underneath so the chart moves between epoch ends. Epoch k (0-based) is
// plotted at x = k + 1 ("after epoch k+1"); step s at (s + 1) / stepsPerEpoch. Compared runs are overlaid in their
// dash patterns ("before" after a Quick Fix re-run); diagnostics are marked. The y axis turns logarithmic when the loss spans more than 3 decades.
import { Chart, type ChartDataset } from 'chart.js';
import type { EpochEvent } from '../../src/shared/engineProtocol';
import { drawnStepsPerEpoch, type RunHistoryState, type StepPoint } from '../../src/shared/runHistory';
import { decadeLabel, formatNumber, formatPercent } from '../../src/shared/format';
import { withAlpha } from '../theme';
import {
  axisStyle,
  baseLineOptions,
  clearRendered,
  countFinite,
  markRendered,
  redraw,
  runDash,
  StepSeriesSync,
  topLegend,
  type LineChart,
  type XY,
} from './common';
import type { RenderContext } from './context';
import { epochTooltipTitle } from '../state';
import { epochMarkers, markerPlugin, type Marker } from './markers';

const fin = (v: number | null | undefined): number => (v === null || v === undefined || !Number.isFinite(v) ? NaN : v);

function epochSeries(epochs: EpochEvent[], pick: (e: EpochEvent) => number | undefined): XY[] {
  return epochs.map((e) => ({ x: e.epoch + 1, y: fin(pick(e)) }));
}

function lossValues(h: RunHistoryState): number[] {
  const out: number[] = [];
  for (const p of h.steps) if (Number.isFinite(p.loss) && p.loss > 0) out.push(p.loss);
  for (const e of h.epochs) for (const v of [e.loss, e.valLoss]) if (Number.isFinite(v) && v > 0) out.push(v);
  return out;
}

/** Log axis when the positive finite losses span more than 3 decades (an explosion would flatten the rest). */
export function wantsLogLoss(histories: RunHistoryState[]): boolean {
  let min = Infinity;
  let max = 0;
  for (const h of histories)
    for (const v of lossValues(h)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  return max > 0 && Number.isFinite(min) && max / min > 1e3;
}

interface EpochSeriesDef {
  pick: (e: EpochEvent) => number | undefined;
}

export class LossChart {
  private chart: LineChart | undefined;
  private structure = '';
  private readonly stepLoss = new StepSeriesSync();
  /** Dataset index → how to read it from the run's epochs (current run only). */
  private epochDefs: EpochSeriesDef[] = [];
  private markers: Marker[] = [];
  private markerStyle = { fontFamily: 'sans-serif', background: '#000' };
  /** Steps per epoch of the run shown (the tooltip turns an x back into epoch and step). */
  private spe = 1;

  constructor(readonly canvas: HTMLCanvasElement) {}

  render(ctx: RenderContext): void {
    const h = ctx.model.history;
    if (!h?.start || (h.steps.length === 0 && h.epochs.length === 0)) {
      this.destroy();
      clearRendered(this.canvas);
      return;
    }
    const compared = ctx.model.compare.map((c) => c.history);
    const hasAcc = h.epochs.some((e) => e.acc !== undefined) || h.start.task === 'classification';
    const log = wantsLogLoss([h, ...compared]);
    const structure = JSON.stringify([
      ctx.theme.key,
      ctx.model.generation,
      hasAcc,
      log,
      ctx.model.compare.map((c) => c.run.runId),
    ]);
    if (structure !== this.structure || !this.chart) {
      this.destroy();
      this.create(ctx, hasAcc, log);
      this.structure = structure;
    }
    const chart = this.chart;
    if (!chart) return;
    const spe = drawnStepsPerEpoch(h);
    // Step points sit at (step + 1) / spe: drawn again when spe moved (a PyTorch run's first epoch, still under way).
    if (spe !== this.spe) this.stepLoss.reset();
    this.spe = spe;
    this.stepLoss.sync(chart, h.steps, [(p: StepPoint) => fin(p.loss)], 0, (p) => (p.step + 1) / spe);
    const pointsChanged = this.stepLoss.showLonePoints(chart);
    let points = this.stepLoss.finitePoints();
    this.epochDefs.forEach((def, k) => {
      const data = epochSeries(h.epochs, def.pick);
      chart.data.datasets[1 + k].data = data;
      points += countFinite(data);
    });
    const x = chart.options.scales?.x;
    if (x) {
      const live = ctx.model.run?.live !== false && !h.end;
      const lastX = Math.max(
        (h.epochs[h.epochs.length - 1]?.epoch ?? -1) + 1,
        h.steps.length ? (h.steps[h.steps.length - 1].step + 1) / spe : 0,
        ...compared.map((c) => c.epochs.length),
      );
      x.max = live ? Math.max(h.start.epochs, lastX) : Math.max(1, Math.ceil(lastX - 1e-9));
      // A resumed run's axis continues from the epochs it had already trained.
      x.min = h.start.resumedFrom?.epoch ?? 0;
      this.canvas.dataset.xRange = `${x.min},${x.max}`;
    }
    this.markers = epochMarkers(ctx.model, ctx.theme);
    this.markerStyle = { fontFamily: ctx.theme.fontFamily, background: ctx.theme.background };
    redraw(chart, pointsChanged);
    markRendered(chart, points);
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.structure = '';
    this.stepLoss.reset();
  }

  private create(ctx: RenderContext, hasAcc: boolean, log: boolean): void {
    const theme = ctx.theme;
    const compare = ctx.model.compare;
    const after = compare.length ? ` (${ctx.model.label ?? 'this run'})` : '';
    const lossColor = theme.blue;
    const valColor = theme.orange;
    const datasets: Array<ChartDataset<'line', XY[]>> = [
      {
        label: `train loss, per step${after}`,
        data: [],
        borderColor: withAlpha(lossColor, 0.35),
        backgroundColor: withAlpha(lossColor, 0.35),
        borderWidth: 1,
        order: 3,
      },
    ];
    const epochLine = (label: string, color: string, pick: EpochSeriesDef['pick'], yAxisID = 'y'): void => {
      this.epochDefs.push({ pick });
      datasets.push({
        label: `${label}${after}`,
        data: [],
        borderColor: color,
        backgroundColor: color,
        borderWidth: 2,
        pointRadius: 2.5,
        pointHoverRadius: 4,
        yAxisID,
        order: 1,
      });
    };
    this.epochDefs = [];
    epochLine('train loss', lossColor, (e) => e.loss);
    epochLine('val loss', valColor, (e) => e.valLoss);
    if (hasAcc) {
      epochLine('train acc', theme.green, (e) => e.acc, 'y1');
      epochLine('val acc', theme.purple, (e) => e.valAcc, 'y1');
    }
    compare.forEach((c, k) => {
      const other = (label: string, color: string, data: XY[], yAxisID = 'y'): void => {
        datasets.push({
          label: `${label} (${c.label})`,
          data,
          borderColor: withAlpha(color, 0.55),
          backgroundColor: withAlpha(color, 0.55),
          borderDash: runDash(k + 1),
          borderWidth: 1.5,
          pointRadius: 0,
          yAxisID,
          order: 2,
        });
      };
      other(
        'train loss',
        lossColor,
        epochSeries(c.history.epochs, (e) => e.loss),
      );
      other(
        'val loss',
        valColor,
        epochSeries(c.history.epochs, (e) => e.valLoss),
      );
      if (hasAcc)
        other(
          'val acc',
          theme.purple,
          epochSeries(c.history.epochs, (e) => e.valAcc),
          'y1',
        );
    });
    const base = baseLineOptions(theme);
    const xAxis = axisStyle(theme, 'epochs completed');
    const yAxis = axisStyle(theme, log ? 'loss (log)' : 'loss');
    const accAxis = axisStyle(theme, 'accuracy');
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets },
      options: {
        ...base,
        scales: {
          x: {
            ...xAxis,
            type: 'linear',
            min: 0,
            ticks: { ...xAxis.ticks, precision: 0, callback: (v) => (Number.isInteger(Number(v)) ? String(v) : '') },
          },
          y: log
            ? { ...yAxis, type: 'logarithmic', ticks: { ...yAxis.ticks, callback: (v) => decadeLabel(Number(v)) } }
            : {
                ...yAxis,
                type: 'linear',
                beginAtZero: true,
                grace: '5%',
                ticks: { ...yAxis.ticks, maxTicksLimit: 6, callback: (v) => formatNumber(Number(v)) },
              },
          ...(hasAcc
            ? {
                y1: {
                  ...accAxis,
                  type: 'linear' as const,
                  position: 'right' as const,
                  min: 0,
                  max: 1,
                  grid: { display: false },
                  ticks: { ...accAxis.ticks, stepSize: 0.25, callback: (v: string | number) => formatPercent(Number(v)) },
                },
              }
            : {}),
        },
        plugins: {
          ...base.plugins,
          legend: topLegend(theme),
          tooltip: {
            ...base.plugins?.tooltip,
            callbacks: {
              title: (items) => {
                if (!items.length) return '';
                return epochTooltipTitle(items[0].parsed.x ?? 0, this.spe);
              },
              label: (item) => {
                const y = item.parsed.y;
                const isAcc = item.dataset.yAxisID === 'y1';
                return ` ${item.dataset.label ?? ''}  ${isAcc ? formatPercent(y) : formatNumber(y)}`;
              },
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
}
