// The colour map and the words every Grad-CAM map is shown with (src/shared/colorMap.ts, heatmapText.ts).
import * as assert from 'assert';
import { viridis } from '../../src/shared/colorMap';
import type { ExplanationEvent } from '../../src/shared/engineProtocol';
import { summarizeHeatmap } from '../../src/shared/heatmapText';
import { applyEvent, emptyHistory, MAX_EXPLANATIONS } from '../../src/shared/runHistory';

/** A width × height map that is 0 except the given cells. */
function map(
  width: number,
  height: number,
  cells: [number, number, number][],
): { width: number; height: number; values: number[] } {
  const values = new Array<number>(width * height).fill(0);
  for (const [row, col, v] of cells) values[row * width + col] = v;
  return { width, height, values };
}

describe('heatmap colours and text alternative', () => {
  it('viridis runs from dark purple to yellow and clamps outside [0, 1]', () => {
    assert.deepStrictEqual(viridis(0), [68, 1, 84]);
    assert.deepStrictEqual(viridis(1), [253, 231, 37]);
    assert.deepStrictEqual(viridis(-3), viridis(0));
    assert.deepStrictEqual(viridis(Number.NaN), viridis(0));
    assert.deepStrictEqual(viridis(0.5), [33, 145, 140]);
    // Brightness (r + g + b) rises monotonically: a heatmap reads the same in greyscale.
    let last = -1;
    for (let i = 0; i <= 100; i++) {
      const [r, g, b] = viridis(i / 100);
      assert.ok(r + g + b >= last - 1, `brightness at ${i / 100}`);
      last = r + g + b;
    }
  });

  it('says a map concentrated in the middle is in the centre and lists its strongest cells', () => {
    const s = summarizeHeatmap(
      map(8, 8, [
        [3, 4, 1],
        [4, 4, 0.5],
        [0, 0, 0.1],
      ]),
    );
    assert.ok(Math.abs(s.centreShare - 1.5 / 1.6) < 1e-9);
    assert.strictEqual(s.region, 'centre');
    assert.ok(Math.abs(s.regionShare - 1.5 / 1.6) < 1e-9);
    assert.deepStrictEqual(
      s.top.map((c) => [c.row, c.col]),
      [
        [3, 4],
        [4, 4],
        [0, 0],
      ],
    );
    assert.match(s.text, /^94% of the map's mass lies in the central quarter/);
    assert.match(s.text, /mostly in the centre/);
    assert.match(s.text, /row 4, column 5 \(1\.00\)/);
  });

  it('names the corner where the mass lies towards the edges, and an empty map as empty', () => {
    const s = summarizeHeatmap(
      map(9, 9, [
        [0, 8, 1],
        [1, 7, 1],
      ]),
    );
    assert.strictEqual(s.centreShare, 0);
    assert.strictEqual(s.region, 'top right');
    assert.match(s.text, /towards the edges/);
    assert.match(s.text, /the top right holds the most \(100%\)/);
    // Two spots at opposite edges: their centroid would be the middle, where nothing is; the text names a spot's ninth.
    const split = summarizeHeatmap(
      map(9, 9, [
        [4, 0, 1],
        [4, 8, 1],
      ]),
    );
    assert.strictEqual(split.region, 'left');
    assert.strictEqual(split.regionShare, 0.5);
    const empty = summarizeHeatmap(map(4, 4, []));
    assert.deepStrictEqual(empty.top, []);
    assert.match(empty.text, /empty/);
  });

  it('keeps a bounded, even selection of explanations across epochs, the newest replacing an epoch explained again', () => {
    const state = emptyHistory();
    const event = (epoch: number, layer = 'conv2d_1'): ExplanationEvent => ({
      type: 'explanation',
      epoch,
      layer,
      method: 'grad-cam',
      inputShape: [2, 2, 1],
      classNames: ['0', '1'],
      samples: [],
    });
    for (let epoch = 0; epoch < 100; epoch++) applyEvent(state, event(epoch));
    assert.ok(state.explanations.length <= MAX_EXPLANATIONS);
    assert.strictEqual(state.explanations[0].epoch, 0);
    assert.strictEqual(state.explanations[state.explanations.length - 1].epoch, 99);
    const epochs = state.explanations.map((e) => e.epoch);
    assert.deepStrictEqual(
      epochs,
      [...epochs].sort((a, b) => a - b),
    );
    applyEvent(state, event(99, 'conv2d_2'));
    assert.strictEqual(state.explanations.filter((e) => e.epoch === 99).length, 1);
    assert.strictEqual(state.explanations[state.explanations.length - 1].layer, 'conv2d_2');
  });
});
