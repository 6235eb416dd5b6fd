// The layer × step heat strip: a plain canvas drawn with ImageData. Rows are layers in model order (input at the
// top), columns are steps aligned with the gradient chart above it, colour is log10 of the gradient norm on a
// fixed diverging colormap (dark blue = vanishing, green/yellow = healthy, red = exploding, black = NaN).
// Also draws its colour legend, marks diagnostics along the top, shows a hover read-out, and reveals a
// layer's spec entry when its label is clicked.
import type { LayerSummary } from '../../src/shared/engineProtocol';
import { drawnStepsPerEpoch, nearestStep, type RunHistoryState, type StepPoint } from '../../src/shared/runHistory';
import { HEAT_MAX, HEAT_MIN, HEAT_NAN, heatColor, heatValue } from '../colors';
import { formatNumber } from '../../src/shared/format';
import { diagnosticStep } from '../state';
import { severityColor, withAlpha, type Theme } from '../theme';
import { layerFreezes, unfreezeMarks } from '../reuse';
import { heatStripCsv, type ChartTable } from '../view/chartActions';
import { observeWidth, sizedContext } from '../view/dom';
import { clearRendered, stepRange } from './common';
import type { RenderContext } from './context';

const MARK_BAND = 9;
/** Room for the unfreeze labels above the rows, when the run unfreezes layers. */
const LABEL_BAND = 13;
const BOTTOM_PAD = 2;
/** Cells of a frozen layer (no gradient): a neutral grey, outside the colormap. */
const FROZEN_GREY: readonly [number, number, number] = [128, 128, 128];

interface Layout {
  left: number;
  right: number;
  top: number;
  rowH: number;
  rows: number;
  cssW: number;
  cssH: number;
  min: number;
  max: number;
}

export function heatRowHeight(rows: number): number {
  return Math.max(4, Math.min(13, Math.floor(180 / Math.max(1, rows))));
}

export class HeatStrip {
  private layout: Layout | undefined;
  private steps: StepPoint[] = [];
  private layers: LayerSummary[] = [];
  private offscreen = document.createElement('canvas');

