// "Save PNG" and "Copy CSV" beside a chart. The page cannot write files and may not reach the clipboard, so both go
// to the extension host: the PNG as base64 bytes (drawn on the theme's background: a chart canvas is transparent,
// and its light-on-dark text would vanish on a white image viewer), the CSV as text. The CSV holds the chart's
// data as the dashboard holds it: every point of each line (before the drawing thins a long series), one column
// per line, one row per x value.
import { Chart } from 'chart.js';
import { stringify } from 'csv-stringify/browser/esm/sync';
import type { LayerSummary } from '../../src/shared/engineProtocol';
import type { StepPoint } from '../../src/shared/runHistory';
import type { FromWebviewMessage } from '../../src/shared/webviewProtocol';
import { seriesOf } from '../charts/common';
import { h } from './dom';

/** The image of a chart canvas on `background`, as PNG bytes in base64 (undefined when nothing can be drawn). */
export function chartPngBase64(canvas: HTMLCanvasElement, background: string): string | undefined {
  if (canvas.width === 0 || canvas.height === 0) return undefined;
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const g = out.getContext('2d');
  if (!g) return undefined;
  g.fillStyle = background;
  g.fillRect(0, 0, out.width, out.height);
  g.drawImage(canvas, 0, 0);
  return out.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

/** A point's y as its cell: empty for a gap (no value, or one that was not finite). */
const cell = (y: unknown): string => (typeof y === 'number' && Number.isFinite(y) ? String(y) : '');

/**
 * The chart's lines as CSV: the x axis's title (e.g. `step`) and each shown line's legend label as the header, then
 * one row per x value any line has, in order; a cell is empty where that line has no point (or a gap) at that x.
 * Undefined when the canvas has no chart.
 */
export function chartCsv(canvas: HTMLCanvasElement): ChartTable {
  const chart = Chart.getChart(canvas);
  if (!chart) return undefined;
  const xTitle = (chart.options.scales?.x as { title?: { text?: unknown } } | undefined)?.title?.text;
  const lines = chart.data.datasets.flatMap((ds, i) =>
    ds.label && chart.isDatasetVisible(i) ? [{ label: ds.label, points: seriesOf(ds) }] : [],
  );
  const xs = new Set<number>();
  const byX = lines.map((line) => {
    const values = new Map<number, unknown>();
    for (const p of line.points) {
      if (typeof p !== 'object' || p === null || typeof (p as { x?: unknown }).x !== 'number') continue;
      const { x, y } = p as { x: number; y: unknown };
      xs.add(x);
      values.set(x, y);
    }
    return values;
  });
  const rows = [...xs].sort((a, b) => a - b).map((x) => [String(x), ...byX.map((values) => cell(values.get(x)))]);
  const header = [typeof xTitle === 'string' && xTitle ? xTitle : 'x', ...lines.map((l) => l.label)];
  return { csv: stringify([header, ...rows]), rows: rows.length };
}

/** A chart's data as CSV text and its number of data rows; undefined when there is nothing to copy. */
export type ChartTable = { csv: string; rows: number } | undefined;

/**
 * The heat strip's cells as CSV: `step`, then one column per layer (model order, named as in the run), one row per
 * step the strip holds; a cell is that layer's gradient norm at that step, empty where it has none (a frozen layer,
 * or a value that was not finite, both drawn grey).
 */
export function heatStripCsv(steps: readonly StepPoint[], layers: readonly LayerSummary[]): ChartTable {
  if (steps.length === 0 || layers.length === 0) return undefined;
  const rows = steps.map((p) => [
    String(p.step),
    ...layers.map((_, i) => (p.frozen?.[i] === true ? '' : cell(p.gradNorm[i] ?? undefined))),
  ]);
  return { csv: stringify([['step', ...layers.map((l) => l.name)], ...rows]), rows: rows.length };
}

/**
 * The two buttons for the chart on `canvas`, named `name` in messages and file names (e.g. `grad-norm`). `table`
 * gives the CSV: by default the chart.js chart's lines (chartCsv); a chart drawn by hand passes its own.
 */
export function chartActions(
  canvas: HTMLCanvasElement,
  name: string,
  post: (m: FromWebviewMessage) => void,
  background: () => string,
  table: (canvas: HTMLCanvasElement) => ChartTable = chartCsv,
): HTMLElement {
  const button = (action: string, text: string, title: string, run: () => void): HTMLButtonElement => {
    const b = h('button', { class: 'gs-link-button gs-chart-action', type: 'button', 'data-action': action, title }, text);
    b.addEventListener('click', run);
    return b;
  };
  return h(
    'span',
    { class: 'gs-chart-actions', 'data-chart': name },
    button('png', 'Save PNG', 'Save this chart as a PNG image…', () => {
      const png = chartPngBase64(canvas, background());
      if (png) post({ type: 'save-chart-png', chart: name, png });
    }),
    button('csv', 'Copy CSV', 'Copy the data of this chart as CSV', () => {
      const data = table(canvas);
      if (data) post({ type: 'copy-chart-csv', chart: name, csv: data.csv, rows: data.rows });
    }),
  );
}
