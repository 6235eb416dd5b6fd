// `npm run bench:dashboard`: the dashboard webview at scale, in real Chromium (playwright-core, /usr/bin/chromium),
// loading the real bundle (dist/webview.js) in the page the unit tests use (the host's CSP, a fake VS Code API).
//
//  1. idle: frame intervals of the empty page (what this machine's compositor does with nothing to draw).
//  2. live: a synthetic 20-layer run (every step measured, bench/dashboard/syntheticRun.ts) replayed at live speed,
//     the way the extension host sends it: one `events` message every 100 ms (dashboardPanel BATCH_MS) holding the
//     steps trained meanwhile (--steps-per-sec, default 200: the sigmoid-20x64 bench model's speed). Reports frame
//     intervals (requestAnimationFrame to requestAnimationFrame; p95 ≤ 33 ms is the target), long tasks, and the work
//     done, which does not depend on the machine's load: draws per second, milliseconds per draw, the page's message
//     handler (the shared reducer) per event, and the renderer's script/layout time per second (CDP Performance).
//     Then the JS heap after a forced GC (the run's data must stay bounded: the reducer keeps maxPoints points).
//  3. open: a fresh page sent the snapshot of the finished run (the reducer's bounded history, as the host sends
//     it): openMessageMs (the message's delivery), openMs (from its arrival to the frame after the gradient chart at
//     the top drew it: what the user sees first; target ≤ 1 s with the host's part), openAllChartsMs (every chart);
//     --opens pages, median. The host's side: loadHistory of events.jsonl (dashboards.ts loadRun; hostStreamAllMs:
//     every line through the reducer, as before it), the host's event-loop delay meanwhile, summarizeRun of the
//     file, and the snapshot's JSON size and serialization.
// Prints one JSON line per phase ({"phase": ...}) and the load average; frame times depend on load, the work
// counts do not. Options: --layers 20 --steps 10000 --steps-per-sec 200 --batch-ms 100 --max-points 2000 --opens 3
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { parseArgs } from 'util';
import type { CDPSession, Page } from 'playwright-core';
import type { TrainingEvent } from '../../src/shared/engineProtocol';
import { applyEvent, emptyHistory, historyFromEvents } from '../../src/shared/runHistory';
import type { SnapshotMessage, ToWebviewMessage } from '../../src/shared/webviewProtocol';
import { EVENTS_FILE, loadHistory, streamEvents } from '../../src/training/run/runStore';
import { summarizeRun } from '../../src/training/run/runSummary';
import { CHROMIUM, ensureBundle, launchChromium, testPage } from '../../test/unit/support/webviewPage';
import { syntheticRun } from './syntheticRun';

const { values: args } = parseArgs({
  options: {
    layers: { type: 'string', default: '20' },
    steps: { type: 'string', default: '10000' },
    'steps-per-sec': { type: 'string', default: '200' },
    'batch-ms': { type: 'string', default: '100' },
    'max-points': { type: 'string', default: '2000' },
    'steps-per-epoch': { type: 'string', default: '500' },
    opens: { type: 'string', default: '3' },
    'idle-ms': { type: 'string', default: '2000' },
    /** Skip the idle and live phases (iterate on opening a run). */
    'open-only': { type: 'boolean', default: false },
    /** Writes a CPU profile of the renderer during the live phase (open it in Chrome DevTools). */
    profile: { type: 'string' },
    /**
     * Records a Chrome trace of --trace-sec seconds of the live phase from --trace-at seconds on, and prints where the renderer's main
     * thread spent them (script, canvas raster, paint, GC… by trace event), and writes it to --trace if given a path.
     */
    trace: { type: 'string' },
    'trace-sec': { type: 'string', default: '10' },
    'trace-at': { type: 'string', default: '30' },
    /**
     * Samples the renderer's allocations during the live phase (CDP HeapProfiler sampling, objects the GC has
     * since collected included) and prints the functions that allocated most; `print` or a path to write it to.
     */
    'heap-profile': { type: 'string' },
  },
});
const LAYERS = Number(args.layers);
const STEPS = Number(args.steps);
const RATE = Number(args['steps-per-sec']);
const BATCH_MS = Number(args['batch-ms']);
const MAX_POINTS = Number(args['max-points']);
const SPE = Number(args['steps-per-epoch']);
const OPENS = Number(args.opens);
const IDLE_MS = Number(args['idle-ms']);

