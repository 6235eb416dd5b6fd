// The extension host stays responsive while a deep run streams into the open dashboard, and while that run is
// opened again from disk: perf_hooks.monitorEventLoopDelay samples the host's event loop meanwhile. The delays are
// reported (console and test-results/extension-host-loop-delay.json), not asserted: they depend on the machine's
// load (issue 12's target is a host that never blocks > 50 ms). Asserted: the run completed with every step
// measured and the reopened dashboard shows it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GradscopeApi } from '../../../src/extension/extension';
import type { RunsNode } from '../../../src/extension/runsTree';
import { chrtRuns, mainThreadPolicy, SCHED_IDLE, SCHED_OTHER, threadPriorities } from '../../unit/support/niceValues';
import { startProbe } from './hostProbe';

const workspace = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;
const RESULTS = path.resolve(__dirname, '../../../../test-results');

async function api(): Promise<GradscopeApi> {
  const ext = vscode.extensions.getExtension<GradscopeApi>('gradscope.gradscope');
  assert.ok(ext, 'extension gradscope.gradscope is installed');
  return ext.activate();
}

suite('extension host responsiveness', () => {
  test('a 20-layer run streams into the dashboard and reopens from disk; the event-loop delay is reported', async function () {
    // Training 2000 steps of a 20-layer model takes 50 s on a quiet machine, minutes on a loaded one.
    this.timeout(600_000);
    const { controller, runsTree } = await api();
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
    // The sidebar is open, as when a person watches a run: its refreshes are part of what the host does.
    await vscode.commands.executeCommand('gradscope.runs.focus');
    let stage: string | undefined;
    const phase = (): string => {
      const live = controller.current;
      if (stage || !live) return stage ?? 'no run';
      const h = live.history;
      return h.end ? 'run-end' : h.lastStep < 0 ? (h.start ? 'run-start' : 'starting') : `step ${h.lastStep}`;
    };
    fs.mkdirSync(RESULTS, { recursive: true });
    const streamProbe = await startProbe(phase, path.join(RESULTS, 'extension-host-streaming.cpuprofile'));
    // The engine's nice values and its main thread's policy once it trains: the setting gradscope.engine.priority
    // (default `low`) reaches it. Read by syscall and from the process's own stat file: reading the engine's
    // per-thread /proc files would make the host's reaping of it slow.
    let engineNice: number[] | undefined;
    let enginePolicy: number | undefined;
    const niceWatch = setInterval(() => {
      const live = controller.current;
      if (engineNice || !live?.handle.pid || live.history.lastStep < 0 || process.platform !== 'linux') return;
      engineNice = threadPriorities(live.handle.pid);
      enginePolicy = mainThreadPolicy(live.handle.pid);
    }, 200);
    const started = Date.now();
    await vscode.commands.executeCommand('gradscope.train', vscode.Uri.file(specFile));
    const trainSec = (Date.now() - started) / 1000;
    clearInterval(niceWatch);
    // What the sidebar does once the run ended: list the spec's runs (this one, completed, first).
    stage = 'listing runs';
    const specNode: RunsNode = { kind: 'spec', uri: vscode.Uri.file(specFile) };
    const listed = await runsTree.getChildren(specNode);
    const streaming = await streamProbe.stop();
    const run = listed[0]?.kind === 'run' ? listed[0].summary : undefined;
    assert.ok(run, 'the run was recorded and is listed first under its spec');
    assert.strictEqual(run.status, 'completed');
    assert.strictEqual(run.start?.layers.filter((l) => l.hasWeights).length, layers);
    const steps = (run.start?.epochs ?? 0) * (run.start?.stepsPerEpoch ?? 0);
    assert.ok(steps >= 2000, `${steps} steps`);
    assert.strictEqual(controller.isRunning(), false);
    if (process.platform === 'linux') {
      const low = vscode.workspace.getConfiguration('gradscope').get('engine.priority') !== 'normal';
      const expected = low ? Math.max(10, os.getPriority()) : os.getPriority();
      assert.deepStrictEqual(new Set(engineNice), new Set([expected]), `the engine ran at nice ${expected}`);
      assert.strictEqual(enginePolicy, low && chrtRuns() ? SCHED_IDLE : SCHED_OTHER, "the engine's main thread's policy");
    }

    // Open the finished run from disk (events.jsonl through the reducer) while the loop is watched.
    const openProbe = await startProbe(() => 'opening', path.join(RESULTS, 'extension-host-opening.cpuprofile'));
    const t0 = Date.now();
    await vscode.commands.executeCommand('gradscope.openRun', run.runDir);
    const openMs = Date.now() - t0;
    const opening = await openProbe.stop();
    const tab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('gradscope.dashboard'));
    assert.ok(tab, 'the dashboard shows the reopened run');
    assert.match(tab.label, /deep20/);

    const report = {
      // The host's pid: its main thread's id, to find it in a system-wide scheduler trace.
      hostPid: process.pid,
      layers,
      steps,
      trainSec: Math.round(trainSec * 10) / 10,
      engineNice,
      enginePolicy,
      eventsFileMB: Math.round(fs.statSync(path.join(run.runDir, 'events.jsonl')).size / 1e5) / 10,
      streaming,
      openRunMs: openMs,
      opening,
    };
    assert.ok(streaming.loopDelay.samples > 0, 'the event loop was sampled while the run streamed');
    fs.writeFileSync(path.join(RESULTS, 'extension-host-loop-delay.json'), JSON.stringify(report, null, 2));
    const brief = (r: typeof streaming): string =>
      `max ${r.loopDelay.maxMs} ms, p99 ${r.loopDelay.p99Ms} ms, ${r.blocksOver40Ms.length} blocks > 40 ms` +
      (r.mainThread ? `, main thread ${r.mainThread.cpuMs} ms on CPU, ${r.mainThread.waitMs} ms waiting for one` : '') +
      (r.machine ? `, machine ${r.machine.busyMs} ms busy, ${r.machine.stealMs} ms stolen` : '');
    console.log(`      extension host while streaming: ${brief(streaming)}; while opening (${openMs} ms): ${brief(opening)}`);
    console.log(`      (details: test-results/extension-host-loop-delay.json, extension-host-*.cpuprofile)`);
  });
});
