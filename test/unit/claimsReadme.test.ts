// Every number the README states about the bundled examples, checked on a run of each example.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'jsonc-parser';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, REPO, useBackend } from './support/specs';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

function example(name: string, epochs: number): object {
  const spec = parse(fs.readFileSync(path.join(EXAMPLES, `${name}.gradscope.json`), 'utf8')) as {
    training: Record<string, unknown>;
  };
  spec.training.epochs = epochs;
  return spec;
}

describe('claims: the README about the examples', () => {
  before(useBackend);

  it('deep-sigmoid: 13 sigmoid layers and a softmax output; first-layer gradient ≈1e-8, ≈1 at the output (eight orders of magnitude)', async () => {
    assert.ok(
      README.includes("13 sigmoid layers and a softmax output: the first layers' gradients vanish (≈1e-8 vs ≈1 at the output)"),
    );
    assert.ok(README.includes('a network of 13 sigmoid layers and a softmax output'));
    assert.ok(README.includes('about eight orders of magnitude smaller'));
    const run = await engineRun(example('deep-sigmoid', 1));
    const start = run.events[0];
    assert.ok(start.type === 'run-start');
    const activations = start.layers.filter((l) => l.kind === 'dense').map((l) => l.activation);
    assert.deepStrictEqual(activations, [...Array<string>(13).fill('sigmoid'), 'softmax']);
    for (const s of run.steps.filter((x) => x.layers).slice(0, 20)) {
      const layers = s.layers!;
      const first = layers[0].gradNorm!;
      const last = layers[layers.length - 1].gradNorm!;
      assert.ok(first > 1e-9 && first < 1e-7, `step ${s.step}: first layer ${first}`);
      assert.ok(last > 0.1 && last < 10, `step ${s.step}: output layer ${last}`);
      const orders = Math.log10(last / first);
      assert.ok(orders > 7.5 && orders < 9, `step ${s.step}: ${orders} orders of magnitude`);
    }
  });

  it('exploding-init: gradient norms of about 1e9 in every layer at the first step, NaN at the second, status diverged', async () => {
    assert.ok(
      README.includes(
        'gradient norms of about 1e9 in every layer at the first step, NaN at the second; the run stops with status `diverged`',
      ),
    );
    const run = await engineRun(example('exploding-init', 10));
    const first = run.steps[0];
    assert.ok(
      first.layers!.every((l) => l.gradNorm! > 10 ** 8.5 && l.gradNorm! < 10 ** 10.5),
      first.layers!.map((l) => l.gradNorm).join(', '),
    );
    assert.ok(first.globalGradNorm! >= 1e9);
    assert.strictEqual(run.steps.length, 2);
    assert.ok(run.steps[1].nonFinite);
    assert.strictEqual(run.end.status, 'diverged');
  });

  it('healthy-spiral: gradients of similar size in every layer, and the loss falls', async () => {
    const run = await engineRun(example('healthy-spiral', 3));
    for (const s of run.steps.filter((x) => x.layers).slice(0, 30)) {
      const norms = s.layers!.filter((l) => l.gradNorm! > 0).map((l) => l.gradNorm!);
      assert.ok(Math.max(...norms) / Math.min(...norms) < 30, `step ${s.step}: ${norms.join(', ')}`);
    }
    assert.ok(run.epochs[2].loss < 0.7 * run.epochs[0].loss, run.epochs.map((e) => e.loss).join(', '));
  });

  it('init-small-tanh: the signal shrinks about 10× per layer, from ≈1e-2 at the first layer to ≈1e-12 at the tenth', async () => {
    assert.ok(README.includes('shrinks about 10× per layer, from ≈1e-2 at the first layer to ≈1e-12 at the tenth'));
    const run = await engineRun(example('init-small-tanh', 1));
    const std = run.steps[0].layers!.slice(0, 10).map((l) => l.activationStd!);
    assert.ok(std[0] > 5e-3 && std[0] < 5e-2, `first ${std[0]}`);
    assert.ok(std[9] > 1e-13 && std[9] < 1e-11, `tenth ${std[9]}`);
    for (let i = 1; i < 10; i++) {
      const factor = std[i - 1] / std[i];
      assert.ok(factor > 5 && factor < 20, `layer ${i + 1}: ${factor}× smaller`);
    }
  });

  it('init-he-relu: the signal stays between ≈0.5 and ≈0.9 in every layer', async () => {
    assert.ok(README.includes('the signal stays between ≈0.5 and ≈0.9 in every layer'));
    const run = await engineRun(example('init-he-relu', 1));
    const std = run.steps[0].layers!.slice(0, 10).map((l) => l.activationStd!);
    assert.ok(
      std.every((v) => v > 0.4 && v < 1.1),
      std.join(', '),
    );
  });

  it('leaky-vs-relu-dead/alive: ReLU layers die (64/64), the loss stays at ≈1.1 and dead-relu fires; leaky ones cannot die and learn', async () => {
    assert.ok(
      README.includes('the last two hidden layers are entirely dead (64/64 units), the loss stays at ≈1.1 and `dead-relu` fires'),
    );
    assert.ok(README.includes('no unit can die (no dead units are reported), the loss falls'));
    const dead = await engineRun(example('leaky-vs-relu-dead', 3));
    for (const s of dead.steps.filter((x) => x.layers)) {
      assert.deepStrictEqual(
        s.layers!.slice(2, 4).map((l) => l.deadUnits),
        [64, 64],
        `step ${s.step}`,
      );
    }
    for (const e of dead.epochs) assert.ok(Math.abs(e.loss - 1.1) < 0.05, `epoch ${e.epoch}: ${e.loss}`);
    assert.ok(dead.diagnostics.some((d) => d.code === 'dead-relu'));
    const alive = await engineRun(example('leaky-vs-relu-alive', 3));
    for (const s of alive.steps.filter((x) => x.layers)) {
      assert.ok(
        s.layers!.every((l) => l.deadUnits === undefined),
        `step ${s.step}`,
      );
    }
    assert.ok(alive.epochs[2].loss < 0.5 * alive.epochs[0].loss, alive.epochs.map((e) => e.loss).join(', '));
    assert.ok(!alive.diagnostics.some((d) => d.code === 'dead-relu'));
  });

  it('plateau: the validation loss swings 0.11-0.31 at 0.01, the rate drops to 0.003 after epoch 12, then it stays 0.11-0.13', async () => {
    assert.ok(
      README.includes(
        "at Adam's 0.01 the validation loss swings between 0.11 and 0.31 for epochs 5-12; after epoch 12 the rate drops to 0.003 (a `plateau` marker on the learning-rate chart) and the validation loss stays between 0.11 and 0.13 from then on",
      ),
    );
    const run = await engineRun(example('plateau', 30));
    const val = run.epochs.map((e) => e.valLoss);
    const before = val.slice(4, 12); // epochs 5-12 as displayed
    assert.ok(Math.min(...before) >= 0.105 && Math.min(...before) < 0.115, before.join(', '));
    assert.ok(Math.max(...before) > 0.305 && Math.max(...before) < 0.315, before.join(', '));
    const changes = run.events.filter((e) => e.type === 'schedule');
    assert.ok(changes.length >= 2, `${changes.length} reductions`);
    const first = changes[0];
    assert.ok(first.type === 'schedule');
    assert.strictEqual(first.epoch + 1, 12);
    assert.ok(Math.abs(first.learningRate - 0.003) < 1e-12 && first.previousLearningRate === 0.01);
    const after = val.slice(12);
    assert.ok(
      after.every((v) => v >= 0.11 && v <= 0.13),
      after.join(', '),
    );
    assert.deepStrictEqual(run.diagnostics, [], 'no diagnosis fires');
  });
});