/**
 * Instrumentation in the page, outside the bundle: a requestAnimationFrame loop recording frame intervals, long
 * tasks, and the time the bundle's message listener takes (a listener registered before the bundle's and one after
 * it: listeners run in registration order), and each draw's duration (the dashboard's `data-draw-ms`).
 */
const BEFORE_BUNDLE = `
window.__bench = { recording: false, frames: [], longTasks: [], handler: [], draws: [], drawnAt: [] };
(() => {
  const b = window.__bench;
  let last = 0;
  const tick = (t) => { if (b.recording && last) b.frames.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  try {
    new PerformanceObserver((list) => { if (b.recording) for (const e of list.getEntries()) b.longTasks.push(e.duration); })
      .observe({ type: 'longtask', buffered: false });
  } catch (e) {}
  window.addEventListener('message', () => { b.t0 = performance.now(); });
})();
`;
const AFTER_BUNDLE = `
(() => {
  const b = window.__bench;
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (b.recording && m && m.type) b.handler.push([m.type, m.events ? m.events.length : 0, performance.now() - b.t0]);
    if (m && m.type === 'snapshot') b.snapshotAt = b.t0;
  });
  const app = document.getElementById('app');
  // Opening a run: when the first chart (the gradient chart, at the top) and then every chart have drawn the
  // snapshot, and the frame after each (painted).
  b.armOpen = (revision) => {
    b.open = {};
    const grad = document.getElementById('grad-norm-chart');
    const check = () => {
      const o = b.open;
      const now = performance.now();
      if (o.gradAt === undefined && b.snapshotAt !== undefined && grad.dataset.rendered === 'true' && Number(app.dataset.drawCount) > 0) {
        o.gradAt = now;
        requestAnimationFrame(() => { o.gradPaintedAt = performance.now(); });
      }
      if (o.allAt === undefined && Number(app.dataset.revision) > revision) {
        o.allAt = now;
        requestAnimationFrame(() => { o.allPaintedAt = performance.now(); });
      }
    };
    new MutationObserver(check).observe(app, { attributes: true, attributeFilter: ['data-draw-count'] });
  };
  new MutationObserver(() => {
    const now = performance.now();
    if (b.recording) b.draws.push(Number(app.dataset.drawMs));
    b.drawnAt.push([Number(app.dataset.revision), now]);
  }).observe(app, { attributes: true, attributeFilter: ['data-draw-count'] });
})();
`;

