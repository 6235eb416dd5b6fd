// The dashboard webview (real Chromium, as webviewDashboard.test.ts loads it) showing a PyTorch run recorded by the
// gradscope_torch monitor: the header says backend pytorch and who recorded it, counts epochs and steps without a
// planned total ("epoch 2", not "2 / 0"), shows no progress bar and no Stop button (the script is stopped where it
// runs), draws the layers from the run-start, and its diagnostics link to the source line ("Show in code" posts
// reveal-source) instead of a spec entry. Skipped when Chromium is not installed. Screenshot:
// test-results/webview-external-run.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import type { TrainingEvent } from '../../src/shared/engineProtocol';
import { historyFromEvents } from '../../src/shared/runHistory';
import type { FromWebviewMessage, ToWebviewMessage } from '../../src/shared/webviewProtocol';
import { CHROMIUM, ensureBundle, launchChromium, openTestPage, RESULTS, waitForPage } from './support/webviewPage';
import { epochEvent, externalStart, step, VANISHING } from './support/externalEvents';

describe('dashboard webview: a PyTorch run (Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser | undefined;
  let page: Page;
  let tmp: string;
  const pageErrors: string[] = [];

  const waitFor = (expression: string, timeout = 10_000): Promise<void> => waitForPage(page, expression, timeout);
  const post = (m: ToWebviewMessage): Promise<unknown> => page.evaluate(`window.postMessage(${JSON.stringify(m)}, "*")`);
  const posted = (): Promise<FromWebviewMessage[]> => page.evaluate<FromWebviewMessage[]>('window.__posted');
  const chip = (key: string): Promise<string | null> => page.locator(`.gs-chip[data-key="${key}"] .gs-chip-v`).textContent();

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-webview-external-'));
    [browser] = await Promise.all([launchChromium(), ensureBundle()]);
    fs.mkdirSync(RESULTS, { recursive: true });
    page = await openTestPage(browser, tmp, pageErrors);
    await waitFor(`window.__posted.some((m) => m.type === 'ready')`);
  });

  after(async () => {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows a live PyTorch run honestly: counts without totals, no progress bar, no Stop', async () => {
    const runDir = '/work/.gradscope/runs/20261205-070000-mlp-0001';
    const start = externalStart(runDir, 4);
    const first: TrainingEvent[] = [start];
    for (let n = 0; n < 30; n++) first.push(step(n, 0, 4));
    const run = { runId: start.runId, specFile: start.specFile, runDir, live: true };
    await post({ type: 'snapshot', run, history: historyFromEvents(first), settings: { maxPoints: 2000 } });
    await waitFor(`document.getElementById('gs-status')?.dataset.status === 'running'`);
    assert.strictEqual(await chip('backend'), 'pytorch');
    assert.strictEqual(await chip('recorded by'), 'gradscope_torch 0.1.0');
    assert.strictEqual(await chip('epoch'), '1');
    assert.strictEqual(await chip('steps'), '30');
    assert.strictEqual(await page.locator('#gs-stop').isHidden(), true, 'no Stop button for a run gradscope did not start');
    assert.strictEqual(await page.locator('.gs-progress').isHidden(), true, 'no progress bar without a planned total');
    await waitFor(`document.getElementById('grad-norm-chart')?.dataset.rendered === 'true'`);
    const legend = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#grad-norm-legend .gs-legend-item')].map((e) => e.dataset.layer)`,
    );
    assert.deepStrictEqual(legend, ['fc1', 'fc2', 'fc3', 'fc4']);

    // The first epoch ends after 30 steps and 20 more come: the second epoch (of 30 steps, as the first took) is under way.
    const more: TrainingEvent[] = [epochEvent(0)];
    for (let n = 30; n < 50; n++) more.push(step(n, 1, 4));
    await post({ type: 'events', runId: start.runId, events: more });
    await waitFor(`document.querySelector('.gs-chip[data-key="steps"] .gs-chip-v')?.textContent === '50'`);
    assert.strictEqual(await chip('epoch'), '2');
    assert.doesNotMatch((await page.locator('.gs-header').textContent()) ?? '', /NaN|Infinity|\/ 0\b/);
  });

  it('links a diagnostic of a PyTorch run to its source line, not to a spec', async () => {
    const diagnostic = VANISHING;
    const source = diagnostic.source;
    await post({ type: 'events', runId: '20261205-070000-mlp-0001', events: [diagnostic] });
    const item = page.locator('.gs-diag[data-code="vanishing-gradient"]');
    await item.waitFor({ timeout: 10_000 });
    const link = item.locator('.gs-diag-link[data-source]');
    assert.strictEqual(await link.textContent(), 'Show in code');
    assert.strictEqual(await item.locator('[data-spec-path]').count(), 0, 'no "Show in spec" for a run without a spec');
    await link.click();
    assert.deepStrictEqual((await posted()).filter((m) => m.type === 'reveal-source').pop(), { type: 'reveal-source', source });
    await page.screenshot({ path: path.join(RESULTS, 'webview-external-run.png'), fullPage: true });
    assert.deepStrictEqual(pageErrors, []);
  });
});
