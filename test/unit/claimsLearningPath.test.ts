// What the learning path's texts (media/learn/*.md) say about its first steps, checked on runs of the examples: the
// diagnosis quoted, the Quick Fix offered (by its title) and what changes once it is applied (the fix's own patch).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import { LR_FIND_DEFAULTS, type DiagnosticEvent } from '../../src/shared/engineProtocol';
import { stepMedia } from '../../src/shared/learningPath';
import { findLearningRate } from '../../src/training/engine/lrFind';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { parseSpecText } from '../../src/training/spec/parse';
import { engineRun, type EngineRun } from './support/engineRuns';
import { EXAMPLES, REPO, useBackend } from './support/specs';

const text = (step: string): string => fs.readFileSync(path.join(REPO, stepMedia(step)), 'utf8').replace(/\s+/g, ' ');
const exampleText = (name: string): string => fs.readFileSync(path.join(EXAMPLES, `${name}.gradscope.json`), 'utf8');

async function runText(specText: string): Promise<EngineRun> {
  return engineRun(parse(specText) as object, specText);
}

function diagnostic(run: EngineRun, code: string): DiagnosticEvent {
  const d = run.diagnostics.find((x) => x.code === code);
  assert.ok(d, `no ${code} in ${run.diagnostics.map((x) => x.code).join(', ')}`);
  return d;
}

/** The example trained, then trained again with the diagnostic's fix titled `title` applied. */
async function beforeAndAfter(name: string, code: string, title: string): Promise<{ before: EngineRun; after: EngineRun }> {
  const original = exampleText(name);
  const before = await runText(original);
  const fix = diagnostic(before, code).fixes?.find((f) => f.title === title);
  assert.ok(
    fix,
    `${code} offers no fix "${title}": ${diagnostic(before, code)
      .fixes?.map((f) => f.title)
      .join(' | ')}`,
  );
  return { before, after: await runText(applyPatchToText(original, fix.patch)) };
}

const lastLayers = (run: EngineRun) => run.steps.filter((s) => s.layers).at(-1)!.layers!;
const near = (x: number, to: number, rel = 0.05): boolean => Math.abs(x - to) <= rel * Math.abs(to);

