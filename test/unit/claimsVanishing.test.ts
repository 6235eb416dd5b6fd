// What vanishing-gradient (its message, docs/diagnostics/vanishing-gradient.md, the dashboard's gradient caption)
// says, checked on the deep-sigmoid example trained with SGD (as bundled) and with Adam: the gradient vanishes either
// way and the loss stays at chance; with SGD the first layers' weights barely move, with Adam they still move.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import { engineRun, type EngineRun } from './support/engineRuns';
import { EXAMPLES, useBackend } from './support/specs';

function deepSigmoid(optimizer?: object): object {
  const spec = parse(fs.readFileSync(path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), 'utf8')) as {
    training: Record<string, unknown>;
  };
  spec.training.epochs = 2;
  if (optimizer) spec.training.optimizer = optimizer;
  return spec;
}

function vanishing(run: EngineRun): string {
  const d = run.diagnostics.find((x) => x.code === 'vanishing-gradient');
  assert.ok(d, `diagnostics: ${run.diagnostics.map((x) => x.code).join(', ') || 'none'}`);
  assert.ok((d.evidence.ratio as number) < 1e-7, `‖g_first‖/‖g_last‖ ${String(d.evidence.ratio)}`);
  return d.message;
}

describe('claims: vanishing gradients under SGD and under Adam', () => {
  before(useBackend);

  it("SGD: the first layer gets ~1e-8 of the output layer's gradient and barely moves; the message says so", async () => {
    const run = await engineRun(deepSigmoid());
    const message = vanishing(run);
    const first = run.steps.filter((s) => s.layers).map((s) => s.layers![0]);
    assert.ok(
      first.every((l) => l.updateRatio < 1e-8),
      `dense_1 ‖ΔW‖/‖W‖ up to ${Math.max(...first.map((l) => l.updateRatio))}`,
    );
    assert.match(message, /with sgd the step follows the gradient, so \d+ of 14 layers barely move/);
    assert.ok(run.epochs[1].loss > 0.95 * Math.log(3), `loss ${run.epochs[1].loss} stays at chance`);
  });

  it('Adam: layers with gradient norm 1e-6 still move by ‖ΔW‖/‖W‖ ≈ 1e-3, the loss stays at chance; the message says they move', async () => {
    const run = await engineRun(deepSigmoid({ type: 'adam', learningRate: 0.001 }));
    const message = vanishing(run);
    const step0 = run.steps[0].layers!;
    const tiny = step0.filter((l) => l.gradNorm! < 1e-5);
    assert.ok(tiny.length >= 4, `layers with gradient < 1e-5: ${tiny.map((l) => l.name).join(', ')}`);
    const moving = tiny.filter((l) => l.updateRatio > 5e-4);
    assert.ok(
      moving.some((l) => l.gradNorm! < 1e-6 * 1.5 && l.gradNorm! > 1e-7),
      `a layer with gradient ~1e-6 moving by ~1e-3: ${tiny.map((l) => `${l.name} g=${l.gradNorm!.toExponential(1)} u=${l.updateRatio.toExponential(1)}`).join('; ')}`,
    );
    assert.match(
      message,
      /adam rescales each weight's step, so dense_1 still moves \(‖ΔW‖\/‖W‖ [^)]+ per step\), but in directions that hardly change the output/,
    );
    assert.doesNotMatch(message, /barely (move|learn)/);
    assert.ok(run.epochs[1].loss > 0.95 * Math.log(3), `loss ${run.epochs[1].loss} stays at chance`);
  });
});
