// The dashboard's Explain panel (Grad-CAM) on a synthetic run whose maps are known exactly: each map is 1 at one
// cell and falls off around it, so the panel must draw viridis yellow there and viridis purple far away. In real
// Chromium with the host's CSP: the map, overlay and input tiles' pixels, the misclassified sample framed and marked
// ✗ (not by colour only), the predicted / true class / saliency toggle, the epoch slider (live: it follows the newest
// explanation until a user picks an epoch), the first conv layer's filters on a diverging grey scale, the maps in
// words (summarizeHeatmap), and when the panel shows at all. Screenshots: test-results/webview-explain-*.png. The
// pure helpers (webview/explain.ts) are checked in Node first.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { viridis } from '../../src/shared/colorMap';
import type {
  ExplanationEvent,
  ExplanationMap,
  ExplanationSample,
  LayerSummary,
  RunStartEvent,
  TrainingEvent,
} from '../../src/shared/engineProtocol';
import { predictionText } from '../../src/shared/explanationText';
import { summarizeHeatmap } from '../../src/shared/heatmapText';
import { historyFromEvents } from '../../src/shared/runHistory';
import type { ToWebviewMessage } from '../../src/shared/webviewProtocol';
import { epochText, filterPixels, mapCaption, mapOf, overlayColor, sanityText, viewAvailable } from '../../webview/explain';
import { CHROMIUM, ensureBundle, launchChromium, openTestPage, RESULTS, waitForPage } from './support/webviewPage';

const SIDE = 28;
const EPOCHS = 3;

/** A SIDE×SIDE map that is 1 at (row, col) and falls linearly to 0 six cells away. */
function peakMap(row: number, col: number, side = SIDE): ExplanationMap {
  const values: number[] = [];
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) values.push(Math.max(0, 1 - Math.hypot(r - row, c - col) / 6));
  return { width: side, height: side, values };
}

/** A bright square (rows and columns 8..19) on a dark background, as standardised inputs (−0.5 and 2). */
function squareInput(): number[] {
  const v: number[] = [];
  for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) v.push(r >= 8 && r < 20 && c >= 8 && c < 20 ? 2 : -0.5);
  return v;
}

function probabilities(top: number, p: number): number[] {
  return Array.from({ length: 10 }, (_, k) => (k === top ? p : Math.round(((1 - p) / 9) * 1e4) / 1e4));
}

/** Where sample A's (right) Grad-CAM peaks at epoch e: it moves right epoch by epoch, so the slider shows a change. */
const peakColA = (epoch: number): number => 4 + 8 * epoch;

/** Two validation samples: A (index 5) a 3 predicted right; B (index 9) a 7 taken for a 1 with probability 0.61. */
function explanation(epoch: number): ExplanationEvent {
  const a: ExplanationSample = {
    index: 5,
    label: 3,
    predicted: 3,
    probabilities: probabilities(3, 0.9),
    target: 3,
    gradCam: peakMap(10, peakColA(epoch)),
    gradCamRaw: peakMap(2, 2, 7),
    saliency: peakMap(20, 20),
    input: squareInput(),
  };
  const b: ExplanationSample = {
    index: 9,
    label: 7,
    predicted: 1,
    probabilities: probabilities(1, 0.61),
    target: 1,
    gradCam: peakMap(5, 5),
    gradCamRaw: peakMap(1, 1, 7),
    gradCamTrue: peakMap(22, 22),
    gradCamTrueRaw: peakMap(5, 5, 7),
    saliency: peakMap(3, 24),
    input: squareInput(),
  };
  // Filter 0: +0.5 top left, −0.5 bottom right, 0 elsewhere; the others a ramp.
  const kernels = [
    [0.5, 0, 0, 0, 0, 0, 0, 0, -0.5],
    ...[1, 2, 3].map((k) => Array.from({ length: 9 }, (_, i) => (i - 4) * k * 0.01)),
  ];
  return {
    type: 'explanation',
    epoch,
    layer: 'conv2d_2',
    method: 'grad-cam',
    inputShape: [SIDE, SIDE, 1],
    classNames: Array.from({ length: 10 }, (_, k) => String(k)),
    samples: [a, b],
    filters: { layer: 'conv2d_1', height: 3, width: 3, channels: 1, kernels },
  };
}