describe('claims: the README about the optimizer and schedule examples', () => {
  before(useBackend);

  const near = (got: number, want: number, tolerance: number, what: string): void =>
    assert.ok(Math.abs(got - want) <= tolerance, `${what}: ${got} vs ${want}`);

  it('nadam-vs-sgd and its plain-sgd twin: validation loss 0.33 vs 0.73 after 5 epochs, 0.020 vs 0.51 after 20; sgd slow-convergence', async () => {
    assert.ok(README.includes('validation loss 0.33 after 5 epochs, 0.020 after 20 (accuracy 0.995)'));
    assert.ok(
      README.includes('validation loss 0.73 after 5 epochs, 0.51 after 20 (accuracy 0.755), and `slow-convergence` fires'),
    );
    const nadam = await engineRun(example('nadam-vs-sgd', 20));
    const sgd = await engineRun(example('nadam-vs-sgd-plain', 20));
    near(nadam.epochs[4].valLoss, 0.33, 0.01, 'nadam epoch 5');
    near(nadam.epochs[19].valLoss, 0.02, 0.005, 'nadam epoch 20');
    near(nadam.epochs[19].valAcc ?? NaN, 0.995, 0.0051, 'nadam accuracy');
    near(sgd.epochs[4].valLoss, 0.73, 0.01, 'sgd epoch 5');
    near(sgd.epochs[19].valLoss, 0.51, 0.01, 'sgd epoch 20');
    near(sgd.epochs[19].valAcc ?? NaN, 0.755, 0.0051, 'sgd accuracy');
    assert.ok(sgd.diagnostics.some((d) => d.code === 'slow-convergence'));
    assert.deepStrictEqual(
      nadam.diagnostics.map((d) => d.code),
      [],
    );
  });

  it('one-cycle: the rate climbs from 0.004 to 0.1 at step 149 and falls to 4e-7, momentum 0.95 → 0.85 → 0.95, validation loss 0.015, no diagnosis', async () => {
    assert.ok(
      README.includes(
        'the learning-rate chart climbs from 0.004 to 0.1 at step 149 (30% of the run) and falls to 4e-7, the momentum goes 0.95 → 0.85 → 0.95; validation loss 0.015 after 20 epochs, no diagnosis',
      ),
    );
    const run = await engineRun(example('one-cycle', 20));
    const { steps } = run;
    assert.strictEqual(steps.length, 500);
    near(steps[0].lr, 0.004, 1e-12, 'first rate');
    near(steps[149].lr, 0.1, 1e-12, 'peak');
    assert.ok(steps.every((s) => s.lr <= 0.1 + 1e-12));
    near(steps[499].lr, 4e-7, 1e-15, 'last rate');
    assert.strictEqual(steps[0].momentum, 0.95);
    near(steps[149].momentum ?? NaN, 0.85, 1e-12, 'momentum at the peak');
    near(steps[499].momentum ?? NaN, 0.95, 1e-12, 'last momentum');
    near(run.epochs[19].valLoss, 0.015, 0.002, 'validation loss after 20 epochs');
    assert.deepStrictEqual(
      run.diagnostics.map((d) => d.code),
      [],
    );
  });
});

