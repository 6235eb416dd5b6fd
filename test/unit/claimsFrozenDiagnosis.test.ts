// The diagnosis never calls a frozen layer vanishing or too slow (modelView.trainingView): a frozen layer has no
// gradient and no update by design. A frozen random base under a trainable head whose loss stalls far from good is
// the worst case (before frozen layers were set aside, the "first layer does not move" rule called it a vanishing
// gradient); a frozen first layer under a deep sigmoid stack that trains is still diagnosed, at the first layer that
// trains. Seeded runs on the wasm backend.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, smallClassifier, useBackend } from './support/specs';

describe('claims: frozen layers are not diagnosed as vanishing or too slow', function () {
  this.timeout(120000);
  before(useBackend);

  it('a frozen base under a linear head: the loss stalls, and no vanishing-gradient, lr-too-low or dead-relu names a frozen layer', async () => {
    const run = await engineRun(
      smallClassifier({
        data: { samples: 600 },
        layers: [
          { type: 'dense', units: 16, activation: 'relu', kernelInitializer: 'heNormal', trainable: false },
          { type: 'dense', units: 16, activation: 'relu', kernelInitializer: 'heNormal', trainable: false },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: { epochs: 4, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 } },
      }),
    );
    const measured = run.steps.filter((s) => s.layers);
    assert.ok(measured.length >= 40, `${measured.length} measured steps`);
    assert.ok(measured.every((s) => s.layers![0].frozen && s.layers![1].frozen && s.layers![0].updateRatio === 0));
    // Far from good (chance is ln 3 ≈ 1.10): the situation in which the vanishing rules judge the gradients.
    const last = run.epochs.at(-1)!;
    assert.ok(last.loss > 0.55, `training loss ${last.loss}`);
    const codes = run.diagnostics.map((d) => d.code);
    for (const code of ['vanishing-gradient', 'lr-too-low']) assert.ok(!codes.includes(code), `diagnostics: ${codes.join(', ')}`);
    for (const d of run.diagnostics) {
      assert.ok(
        !(d.layers ?? []).some((n) => n === 'dense_1' || n === 'dense_2'),
        `${d.code} names a frozen layer: ${d.message}`,
      );
    }
  });

  it('a frozen first layer under a deep sigmoid stack that trains with SGD: vanishing-gradient, measured from the first layer that trains', async () => {
    const spec = parse(fs.readFileSync(path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), 'utf8')) as {
      model: { layers: Record<string, unknown>[] };
      training: Record<string, unknown>;
    };
    spec.model.layers[0].trainable = false;
    spec.training.epochs = 2;
    const run = await engineRun(spec);
    const d = run.diagnostics.find((x) => x.code === 'vanishing-gradient');
    assert.ok(d, `diagnostics: ${run.diagnostics.map((x) => x.code).join(', ') || 'none'}`);
    assert.match(d.message, /^Vanishing gradient: dense_2's gradient norm is /);
    assert.ok(!d.layers!.includes('dense_1'), `layers: ${d.layers!.join(', ')}`);
    assert.ok((d.evidence.ratio as number) < 1e-6, `‖g_first‖/‖g_last‖ ${String(d.evidence.ratio)}`);
  });
});
