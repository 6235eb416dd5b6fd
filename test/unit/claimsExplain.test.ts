// Claims of examples/mnist-conv-explain.gradscope.json (its leading comment), checked by training it in full: 600
// validation digits, an explanation after each of the 8 epochs at conv2d_2 (11×11 maps) of the same 8 digits,
// validation accuracy 0.957 at the end, and one 8 predicted 5 after 5 of the 8 epochs, the last included (with its
// true-class map beside the predicted one); the README's row says the same.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import type { ExplanationEvent } from '../../src/shared/engineProtocol';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, REPO, useBackend } from './support/specs';

describe('claims: the mnist-conv-explain example', () => {
  before(useBackend);

  it('explains the same 8 digits after every epoch at conv2d_2; the numbers its comment gives', async function () {
    this.timeout(600_000);
    const text = fs.readFileSync(path.join(EXAMPLES, 'mnist-conv-explain.gradscope.json'), 'utf8');
    const run = await engineRun(parse(text) as object, text);
    const start = run.events.find((e) => e.type === 'run-start');
    assert.ok(start?.type === 'run-start');
    assert.strictEqual(start.validationSamples, 600);
    assert.ok(text.includes('3000 MNIST digits (600 held out for validation)'));

    const explanations = run.events.filter((e): e is ExplanationEvent => e.type === 'explanation');
    assert.deepStrictEqual(
      explanations.map((e) => e.epoch),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    const indices = explanations[0].samples.map((s) => s.index);
    assert.strictEqual(indices.length, 8);
    for (const e of explanations) {
      assert.strictEqual(e.layer, 'conv2d_2');
      assert.deepStrictEqual(
        e.samples.map((s) => s.index),
        indices,
      );
      for (const s of e.samples) assert.deepStrictEqual([s.gradCamRaw.width, s.gradCamRaw.height], [11, 11]);
    }
    assert.ok(text.includes('the same 8 validation digits are explained at the last conv layer (conv2d_2, 11×11 feature maps)'));

    const last = run.epochs[run.epochs.length - 1];
    assert.strictEqual(run.epochs.length, 8);
    assert.strictEqual(last.valAcc!.toFixed(3), '0.957');
    assert.ok(text.includes('validation accuracy of 0.957 after 8 epochs'));

    // The 8 among the explained digits: predicted 5 after 5 of the 8 epochs, the last one included.
    const eights = indices.filter((_, i) => explanations[0].samples[i].label === 8);
    assert.strictEqual(eights.length, 1);
    const at = indices.indexOf(eights[0]);
    const predicted = explanations.map((e) => e.samples[at].predicted);
    assert.strictEqual(predicted.filter((p) => p === 5).length, 5);
    assert.ok(predicted.every((p) => p === 5 || p === 8));
    const final = explanations[explanations.length - 1].samples[at];
    assert.strictEqual(final.predicted, 5);
    assert.ok(final.gradCamTrue, 'a misclassified digit has the true class’s map too');
    assert.ok(text.includes('an 8, is predicted 5 after 5 of the 8 epochs\n// (the last included)'));

    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    assert.ok(readme.includes('two conv layers on 3000 MNIST digits with `monitor.explain`'));
    assert.ok(
      readme.includes('the same 8 validation digits get Grad-CAM maps at `conv2d_2` (validation accuracy 0.957 after 8 epochs'),
    );
    assert.ok(readme.includes('one 8 is predicted 5 after 5 of the 8 epochs'));
  });
});