function layer(name: string, kind: string, outputShape: number[], activation?: string): LayerSummary {
  return { name, kind, activation, params: 10, outputShape, specPath: '/model/layers/0', hasWeights: kind !== 'flatten' };
}

function runStart(runId: string, conv: boolean, task: RunStartEvent['task'] = 'classification'): RunStartEvent {
  const layers = conv
    ? [
        layer('conv2d_1', 'conv2d', [26, 26, 4], 'relu'),
        layer('conv2d_2', 'conv2d', [24, 24, 8], 'relu'),
        layer('flatten_1', 'flatten', [4608]),
        layer('dense_1', 'dense', [10], 'softmax'),
      ]
    : [layer('flatten_1', 'flatten', [784]), layer('dense_1', 'dense', [10], 'softmax')];
  return {
    type: 'run-start',
    runId,
    specFile: `/tmp/${runId}.gradscope.json`,
    specPath: `/tmp/${runId}.gradscope.json`,
    specName: runId,
    runDir: `/tmp/${runId}`,
    backend: 'cpu',
    seed: 1,
    epochs: EPOCHS,
    stepsPerEpoch: 2,
    batchSize: 16,
    trainSamples: 32,
    validationSamples: 16,
    task,
    totalParams: 40,
    layers,
    startedAt: new Date(0).toISOString(),
  };
}

/** Epoch `e`'s events: two steps, the epoch, and (with `explain`) its explanation after the epoch event. */
function epochEvents(e: number, explain: boolean): TrainingEvent[] {
  const out: TrainingEvent[] = [];
  for (let s = 2 * e; s < 2 * e + 2; s++) out.push({ type: 'step', step: s, epoch: e, loss: 2 - s / 10, lr: 0.01, layers: [] });
  out.push({
    type: 'epoch',
    epoch: e,
    loss: 2 - e / 3,
    valLoss: 2.1 - e / 3,
    acc: 0.3 + e / 10,
    valAcc: 0.3,
    lr: 0.01,
    durationMs: 10,
    samplesPerSec: 100,
  });
  if (explain) out.push(explanation(e));
  return out;
}

function run(runId: string, conv: boolean, explain: boolean, task: RunStartEvent['task'] = 'classification'): TrainingEvent[] {
  const events: TrainingEvent[] = [runStart(runId, conv, task)];
  for (let e = 0; e < EPOCHS; e++) events.push(...epochEvents(e, explain));
  events.push({ type: 'run-end', status: 'completed', epochsCompleted: EPOCHS, steps: 2 * EPOCHS, durationMs: 100 });
  return events;
}

