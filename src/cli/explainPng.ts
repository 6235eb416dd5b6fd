// The PNG of one explained sample (`gradscope explain`): three panels side by side — the input as the model saw it,
// the Grad-CAM map in viridis, and the input blended with the map; a fourth, the true class's map, when the sample
// has one (its map explains another class, e.g. a misclassified sample) — under a header saying the true label, the
// prediction and its probability, with a colour legend under the map; a misclassified sample gets a red frame and
// the word "misclassified" (colour is never the only mark). pngjs encodes; js-pixel-fonts supplies the glyphs
// (pngjs draws no text).
import * as fs from 'fs';
import * as path from 'path';
import { fonts, renderPixels, type Font } from 'js-pixel-fonts';
import { PNG } from 'pngjs';
import { viridis } from '../shared/colorMap';
import type { ExplanationEvent, ExplanationMap, ExplanationSample } from '../shared/engineProtocol';
import { className, predictionText } from '../shared/explanationText';

type Rgb = readonly [number, number, number];

/** Where things are in a sample's PNG (pixels), so that tests can look at what was drawn. */
export interface ExplainPngLayout {
  width: number;
  height: number;
  /** Each input pixel becomes a `scale`×`scale` block. */
  scale: number;
  /** Width of the red frame of a misclassified sample (the same band is background when the sample is right). */
  frame: number;
  panelWidth: number;
  panelHeight: number;
  /** Top-left corners of the three panels. */
  input: { x: number; y: number };
  heatmap: { x: number; y: number };
  overlay: { x: number; y: number };
  /** A fourth panel, the true class's map, when the sample carries one (`gradCamTrue`: the map explains another class). */
  trueMap?: { x: number; y: number };
  /** The legend bar: viridis from 0 (left) to 1 (right). */
  legend: { x: number; y: number; width: number; height: number };
}

export const BACKGROUND: Rgb = [255, 255, 255];
const TEXT: Rgb = [34, 34, 34];
export const WRONG: Rgb = [204, 32, 32];
/** The note written over an empty map (white on viridis purple). */
export const EMPTY_NOTE: Rgb = [255, 255, 255];
/** Share of the heatmap in the overlay: the classic Grad-CAM picture (half image, half map). */
export const OVERLAY_ALPHA = 0.5;
/** Panels are scaled up (nearest neighbour) to at least this size, so a 28×28 digit becomes 168×168 (×6). */
const MIN_PANEL = 160;
const MARGIN = 12;
const GAP = 12;
const FRAME = 6;
const TEXT_SCALE = 2;
const LEGEND_HEIGHT = 12;

/** sevenPlus (printable ASCII) plus the middle dot the header uses as a separator. */
const FONT: Font = {
  ...fonts.sevenPlus,
  glyphs: { ...fonts.sevenPlus.glyphs, '·': { offset: 3, pixels: [[1]] } },
};
/** Rows of a line of text: the font's line height plus room for descenders (g, p, y sit 2 rows lower). */
const LINE_ROWS = FONT.lineHeight + 2;
const LINE = LINE_ROWS * TEXT_SCALE;

/** `sample-<index>-label-<label>-pred-<predicted>.png` (class indices: safe in any file system). */
export function explanationFileName(sample: ExplanationSample): string {
  return `sample-${sample.index}-label-${sample.label}-pred-${sample.predicted}.png`;
}

export function layoutFor(inputShape: number[], withTrueMap = false): ExplainPngLayout {
  const [rows = 1, cols = 1] = inputShape;
  const scale = Math.max(1, Math.ceil(MIN_PANEL / Math.max(rows, cols)));
  const panelWidth = cols * scale;
  const panelHeight = rows * scale;
  const left = FRAME + MARGIN;
  const panelsTop = FRAME + MARGIN + LINE + 4 + LINE + 10 + LINE + 4;
  const legendTop = panelsTop + panelHeight + 8;
  const panels = withTrueMap ? 4 : 3;
  const width = 2 * left + panels * panelWidth + (panels - 1) * GAP;
  const height = legendTop + LEGEND_HEIGHT + 4 + LINE + MARGIN + FRAME;
  const column = (i: number): number => left + i * (panelWidth + GAP);
  return {
    width,
    height,
    scale,
    frame: FRAME,
    panelWidth,
    panelHeight,
    input: { x: column(0), y: panelsTop },
    heatmap: { x: column(1), y: panelsTop },
    overlay: { x: column(2), y: panelsTop },
    ...(withTrueMap ? { trueMap: { x: column(3), y: panelsTop } } : {}),
    legend: { x: column(1), y: legendTop, width: panelWidth, height: LEGEND_HEIGHT },
  };
}

