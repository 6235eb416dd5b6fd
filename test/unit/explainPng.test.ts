// The PNGs of `gradscope explain`, decoded with pngjs and read pixel by pixel: the input panel shows the sample, the
// heatmap panel shows viridis-yellow where the map is 1 and viridis-purple where it is 0, the overlay blends the two,
// the legend runs from 0 to 1, and a misclassified sample (only it) has a red frame and red header text.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import {
  BACKGROUND,
  blend,
  EMPTY_NOTE,
  explanationFileName,
  explanationPng,
  OVERLAY_ALPHA,
  WRONG,
  writeExplanationPngs,
  type ExplainPngLayout,
} from '../../src/cli/explainPng';
import { viridis } from '../../src/shared/colorMap';
import { predictionText } from '../../src/shared/explanationText';
import type { ExplanationEvent, ExplanationMap, ExplanationSample } from '../../src/shared/engineProtocol';

const SIZE = 28;

/** A map that is 1 on rows/cols [r0, r1) × [c0, c1) and 0 elsewhere. */
function patchMap(r0: number, r1: number, c0: number, c1: number, size = SIZE): ExplanationMap {
  const values: number[] = [];
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) values.push(r >= r0 && r < r1 && c >= c0 && c < c1 ? 1 : 0);
  return { width: size, height: size, values };
}

/** A standardised-looking input: −0.4 everywhere, 2.8 (the brightest) on a vertical bar at columns 12..15. */
function barInput(): number[] {
  const values: number[] = [];
  for (let r = 0; r < SIZE; r++) for (let c = 0; c < SIZE; c++) values.push(c >= 12 && c < 16 && r >= 4 && r < 24 ? 2.8 : -0.4);
  return values;
}

function sample(index: number, label: number, predicted: number): ExplanationSample {
  const probabilities = Array.from({ length: 10 }, (_, k) => (k === predicted ? 0.91 : 0.01));
  return {
    index,
    label,
    predicted,
    target: predicted,
    probabilities,
    gradCam: patchMap(2, 8, 18, 26),
    gradCamRaw: patchMap(0, 2, 3, 5, 5),
    input: barInput(),
  };
}

const EVENT: ExplanationEvent = {
  type: 'explanation',
  epoch: 2,
  layer: 'conv2d_2',
  method: 'grad-cam',
  inputShape: [SIZE, SIZE, 1],
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  samples: [sample(12, 7, 7), sample(40, 3, 5)],
};

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const i = (y * png.width + x) * 4;
  assert.equal(png.data[i + 3], 255, `pixel ${x},${y} is opaque`);
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}

/** The centre of input pixel (row, col) inside a panel. */
function at(layout: ExplainPngLayout, panel: 'input' | 'heatmap' | 'overlay', row: number, col: number): [number, number] {
  const half = Math.floor(layout.scale / 2);
  return [layout[panel].x + col * layout.scale + half, layout[panel].y + row * layout.scale + half];
}

function decodeFile(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(file));
}

/** Pixels of `colour` in the rectangle. */
function count(png: PNG, x0: number, y0: number, x1: number, y1: number, colour: readonly number[]): number {
  let n = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const p = pixel(png, x, y);
      if (p[0] === colour[0] && p[1] === colour[1] && p[2] === colour[2]) n++;
    }
  return n;
}

