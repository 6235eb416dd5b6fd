// Claims of the augmentation examples (their leading comments and README rows), checked by training both in full:
// the plain net overfits its 210 digits, the augmented twin does not and ends with a lower validation loss.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, REPO, useBackend } from './support/specs';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

function example(name: string): { spec: object; text: string } {
  const text = fs.readFileSync(path.join(EXAMPLES, `${name}.gradscope.json`), 'utf8');
  return { spec: parse(text) as object, text };
}

const round = (value: number, digits: number): string => value.toFixed(digits);

describe('claims: the augmentation examples', () => {
  before(useBackend);

  it('mnist-small-overfit overfits and mnist-small-augmented does not, with the numbers their comments and the README give', async function () {
    this.timeout(600_000);
    const plain = example('mnist-small-overfit');
    const augmented = example('mnist-small-augmented');
    const a = await engineRun(plain.spec);
    const b = await engineRun(augmented.spec);
    const lastA = a.epochs[a.epochs.length - 1];
    const lastB = b.epochs[b.epochs.length - 1];
    const bestA = a.epochs.reduce((best, e) => (e.valLoss < best.valLoss ? e : best));
    // The numbers as written (2 significant digits), from this run.
    assert.strictEqual(a.epochs.length, 15);
    assert.strictEqual(round(lastA.loss, 3), '0.010');
    assert.strictEqual(round(lastA.valLoss, 2), '0.62');
    assert.strictEqual(round(lastA.valAcc!, 2), '0.82');
    assert.strictEqual(round(bestA.valLoss, 2), '0.56');
    assert.strictEqual(bestA.epoch + 1, 6);
    assert.strictEqual(round(lastB.loss, 2), '0.45');
    assert.strictEqual(round(lastB.valLoss, 2), '0.45');
    assert.strictEqual(round(lastB.valAcc!, 2), '0.87');
    for (const text of [plain.text, README]) {
      assert.ok(text.includes('0.010'), 'plain training loss stated');
      assert.ok(text.includes('0.62 (accuracy 0.82)'), 'plain validation loss and accuracy stated');
    }
    assert.ok(plain.text.includes('bottoms\n// out at 0.56 (epoch 6)'));
    assert.ok(augmented.text.includes('validation loss ends at 0.45 (accuracy 0.87) instead of 0.62 (0.82)'));
    assert.ok(README.includes('validation loss 0.45 (accuracy 0.87) after 15 epochs'));
  });
});