describe('Explain panel helpers (webview/explain.ts)', () => {
  const e = explanation(1);
  const [a, b] = e.samples;

  it('takes the true class map from gradCam when the class explained is the true class, else gradCamTrue', () => {
    assert.strictEqual(mapOf(a, 'true'), a.gradCam);
    assert.strictEqual(mapOf(b, 'true'), b.gradCamTrue);
    assert.strictEqual(mapOf(b, 'predicted'), b.gradCam);
    assert.strictEqual(mapOf(b, 'saliency'), b.saliency);
    const noSaliency = { ...e, samples: e.samples.map((s) => ({ ...s, saliency: undefined })) };
    assert.strictEqual(viewAvailable(noSaliency, 'saliency'), false);
    assert.strictEqual(viewAvailable(e, 'true'), true);
  });

  it('says the prediction, the map and the epoch in words', () => {
    assert.strictEqual(predictionText(e, b), 'label 7 · predicted 1 (0.61)');
    assert.strictEqual(predictionText(e, a), 'label 3 · predicted 3 (0.90)');
    assert.strictEqual(mapCaption(e, b, 'predicted'), 'Grad-CAM of class 1 (predicted)');
    assert.strictEqual(mapCaption(e, b, 'true'), 'Grad-CAM of class 7 (true class)');
    assert.strictEqual(mapCaption(e, b, 'saliency'), 'Saliency of class 1 (predicted)');
    assert.strictEqual(epochText(e, 10), 'epoch 2 of 10');
    assert.strictEqual(epochText({ ...e, runDir: '/r' }, 10), 'epoch 2 of 10 (explained after training)');
    assert.strictEqual(sanityText(e), undefined);
    const sanity = (rankCorrelation: number): ExplanationEvent => ({
      ...e,
      sanity: { rankCorrelation, perSample: [rankCorrelation], randomizedLayers: ['dense_1', 'conv2d_2', 'conv2d_1'] },
    });
    assert.match(sanityText(sanity(0.12)) ?? '', /^Sanity check passed: .*rank correlation 0\.12 with these, below 0\.5/);
    assert.match(sanityText(sanity(0.8)) ?? '', /^Sanity check failed: .*rank correlation 0\.80 with these, not below 0\.5/);
  });

  it('draws filters on a diverging grey scale scaled per filter, and blends the overlay half and half', () => {
    const px = filterPixels([0.5, 0, -0.5, 0.25], 2, 2, 1);
    assert.deepStrictEqual(px, [255, 255, 255, 128, 128, 128, 0, 0, 0, 191, 191, 191]);
    // The same pattern 100× smaller looks the same: each filter is scaled on its own.
    assert.deepStrictEqual(filterPixels([0.005, 0, -0.005, 0.0025], 2, 2, 1), px);
    assert.deepStrictEqual(
      overlayColor([0, 0, 0], 1),
      viridis(1).map((c) => Math.round(c / 2)),
    );
    assert.deepStrictEqual(
      overlayColor([255, 255, 255], 0),
      viridis(0).map((c) => Math.round((255 + c) / 2)),
    );
  });
});

