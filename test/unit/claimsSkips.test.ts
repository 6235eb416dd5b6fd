// What the skip-connection examples (and the README rows about them) say, checked on short runs of each example.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, REPO, useBackend } from './support/specs';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

function example(name: string, epochs: number): { spec: object; text: string } {
  const text = fs.readFileSync(path.join(EXAMPLES, `${name}.gradscope.json`), 'utf8');
  const spec = parse(text) as { training: Record<string, unknown> };
  spec.training.epochs = epochs;
  return { spec, text };
}

describe('claims: the skip-connection examples', () => {
  before(useBackend);

  it('densenet-vs-plain-deep: the first layer’s gradient is about the output layer’s at step 100; validation accuracy > 0.9 after one epoch', async () => {
    const { spec, text } = example('densenet-vs-plain-deep', 3);
    assert.ok(text.includes("the first layer's gradient norm stays about as large as the output layer's (ratio ≈1 at step"));
    assert.ok(text.includes('validation accuracy passes 0.9 after the first epoch'));
    const run = await engineRun(spec);
    const layers = run.steps[100].layers!;
    const ratio = layers[layers.length - 1].gradNorm! / layers[0].gradNorm!;
    assert.ok(ratio > 0.5 && ratio < 2, `output/first gradient norm at step 100: ${ratio}`);
    assert.ok(run.epochs[0].valAcc! > 0.9, `validation accuracy after epoch 1: ${run.epochs[0].valAcc}`);
    assert.deepStrictEqual(
      run.diagnostics.map((d) => d.code),
      [],
    );
  });

  it('README rows: plain-deep-narrow dead from step 5 on', () => {
    assert.ok(README.includes("from step 5 on the last hidden layer's 8 units are all dead, every kernel gradient is 0"));
  });

  it('plain-deep-narrow: from step 5 on its last hidden layer is all dead and every kernel gradient is 0; accuracy at chance', async () => {
    const { spec, text } = example('plain-deep-narrow', 2);
    assert.ok(text.includes('gradscope diagnoses dead-relu'));
    assert.ok(
      text.includes("from step 5 on all 8\n// units of the last hidden layer are dead, so every layer's kernel gradient is 0"),
    );
    const run = await engineRun(spec);
    for (const s of run.steps.filter((x) => x.step >= 5)) {
      const layers = s.layers!;
      assert.strictEqual(layers[layers.length - 2].deadUnits, 8, `step ${s.step}`);
      assert.ok(
        layers.every((l) => l.gradNorm === 0),
        `step ${s.step}: ${layers.map((l) => l.gradNorm).join(', ')}`,
      );
    }
    assert.ok(
      run.steps[4].layers!.some((l) => l.gradNorm! > 0),
      'some gradient still flows at step 4',
    );
    assert.ok(run.epochs[1].valAcc! < 0.4, `validation accuracy ${run.epochs[1].valAcc}`);
    assert.ok(
      run.diagnostics.some((d) => d.code === 'dead-relu'),
      run.diagnostics.map((d) => d.code).join(', '),
    );
  });

  it('highway-deep vs plain-deep-tanh: at step 100 the highway stack’s first and last gradients are both ≈1e-2, the plain one’s ~4 orders apart', async () => {
    assert.ok(README.includes("32 layers deep; the first and the output layer's gradient norms stay ≈1e-2"));
    const highway = await engineRun(example('highway-deep', 3).spec);
    const h = highway.steps[100].layers!;
    for (const l of [h[0], h[h.length - 1]]) assert.ok(l.gradNorm! > 3e-3 && l.gradNorm! < 3e-2, `${l.name}: ${l.gradNorm!}`);
    assert.ok(highway.epochs[2].loss < highway.epochs[0].loss, 'the loss falls');
    assert.deepStrictEqual(
      highway.diagnostics.map((d) => d.code),
      [],
    );
    const plain = await engineRun(example('plain-deep-tanh', 3).spec);
    const p = plain.steps[100].layers!;
    const orders = Math.log10(p[p.length - 1].gradNorm! / p[0].gradNorm!);
    assert.ok(orders > 3.5 && orders < 4.5, `plain: ${orders} orders of magnitude between output and first layer`);
    assert.ok(plain.epochs[2].valLoss > 1.09, `plain validation loss ${plain.epochs[2].valLoss}`);
    assert.ok(
      plain.diagnostics.some((d) => d.code === 'vanishing-gradient'),
      plain.diagnostics.map((d) => d.code).join(', '),
    );
  });
});
