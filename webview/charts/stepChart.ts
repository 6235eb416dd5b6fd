// The end of every step chart's render: x axis over the run's steps, diagnostic markers, redraw, test attributes.
import { markRendered, redraw, stepRange, type LineChart, type StepSeriesSync } from './common';
import type { RenderContext } from './context';
import { stepMarkers, type Marker, type MarkerStyle } from './markers';

/** `setMarkers` runs before the redraw: the marker plugin reads them while the chart draws. */
export function finishStepChart(chart: LineChart, ctx: RenderContext, data: StepSeriesSync,
  setMarkers: (markers: Marker[], style: MarkerStyle) => void): void {
  const range = stepRange(ctx.model);
  const x = chart.options.scales?.x;
  if (x) {
    x.min = range.min;
    x.max = range.max;
  }
  setMarkers(stepMarkers(ctx.model, ctx.theme), { fontFamily: ctx.theme.fontFamily, background: ctx.theme.background });
  redraw(chart, data.showLonePoints(chart));
  markRendered(chart, data.finitePoints());
}