function pageHtml(): string {
  const html = testPage();
  const nonce = /nonce-([A-Za-z0-9]+)/.exec(html)?.[1] ?? '';
  return html
    .replace('<script nonce', `<script nonce="${nonce}">${BEFORE_BUNDLE}</script>\n<script nonce`)
    .replace('</body>', `<script nonce="${nonce}">${AFTER_BUNDLE}</script>\n</body>`);
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const loadavg = (): number[] => os.loadavg().map((v) => round(v, 2));

async function waitFor(page: Page, expression: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${expression}`);
    await sleep(10);
  }
}

async function post(page: Page, msg: ToWebviewMessage): Promise<void> {
  await page.evaluate(`window.postMessage(${JSON.stringify(msg)}, '*')`);
}

/** CDP Performance metrics (seconds of main-thread work so far, heap bytes). */
async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/** The dashboard's per-chart draw totals so far (`data-task-ms` on #app: `name:runs:totalMs:maxMs` …). */
async function taskTimes(page: Page): Promise<Map<string, { runs: number; totalMs: number; maxMs: number }>> {
  const text = await page.evaluate<string>(`document.getElementById('app').dataset.taskMs ?? ''`);
  const out = new Map<string, { runs: number; totalMs: number; maxMs: number }>();
  for (const item of text.split(' ').filter(Boolean)) {
    const [name, runs, totalMs, maxMs] = item.split(':');
    out.set(name, { runs: Number(runs), totalMs: Number(totalMs), maxMs: Number(maxMs) });
  }
  return out;
}

/** The dashboard's costed slices so far (`data-slice-cost-ms-total`, `data-slices-costed` on #app). */
async function sliceCosts(page: Page): Promise<{ total: number; count: number }> {
  const d = await page.evaluate<Record<string, string>>(`({ ...document.getElementById('app').dataset })`);
  return { total: Number(d.sliceCostMsTotal ?? 0), count: Number(d.slicesCosted ?? 0) };
}

/** Stops heap sampling and prints the bytes allocated per second by the functions that allocated most (self). */
async function printAllocations(cdp: CDPSession, target: string, sec: number): Promise<void> {
  interface Node {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: Node[];
  }
  const { profile } = (await cdp.send('HeapProfiler.stopSampling')) as unknown as { profile: { head: Node } };
  if (target !== 'print') fs.writeFileSync(target, JSON.stringify(profile));
  const self = new Map<string, number>();
  let total = 0;
  const walk = (n: Node): void => {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
    n.children.forEach(walk);
  };
  walk(profile.head);
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20);
  console.log(
    JSON.stringify({
      phase: 'allocations',
      allocatedMBPerSec: round(total / 2 ** 20 / sec, 2),
      topMBPerSec: Object.fromEntries(top.map(([k, v]) => [k, round(v / 2 ** 20 / sec, 2)])),
    }),
  );
}

/** Chrome tracing of the page (CDP Tracing): on stop, the renderer main thread's time per trace event, printed. */
function startTrace(cdp: CDPSession): { stopped: boolean; stop: () => Promise<void> } {
  interface TraceEvent {
    name: string;
    ph: string;
    dur?: number;
    tid: number;
    pid: number;
    ts: number;
    args?: { name?: string };
  }
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e: { value: unknown[] }) => events.push(...(e.value as TraceEvent[])));
  const started = cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,blink,cc,v8,disabled-by-default-v8.gc,skia',
    transferMode: 'ReportEvents',
  });
  const handle = {
    stopped: false,
    stop: async (): Promise<void> => {
      handle.stopped = true;
      await started;
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await done;
      if (args.trace && args.trace !== 'print') fs.writeFileSync(args.trace, JSON.stringify({ traceEvents: events }));
      // The renderer's main thread: self time per event name (complete events nest; a child's time is its own).
      const rendererMain = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
      const own = events
        .filter(
          (e) => rendererMain && e.pid === rendererMain.pid && e.tid === rendererMain.tid && e.ph === 'X' && e.dur !== undefined,
        )
        .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
      const self = new Map<string, number>();
      const stack: TraceEvent[] = [];
      for (const e of own) {
        while (stack.length && stack[stack.length - 1].ts + (stack[stack.length - 1].dur ?? 0) <= e.ts) stack.pop();
        const parent = stack[stack.length - 1];
        if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - (e.dur ?? 0));
        self.set(e.name, (self.get(e.name) ?? 0) + (e.dur ?? 0));
        stack.push(e);
      }
      const sec = Number(args['trace-sec']);
      const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
      console.log(
        JSON.stringify({
          phase: 'trace',
          sec,
          mainThreadMsPerSec: Object.fromEntries(top.map(([k, v]) => [k, round(v / 1000 / sec, 1)])),
          loadavg: loadavg(),
        }),
      );
    },
  };
  return handle;
}

async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize;
}

interface Recorded {
  frames: number[];
  longTasks: number[];
  handler: Array<[string, number, number]>;
  draws: number[];
}

async function takeRecording(page: Page): Promise<Recorded> {
  return page.evaluate(`(() => {
    const b = window.__bench;
    b.recording = false;
    const out = { frames: b.frames, longTasks: b.longTasks, handler: b.handler, draws: b.draws };
    b.frames = []; b.longTasks = []; b.handler = []; b.draws = [];
    return out;
  })()`);
}

function frameStats(frames: number[]): Record<string, number> {
  return {
    frames: frames.length,
    frameP50Ms: round(quantile(frames, 0.5)),
    frameP95Ms: round(quantile(frames, 0.95)),
    frameP99Ms: round(quantile(frames, 0.99)),
    frameMaxMs: round(Math.max(0, ...frames)),
    framesOver33Ms: frames.filter((f) => f > 33.4).length,
  };
}

async function newPage(html: string): Promise<{ page: Page; cdp: CDPSession; errors: string[] }> {
  const browser = await browserPromise;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`file://${html}`);
  await waitFor(page, `window.__posted.some((m) => m.type === 'ready')`);
  return { page, cdp, errors };
}

let browserPromise: ReturnType<typeof launchChromium>;

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set GRADSCOPE_CHROMIUM)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-bench-dashboard-'));
  browserPromise = launchChromium();
  await ensureBundle();
  const html = path.join(tmp, 'webview.html');
  fs.writeFileSync(html, pageHtml());
  const events = syntheticRun({ layers: LAYERS, steps: STEPS, stepsPerEpoch: SPE });
  const start = events[0];
  if (start.type !== 'run-start') throw new Error('run-start first');
  const common = { layers: LAYERS, steps: STEPS, maxPoints: MAX_POINTS, cpus: os.cpus().length };
  try {
    if (!args['open-only']) await idleAndLive(html, events, common);
    await open(html, events, common, tmp);
  } finally {
    await (await browserPromise).close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function idleAndLive(html: string, events: TrainingEvent[], common: Record<string, number>): Promise<void> {
  const start = events[0];
  if (start.type !== 'run-start') throw new Error('run-start first');
  {
    // 1. idle
    const { page, cdp, errors } = await newPage(html);
    await post(page, { type: 'snapshot', settings: { maxPoints: MAX_POINTS } });
    await sleep(300);
    await page.evaluate('window.__bench.recording = true');
    const loadIdle = loadavg();
    await sleep(IDLE_MS);
    const idle = await takeRecording(page);
    console.log(JSON.stringify({ phase: 'idle', ...common, ...frameStats(idle.frames), loadavg: loadIdle }));

    // 2. live replay at live speed, in the host's batches.
    const heapBefore = await heapAfterGc(cdp);
    const perBatch = Math.max(1, Math.round((RATE * BATCH_MS) / 1000));
    const batches: TrainingEvent[][] = [];
    let cur: TrainingEvent[] = [];
    let stepsInBatch = 0;
    for (const e of events) {
      cur.push(e);
      if (e.type === 'step' && ++stepsInBatch === perBatch) {
        batches.push(cur);
        cur = [];
        stepsInBatch = 0;
      }
    }
    if (cur.length) batches.push(cur);
    const updates0 = Number(await page.evaluate<string>(`document.getElementById('app').dataset.chartUpdates ?? '0'`));
    const tasks0 = await taskTimes(page);
    const costs0 = await sliceCosts(page);
    const m0 = await metrics(cdp);
    const load0 = loadavg();
    if (args.profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    if (args['heap-profile']) {
      await cdp.send('HeapProfiler.enable');
      await cdp.send('HeapProfiler.startSampling', {
        samplingInterval: 16384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    let tracing: ReturnType<typeof startTrace> | undefined;
    await page.evaluate('window.__bench.recording = true');
    const t0 = Date.now();
    let late = 0;
    const heapDuring: Array<{ step: number; usedBytes: number }> = [];
    for (let i = 0; i < batches.length; i++) {
      const due = t0 + i * BATCH_MS;
      const wait = due - Date.now();
      if (wait < -BATCH_MS) late++;
      await sleep(wait);
      await post(page, { type: 'events', runId: start.runId, events: batches[i] });
      const traceAt = Number(args['trace-at']) * 1000;
      if (args.trace && !tracing && Date.now() - t0 >= traceAt) tracing = startTrace(cdp);
      if (tracing && !tracing.stopped && Date.now() - t0 >= traceAt + Number(args['trace-sec']) * 1000) await tracing.stop();
      if (i > 0 && i % Math.round(batches.length / 4) === 0) {
        const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
        const lastStep = [...batches[i]].reverse().find((e) => e.type === 'step');
        heapDuring.push({ step: lastStep?.type === 'step' ? lastStep.step : -1, usedBytes: usedSize });
      }
    }
    const streamSec = (Date.now() - t0) / 1000;
    await waitFor(page, `document.getElementById('app').dataset.revision === String(${batches.length + 1})`, 30_000).catch(
      () => {},
    );
    await sleep(300);
    const live = await takeRecording(page);
    if (args.profile) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: unknown };
      fs.writeFileSync(args.profile, JSON.stringify(profile));
    }
    if (args['heap-profile']) await printAllocations(cdp, args['heap-profile'], streamSec);
    const m1 = await metrics(cdp);
    const updates1 = Number(await page.evaluate<string>(`document.getElementById('app').dataset.chartUpdates ?? '0'`));
    const tasks1 = await taskTimes(page);
    const costs1 = await sliceCosts(page);
    const load1 = loadavg();
    const perSec = (k: string): number => round(((m1[k] ?? 0) - (m0[k] ?? 0)) / streamSec, 3);
    const eventsHandled = sum(live.handler.map((h) => h[1]));
    const handlerMs = live.handler.map((h) => h[2]);
    const heapAfter = await heapAfterGc(cdp);
    const steps = await page.evaluate<string>(
      `document.querySelector('.gs-chip[data-key="steps"] .gs-chip-v')?.textContent ?? ''`,
    );
    console.log(
      JSON.stringify({
        phase: 'live',
        ...common,
        stepsPerSec: RATE,
        batchMs: BATCH_MS,
        batches: batches.length,
        batchesLate: late,
        streamSec: round(streamSec, 2),
        ...frameStats(live.frames),
        longTasks: live.longTasks.length,
        longTaskMaxMs: round(Math.max(0, ...live.longTasks)),
        draws: live.draws.length,
        drawsPerSec: round(live.draws.length / streamSec, 2),
        chartUpdatesPerSec: round((updates1 - updates0) / streamSec, 2),
        drawP50Ms: round(quantile(live.draws, 0.5)),
        drawP95Ms: round(quantile(live.draws, 0.95)),
        drawMaxMs: round(Math.max(0, ...live.draws)),
        // Per chart (a draw task: the chart with its legend, the strips under it…): updates, mean and longest ms.
        chartMs: Object.fromEntries(
          [...tasks1].map(([name, t1]) => {
            const before = tasks0.get(name) ?? { runs: 0, totalMs: 0, maxMs: 0 };
            const runs = t1.runs - before.runs;
            return [name, { updates: runs, meanMs: round((t1.totalMs - before.totalMs) / Math.max(1, runs)), maxMs: t1.maxMs }];
          }),
        ),
        // Main-thread milliseconds per second spent updating charts (all of them).
        chartMsPerSec: round(sum([...tasks1].map(([name, t1]) => t1.totalMs - (tasks0.get(name)?.totalMs ?? 0))) / streamSec),
        handlerPerEventUs: round((sum(handlerMs) / Math.max(1, eventsHandled)) * 1000, 1),
        handlerP95Ms: round(quantile(handlerMs, 0.95), 2),
        handlerMaxMs: round(Math.max(0, ...handlerMs), 2),
        scriptSecPerSec: perSec('ScriptDuration'),
        layoutSecPerSec: perSec('LayoutDuration'),
        styleSecPerSec: perSec('RecalcStyleDuration'),
        taskSecPerSec: perSec('TaskDuration'),
        // The slices that updated charts, from their start to the end of the frame that showed them (DRAW_SHARE).
        sliceCostMsPerSec: round((Number(costs1.total) - Number(costs0.total)) / streamSec),
        slicesPerSec: round((Number(costs1.count) - Number(costs0.count)) / streamSec),
        heapBeforeMB: round(heapBefore / 2 ** 20, 2),
        heapDuringMB: heapDuring.map((h) => ({ step: h.step, mb: round(h.usedBytes / 2 ** 20, 2) })),
        heapAfterGcMB: round(heapAfter / 2 ** 20, 2),
        stepsChip: steps,
        pageErrors: errors.length,
        loadavgStart: load0,
        loadavgEnd: load1,
      }),
    );
    await page.close();
  }
}

async function open(html: string, events: TrainingEvent[], common: Record<string, number>, tmp: string): Promise<void> {
  const start = events[0];
  if (start.type !== 'run-start') throw new Error('run-start first');
  {
    // 3. open the finished run: the host's side, then the page's.
    const runDir = path.join(tmp, 'run');
    fs.mkdirSync(runDir);
    fs.writeFileSync(path.join(runDir, EVENTS_FILE), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const fileMB = fs.statSync(path.join(runDir, EVENTS_FILE)).size / 2 ** 20;
    // The host's loading before (every line through the reducer) and now (loadHistory: dropped steps skipped),
    // with the host's event-loop delay while loadHistory runs.
    const r0 = performance.now();
    const streamed = emptyHistory(MAX_POINTS);
    await streamEvents(runDir, (e) => applyEvent(streamed, e));
    const hostStreamMs = performance.now() - r0;
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const h0 = performance.now();
    const history = await loadHistory(runDir, MAX_POINTS);
    const hostLoadMs = performance.now() - h0;
    delay.disable();
    const s0 = performance.now();
    summarizeRun(runDir);
    const summarizeMs = performance.now() - s0;
    const snapshot: SnapshotMessage = {
      type: 'snapshot',
      run: { runId: start.runId, specFile: start.specFile, runDir, live: false },
      history,
      settings: { maxPoints: MAX_POINTS },
    };
    const j0 = performance.now();
    const snapshotJson = JSON.stringify(snapshot);
    const serializeMs = performance.now() - j0;
    const reference = historyFromEvents(events, MAX_POINTS);
    if (JSON.stringify(reference) !== JSON.stringify(history) || JSON.stringify(streamed) !== JSON.stringify(history))
      throw new Error('loadHistory differs from the reducer’s history');
    const opens: number[] = [];
    const openAll: number[] = [];
    const openMessage: number[] = [];
    const drawsMs: number[] = [];
    const loadOpen = loadavg();
    for (let k = 0; k < OPENS; k++) {
      const p = await newPage(html);
      const revision = await p.page.evaluate<number>(`Number(document.getElementById('app').dataset.revision ?? 0)`);
      await p.page.evaluate(`window.__bench.armOpen(${revision})`);
      // From the message's arrival to the frame after the draw that showed it (painted): the gradient chart at the
      // top of the page, then every chart.
      const sent = Date.now();
      await p.page.evaluate(
        `window.__bench.postAt = performance.timeOrigin + performance.now(); window.postMessage(${snapshotJson}, '*')`,
      );
      await waitFor(p.page, `window.__bench.open.allPaintedAt !== undefined && window.__bench.open.gradPaintedAt !== undefined`);
      const o = await p.page.evaluate<Record<string, number>>(
        `(() => { const b = window.__bench; return { ...b.open, snapshotAt: b.snapshotAt, postAt: b.postAt, origin: performance.timeOrigin }; })()`,
      );
      opens.push(o.gradPaintedAt - o.snapshotAt);
      openAll.push(o.allPaintedAt - o.snapshotAt);
      openMessage.push(o.origin + o.snapshotAt - sent);
      drawsMs.push(Number(await p.page.evaluate<string>(`document.getElementById('app').dataset.drawMs`)));
      if (p.errors.length) throw new Error(`page errors: ${p.errors.join('; ')}`);
      await p.page.close();
    }
    console.log(
      JSON.stringify({
        phase: 'open',
        ...common,
        eventsFileMB: round(fileMB, 1),
        hostLoadMs: round(hostLoadMs),
        hostStreamAllMs: round(hostStreamMs),
        hostLoopDelayMaxMs: round(delay.max / 1e6),
        hostLoopDelayP99Ms: round(delay.percentile(99) / 1e6),
        summarizeRunMs: round(summarizeMs),
        snapshotMB: round(snapshotJson.length / 2 ** 20, 2),
        snapshotSerializeMs: round(serializeMs),
        keptSteps: history.steps.length,
        openMessageMs: openMessage.map((v) => round(v)),
        openMs: opens.map((v) => round(v)),
        openMedianMs: round(quantile(opens, 0.5)),
        openAllChartsMs: openAll.map((v) => round(v)),
        firstDrawMs: drawsMs.map((v) => round(v)),
        loadavg: loadOpen,
      }),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
