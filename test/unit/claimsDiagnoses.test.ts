// Diagnoses that contradict each other never come out of the same run (src/training/diagnosis/contradictions.ts).
import * as assert from 'assert';
import { engineRun, firstStep, stepNorm } from './support/engineRuns';
import { smallClassifier, useBackend } from './support/specs';

describe('claims: no contradictory diagnoses on one run', () => {
  before(useBackend);

  it('lr-too-high and lr-too-low never both fire, even when thresholds make the evidence for both present', async () => {
    // A linear model on sine data: it converges at the best straight line while its loss stays far above half its
    // start, so both learning-rate detectors consider the run struggling. With lrLowUpdateRatio raised to 0.05, its
    // updates (~0.02 of the weights) are "too small" for lr-too-low and "too large" (> 0.01, stuck after huge
    // first steps) for lr-too-high: before the two were made exclusive, the run reported both.
    const spec = {
      name: 'sine-line',
      seed: 1,
      data: { dataset: 'sine', samples: 500, noise: 0.1, validationSplit: 0.2 },
      model: { inputShape: [1], layers: [{ type: 'dense', units: 1 }] },
      training: { epochs: 6, batchSize: 32, loss: 'meanSquaredError', optimizer: { type: 'sgd', learningRate: 0.1 } },
      monitor: { lrLowUpdateRatio: 0.05 },
    };
    const codes = (await engineRun(spec)).diagnostics.map((d) => d.code);
    assert.ok(codes.includes('lr-too-low') || codes.includes('lr-too-high'), `one of them fires: ${codes.join(', ')}`);
    assert.ok(!(codes.includes('lr-too-low') && codes.includes('lr-too-high')), `both fired: ${codes.join(', ')}`);
    assert.ok(!(codes.includes('slow-convergence') && codes.includes('lr-too-high')), `both fired: ${codes.join(', ')}`);
  });

  it("a regression run's messages compare the loss with its start, not with a chance level (there is none)", async () => {
    const spec = {
      name: 'sine-line',
      seed: 3,
      data: { dataset: 'sine', samples: 500, noise: 0.1, validationSplit: 0.2 },
      model: { inputShape: [1], layers: [{ type: 'dense', units: 1 }] },
      training: { epochs: 6, batchSize: 32, loss: 'meanSquaredError', optimizer: { type: 'adam', learningRate: 0.001 } },
    };
    const run = await engineRun(spec);
    const slow = run.diagnostics.find((d) => d.code === 'slow-convergence');
    assert.ok(slow, run.diagnostics.map((d) => d.code).join(', '));
    const start = run.steps
      .slice(0, 5)
      .map((s) => s.loss)
      .sort((a, b) => a - b)[2];
    assert.ok(slow.message.includes(`, start ${String(Number(start.toPrecision(3)))})`), slow.message);
    run.diagnostics.forEach((d) => assert.doesNotMatch(d.message, /chance/, d.message));
  });
});

describe('claims: lr-too-low', () => {
  before(useBackend);

  const sine = (optimizer: object, epochs: number): object => ({
    name: 'sine-line',
    seed: 3,
    data: { dataset: 'sine', samples: 500, noise: 0.1, validationSplit: 0.2 },
    model: { inputShape: [1], layers: [{ type: 'dense', units: 1 }] },
    training: { epochs, batchSize: 32, loss: 'meanSquaredError', optimizer },
  });
  const spiral = (optimizer: object): object =>
    smallClassifier({
      layers: [
        { type: 'dense', units: 32, activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'dense', units: 32, activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      data: { samples: 600 },
      training: { epochs: 2, optimizer },
    });

  it('Adam on a model converged at the best it can fit: steps a fraction of lr per weight, and no lr-too-low', async () => {
    const run = await engineRun(sine({ type: 'adam', learningRate: 0.001 }, 30));
    const last = run.steps.slice(-20).map((s) => s.layers![0]);
    const relative = last.map((l) => (l.updateRatio * l.weightNorm) / 0.001).sort((a, b) => a - b)[10];
    assert.ok(relative < 0.2, `median step ${relative}·lr`);
    const [a, b] = [run.epochs[24].loss, run.epochs[29].loss];
    assert.ok(Math.abs(b - a) < 0.02 * a, `converged: epoch loss ${a} → ${b} over the last 5 epochs`);
    assert.ok(!run.diagnostics.some((d) => d.code === 'lr-too-low'), run.diagnostics.map((d) => d.message).join('\n'));
  });

  it('Adam and RMSprop at 1e-5: steps of about lr per weight, and lr-too-low', async () => {
    for (const type of ['adam', 'rmsprop']) {
      const run = await engineRun(spiral({ type, learningRate: 1e-5 }));
      assert.ok(
        run.diagnostics.some((d) => d.code === 'lr-too-low'),
        `${type}: ${run.diagnostics.map((d) => d.code).join(', ')}`,
      );
    }
  });
});

describe('claims: zero-initializer', () => {
  before(useBackend);

  it('relu with zero weights and zero bias: every unit outputs 0 and the layer gets no gradient on any step', async () => {
    const run = await engineRun(
      smallClassifier({
        layers: [
          { type: 'dense', units: 16, activation: 'relu', kernelInitializer: 'zeros' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
        training: { epochs: 2 },
      }),
    );
    const first = run.steps.filter((s) => s.layers).map((s) => s.layers![0]);
    assert.ok(first.length > 10);
    first.forEach((l) => {
      assert.strictEqual(l.gradNorm, 0);
      assert.strictEqual(l.biasGradNorm, 0);
      assert.strictEqual(l.deadUnits, 16);
    });
  });

  it('tanh with a constant kernel followed by a constant kernel: the units get the same update and stay identical', async () => {
    const s = await firstStep(
      smallClassifier({
        layers: [
          { type: 'dense', units: 8, activation: 'tanh', kernelInitializer: { type: 'constant', value: 0.3 } },
          { type: 'dense', units: 3, activation: 'softmax', kernelInitializer: { type: 'constant', value: 0.2 } },
        ],
        training: { optimizer: { type: 'sgd', learningRate: 0.5 } },
      }),
      5,
    );
    const kernel = s.after.get(s.kernels[0])!; // [2 inputs, 8 units], row-major
    assert.ok(stepNorm(s, [s.kernels[0]]) > 1e-4, 'the layer did learn something in 5 steps');
    for (let i = 0; i < 2; i++) {
      const row = Array.from(kernel.subarray(i * 8, i * 8 + 8));
      assert.ok(
        row.every((v) => v === row[0]),
        `input ${i}: ${row.join(', ')}`,
      );
    }
  });
});
