// What every chart over steps shares (gradient norms, dead units, learning rate): the chart.js instance and its
// series, the diagnostic markers drawn on it, the end of each render and tearing it down.
import type { Plugin } from 'chart.js';
import { clearRendered, markRendered, redraw, stepRange, StepSeriesSync, type LineChart } from './common';
import type { RenderContext } from './context';
import { markerPlugin, stepMarkers, type Marker, type MarkerStyle } from './markers';

export abstract class StepChart {
  protected chart: LineChart | undefined;
  /** Key of what the chart was built for; a change rebuilds it (theme, run, layers…). */
  protected structure = '';
  protected readonly data = new StepSeriesSync();
  private markers: Marker[] = [];
  private markerStyle: MarkerStyle = { fontFamily: 'sans-serif', background: '#000' };

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** The plugin that draws this chart's current diagnostic markers (pass it when creating the chart). */
  protected markerPlugin(): Plugin<'line'> {
    return markerPlugin<'line'>(
      () => this.markers,
      () => this.markerStyle,
    );
  }

  /** Nothing to draw: tears the chart down and says so on the canvas (`data-rendered="false"`). */
  protected clear(): void {
    this.destroy();
    clearRendered(this.canvas);
  }

  /** The chart built for `structure` (theme, run, layers…): rebuilt with `create` whenever that changed. */
  protected ensure(structure: string, create: () => void): LineChart | undefined {
    if (structure !== this.structure || !this.chart) {
      this.destroy();
      create();
      this.structure = structure;
    }
    return this.chart;
  }

  /** The end of a render: x axis over the run's steps, diagnostic markers, redraw, test attributes. */
  protected finish(chart: LineChart, ctx: RenderContext, extraMarkers: Marker[] = []): void {
    const range = stepRange(ctx.model);
    const x = chart.options.scales?.x;
    if (x) {
      x.min = range.min;
      x.max = range.max;
    }
    // Set before the redraw: the marker plugin reads them while the chart draws.
    this.markers = [...stepMarkers(ctx.model, ctx.theme), ...extraMarkers];
    this.markerStyle = { fontFamily: ctx.theme.fontFamily, background: ctx.theme.background };
    redraw(chart, this.data.showLonePoints(chart));
    markRendered(chart, this.data.finitePoints());
  }

  destroy(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.structure = '';
    this.data.reset();
  }
}
