// Diagnoses that contradict each other never come out of the same run (src/training/diagnosis/contradictions.ts).
import * as assert from 'assert';
import { engineRun } from './support/engineRuns';
import { useBackend } from './support/specs';

describe('claims: no contradictory diagnoses on one run', () => {
  before(useBackend);

  it('lr-too-high and lr-too-low never both fire, even when thresholds make the evidence for both present', async () => {
    // A linear model on sine data: it converges at the best straight line while its loss stays far above half its
    // start, so both learning-rate detectors consider the run struggling. With lrLowUpdateRatio raised to 0.05, its
    // updates (~0.02 of the weights) are "too small" for lr-too-low and "too large" (> 0.01, stuck after huge
    // first steps) for lr-too-high: before the two were made exclusive, the run reported both.
    const spec = {
      name: 'sine-line', seed: 1, data: { dataset: 'sine', samples: 500, noise: 0.1, validationSplit: 0.2 },
      model: { inputShape: [1], layers: [{ type: 'dense', units: 1 }] },
      training: { epochs: 6, batchSize: 32, loss: 'meanSquaredError', optimizer: { type: 'sgd', learningRate: 0.1 } },
      monitor: { lrLowUpdateRatio: 0.05 },
    };
    const codes = (await engineRun(spec)).diagnostics.map((d) => d.code);
    assert.ok(codes.includes('lr-too-low') || codes.includes('lr-too-high'), `one of them fires: ${codes.join(', ')}`);
    assert.ok(!(codes.includes('lr-too-low') && codes.includes('lr-too-high')), `both fired: ${codes.join(', ')}`);
    assert.ok(!(codes.includes('slow-convergence') && codes.includes('lr-too-high')), `both fired: ${codes.join(', ')}`);
  });
});