function fill(png: PNG, x0: number, y0: number, w: number, h: number, colour: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(png.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(png.width, x0 + w); x++) {
      const i = (y * png.width + x) * 4;
      png.data[i] = colour[0];
      png.data[i + 1] = colour[1];
      png.data[i + 2] = colour[2];
      png.data[i + 3] = 255;
    }
  }
}

/** Characters the font lacks become `?` (the font would draw a blank and log a warning). */
function printable(text: string): string {
  return [...text].map((c) => (FONT.glyphs[c] ? c : '?')).join('');
}

function textWidth(text: string): number {
  return Math.max(0, ...renderPixels(text, FONT).map((row) => row.length)) * TEXT_SCALE;
}

/** The text, cut short with "..." when it would be wider than `maxWidth` pixels. */
function fitted(text: string, maxWidth: number): string {
  let t = printable(text);
  if (textWidth(t) <= maxWidth) return t;
  while (t.length > 0 && textWidth(`${t}...`) > maxWidth) t = t.slice(0, -1);
  return `${t.trimEnd()}...`;
}

/** Draws a line of text with its top at y; `align` says whether x is its left edge, centre or right edge. */
function drawText(png: PNG, text: string, x: number, y: number, colour: Rgb, maxWidth: number, align = 'left'): void {
  const t = fitted(text, maxWidth);
  if (t === '') return;
  const pixels = renderPixels(t, FONT);
  const width = textWidth(t);
  const left = align === 'centre' ? Math.round(x - width / 2) : align === 'right' ? x - width : x;
  pixels.forEach((row, r) =>
    row.forEach((on, c) => {
      if (on) fill(png, left + c * TEXT_SCALE, y + r * TEXT_SCALE, TEXT_SCALE, TEXT_SCALE, colour);
    }),
  );
}

/**
 * The input as displayed: each pixel's colour, contrast-stretched over the sample (the model sees standardised
 * values, so only their order of brightness is meaningful). One channel is grey, three are RGB, any other count is
 * shown as the mean over channels.
 */
function inputColours(sample: ExplanationSample, inputShape: number[]): Rgb[] {
  const [rows = 1, cols = 1, channels = 1] = inputShape;
  let min = Infinity;
  let max = -Infinity;
  for (const v of sample.input) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const level = (v: number): number => (range > 0 ? Math.round(((v - min) / range) * 255) : 0);
  const colours: Rgb[] = [];
  for (let p = 0; p < rows * cols; p++) {
    const values = sample.input.slice(p * channels, (p + 1) * channels);
    if (channels === 3) colours.push([level(values[0]), level(values[1]), level(values[2])]);
    else {
      const grey = level(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length));
      colours.push([grey, grey, grey]);
    }
  }
  return colours;
}

/** The map's value under an input pixel (nearest cell when the map is not at the input's size). */
function mapValue(map: ExplanationMap, row: number, col: number, rows: number, cols: number): number {
  const r = Math.min(map.height - 1, Math.floor((row * map.height) / rows));
  const c = Math.min(map.width - 1, Math.floor((col * map.width) / cols));
  return map.values[r * map.width + c] ?? 0;
}

/** Blends a colour over another: `alpha` of `top`. */
export function blend(bottom: Rgb, top: Rgb, alpha: number): [number, number, number] {
  return [0, 1, 2].map((k) => Math.round((1 - alpha) * bottom[k] + alpha * top[k])) as [number, number, number];
}