describe('Explain panel (Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let page: Page;
  let tmp: string;
  const pageErrors: string[] = [];

  const waitFor = (expression: string, timeout = 10_000): Promise<void> => waitForPage(page, expression, timeout);
  const post = (msg: ToWebviewMessage): Promise<unknown> => page.evaluate(`window.postMessage(${JSON.stringify(msg)}, "*")`);
  const drawnRevision = async (): Promise<number> =>
    Number(await page.evaluate<string>(`document.getElementById('app')?.dataset.revision ?? '-1'`));
  /** Posts a message and waits until a draw has shown it. */
  const postDrawn = async (msg: ToWebviewMessage): Promise<void> => {
    const before = await drawnRevision();
    await post(msg);
    await waitFor(`Number(document.getElementById('app')?.dataset.revision) > ${before}`);
  };
  const snapshot = (events: TrainingEvent[], live = false): Promise<void> => {
    const start = events[0];
    assert.ok(start.type === 'run-start');
    return postDrawn({
      type: 'snapshot',
      settings: { maxPoints: 2000 },
      run: { runId: start.runId, specFile: start.specFile, runDir: start.runDir, live },
      history: historyFromEvents(events),
    });
  };
  /** The RGBA of map cell (row, col) in tile `tile` (0 input, 1 map, 2 overlay) of the sample with `index`. */
  const cell = async (index: number, tile: number, row: number, col: number): Promise<number[]> =>
    page.evaluate<number[]>(`(() => {
      const c = document.querySelector('#explain-grid figure[data-index="${index}"] canvas');
      const [l, t, w, h, gap] = c.dataset.tiles.split(',').map(Number);
      const [iw, ih] = c.dataset.image.split(',').map(Number);
      const x = Math.floor(l + ${tile} * (w + gap) + (${col} + 0.5) * w / iw);
      const y = Math.floor(t + (${row} + 0.5) * h / ih);
      return [...c.getContext('2d').getImageData(x, y, 1, 1).data];
    })()`);
  const rgb = (c: number[]): number[] => c.slice(0, 3);
  const clickView = async (view: string): Promise<void> => {
    await page.click(`#panel-explain [data-view="${view}"]`);
    await waitFor(`document.getElementById('panel-explain').dataset.view === '${view}'`);
  };
  const setSlider = (value: number): Promise<unknown> =>
    page.evaluate(
      `(() => { const s = document.getElementById('explain-epoch-slider'); s.value = '${value}'; s.dispatchEvent(new Event('input')); })()`,
    );
  const shot = (name: string): Promise<Buffer> =>
    page.locator('#panel-explain').screenshot({ path: path.join(RESULTS, `webview-explain-${name}.png`) });

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-explain-'));
    [browser] = await Promise.all([launchChromium(), ensureBundle()]);
    fs.mkdirSync(RESULTS, { recursive: true });
    page = await openTestPage(browser, tmp, pageErrors);
    await waitFor(`window.__posted.some((m) => m.type === 'ready')`);
  });

  after(async () => {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('draws each sample’s map in viridis: yellow where the map is 1, purple where it is 0, blended over the input', async () => {
    await snapshot(run('explain-run', true, true));
    await waitFor(`document.querySelectorAll('#explain-grid canvas[data-rendered="true"]').length === 2`);
    assert.strictEqual(await page.locator('#panel-explain').isVisible(), true);
    assert.strictEqual(await page.locator('#panel-explain > .gs-hint:not(#explain-note)').isVisible(), true);
    assert.strictEqual(await page.getAttribute('#panel-explain', 'data-explanations'), '3');
    assert.strictEqual(await page.getAttribute('#panel-explain', 'data-epoch'), '2');
    assert.strictEqual(await page.locator('#explain-epoch').textContent(), 'epoch 3 of 3 (latest)');
    const col = peakColA(2);
    assert.deepStrictEqual(rgb(await cell(5, 1, 10, col)), viridis(1), 'map tile: yellow at the peak');
    assert.deepStrictEqual(rgb(await cell(5, 1, 27, 0)), viridis(0), 'map tile: purple far from it');
    // The peak lies outside the bright square: the overlay is yellow over black, half and half.
    assert.deepStrictEqual(rgb(await cell(5, 2, 10, col)), overlayColor([0, 0, 0], 1));
    const inside = explanation(2).samples[0].gradCam.values[12 * SIDE + 12];
    assert.deepStrictEqual(rgb(await cell(5, 2, 12, 12)), overlayColor([255, 255, 255], inside), 'overlay over the white square');
    assert.deepStrictEqual(rgb(await cell(5, 0, 12, 12)), [255, 255, 255], 'input tile: the square is white');
    assert.deepStrictEqual(rgb(await cell(5, 0, 2, 2)), [0, 0, 0], 'input tile: the background is black');
    const legend = await page.evaluate<number[][]>(`(() => {
      const c = document.getElementById('explain-legend');
      const g = c.getContext('2d');
      return [[...g.getImageData(0, 5, 1, 1).data], [...g.getImageData(c.width - 1, 5, 1, 1).data]];
    })()`);
    assert.deepStrictEqual(rgb(legend[0]), viridis(0), 'legend starts at viridis(0)');
    assert.deepStrictEqual(rgb(legend[1]), viridis(1), 'legend ends at viridis(1)');
    await shot('predicted');
  });

  it('marks the misclassified sample with a frame and a ✗ and says "wrong", the right one with a ✓', async () => {
    const wrong = page.locator('#explain-grid figure[data-index="9"]');
    const right = page.locator('#explain-grid figure[data-index="5"]');
    assert.strictEqual(await wrong.getAttribute('data-correct'), 'false');
    assert.match((await wrong.getAttribute('class')) ?? '', /is-wrong/);
    assert.strictEqual(await wrong.locator('.gs-explain-pred').textContent(), '✗ label 7 · predicted 1 (0.61) wrong');
    assert.strictEqual(await right.locator('.gs-explain-pred').textContent(), '✓ label 3 · predicted 3 (0.90)');
    const borderOf = (sel: string): Promise<string> =>
      page.evaluate<string>(`getComputedStyle(document.querySelector('${sel}')).borderTopColor`);
    const border = await borderOf('#explain-grid figure[data-index="9"]');
    assert.strictEqual(border, 'rgb(241, 76, 76)', 'framed in the theme’s error colour');
    assert.strictEqual(await borderOf('#explain-grid figure[data-index="5"]'), 'rgba(0, 0, 0, 0)');
    assert.match(
      (await page.locator('#explain-note').textContent()) ?? '',
      /^2 validation samples, Grad-CAM at layer conv2d_2; 1 predicted wrong \(framed, marked ✗\)/,
    );
    assert.match((await wrong.locator('canvas').getAttribute('aria-label')) ?? '', /misclassified/);
  });

  it('gives every map a text alternative: summarizeHeatmap’s sentence in the image label and the list in words', async () => {
    const e = explanation(2);
    const items = await page.locator('#explain-text li').allTextContents();
    assert.strictEqual(items.length, 2);
    e.samples.forEach((s, i) => {
      const text = summarizeHeatmap(s.gradCam).text;
      assert.ok(items[i].includes(text), `${items[i]} includes ${text}`);
    });
    const label = (await page.locator('#explain-grid figure[data-index="5"] canvas').getAttribute('aria-label')) ?? '';
    assert.ok(label.includes(summarizeHeatmap(e.samples[0].gradCam).text), label);
    assert.ok(label.startsWith('Validation sample 5: label 3 · predicted 3 (0.90). Grad-CAM of class 3 (predicted):'), label);
  });

  it('switches to the true class’s map and to saliency, and remembers the choice', async () => {
    await clickView('true');
    assert.deepStrictEqual(rgb(await cell(9, 1, 22, 22)), viridis(1), 'the true class 7’s map peaks at (22, 22)');
    assert.notDeepStrictEqual(rgb(await cell(9, 1, 5, 5)), viridis(1));
    assert.deepStrictEqual(rgb(await cell(5, 1, 10, peakColA(2))), viridis(1), 'a right prediction’s true map is its map');
    assert.strictEqual(
      await page.locator('#explain-grid figure[data-index="9"] .gs-explain-map').textContent(),
      'Grad-CAM of class 7 (true class)',
    );
    assert.strictEqual(await page.getAttribute('#panel-explain [data-view="true"]', 'aria-pressed'), 'true');
    assert.strictEqual(await page.evaluate(`window.__state.explainView`), 'true');
    await shot('true-class');
    await clickView('saliency');
    assert.match((await page.locator('#explain-note').textContent()) ?? '', /^2 validation samples, gradient at the input; /);
    assert.deepStrictEqual(rgb(await cell(5, 1, 20, 20)), viridis(1), 'saliency peaks at (20, 20)');
    assert.deepStrictEqual(rgb(await cell(9, 1, 3, 24)), viridis(1));
    await clickView('predicted');
  });

  it('walks the recorded epochs with the slider: the map of the epoch picked', async () => {
    await setSlider(0);
    await waitFor(`document.getElementById('panel-explain').dataset.epoch === '0'`);
    assert.strictEqual(await page.locator('#explain-epoch').textContent(), 'epoch 1 of 3');
    assert.strictEqual(await page.getAttribute('#explain-epoch-slider', 'aria-valuetext'), 'epoch 1 of 3');
    assert.deepStrictEqual(rgb(await cell(5, 1, 10, peakColA(0))), viridis(1));
    assert.notDeepStrictEqual(rgb(await cell(5, 1, 10, peakColA(2))), viridis(1));
    await shot('epoch-1');
    await setSlider(2);
    await waitFor(`document.getElementById('panel-explain').dataset.epoch === '2'`);
  });

  it('draws the first conv layer’s filters: white for the largest positive weight, black for the negative, grey for 0', async () => {
    assert.strictEqual(await page.getAttribute('#explain-filters', 'data-filters'), '4');
    assert.match((await page.locator('#explain-filters-title').textContent()) ?? '', /conv2d_1, 4 filters of 3×3 \(epoch 3\)/);
    const px = await page.evaluate<number[][]>(`(() => {
      const c = document.getElementById('explain-filters');
      const [tile] = c.dataset.tiles.split(',').map(Number);
      const at = (r, k) => [...c.getContext('2d').getImageData(Math.floor((k + 0.5) * tile / 3), Math.floor((r + 0.5) * tile / 3), 1, 1).data];
      return [at(0, 0), at(2, 2), at(1, 1)];
    })()`);
    assert.deepStrictEqual(px.map(rgb), [
      [255, 255, 255],
      [0, 0, 0],
      [128, 128, 128],
    ]);
  });

  it('follows new explanations of a live run until an epoch is picked, then stays on it', async () => {
    const events = run('explain-live', true, true);
    const firstEpochEnd = events.findIndex((e) => e.type === 'explanation') + 1;
    await snapshot(events.slice(0, firstEpochEnd), true);
    await waitFor(`document.getElementById('panel-explain').dataset.epoch === '0'`);
    assert.strictEqual(await page.locator('#explain-epoch-slider').isDisabled(), true, 'one explanation: nothing to slide');
    await postDrawn({ type: 'events', runId: 'explain-live', events: epochEvents(1, true) });
    await waitFor(`document.getElementById('panel-explain').dataset.epoch === '1'`);
    assert.strictEqual(await page.locator('#explain-epoch').textContent(), 'epoch 2 of 3 (latest)');
    await setSlider(0);
    await waitFor(`document.getElementById('panel-explain').dataset.epoch === '0'`);
    await postDrawn({ type: 'events', runId: 'explain-live', events: epochEvents(2, true) });
    assert.strictEqual(await page.getAttribute('#panel-explain', 'data-explanations'), '3');
    assert.strictEqual(await page.getAttribute('#panel-explain', 'data-epoch'), '0', 'the picked epoch stays');
    assert.strictEqual(await page.getAttribute('#explain-epoch-slider', 'max'), '2');
  });

  it('says so when a map is empty (no region raised the score) instead of leaving a purple tile unexplained', async () => {
    const events = run('explain-empty', true, true);
    const last = events.filter((e) => e.type === 'explanation').pop();
    assert.ok(last?.type === 'explanation');
    const a = last.samples[0];
    a.gradCam = { ...a.gradCam, values: a.gradCam.values.map(() => 0) };
    await snapshot(events);
    await waitFor(`document.querySelector('#explain-grid figure[data-index="5"]')?.dataset.empty === 'true'`);
    assert.strictEqual(await page.getAttribute('#explain-grid figure[data-index="9"]', 'data-empty'), 'false');
    assert.strictEqual(
      await page.locator('#explain-grid figure[data-index="5"] .gs-explain-map').textContent(),
      'Grad-CAM of class 3 (predicted): empty, no region raised the score',
    );
    assert.match(
      (await page.locator('#explain-note').textContent()) ?? '',
      /; 1 empty map \(the weighted feature maps sum to 0 or less everywhere/,
    );
    assert.deepStrictEqual(rgb(await cell(5, 1, 10, peakColA(2))), viridis(0));
    const words = await page.locator('#explain-text li[data-index="5"]').textContent();
    assert.ok(words?.includes(summarizeHeatmap(a.gradCam).text), words ?? '');
  });

  it('tells a conv classifier without explanations how to record them; hidden without conv layers or for regression', async () => {
    await snapshot(run('conv-plain', true, false));
    await waitFor(
      `!document.getElementById('panel-explain').hidden && document.getElementById('panel-explain').dataset.explanations === '0'`,
    );
    assert.match(
      (await page.locator('#explain-note').textContent()) ?? '',
      /^This run recorded no explanations\. .*"monitor": \{ "explain"/,
    );
    assert.strictEqual(await page.locator('#explain-grid figure').count(), 0);
    assert.strictEqual(
      await page.locator('#panel-explain > .gs-hint:not(#explain-note)').isVisible(),
      false,
      'no paragraph on Grad-CAM',
    );
    await shot('none');
    await snapshot(run('dense-plain', false, false));
    assert.strictEqual(await page.locator('#panel-explain').isVisible(), false);
    await snapshot(run('conv-regression', true, false, 'regression'));
    assert.strictEqual(await page.locator('#panel-explain').isVisible(), false);
    assert.deepStrictEqual(pageErrors, []);
  });
});
