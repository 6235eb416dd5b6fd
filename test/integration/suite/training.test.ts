// Inside a real VS Code: training through the commands, diagnostics in Problems at the right line, the runs
// sidebar, the dashboard panel, stopping a run, and a bad spec that starts no run.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GradscopeApi } from '../../../src/extension/extension';
import { Config } from '../../../src/extension/config';
import { restoreRunDiagnostics } from '../../../src/extension/restoreDiagnostics';
import { codeOf } from '../../../src/extension/specDiagnostics';
import { TrainingController } from '../../../src/extension/trainingController';
import { listRuns } from '../../../src/training/run/runStore';
import { summarizeRun } from '../../../src/training/run/runSummary';

const workspace = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;
const specUri = (name: string): vscode.Uri => vscode.Uri.file(path.join(workspace(), name));
const runsDir = (): string => path.join(workspace(), '.gradscope', 'runs');

async function api(): Promise<GradscopeApi> {
  const ext = vscode.extensions.getExtension<GradscopeApi>('gradscope.gradscope');
  assert.ok(ext, 'extension gradscope.gradscope is installed');
  return ext.activate();
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Line (0-based) of the first occurrence of `needle` in a file. */
function lineOf(file: string, needle: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} in ${file}`);
  return line;
}

function writeSpec(name: string, spec: object | string): vscode.Uri {
  const uri = specUri(name);
  fs.writeFileSync(uri.fsPath, typeof spec === 'string' ? spec : JSON.stringify(spec, null, 2));
  return uri;
}

suite('training from VS Code', () => {
  suiteSetup(async () => {
    await api();
  });

  test('a bad spec gets a positioned Problems entry and starts no run', async () => {
    const uri = writeSpec(
      'bad.gradscope.json',
      '{\n  "data": { "dataset": "spiral" },\n  "model": {\n    "inputShape": [2],\n    "layers": [\n      { "type": "dens", "units": 3 }\n    ]\n  }\n}\n',
    );
    await vscode.window.showTextDocument(uri);
    const problem = await until('the unknown-layer-type problem', () =>
      vscode.languages.getDiagnostics(uri).find((d) => d.source === 'gradscope' && codeOf(d) === 'unknown-layer-type'),
    );
    assert.strictEqual(problem.range.start.line, 5);
    assert.strictEqual(problem.severity, vscode.DiagnosticSeverity.Error);
    assert.match(problem.message, /dens/);
    const before = listRuns(runsDir()).length;
    await vscode.commands.executeCommand('gradscope.train', uri);
    assert.strictEqual(listRuns(runsDir()).length, before, 'no run directory was created');
  });

  test('identical lint findings on layers written out one by one: one Problems entry with the others as related information', async () => {
    const layer = '      { "type": "dense", "units": 16, "activation": "relu" },';
    const text = [
      '{',
      // 16 features: every hidden layer has the same fans, so the same message (a first layer of other fans is its own finding).
      '  "data": { "dataset": "blobs", "classes": 3, "features": 16 },',
      '  "model": {',
      '    "inputShape": [16],',
      '    "layers": [',
      ...Array<string>(8).fill(layer),
      '      { "type": "dense", "units": 3, "activation": "softmax" }',
      '    ]',
      '  }',
      '}',
      '',
    ].join('\n');
    const uri = writeSpec('eight-relu.gradscope.json', text);
    await vscode.window.showTextDocument(uri);
    const found = await until('the initializer-mismatch problem', () => {
      const list = vscode.languages.getDiagnostics(uri).filter((d) => codeOf(d) === 'initializer-mismatch');
      return list.length > 0 && list;
    });
    assert.strictEqual(found.length, 1);
    assert.strictEqual(found[0].range.start.line, 5);
    const related = found[0].relatedInformation ?? [];
    assert.deepStrictEqual(
      related.map((r) => r.location.range.start.line),
      [6, 7, 8, 9, 10, 11, 12],
    );
    assert.ok(related.every((r) => r.location.uri.toString() === uri.toString() && r.message.length > 0));
  });

  test('the exploding example diverges: a non-finite diagnostic on the repeated dense entry, naming the copy', async () => {
    const uri = specUri('exploding-init.gradscope.json');
    await vscode.commands.executeCommand('gradscope.train', uri);
    const diagnostic = vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'non-finite');
    assert.ok(diagnostic, 'non-finite diagnostic in Problems');
    assert.strictEqual(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(diagnostic.range.start.line, lineOf(uri.fsPath, '{ "type": "dense", "units": 64, "activation": "relu"'));
    assert.match(diagnostic.message, /copy \d+ of 10 made by "repeat"/);
    const code = diagnostic.code as { value: string; target: vscode.Uri };
    assert.ok(code.target.path.endsWith('/docs/diagnostics/non-finite.md'), 'the code links to its docs page');
    const latest = summarizeRun(listRuns(runsDir())[0]);
    assert.strictEqual(latest.status, 'diverged');
  });

  test('the sidebar lists each spec with its runs and their status', async () => {
    const { runsTree } = await api();
    const specs = await runsTree.getChildren();
    const exploding = specs.find((n) => n.kind === 'spec' && n.uri.fsPath.endsWith('exploding-init.gradscope.json'));
    assert.ok(exploding, 'spec listed');
    const runs = await runsTree.getChildren(exploding);
    assert.ok(runs.length >= 1);
    const item = runsTree.getTreeItem(runs[0]);
    // The status is the label (shown first, never the part cut off); the rest is the description.
    assert.strictEqual(item.label, 'diverged');
    assert.match(String(item.description), /^\d+ diagnostics? · /);
    assert.strictEqual(item.command?.command, 'gradscope.openRun');
    // A spec at the top of the workspace folder shows no folder at all, not the folder's absolute path.
    assert.strictEqual(runsTree.getTreeItem(exploding).description, '');
  });

  test('a spec created appears in the sidebar and leaves it when deleted, alone or with its folder; node_modules is left out', async () => {
    const { runsTree } = await api();
    const listed = async (): Promise<string[]> =>
      (await runsTree.getChildren()).flatMap((n) => (n.kind === 'spec' ? [path.relative(workspace(), n.uri.fsPath)] : []));
    // Listed once; then the watcher's events update the list, and a spec in a new folder that the watcher may not
    // report is found by the search that a created spec schedules for when no run is live.
    const before = await listed();
    const text = fs.readFileSync(specUri('healthy-spiral.gradscope.json').fsPath);
    const made = ['sidebar-new.gradscope.json', path.join('sidebar-folder', 'nested.gradscope.json')];
    const ignored = path.join('node_modules', 'some-package', 'ignored.gradscope.json');
    for (const file of [...made, ignored]) {
      fs.mkdirSync(path.dirname(path.join(workspace(), file)), { recursive: true });
      fs.writeFileSync(path.join(workspace(), file), text);
    }
    // Waits on the tree's state (the watcher's events arrive when they do), not on a fixed delay.
    const settle = async (what: string, ok: (specs: string[]) => boolean): Promise<string[]> => {
      let specs: string[] = [];
      await until(what, () => ok(specs) || (void listed().then((l) => (specs = l)), false)).catch((err: Error) => {
        throw new Error(`${err.message}; listed: ${specs.join(', ')}`);
      });
      return specs;
    };
    const after = await settle('the new specs listed', (specs) => made.every((f) => specs.includes(f)));
    assert.ok(!after.includes(ignored), 'a spec under node_modules is not listed');
    assert.deepStrictEqual(after.filter((f) => !made.includes(f)).sort(), [...before].sort());
    fs.rmSync(path.join(workspace(), made[0]));
    fs.rmSync(path.join(workspace(), 'sidebar-folder'), { recursive: true });
    fs.rmSync(path.join(workspace(), 'node_modules'), { recursive: true });
    await settle('the deleted specs gone', (specs) => specs.length === before.length && made.every((f) => !specs.includes(f)));
  });

  test("a reopened window shows the last run's diagnostics in Problems again (restored from the run)", async () => {
    const { diagnostics } = await api();
    const uri = specUri('exploding-init.gradscope.json');
    const live = vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'non-finite');
    assert.ok(live, 'the run put non-finite in Problems');
    // What a new window starts with: no run diagnostics in memory, only the runs on disk.
    diagnostics.clearRun(uri);
    assert.ok(!vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === 'non-finite'));
    const restored = await restoreRunDiagnostics(diagnostics, () => false);
    assert.ok(restored >= 1);
    const again = vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'non-finite');
    assert.ok(again, 'non-finite is back in Problems');
    assert.strictEqual(again.message, live.message);
    assert.deepStrictEqual(again.range, live.range);
    assert.deepStrictEqual(diagnostics.fixesOf(again)?.fixes, diagnostics.fixesOf(live)?.fixes, 'with the same Quick Fixes');
    assert.strictEqual(
      diagnostics.fixesOf(again)?.runDir,
      diagnostics.fixesOf(live)?.runDir,
      'which know the run they came from',
    );
  });

  test('in Restricted Mode a spec is checked but not trained', async () => {
    const { diagnostics } = await api();
    const output = vscode.window.createOutputChannel('gradscope-untrusted-test');
    // The extension's own controller runs trusted here (VS Code trusts every folder during extension tests), so
    // this one is told the folder is not trusted.
    const untrusted = new TrainingController(new Config(), diagnostics, output, () => false);
    const uri = specUri('deep-sigmoid.gradscope.json');
    const before = listRuns(runsDir()).length;
    try {
      assert.strictEqual(await untrusted.train(uri), undefined);
      assert.strictEqual(untrusted.isRunning(), false);
      assert.strictEqual(listRuns(runsDir()).length, before, 'no run directory was created');
      const lint = vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'deep-saturating-stack');
      assert.ok(lint, 'the spec was still checked: its lint warning is in Problems');
    } finally {
      untrusted.dispose();
      output.dispose();
    }
  });

  test('training opens the dashboard on the live run', async () => {
    await vscode.commands.executeCommand('gradscope.train', specUri('deep-sigmoid.gradscope.json'));
    const tab = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('gradscope.dashboard'));
    assert.ok(tab, 'a gradscope dashboard tab is open');
    assert.match(tab.label, /deep-sigmoid/);
    assert.strictEqual(summarizeRun(listRuns(runsDir())[0]).status, 'completed');
  });

  test('Stop Training ends a long run with status stopped, keeping what was measured', async () => {
    const { controller } = await api();
    const uri = writeSpec('long.gradscope.json', {
      data: { dataset: 'spiral', samples: 2000 },
      model: {
        inputShape: [2],
        layers: [
          { type: 'dense', units: 32, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      training: { epochs: 1000, batchSize: 8 },
    });
    const training = vscode.commands.executeCommand('gradscope.train', uri);
    await until('some steps', () => (controller.current?.history.lastStep ?? -1) > 20);
    await vscode.commands.executeCommand('gradscope.stop');
    await training;
    assert.strictEqual(controller.isRunning(), false);
    const run = summarizeRun(listRuns(runsDir())[0]);
    assert.strictEqual(run.status, 'stopped');
    assert.strictEqual(run.start?.specPath, uri.fsPath);
  });

  test('a csv path outside the workspace folder gets a positioned warning in Problems', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-outside-'));
    const csv = path.join(outside, 'points.csv');
    fs.writeFileSync(csv, `x,y\n${Array.from({ length: 40 }, (_, i) => `${i / 40},${i % 2}`).join('\n')}\n`);
    const uri = writeSpec('outside.gradscope.json', {
      data: { dataset: 'csv', path: csv, label: 'y', task: 'classification' },
      model: { inputShape: [1], layers: [{ type: 'dense', units: 2, activation: 'softmax' }] },
    });
    try {
      await vscode.commands.executeCommand('gradscope.checkSpec', uri);
      const warning = await until('the data-outside-workspace warning', () =>
        vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'data-outside-workspace'),
      );
      assert.strictEqual(warning.severity, vscode.DiagnosticSeverity.Warning);
      assert.strictEqual(warning.range.start.line, lineOf(uri.fsPath, '"path"'));
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
