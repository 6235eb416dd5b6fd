// Inside a real VS Code: Gradscope: Explain Run on a finished conv run computes Grad-CAM in the engine process and
// resolves with the explanation it showed; on a run without conv layers it shows the engine's reason and resolves
// with nothing.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { GradscopeApi } from '../../../src/extension/extension';
import type { ExplanationEvent } from '../../../src/shared/engineProtocol';
import { listRuns } from '../../../src/training/run/runStore';
import { summarizeRun } from '../../../src/training/run/runSummary';

const workspace = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;
const runsDir = (): string => path.join(workspace(), '.gradscope', 'runs');

async function api(): Promise<GradscopeApi> {
  const ext = vscode.extensions.getExtension<GradscopeApi>('gradscope.gradscope');
  assert.ok(ext, 'extension gradscope.gradscope is installed');
  return ext.activate();
}

/** Writes a spec into the workspace, trains it through the command, returns its (newest) run directory. */
async function trained(name: string, spec: object): Promise<string> {
  const uri = vscode.Uri.file(path.join(workspace(), `${name}.gradscope.json`));
  fs.writeFileSync(uri.fsPath, JSON.stringify({ name, ...spec }, null, 2));
  await vscode.commands.executeCommand('gradscope.train', uri);
  const run = listRuns(runsDir())
    .map(summarizeRun)
    .find((r) => r.start?.specName === name);
  assert.ok(run, `a run of ${name}`);
  assert.strictEqual(run.status, 'completed');
  return run.runDir;
}

suite('Explain Run', () => {
  suiteSetup(async () => {
    await api();
  });

  test('explains a finished conv run: Grad-CAM maps at the input size for the asked samples', async () => {
    const runDir = await trained('explain-conv', {
      seed: 2,
      data: { dataset: 'mnist', samples: 200, validationSplit: 0.2 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d' },
          { type: 'flatten' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
      },
      training: { epochs: 1, batchSize: 32 },
    });
    const event = await vscode.commands.executeCommand<ExplanationEvent | undefined>('gradscope.explainRun', runDir);
    assert.ok(event, 'an explanation');
    assert.strictEqual(event.type, 'explanation');
    assert.strictEqual(event.samples.length, 8, 'the default number of samples');
    assert.match(event.layer, /^conv2d/);
    for (const s of event.samples) {
      assert.strictEqual(s.gradCam.width, 28);
      assert.strictEqual(s.gradCam.values.length, 28 * 28);
      assert.ok(s.gradCam.values.every((v) => v >= 0 && v <= 1));
    }
  });

  test('a run without conv layers: no explanation, nothing thrown', async () => {
    const runDir = await trained('explain-dense', {
      seed: 1,
      data: { dataset: 'blobs', samples: 120, classes: 3, features: 2 },
      model: {
        inputShape: [2],
        layers: [
          { type: 'dense', units: 8, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      training: { epochs: 1, batchSize: 16 },
    });
    const event = await vscode.commands.executeCommand<ExplanationEvent | undefined>('gradscope.explainRun', runDir);
    assert.strictEqual(event, undefined);
  });
});