describe('explain PNGs', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-explain-png-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one PNG per sample, named by index, label and prediction, that decodes at the layout’s size', () => {
    const files = writeExplanationPngs(EVENT, dir);
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      ['sample-12-label-7-pred-7.png', 'sample-40-label-3-pred-5.png'],
    );
    assert.equal(explanationFileName(EVENT.samples[1]), 'sample-40-label-3-pred-5.png');
    const { layout } = explanationPng(EVENT, EVENT.samples[0]);
    for (const file of files) {
      const png = decodeFile(file);
      assert.equal(png.width, layout.width);
      assert.equal(png.height, layout.height);
    }
    // 28×28 scaled ×6: three 168-pixel panels side by side.
    assert.equal(layout.scale, 6);
    assert.equal(layout.panelWidth, 168);
    assert.ok(layout.heatmap.x >= layout.input.x + 168 && layout.overlay.x >= layout.heatmap.x + 168);
    assert.ok(layout.width >= layout.overlay.x + 168);
  });

  it('the heatmap is viridis-yellow where the map is 1 and purple where it is 0; the input and overlay match', () => {
    const png = decodeFile(path.join(dir, 'sample-12-label-7-pred-7.png'));
    const { layout } = explanationPng(EVENT, EVENT.samples[0]);
    const yellow = viridis(1);
    const purple = viridis(0);
    assert.deepEqual(yellow, [253, 231, 37]);
    // Map 1 at rows 2..7, cols 18..25; 0 elsewhere.
    assert.deepEqual(pixel(png, ...at(layout, 'heatmap', 4, 20)), yellow);
    assert.deepEqual(pixel(png, ...at(layout, 'heatmap', 20, 5)), purple);
    // Every pixel of a map-1 cell's block is yellow (nearest-neighbour scaling, no smoothing).
    const x0 = layout.heatmap.x + 18 * layout.scale;
    const y0 = layout.heatmap.y + 2 * layout.scale;
    assert.equal(count(png, x0, y0, x0 + 8 * layout.scale, y0 + 6 * layout.scale, yellow), 48 * layout.scale ** 2);
    // The input, contrast-stretched: the bar is white, the rest black.
    assert.deepEqual(pixel(png, ...at(layout, 'input', 10, 13)), [255, 255, 255]);
    assert.deepEqual(pixel(png, ...at(layout, 'input', 10, 3)), [0, 0, 0]);
    // The overlay is the input blended with the heatmap.
    assert.deepEqual(pixel(png, ...at(layout, 'overlay', 4, 20)), blend([0, 0, 0], yellow, OVERLAY_ALPHA));
    assert.deepEqual(pixel(png, ...at(layout, 'overlay', 10, 13)), blend([255, 255, 255], purple, OVERLAY_ALPHA));
    // The legend runs from viridis(0) at its left end to viridis(1) at its right end.
    const { legend } = layout;
    assert.deepEqual(pixel(png, legend.x, legend.y + 2), purple);
    assert.deepEqual(pixel(png, legend.x + legend.width - 1, legend.y + 2), yellow);
  });

  it('an empty map (all 0) is purple with a white note on it; a map with mass has no note', () => {
    const empty = { ...EVENT.samples[0], gradCam: patchMap(0, 0, 0, 0) };
    const { png, layout } = explanationPng(EVENT, empty);
    const panel = [
      layout.heatmap.x,
      layout.heatmap.y,
      layout.heatmap.x + layout.panelWidth,
      layout.heatmap.y + layout.panelHeight,
    ] as const;
    const white = count(png, ...panel, EMPTY_NOTE);
    assert.ok(white > 100, `note pixels: ${white}`);
    assert.equal(white + count(png, ...panel, viridis(0)), layout.panelWidth * layout.panelHeight, 'only purple and the note');
    const full = explanationPng(EVENT, EVENT.samples[0]);
    assert.equal(count(full.png, ...panel, EMPTY_NOTE), 0);
  });

  it('a misclassified sample has a red frame and red header text; a right one has neither', () => {
    const right = decodeFile(path.join(dir, 'sample-12-label-7-pred-7.png'));
    const wrong = decodeFile(path.join(dir, 'sample-40-label-3-pred-5.png'));
    const { layout } = explanationPng(EVENT, EVENT.samples[1]);
    const { width, height, frame } = layout;
    const framePoints: [number, number][] = [
      [0, 0],
      [width - 1, height - 1],
      [Math.floor(width / 2), frame - 1],
      [frame - 1, Math.floor(height / 2)],
      [width - frame, Math.floor(height / 3)],
      [Math.floor(width / 3), height - frame],
    ];
    for (const [x, y] of framePoints) {
      assert.deepEqual(pixel(wrong, x, y), WRONG, `frame at ${x},${y}`);
      assert.deepEqual(pixel(right, x, y), BACKGROUND, `no frame at ${x},${y}`);
    }
    // Header band (above the panels, inside the frame): red glyphs only in the misclassified one.
    const header = [frame, frame, width - frame, layout.input.y - 30] as const;
    assert.ok(count(wrong, ...header, WRONG) > 50, 'red header text');
    assert.equal(count(right, ...header, WRONG), 0);
    // The header of the right one has text too (dark glyph pixels).
    assert.ok(count(right, ...header, [34, 34, 34]) > 50, 'header text drawn');
  });

  it('a sample with the true class’s map gets a fourth panel showing it', () => {
    const withTrue = { ...EVENT.samples[1], gradCamTrue: patchMap(20, 26, 2, 8) };
    const { png, layout } = explanationPng(EVENT, withTrue);
    assert.ok(layout.trueMap);
    assert.equal(layout.width, explanationPng(EVENT, EVENT.samples[1]).layout.width + layout.panelWidth + 12);
    assert.deepEqual(pixel(png, layout.trueMap.x + 4 * 6 + 3, layout.trueMap.y + 22 * 6 + 3), viridis(1));
    assert.deepEqual(pixel(png, layout.trueMap.x + 20 * 6 + 3, layout.trueMap.y + 4 * 6 + 3), viridis(0));
    // The predicted class's map is still the second panel.
    assert.deepEqual(pixel(png, ...at(layout, 'heatmap', 4, 20)), viridis(1));
    assert.equal(explanationPng(EVENT, EVENT.samples[1]).layout.trueMap, undefined);
  });

  it('an RGB input keeps its colours; a map smaller than the input is drawn cell by cell', () => {
    const size = 8;
    const input: number[] = [];
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) input.push(...(c < 4 ? [1, 0, 0] : [0, 0, 1]));
    const event: ExplanationEvent = {
      ...EVENT,
      inputShape: [size, size, 3],
      classNames: ['cat', 'dog'],
      samples: [
        {
          index: 0,
          label: 1,
          predicted: 1,
          target: 0,
          probabilities: [0.3, 0.7],
          input,
          // 2×2 map: only the top-right cell is 1.
          gradCam: { width: 2, height: 2, values: [0, 1, 0, 0] },
          gradCamRaw: { width: 2, height: 2, values: [0, 1, 0, 0] },
        },
      ],
    };
    const { png, layout } = explanationPng(event, event.samples[0]);
    const decoded = PNG.sync.read(PNG.sync.write(png));
    assert.equal(layout.scale, 20, '8×8 is scaled up to 160 pixels');
    assert.deepEqual(pixel(decoded, ...at(layout, 'input', 1, 1)), [255, 0, 0]);
    assert.deepEqual(pixel(decoded, ...at(layout, 'input', 1, 6)), [0, 0, 255]);
    assert.deepEqual(pixel(decoded, ...at(layout, 'heatmap', 1, 6)), viridis(1));
    assert.deepEqual(pixel(decoded, ...at(layout, 'heatmap', 6, 6)), viridis(0));
    assert.equal(predictionText(event, event.samples[0]), 'label dog · predicted dog (0.70)');
  });
});