describe('claims: the README about the recurrent examples', () => {
  before(useBackend);

  it('lstm-adding: validation MSE below the mean predictor’s 0.167 (0.052 after 10 epochs); gradNorm and recurrentGradNorm within 10× of each other', async () => {
    assert.ok(README.includes("validation MSE below the mean predictor's 0.167 (0.052 after 10 epochs)"));
    const run = await engineRun(example('lstm-adding', 10));
    const last = run.epochs[run.epochs.length - 1];
    assert.ok(Math.abs(last.valLoss - 0.052) < 0.0015, `val loss ${last.valLoss}`);
    for (const s of run.steps.filter((x) => x.layers)) {
      const lstm = s.layers![0];
      const ratio = lstm.recurrentGradNorm! / lstm.gradNorm!;
      assert.ok(ratio > 0.1 && ratio < 10, `step ${s.step}: ${ratio}`);
    }
  });

  it('rnn-exploding-clip: recurrent-kernel gradient norm about 5e15, exploding-gradient at the simpleRNN, diverged; clipNorm 1 keeps it finite', async () => {
    assert.ok(README.includes('recurrent-kernel gradient norm about 5e15 at the first step'));
    const run = await engineRun(example('rnn-exploding-clip', 3));
    const norm = run.steps[0].layers![0].recurrentGradNorm!;
    assert.ok(norm > 10 ** 15.3 && norm < 10 ** 15.9, String(norm));
    const d = run.diagnostics.find((e) => e.code === 'exploding-gradient');
    assert.strictEqual(d?.specPath, '/model/layers/0');
    assert.match(d.fixes![0].title, /Clip the global gradient norm to 1/);
    assert.strictEqual(run.end.status, 'diverged');
    const clipped = example('rnn-exploding-clip', 3) as { training: Record<string, unknown> };
    clipped.training.clipNorm = 1;
    const fixed = await engineRun(clipped);
    assert.strictEqual(fixed.end.status, 'completed');
    assert.ok(fixed.steps.every((s) => Number.isFinite(s.loss)));
  });
});
