// Claims of the transfer-learning examples (their leading comments and the README rows), checked by training the
// three in full, as `gradscope train` does in the examples' directory: the pretrained conv base, loaded by
// "latest:transfer-pretrain-digits-0-4" and frozen, beats the from-scratch twin on 150 training digits.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import type { EpochEvent, RunStartEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { savedRun } from './support/savedRun';
import { EXAMPLES, REPO, useBackend } from './support/specs';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const text = (name: string): string => fs.readFileSync(path.join(EXAMPLES, `${name}.gradscope.json`), 'utf8');
const epochs = (events: TrainingEvent[]): EpochEvent[] => events.filter((e): e is EpochEvent => e.type === 'epoch');
const acc = (e: EpochEvent): string => e.valAcc!.toFixed(3);

describe('claims: the transfer-learning examples', () => {
  let root: string;
  before(async () => {
    await useBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-transfer-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('fine-tuning the frozen pretrained conv base beats training from scratch, by the numbers the comments and README give', async function () {
    this.timeout(600_000);
    const train = (name: string, runsDir: string) =>
      savedRun(root, parse(text(name)) as object, { file: `${name}.gradscope.json`, runsDir, runId: `20261203-000000-${name}` });
    const pre = await train('transfer-pretrain-digits-0-4', path.join(root, '.gradscope', 'runs'));
    const tuned = await train('transfer-finetune-digits-5-9', path.join(root, 'tuned'));
    const scratch = await train('transfer-scratch-digits-5-9', path.join(root, 'scratch'));

    const start = tuned.events.find((e): e is RunStartEvent => e.type === 'run-start')!;
    assert.deepEqual(start.initFrom, { run: pre.runDir, layers: ['conv2d_1', 'conv2d_2'] });
    assert.equal(start.trainSamples, 150);
    assert.equal(start.validationSamples, 150);

    const p = epochs(pre.events);
    const t = epochs(tuned.events);
    const s = epochs(scratch.events);
    assert.deepEqual([acc(p[0]), acc(p[4])], ['0.948', '0.973']);
    assert.deepEqual([acc(t[1]), acc(t[7]), t[7].valLoss.toFixed(3)], ['0.860', '0.920', '0.256']);
    assert.deepEqual([acc(s[1]), acc(s[7]), s[7].valLoss.toFixed(3)], ['0.673', '0.907', '0.320']);
    assert.ok(t[7].valAcc! > s[7].valAcc! && t[1].valAcc! > s[1].valAcc!, 'fine-tuned beats scratch');

    assert.ok(text('transfer-pretrain-digits-0-4').includes('validation accuracy 0.948 after the first epoch and 0.973 after 5'));
    assert.ok(
      text('transfer-finetune-digits-5-9').includes(
        'Validation accuracy 0.860 after 2 epochs and 0.920 after 8 (validation loss 0.256); the from-scratch twin\n// transfer-scratch-digits-5-9 reaches 0.673 and 0.907 (0.320)',
      ),
    );
    assert.ok(
      text('transfer-scratch-digits-5-9').includes('accuracy 0.673 after 2 epochs and 0.907 after 8 (validation loss 0.320)'),
    );
    assert.ok(README.includes('validation accuracy 0.920 after 8 epochs (0.860 after 2)'));
    assert.ok(README.includes('0.907 after 8 epochs (0.673 after 2)'));

    // The "allButLast" variant the fine-tuning comment reports: dense_1 loaded too, a slower start.
    const variant = parse(text('transfer-finetune-digits-5-9')) as { model: { initFrom: { layers: unknown } } };
    variant.model.initFrom.layers = 'allButLast';
    const abl = epochs(
      (await savedRun(root, variant, { file: 'abl.gradscope.json', runsDir: path.join(root, 'abl'), runId: 'abl' })).events,
    );
    assert.deepEqual([acc(abl[1]), acc(abl[7])], ['0.480', '0.913']);
    assert.ok(text('transfer-finetune-digits-5-9').includes('(0.480 after 2 epochs, 0.913 after 8)'));
  });
});
