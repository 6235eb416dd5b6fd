// The diagnosis never calls a frozen layer vanishing or too slow (modelView.trainingView): a frozen layer has no
// gradient and no update by design. A frozen random base under a trainable head whose loss stalls far from good is
// the worst case (before frozen layers were set aside, the "first layer does not move" rule called it a vanishing
// gradient); a frozen first layer under a deep sigmoid stack that trains is still diagnosed, at the first layer that
// trains. Seeded runs on the wasm backend.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import { FROZEN_UNITS, frozenNote, trainingView, type LayerInfo, type ModelView } from '../../src/training/diagnosis/modelView';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, smallClassifier, useBackend } from './support/specs';

describe('diagnosis: the frozen-layer view and note', () => {
  const layer = (index: number, name: string): LayerInfo =>
    ({ index, summary: { name }, isKernel: true }) as unknown as LayerInfo;
  const [a, b, c] = [layer(0, 'dense_1'), layer(1, 'dense_2'), layer(2, 'dense_3')];
  const full = { layers: [a, b, c], kernels: [a, b, c], recurrents: [], first: a, last: c } as unknown as ModelView;
  const step = (...frozen: boolean[]): { layers: { frozen?: true }[] } => ({
    layers: frozen.map((f) => (f ? { frozen: true } : {})),
  });

  it('sets aside a layer frozen on any step of the window; the ratio runs from the first layer that trains', () => {
    const view = trainingView(full, [step(true, false, false), step(false, false, false)]);
    assert.deepStrictEqual(view.kernels, [b, c]);
    assert.strictEqual(view.first, b);
    assert.strictEqual(view.last, c);
    assert.strictEqual(trainingView(full, [step(false, false, false)]), full, 'nothing frozen: the view itself');
    assert.strictEqual(trainingView(full, [step(false, false, true)]).last, undefined, 'a frozen output layer: no ratio');
  });

  it('says which layers were not judged and why', () => {
    const one = trainingView(full, [step(true, false, false)]);
    assert.strictEqual(
      frozenNote(full, one, FROZEN_UNITS),
      ' dense_1 is frozen and not judged: its units are what its frozen weights make of this data, which none of these fixes changes while it stays frozen.',
    );
    const two = trainingView(full, [step(true, true, false)]);
    assert.match(
      frozenNote(full, two, FROZEN_UNITS),
      /^ dense_1, dense_2 are frozen and not judged: their units .* while they stay frozen\.$/,
    );
    assert.strictEqual(frozenNote(full, full, FROZEN_UNITS), '');
  });
});

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
    assert.match(d.message, / dense_1 is frozen and not judged: no gradient is computed for it\.$/);
    assert.ok((d.evidence.ratio as number) < 1e-6, `‖g_first‖/‖g_last‖ ${String(d.evidence.ratio)}`);
  });
});
