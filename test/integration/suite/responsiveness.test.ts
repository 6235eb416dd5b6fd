// The extension host stays responsive while a deep run streams into the open dashboard, and while that run is
// opened again from disk: perf_hooks.monitorEventLoopDelay samples the host's event loop meanwhile. The delays are
// reported (console and test-results/extension-host-loop-delay.json), not asserted: they depend on the machine's
// load (issue 12's target is a host that never blocks > 50 ms). Asserted: the run completed with every step
// measured and the reopened dashboard shows it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'perf_hooks';
import * as vscode from 'vscode';
import type { GradscopeApi } from '../../../src/extension/extension';
import { listRuns, summarizeRun } from '../../../src/training/run/runStore';

const workspace = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;
const RESULTS = path.resolve(__dirname, '../../../../test-results');

async function api(): Promise<GradscopeApi> {
  const ext = vscode.extensions.getExtension<GradscopeApi>('gradscope.gradscope');
  assert.ok(ext, 'extension gradscope.gradscope is installed');
  return ext.activate();
}

function summary(h: IntervalHistogram): Record<string, number> {
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  return { samples: h.count, maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), p50Ms: ms(h.percentile(50)), meanMs: ms(h.mean) };
}

/**
 * Blocks of the event loop longer than `thresholdMs`, with when they ended (ms since `start`) and what the run was
 * doing then (`phase()`): where the histogram's maximum came from.
 */
function watchBlocks(phase: () => string, thresholdMs = 40): { stop(): Array<{ atMs: number; ms: number; phase: string }> } {
  const start = Date.now();
  const blocks: Array<{ atMs: number; ms: number; phase: string }> = [];
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    if (now - last - 10 > thresholdMs) blocks.push({ atMs: now - start, ms: now - last - 10, phase: phase() });
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return blocks;
    },
  };
}

suite('extension host responsiveness', () => {
  test('a 20-layer run streams into the dashboard and reopens from disk; the event-loop delay is reported', async () => {
    const { controller } = await api();
    const layers = 20;
    const specFile = path.join(workspace(), 'deep20.gradscope.json');
    fs.writeFileSync(
      specFile,
      JSON.stringify(
        {
          name: 'deep20',
          seed: 3,
          data: { dataset: 'spiral', samples: 2000, classes: 3, noise: 0.1, validationSplit: 0.2 },
          model: {
            inputShape: [2],
            layers: [
              { repeat: layers - 1, layers: [{ type: 'dense', units: 64, activation: 'relu', kernelInitializer: 'heNormal' }] },
              { type: 'dense', units: 3, activation: 'softmax' },
            ],
          },
          training: { epochs: 20, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.001 } },
        },
        null,
        2,
      ),
    );
    const streaming = monitorEventLoopDelay({ resolution: 10 });
    streaming.enable();
    const phase = (): string => {
      const live = controller.current;
      if (!live) return 'no run';
      const h = live.history;
      return h.end ? 'run-end' : h.lastStep < 0 ? (h.start ? 'run-start' : 'starting') : `step ${h.lastStep}`;
    };
    const streamBlocks = watchBlocks(phase);
    const started = Date.now();
    await vscode.commands.executeCommand('gradscope.train', vscode.Uri.file(specFile));
    const trainSec = (Date.now() - started) / 1000;
    streaming.disable();
    const blocksWhileStreaming = streamBlocks.stop();
    const runDir = listRuns(path.join(workspace(), '.gradscope', 'runs')).find(
      (d) => summarizeRun(d).start?.specName === 'deep20',
    );
    assert.ok(runDir, 'the run was recorded');
    const run = summarizeRun(runDir);
    assert.strictEqual(run.status, 'completed');
    assert.strictEqual(run.start?.layers.filter((l) => l.hasWeights).length, layers);
    const steps = (run.start?.epochs ?? 0) * (run.start?.stepsPerEpoch ?? 0);
    assert.ok(steps >= 2000, `${steps} steps`);
    assert.strictEqual(controller.isRunning(), false);

    // Open the finished run from disk (events.jsonl through the reducer) while the loop is watched.
    const opening = monitorEventLoopDelay({ resolution: 10 });
    opening.enable();
    const openBlocks = watchBlocks(() => 'opening');
    const t0 = Date.now();
    await vscode.commands.executeCommand('gradscope.openRun', runDir);
    const openMs = Date.now() - t0;
    opening.disable();
    const blocksWhileOpening = openBlocks.stop();
    const tab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('gradscope.dashboard'));
    assert.ok(tab, 'the dashboard shows the reopened run');
    assert.match(tab.label, /deep20/);

    const report = {
      layers,
      steps,
      trainSec: Math.round(trainSec * 10) / 10,
      eventsFileMB: Math.round(fs.statSync(path.join(runDir, 'events.jsonl')).size / 1e5) / 10,
      streaming: summary(streaming),
      blocksOver40Ms: blocksWhileStreaming,
      openRunMs: openMs,
      opening: summary(opening),
      openingBlocksOver40Ms: blocksWhileOpening,
    };
    assert.ok(streaming.count > 0, 'the event loop was sampled while the run streamed');
    fs.mkdirSync(RESULTS, { recursive: true });
    fs.writeFileSync(path.join(RESULTS, 'extension-host-loop-delay.json'), JSON.stringify(report, null, 2));
    console.log(`      extension host event-loop delay: ${JSON.stringify(report)}`);
  });
});
