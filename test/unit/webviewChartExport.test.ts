// A dashboard chart's "Save PNG" and "Copy CSV" in real Chromium (the page with the host's CSP and the recording fake
// `acquireVsCodeApi`): the PNG the page posts decodes (pngjs) to the chart canvas's own pixels laid on the theme's
// background, with the lines drawn; the CSV (read back with csv-parse, not the csv-stringify that wrote it) holds
// every point of every line of the chart, the points the drawing thinned out included.
import * as assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import type { LayerSummary, RunStartEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { historyFromEvents } from '../../src/shared/runHistory';
import type { FromWebviewMessage, ToWebviewMessage } from '../../src/shared/webviewProtocol';
import { CHROMIUM, DARK_VARS, ensureBundle, launchChromium, RESULTS, testPage } from './support/webviewPage';

const STEPS = 1500;
const SPE = 300;
const LAYERS = ['dense_1', 'dense_2', 'dense_3'];

/** Gradient norm of layer i at step s: three lines decades apart, wavy, so that the drawing thins them. */
const gradNorm = (i: number, s: number): number => Math.pow(10, -3 + i + 0.4 * Math.sin(s / 30 + i));

function run(): TrainingEvent[] {
  const layers: LayerSummary[] = LAYERS.map((name, i) => ({
    name,
    kind: 'dense',
    activation: i === 2 ? 'softmax' : 'relu',
    params: 100,
    outputShape: [10],
    specPath: `/model/layers/${i}`,
    hasWeights: true,
  }));
  const start: RunStartEvent = {
    type: 'run-start',
    runId: 'chart-export-run',
    specFile: '/tmp/chart-export.gradscope.json',
    specPath: '/tmp/chart-export.gradscope.json',
    specName: 'chart-export',
    runDir: '/tmp/chart-export-run',
    backend: 'cpu',
    seed: 1,
    epochs: STEPS / SPE,
    stepsPerEpoch: SPE,
    batchSize: 32,
    trainSamples: SPE * 32,
    validationSamples: 100,
    task: 'classification',
    totalParams: 300,
    layers,
    startedAt: new Date(0).toISOString(),
  };
  const events: TrainingEvent[] = [start];
  for (let s = 0; s < STEPS; s++) {
    events.push({
      type: 'step',
      step: s,
      epoch: Math.floor(s / SPE),
      loss: 2 * Math.exp(-s / 500) + 0.1,
      lr: 0.01 * (1 - s / STEPS) + 1e-4,
      globalGradNorm: 1,
      clippedGradNorm: 1,
      layers: LAYERS.map((name, i) => ({ name, gradNorm: gradNorm(i, s), weightNorm: 1, updateRatio: 1e-3 })),
    });
    if ((s + 1) % SPE === 0) {
      const e = (s + 1) / SPE - 1;
      events.push({
        type: 'epoch',
        epoch: e,
        loss: 1 / (e + 1),
        valLoss: 1.2 / (e + 1),
        acc: 0.5 + e / 20,
        valAcc: 0.45 + e / 20,
        lr: 0.01,
        durationMs: 100,
        samplesPerSec: 1000,
      });
    }
  }
  events.push({ type: 'run-end', status: 'completed', epochsCompleted: STEPS / SPE, steps: STEPS, durationMs: 500 });
  return events;
}

/** '#1f1f1f' → [31, 31, 31]. */
const rgb = (hex: string): number[] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

describe('dashboard chart export: Save PNG and Copy CSV (Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let page: Page;
  let tmp: string;
  const events = run();

  const waitFor = async (expression: string, timeout = 20_000): Promise<void> => {
    const until = Date.now() + timeout;
    for (;;) {
      if (await page.evaluate(expression)) return;
      if (Date.now() > until) throw new Error(`timed out waiting for: ${expression}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  /** Strongly coloured pixels of `png` inside the plot area of the canvas `id` (`data-plot-area`: grid and text are grey). */
  const colouredInPlot = async (png: PNG, id: string): Promise<{ coloured: number; w: number; h: number }> => {
    const [l, t, w, h] = (await page.evaluate<string>(`document.getElementById('${id}').dataset.plotArea`))
      .split(',')
      .map(Number);
    let coloured = 0;
    for (let y = t; y < t + h; y++)
      for (let x = l; x < l + w; x++) {
        const i = (y * png.width + x) * 4;
        const px = [png.data[i], png.data[i + 1], png.data[i + 2]];
        if (Math.max(...px) - Math.min(...px) > 50) coloured++;
      }
    return { coloured, w, h };
  };
  const posted = (): Promise<FromWebviewMessage[]> => page.evaluate<FromWebviewMessage[]>('window.__posted');
  /** Clicks a chart's action and returns the message it posted. */
  async function action<T extends FromWebviewMessage['type']>(
    chart: string,
    which: 'png' | 'csv',
    type: T,
  ): Promise<Extract<FromWebviewMessage, { type: T }>> {
    const before = (await posted()).length;
    await page.click(`.gs-chart-actions[data-chart="${chart}"] [data-action="${which}"]`);
    await waitFor(`window.__posted.length > ${before}`);
    const m = (await posted()).slice(before).find((x) => x.type === type);
    assert.ok(m, `no ${type} message`);
    return m as Extract<FromWebviewMessage, { type: T }>;
  }

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-chart-export-'));
    [browser] = await Promise.all([launchChromium(), ensureBundle()]);
    const html = path.join(tmp, 'webview.html');
    fs.writeFileSync(html, testPage());
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`file://${html}`);
    await waitFor(`window.__posted.some((m) => m.type === 'ready')`);
    const start = events[0] as RunStartEvent;
    const snapshot: ToWebviewMessage = {
      type: 'snapshot',
      run: { runId: start.runId, specFile: start.specFile, runDir: start.runDir, live: false },
      history: historyFromEvents(events),
      settings: { maxPoints: 2000 },
    };
    await page.evaluate(`window.postMessage(${JSON.stringify(snapshot)}, '*')`);
    await waitFor(
      `['grad-norm-chart', 'loss-chart', 'lr-chart'].every((id) => document.getElementById(id)?.dataset.rendered === 'true')`,
    );
  });

  after(async () => {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('every chart has both actions', async () => {
    const charts = await page.evaluate<string[]>(
      `[...document.querySelectorAll('.gs-chart-actions')].filter((e) => e.querySelector('[data-action="png"]') && e.querySelector('[data-action="csv"]')).map((e) => e.dataset.chart)`,
    );
    assert.deepEqual(
      [...charts].sort(),
      [
        'dead-units',
        'global-norm',
        'grad-heat-strip',
        'grad-norm',
        'layer-profile',
        'loss',
        'lr',
        'lr-find',
        'second-kernel',
        'signal',
        'update-ratio',
      ].sort(),
    );
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.locator('#panel-loss').screenshot({ path: path.join(RESULTS, 'webview-chart-actions.png') });
    await page.locator('#panel-grad').screenshot({ path: path.join(RESULTS, 'webview-chart-actions-grad.png') });
  });

  it('Save PNG posts the chart’s own pixels on the theme background, lines drawn', async () => {
    // Saved to test-results/ too, to look at.
    const m = await action('grad-norm', 'png', 'save-chart-png');
    assert.equal(m.chart, 'grad-norm');
    const saved = PNG.sync.read(Buffer.from(m.png, 'base64'));
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'webview-chart-export-grad-norm.png'), Buffer.from(m.png, 'base64'));
    // The canvas as it is now (transparent where nothing is drawn), lossless, for the comparison.
    const raw = PNG.sync.read(
      Buffer.from(
        (await page.evaluate<string>(`document.getElementById('grad-norm-chart').toDataURL('image/png')`)).split(',')[1],
        'base64',
      ),
    );
    assert.deepEqual([saved.width, saved.height], [raw.width, raw.height]);
    const bg = rgb(DARK_VARS['--vscode-editor-background']);
    let worst = 0;
    for (let i = 0; i < raw.data.length; i += 4) {
      const a = raw.data[i + 3] / 255;
      assert.equal(saved.data[i + 3], 255, 'the saved image is opaque');
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(saved.data[i + c] - (raw.data[i + c] * a + bg[c] * (1 - a))));
    }
    assert.ok(worst <= 3, `pixels differ from the canvas over the background by up to ${worst}`);
    // The lines are there: strongly coloured pixels inside the plot area (grid and text are grey).
    const { coloured } = await colouredInPlot(saved, 'grad-norm-chart');
    assert.ok(coloured > 500, `only ${coloured} coloured pixels in the plot`);
    // A corner outside the plot is the background colour.
    assert.deepEqual([...saved.data.subarray(0, 3)], bg);
  });

  it('Copy CSV posts every point of every line, the ones the drawing thinned out included', async () => {
    // 1500 points per line on a chart about 1200 px wide: the drawing keeps at most two per 2 px; the CSV has them all.
    const m = await action('grad-norm', 'csv', 'copy-chart-csv');
    const rows = parse(m.csv) as string[][];
    assert.deepEqual(rows[0], ['step', ...LAYERS]);
    assert.equal(m.rows, STEPS);
    assert.equal(rows.length, STEPS + 1);
    rows.slice(1).forEach((row, s) => {
      assert.equal(Number(row[0]), s);
      LAYERS.forEach((_, i) => assert.equal(Number(row[i + 1]), gradNorm(i, s), `step ${s} ${LAYERS[i]}`));
    });
  });

  it('Copy CSV of the loss chart has the epoch values at epochs completed, empty where a line has no point', async () => {
    const m = await action('loss', 'csv', 'copy-chart-csv');
    const [header, ...rows] = parse(m.csv) as string[][];
    assert.equal(header[0], 'epochs completed');
    const val = header.indexOf('val loss');
    assert.ok(val > 0, header.join(' | '));
    const epochs = events.filter((e) => e.type === 'epoch');
    for (const e of epochs) {
      const row = rows.find((r) => Number(r[0]) === e.epoch + 1);
      assert.ok(row, `no row at x = ${e.epoch + 1}`);
      assert.equal(Number(row[val]), e.valLoss);
    }
    // The per-step train loss has points between epochs, where the validation line has none.
    assert.ok(rows.some((r) => r[val] === '' && r.some((c, i) => i > 0 && c !== '')));
  });

  it('the heat strip: Save PNG posts its cells, Copy CSV every step × layer gradient norm', async () => {
    const png = await action('grad-heat-strip', 'png', 'save-chart-png');
    const saved = PNG.sync.read(Buffer.from(png.png, 'base64'));
    fs.writeFileSync(path.join(RESULTS, 'webview-chart-export-heat-strip.png'), Buffer.from(png.png, 'base64'));
    const size = await page.evaluate<number[]>(
      `(() => { const c = document.getElementById('grad-heat-strip'); return [c.width, c.height]; })()`,
    );
    assert.deepEqual([saved.width, saved.height], size);
    // Inside the cells' area the strip is coloured (three layers decades apart: three hues), not background.
    const { coloured, w, h } = await colouredInPlot(saved, 'grad-heat-strip');
    assert.ok(coloured > 0.9 * w * h, `${coloured} coloured pixels of ${w * h} cells`);

    const m = await action('grad-heat-strip', 'csv', 'copy-chart-csv');
    const rows = parse(m.csv) as string[][];
    assert.deepEqual(rows[0], ['step', ...LAYERS]);
    assert.equal(m.rows, STEPS);
    rows.slice(1).forEach((row, s) => {
      assert.equal(Number(row[0]), s);
      LAYERS.forEach((_, i) => assert.equal(Number(row[i + 1]), gradNorm(i, s), `step ${s} ${LAYERS[i]}`));
    });
  });

  it('the range test chart: Copy CSV has each learning rate with its loss and smoothed loss', async () => {
    const points = Array.from({ length: 60 }, (_, k) => {
      const learningRate = 1e-5 * Math.pow(10, k / 10);
      const loss = 2 - k / 40 + (k > 50 ? (k - 50) ** 2 / 10 : 0);
      return { learningRate, loss, smoothedLoss: loss * 1.01 };
    });
    const msg: ToWebviewMessage = {
      type: 'lr-find',
      lrFind: { id: 'lr-1', specFile: '/tmp/x.gradscope.json', specName: 'x', status: 'running', steps: 100, points },
    };
    await page.evaluate(`window.postMessage(${JSON.stringify(msg)}, '*')`);
    await waitFor(`document.getElementById('lr-find-chart')?.dataset.rendered === 'true'`);
    const m = await action('lr-find', 'csv', 'copy-chart-csv');
    const [header, ...rows] = parse(m.csv) as string[][];
    assert.deepEqual(header, ['learning rate (log scale)', 'loss', 'smoothed loss']);
    assert.equal(m.rows, points.length);
    rows.forEach((row, k) => assert.deepEqual(row.map(Number), [points[k].learningRate, points[k].loss, points[k].smoothedLoss]));
    const png = await action('lr-find', 'png', 'save-chart-png');
    assert.equal(png.chart, 'lr-find');
    assert.ok(PNG.sync.read(Buffer.from(png.png, 'base64')).width > 0);
  });
});