/** One sample's picture, and where its parts are. */
export function explanationPng(event: ExplanationEvent, sample: ExplanationSample): { png: PNG; layout: ExplainPngLayout } {
  const trueMap = sample.gradCamTrue;
  const layout = layoutFor(event.inputShape, trueMap !== undefined);
  const { width, height, scale, panelWidth } = layout;
  const [rows = 1, cols = 1] = event.inputShape;
  const png = new PNG({ width, height });
  fill(png, 0, 0, width, height, BACKGROUND);
  const wrong = sample.predicted !== sample.label;
  if (wrong) {
    fill(png, 0, 0, width, FRAME, WRONG);
    fill(png, 0, height - FRAME, width, FRAME, WRONG);
    fill(png, 0, 0, FRAME, height, WRONG);
    fill(png, width - FRAME, 0, FRAME, height, WRONG);
  }

  const left = layout.input.x;
  const textWidthMax = width - 2 * left;
  let y = FRAME + MARGIN;
  drawText(
    png,
    `${predictionText(event, sample)}${wrong ? ' · misclassified' : ''}`,
    left,
    y,
    wrong ? WRONG : TEXT,
    textWidthMax,
  );
  y += LINE + 4;
  drawText(
    png,
    `validation sample ${sample.index} · epoch ${event.epoch + 1} · layer ${event.layer}`,
    left,
    y,
    TEXT,
    textWidthMax,
  );
  y += LINE + 10;
  // The class the map explains: the prediction unless `--class` asked for another (the header names both).
  const mapTitle = `Grad-CAM of ${className(event, sample.target)}`;
  drawText(png, 'input', layout.input.x, y, TEXT, panelWidth);
  drawText(png, mapTitle, layout.heatmap.x, y, TEXT, panelWidth);
  drawText(png, 'overlay', layout.overlay.x, y, TEXT, panelWidth);
  // Where the model would have looked for the true class: what a learner compares with the map of its mistake.
  if (layout.trueMap) drawText(png, `Grad-CAM of ${className(event, sample.label)}`, layout.trueMap.x, y, TEXT, panelWidth);

  const inputs = inputColours(sample, event.inputShape);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const image = inputs[r * cols + c];
      const heat = viridis(mapValue(sample.gradCam, r, c, rows, cols));
      const dx = c * scale;
      const dy = r * scale;
      fill(png, layout.input.x + dx, layout.input.y + dy, scale, scale, image);
      fill(png, layout.heatmap.x + dx, layout.heatmap.y + dy, scale, scale, heat);
      fill(png, layout.overlay.x + dx, layout.overlay.y + dy, scale, scale, blend(image, heat, OVERLAY_ALPHA));
      if (trueMap && layout.trueMap)
        fill(png, layout.trueMap.x + dx, layout.trueMap.y + dy, scale, scale, viridis(mapValue(trueMap, r, c, rows, cols)));
    }
  }

  // An all-zero map (ReLU left nothing: no feature map raised the class score) would read as a flat purple square.
  if (!sample.gradCam.values.some((v) => v > 0)) {
    const middle = layout.heatmap.y + Math.round(layout.panelHeight / 2) - LINE;
    const centre = layout.heatmap.x + panelWidth / 2;
    drawText(png, 'empty map:', centre, middle, EMPTY_NOTE, panelWidth - 8, 'centre');
    drawText(png, 'nothing raised', centre, middle + LINE, EMPTY_NOTE, panelWidth - 8, 'centre');
    drawText(png, 'the class score', centre, middle + 2 * LINE, EMPTY_NOTE, panelWidth - 8, 'centre');
  }

  const { legend } = layout;
  for (let x = 0; x < legend.width; x++)
    fill(png, legend.x + x, legend.y, 1, legend.height, viridis(x / Math.max(1, legend.width - 1)));
  const labelsTop = legend.y + legend.height + 4;
  drawText(png, '0', legend.x, labelsTop, TEXT, panelWidth);
  drawText(png, 'map value', legend.x + legend.width / 2, labelsTop, TEXT, panelWidth - 48, 'centre');
  drawText(png, '1', legend.x + legend.width, labelsTop, TEXT, panelWidth, 'right');
  return { png, layout };
}

/** Writes one PNG per sample into `outDir` (created); returns the files written, in sample order. */
export function writeExplanationPngs(event: ExplanationEvent, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  return event.samples.map((sample) => {
    const file = path.join(outDir, explanationFileName(sample));
    fs.writeFileSync(file, PNG.sync.write(explanationPng(event, sample).png));
    return file;
  });
}