  /** Width of the strip's container in CSS pixels, kept by a ResizeObserver (no layout reads while drawing). */
  private width = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly readout: HTMLElement,
    private readonly onRevealLayer: (layer: LayerSummary) => void,
    onResize: () => void,
  ) {
    const box = canvas.parentElement;
    if (box)
      observeWidth(box, (w) => {
        this.width = w;
        onResize();
      });
    canvas.addEventListener('mousemove', (e) => this.hover(e));
    canvas.addEventListener('mouseleave', () => this.readout.classList.remove('is-visible'));
    canvas.addEventListener('click', (e) => this.click(e));
  }

  /** The cells the strip holds as CSV (step × layer gradient norms), for "Copy CSV". */
  table(): ChartTable {
    return heatStripCsv(this.steps, this.layers);
  }

  /**
   * Draws the strip of `h` (default: the shown run; a compared run's strip is stacked below it); `plot` is the
   * gradient chart's plot area (CSS px) so columns line up with its x axis.
   */
  render(ctx: RenderContext, plot: { left: number; right: number } | undefined, h = ctx.model.history): void {
    const canvas = this.canvas;
    const cssW = this.width || (canvas.parentElement?.clientWidth ?? 0);
    if (!h?.start || h.layers.length === 0 || cssW <= 0) {
      canvas.width = 0;
      clearRendered(canvas);
      this.layout = undefined;
      return;
    }
    const rows = h.layers.length;
    const rowH = heatRowHeight(rows);
    const marks = unfreezeMarks(h);
    const top = MARK_BAND + (marks.length > 0 ? LABEL_BAND : 0);
    const cssH = top + rows * rowH + BOTTOM_PAD;
    const dpr = window.devicePixelRatio || 1;
    const left = plot?.left ?? ctx.gutter;
    const right = Math.min(cssW - 1, plot?.right ?? cssW - 10);
    const { min, max } = stepRange(ctx.model);
    this.layout = { left, right, top, rowH, rows, cssW, cssH, min, max };
    this.steps = h.steps;
    this.layers = h.layers;

    canvas.style.height = `${cssH}px`;
    const wantW = Math.round(cssW * dpr);
    const wantH = Math.round(cssH * dpr);
    if (canvas.width !== wantW || canvas.height !== wantH) {
      canvas.width = wantW;
      canvas.height = wantH;
    }
    const g = canvas.getContext('2d');
    if (!g) return;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.scale(dpr, dpr);

    // Cells: one ImageData pixel per (device column, layer), stretched to the row height without smoothing.
    const plotLeftPx = Math.round(left * dpr);
    const cols = Math.max(1, Math.round(right * dpr) - plotLeftPx);
    const image = this.cells(h.steps, rows, cols, min, max);
    let drawn = 0;
    if (image) {
      this.offscreen.width = cols;
      this.offscreen.height = rows;
      const og = this.offscreen.getContext('2d');
      if (og) {
        og.putImageData(image.data, 0, 0);
        g.imageSmoothingEnabled = false;
        g.drawImage(this.offscreen, 0, 0, cols, rows, left, top, cols / dpr, rows * rowH);
        drawn = image.cells;
      }
    }
    // Empty (future) part of a live run: a faint frame.
    g.strokeStyle = withAlpha(ctx.theme.foreground, 0.18);
    g.lineWidth = 1;
    g.strokeRect(left - 0.5, top - 0.5, right - left + 1, rows * rowH + 1);
    const frozen = layerFreezes(h);
    this.drawRowLabels(
      g,
      ctx.theme,
      h.layers.map((l) => ({ name: l.name, frozen: frozen.get(l.name)?.frozen === true })),
      left,
      rowH,
    );
    this.drawMarkers(g, ctx, h);
    this.drawUnfreezeMarks(g, ctx.theme, marks);
    canvas.dataset.rendered = drawn > 0 ? 'true' : 'false';
    canvas.dataset.points = String(drawn);
    canvas.dataset.rows = String(rows);
    canvas.dataset.plotArea = [plotLeftPx, Math.round(top * dpr), cols, Math.round(rows * rowH * dpr)].join(',');
    canvas.dataset.frozenCells = String(image?.frozen ?? 0);
    canvas.dataset.unfreezeMarks = marks.map((m) => `${m.step}:${m.label}`).join('\n');
  }

  /** Column colours: each step spans from halfway after its predecessor to halfway before its successor. */
  private cells(
    steps: StepPoint[],
    rows: number,
    cols: number,
    min: number,
    max: number,
  ): { data: ImageData; cells: number; frozen: number } | undefined {
    if (steps.length === 0) return undefined;
    const sum = new Float64Array(cols * rows);
    const count = new Uint16Array(cols * rows);
    const nan = new Uint8Array(cols * rows);
    const frozen = new Uint8Array(cols * rows);
    let frozenCells = 0;
    const span = max - min;
    const toCol = (s: number): number => ((s - min) / span) * cols;
    const n = steps.length;
    for (let k = 0; k < n; k++) {
      const s = steps[k].step;
      const prev = k > 0 ? steps[k - 1].step : s - (n > 1 ? steps[1].step - steps[0].step : 1);
      const next = k < n - 1 ? steps[k + 1].step : s + (n > 1 ? steps[n - 1].step - steps[n - 2].step : 1);
      const c0 = Math.max(0, Math.floor(toCol((prev + s) / 2)));
      const c1 = Math.min(cols, Math.max(c0 + 1, Math.floor(toCol((s + next) / 2))));
      if (c0 >= cols) continue;
      const grads = steps[k].gradNorm;
      const frozenAt = steps[k].frozen;
      for (let r = 0; r < rows; r++) {
        const v = heatValue(grads[r] ?? null);
        const isFrozen = frozenAt?.[r] === true;
        if (isFrozen) frozenCells++;
        for (let c = c0; c < c1; c++) {
          const i = r * cols + c;
          if (isFrozen) frozen[i] = 1;
          else if (v === null) nan[i] = 1;
          else {
            sum[i] += v;
            count[i]++;
          }
        }
      }
    }
    const data = new ImageData(cols, rows);
    const px = data.data;
    for (let i = 0; i < cols * rows; i++) {
      if (!nan[i] && !frozen[i] && count[i] === 0) continue;
      // A column shared by a frozen step and a trained one shows the trained one.
      const [r, g, b] = nan[i] ? HEAT_NAN : count[i] > 0 ? heatColor(sum[i] / count[i]) : FROZEN_GREY;
      px[i * 4] = r;
      px[i * 4 + 1] = g;
      px[i * 4 + 2] = b;
      px[i * 4 + 3] = 255;
    }
    // Cells = layers × steps drawn (what the strip represents), independent of pixel width.
    return { data, cells: steps.length * rows, frozen: frozenCells };
  }

  private drawRowLabels(
    g: CanvasRenderingContext2D,
    theme: Theme,
    layers: Array<{ name: string; frozen: boolean }>,
    left: number,
    rowH: number,
  ): void {
    const top = this.layout?.top ?? MARK_BAND;
    const size = Math.min(11, Math.max(8, rowH - 2));
    const every = rowH >= 8 ? 1 : Math.ceil(8 / rowH);
    g.font = `${size}px ${theme.fontFamily}`;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const maxW = left - 8;
    layers.forEach((layer, r) => {
      if (r % every !== 0) return;
      let text = layer.name;
      while (text.length > 3 && g.measureText(text).width > maxW) text = `${text.slice(0, -2)}…`;
      // Frozen layers: greyed further, like their legend chips.
      g.fillStyle = layer.frozen ? withAlpha(theme.muted, 0.55) : theme.muted;
      g.fillText(text, left - 6, top + r * rowH + rowH / 2 + 0.5);
    });
  }

  private drawMarkers(g: CanvasRenderingContext2D, ctx: RenderContext, h: RunHistoryState): void {
    const l = this.layout;
    if (!l || !h?.start) return;
    for (const d of h.diagnostics) {
      const s = diagnosticStep(d, drawnStepsPerEpoch(h));
      if (s === undefined) continue;
      const x = l.left + ((s - l.min) / (l.max - l.min)) * (l.right - l.left);
      if (x < l.left - 1 || x > l.right + 1) continue;
      g.fillStyle = severityColor(ctx.theme, d.severity);
      g.beginPath();
      g.moveTo(x - 4, 0.5);
      g.lineTo(x + 4, 0.5);
      g.lineTo(x, MARK_BAND - 1);
      g.closePath();
      g.fill();
    }
  }

  /** A dashed line where layers start training, labelled above the rows. */
  private drawUnfreezeMarks(g: CanvasRenderingContext2D, theme: Theme, marks: Array<{ step: number; label: string }>): void {
    const l = this.layout;
    if (!l) return;
    g.save();
    g.font = `600 10px ${theme.fontFamily}`;
    g.textBaseline = 'middle';
    for (const m of marks) {
      const x = Math.round(l.left + ((m.step - 0.5 - l.min) / (l.max - l.min)) * (l.right - l.left)) + 0.5;
      if (x < l.left - 1 || x > l.right + 1) continue;
      g.strokeStyle = theme.foreground;
      g.lineWidth = 1.5;
      g.setLineDash([3, 2]);
      g.beginPath();
      g.moveTo(x, MARK_BAND);
      g.lineTo(x, l.top + l.rows * l.rowH);
      g.stroke();
      g.setLineDash([]);
      const w = g.measureText(m.label).width;
      const flip = x + 4 + w > l.right;
      g.fillStyle = theme.foreground;
      g.textAlign = flip ? 'right' : 'left';
      g.fillText(m.label, flip ? x - 4 : x + 4, MARK_BAND + LABEL_BAND / 2);
    }
    g.restore();
  }

  private at(e: MouseEvent): { layer: number; x: number } | undefined {
    const l = this.layout;
    if (!l) return undefined;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const layer = Math.floor((y - l.top) / l.rowH);
    if (layer < 0 || layer >= l.rows) return undefined;
    return { layer, x };
  }

  private hover(e: MouseEvent): void {
    const l = this.layout;
    const hit = this.at(e);
    const layer = hit ? this.layers[hit.layer] : undefined;
    if (!l || !hit || !layer) {
      this.readout.classList.remove('is-visible');
      this.canvas.style.cursor = 'default';
      return;
    }
    this.canvas.style.cursor = hit.x < l.left ? 'pointer' : 'crosshair';
    let text: string;
    if (hit.x < l.left) {
      text = `${layer.name}: click to show it in the spec`;
    } else {
      const step = l.min + ((hit.x - l.left) / (l.right - l.left)) * (l.max - l.min);
      const p = nearestStep(this.steps, step);
      if (!p) {
        this.readout.classList.remove('is-visible');
        return;
      }
      const v = p.gradNorm[hit.layer];
      text = p.frozen?.[hit.layer]
        ? `${layer.name} · step ${p.step} · frozen: no gradient`
        : `${layer.name} · step ${p.step} · grad norm ${formatNumber(v)}`;
    }
    this.readout.textContent = text;
    this.readout.classList.add('is-visible');
    const parent = this.canvas.getBoundingClientRect();
    const x = Math.min(Math.max(0, e.clientX - parent.left + 12), Math.max(0, l.cssW - 260));
    this.readout.style.left = `${x}px`;
    this.readout.style.top = `${e.clientY - parent.top + 14}px`;
  }

  private click(e: MouseEvent): void {
    const l = this.layout;
    const hit = this.at(e);
    if (!l || !hit || hit.x >= l.left) return;
    const layer = this.layers[hit.layer];
    if (layer) this.onRevealLayer(layer);
  }
}

