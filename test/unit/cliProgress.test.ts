// The CLI's progress lines read numbers that crossed the engine channel as JSON, where NaN and ±Infinity become
// null: a diverged step or epoch must print, not throw `Cannot read properties of null (reading 'toFixed')`.
import * as assert from 'assert';
import type { EpochEvent, RunStartEvent, StepEvent } from '../../src/shared/engineProtocol';
import { fixed, ProgressBar } from '../../src/cli/progress';

function terminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = {
    isTTY: true,
    write: (chunk: string): boolean => {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe('CLI progress', () => {
  it('prints a step and an epoch whose losses arrived as null (NaN over JSON)', () => {
    const t = terminal();
    const bar = new ProgressBar(t.stream);
    bar.start({
      specName: 's',
      epochs: 2,
      stepsPerEpoch: 10,
      trainSamples: 100,
      validationSamples: 20,
      totalParams: 5,
      backend: 'wasm',
    } as RunStartEvent);
    const step = JSON.parse(JSON.stringify({ type: 'step', step: 3, epoch: 0, loss: NaN, lr: 0.1 })) as StepEvent;
    assert.strictEqual(step.loss, null);
    bar.step(step); // the first step draws (later ones at most every 100 ms)
    assert.match(t.text(), /epoch 1\/2 .* loss non-finite$/);
    const epoch = JSON.parse(
      JSON.stringify({
        type: 'epoch',
        epoch: 0,
        loss: NaN,
        valLoss: Infinity,
        acc: 0.5,
        valAcc: NaN,
        lr: 0.1,
        durationMs: 1,
        samplesPerSec: 1,
      }),
    ) as EpochEvent;
    bar.epoch(epoch);
    assert.match(t.text(), /epoch 1\/2: loss non-finite val_loss non-finite acc 0\.500 val_acc non-finite/);
  });

  it('formats finite numbers, ±Infinity and NaN', () => {
    assert.strictEqual(fixed(1.23456, 2), '1.23');
    assert.strictEqual(fixed(Infinity, 2), 'Infinity');
    assert.strictEqual(fixed(NaN, 2), 'NaN');
    assert.strictEqual(fixed(null, 2), 'non-finite');
  });
});