describe('claims: the learning path texts', () => {
  before(useBackend);

  it('vanishing: the diagnosis, the fix by its title, and the fixed run', async () => {
    const md = text('vanishing');
    const title =
      'Use relu with heNormal initialization instead of sigmoid in 13 layers (2 layer entries), and clip the gradient norm to 1';
    assert.ok(md.includes(title));
    const { before, after } = await beforeAndAfter('deep-sigmoid', 'vanishing-gradient', title);
    const said = "dense_1's gradient norm is 5.4e-9, 1.0e-8× the output layer's";
    assert.ok(md.includes(said) && diagnostic(before, 'vanishing-gradient').message.includes(said));
    assert.ok(md.includes('8 of the 14 layers barely move'));
    assert.ok(diagnostic(before, 'vanishing-gradient').message.includes('8 of 14 layers barely move'));
    // "At the last step the first layer's gradient is about 0.09 against the output layer's 0.11 … the validation
    // accuracy reaches 0.987 (epoch 7); the diagnosis is gone."
    const layers = lastLayers(after);
    assert.ok(near(layers[0].gradNorm!, 0.09, 0.1), `first ${layers[0].gradNorm}`);
    assert.ok(near(layers.at(-1)!.gradNorm!, 0.11, 0.1), `output ${layers.at(-1)!.gradNorm}`);
    assert.ok(md.includes('validation accuracy reaches 0.987 (epoch 7)'));
    const best = Math.max(...after.epochs.map((e) => e.valAcc!));
    assert.strictEqual(best.toFixed(3), '0.987');
    assert.strictEqual(after.epochs.findIndex((e) => e.valAcc === best) + 1, 7);
    assert.ok(!after.diagnostics.some((d) => d.code === 'vanishing-gradient'));
  });

  it('exploding: gradients of 1e9, global 1.2e10, NaN at the second step; heNormal completes with 0.983', async () => {
    const md = text('exploding');
    const title = 'Initialize the weights of /model/layers/0/layers/0 with heNormal (scaled to the fan-in)';
    assert.ok(md.includes(title));
    const { before, after } = await beforeAndAfter('exploding-init', 'exploding-gradient', title);
    assert.ok(md.includes('the global norm is 1.2e10'));
    assert.strictEqual(before.steps[0].globalGradNorm!.toExponential(1), '1.2e+10');
    assert.ok(before.steps[1].nonFinite && before.end.status === 'diverged');
    assert.ok(diagnostic(before, 'exploding-gradient').message.includes("changed dense_11's weights by 4.9e7× their norm"));
    assert.ok(md.includes('4.9e7× their norm'));
    // "the run completes its 10 epochs, at the last step every layer's gradient norm is between about 1 and 8, and
    // the best validation accuracy is 0.983 (epoch 9)"
    assert.strictEqual(after.end.status, 'completed');
    assert.strictEqual(after.epochs.length, 10);
    for (const l of lastLayers(after)) assert.ok(l.gradNorm! > 1 && l.gradNorm! < 9, `${l.name} ${l.gradNorm}`);
    const best = Math.max(...after.epochs.map((e) => e.valAcc!));
    assert.strictEqual(best.toFixed(3), '0.983');
    assert.strictEqual(after.epochs.findIndex((e) => e.valAcc === best) + 1, 9);
  });

  it('clipping: clipNorm 1 keeps the simpleRNN finite, validation loss 5.3 after epoch 3', async () => {
    const md = text('clipping');
    assert.ok(md.includes('*Clip the global gradient norm to 1*'));
    const { before, after } = await beforeAndAfter(
      'rnn-exploding-clip',
      'exploding-gradient',
      'Clip the global gradient norm to 1',
    );
    assert.strictEqual(before.end.status, 'diverged');
    assert.strictEqual(before.steps[0].globalGradNorm!.toExponential(1), '4.8e+15');
    assert.ok(md.includes('the global gradient norm is 4.8e15'));
    assert.strictEqual(after.end.status, 'completed');
    assert.ok(after.epochs.every((e) => Number.isFinite(e.loss) && Number.isFinite(e.valLoss)));
    assert.ok(md.includes('the validation loss is 5.3 after epoch 3'));
    assert.strictEqual(after.epochs[2].valLoss.toFixed(1), '5.3');
  });

  it('deadRelu: zero biases reach validation loss 0.025 in 6 epochs, leakyRelu 0.70 at best', async () => {
    const md = text('deadRelu');
    assert.ok(md.includes('with zero biases the validation loss falls to 0.025 in 6 epochs'));
    assert.ok(md.includes('(validation loss 0.70 at best)'));
    const zero = await beforeAndAfter(
      'leaky-vs-relu-dead',
      'dead-relu',
      'Initialize the biases of /model/layers/0/layers/0 to zero',
    );
    assert.strictEqual(zero.after.epochs.at(-1)!.valLoss.toFixed(3), '0.025');
    const leaky = await beforeAndAfter(
      'leaky-vs-relu-dead',
      'dead-relu',
      'Use leakyRelu in /model/layers/0/layers/0 (a small slope for negative inputs keeps units alive)',
    );
    assert.strictEqual(Math.min(...leaky.after.epochs.map((e) => e.valLoss)).toFixed(2), '0.70');
    assert.ok(!leaky.after.diagnostics.some((d) => d.code === 'dead-relu'));
  });

  it('batchNorm: batch size 4 oscillates; the lint fix "set the batch size to 32" trains 0.87 → 0.22 without it', async () => {
    const md = text('batchNorm');
    assert.ok(md.includes('*set the batch size to 32*'));
    const original = exampleText('groupnorm-small-batch');
    const lint = parseSpecText(original, path.join(EXAMPLES, 'groupnorm-small-batch.gradscope.json')).problems.find(
      (p) => p.code === 'batchnorm-small-batch',
    );
    const titles = lint?.fixes?.map((f) => f.title) ?? [];
    assert.ok(titles.includes('set the batch size to 32'), titles.join(' | '));
    assert.ok(
      titles.some((t) => t.startsWith('use groupNormalization')) && titles.some((t) => t.startsWith('use layerNormalization')),
    );
    const before = await runText(original);
    diagnostic(before, 'oscillating-loss');
    const after = await runText(
      applyPatchToText(original, lint!.fixes!.find((f) => f.title === 'set the batch size to 32')!.patch),
    );
    assert.ok(md.includes('the training loss falls from 0.87 to 0.22 in 8 epochs, with no oscillation reported'));
    assert.strictEqual(after.epochs.length, 8);
    assert.strictEqual(after.epochs[0].loss.toFixed(2), '0.87');
    assert.strictEqual(after.epochs[7].loss.toFixed(2), '0.22');
    assert.ok(!after.diagnostics.some((d) => d.code === 'oscillating-loss'));
  });

  it('overfitting: 0.010 vs 0.56 → 0.62; early stopping keeps epoch 6; dropout 0.062 and 0.50', async () => {
    const md = text('overfitting');
    const stop = 'Stop early (patience 3) and keep the weights of the best validation epoch';
    const dropout = 'Add dropout (rate 0.3) after the hidden layer';
    assert.ok(md.includes(stop) && md.includes(dropout));
    const early = await beforeAndAfter('mnist-small-overfit', 'overfitting', stop);
    const e = early.before.epochs;
    assert.ok(
      md.includes(
        'the training loss falls to 0.010 after 15 epochs while the validation loss, best at epoch 6 (0.56), rises to 0.62',
      ),
    );
    assert.strictEqual(e[14].loss.toFixed(3), '0.010');
    assert.strictEqual(e[14].valLoss.toFixed(2), '0.62');
    const best = Math.min(...e.map((x) => x.valLoss));
    assert.strictEqual(best.toFixed(2), '0.56');
    assert.strictEqual(e.findIndex((x) => x.valLoss === best) + 1, 6);
    assert.ok(md.includes("the run stops after epoch 9 and keeps epoch 6's weights"));
    assert.strictEqual(early.after.end.status, 'early-stopped');
    assert.strictEqual(early.after.epochs.length, 9);
    assert.strictEqual(early.after.end.bestEpoch! + 1, 6);
    const drop = await beforeAndAfter('mnist-small-overfit', 'overfitting', dropout);
    assert.ok(md.includes('(0.062 after 15 epochs) and the best validation loss is 0.50'));
    assert.strictEqual(drop.after.epochs[14].loss.toFixed(3), '0.062');
    assert.strictEqual(Math.min(...drop.after.epochs.map((x) => x.valLoss)).toFixed(2), '0.50');
  });

  it("learningRate: the range test of one-cycle (the editor's default settings) suggests about 0.006 and 0.06", async () => {
    const md = text('learningRate');
    assert.ok(
      md.includes(
        "it suggests about 0.006 (the steepest descent) and 0.06 (a tenth of the rate at the lowest loss); the spec's one-cycle peak is 0.1",
      ),
    );
    const file = path.join(EXAMPLES, 'one-cycle.gradscope.json');
    const specText = exampleText('one-cycle');
    const parsed = parseSpecText(specText, file);
    const result = await findLearningRate({
      spec: parsed.spec!,
      specFile: file,
      specText,
      runId: 'claims',
      backend: 'wasm',
      settings: LR_FIND_DEFAULTS,
      onProgress: () => undefined,
      shouldStop: () => false,
    });
    assert.ok(result?.conclusive);
    assert.strictEqual(result.suggestion.method, 'steepest');
    assert.strictEqual(result.suggestion.learningRate.toFixed(3), '0.006');
    assert.strictEqual(result.secondOpinion.learningRate.toFixed(2), '0.06');
    assert.strictEqual(result.currentLearningRate, 0.1);
    assert.strictEqual(result.stopReason, 'diverged'); // the smoothed loss passed 4× its minimum
  });
});