/** Draws the heat strip's colour legend: the colormap from 1e-9 to ~3e3 with labelled decades and a NaN swatch. */
export function drawHeatLegend(canvas: HTMLCanvasElement, theme: Theme): void {
  const cssW = 330;
  const cssH = 30;
  const g = sizedContext(canvas, cssW, cssH);
  if (!g) return;
  const barX = 4;
  const barW = 260;
  const barY = 3;
  const barH = 10;
  for (let i = 0; i < barW; i++) {
    const v = HEAT_MIN + ((i + 0.5) / barW) * (HEAT_MAX - HEAT_MIN);
    const [r, gg, b] = heatColor(v);
    g.fillStyle = `rgb(${r | 0}, ${gg | 0}, ${b | 0})`;
    g.fillRect(barX + i, barY, 1, barH);
  }
  g.strokeStyle = withAlpha(theme.foreground, 0.3);
  g.strokeRect(barX - 0.5, barY - 0.5, barW + 1, barH + 1);
  g.font = `10px ${theme.fontFamily}`;
  g.fillStyle = theme.muted;
  g.textBaseline = 'top';
  const xOf = (v: number): number => barX + ((v - HEAT_MIN) / (HEAT_MAX - HEAT_MIN)) * barW;
  for (const [v, label] of [
    [-9, '1e-9'],
    [-6, '1e-6'],
    [-3, '1e-3'],
    [0, '1'],
    [3, '1e3'],
  ] as const) {
    g.textAlign = v === -9 ? 'left' : 'center';
    g.fillText(label, v === -9 ? barX : xOf(v), barY + barH + 4);
  }
  // NaN swatch.
  const nx = barX + barW + 14;
  g.fillStyle = `rgb(${HEAT_NAN.join(',')})`;
  g.fillRect(nx, barY, 14, barH);
  g.strokeRect(nx - 0.5, barY - 0.5, 15, barH + 1);
  g.fillStyle = theme.muted;
  g.textAlign = 'left';
  g.fillText('NaN', nx + 19, barY);
}
