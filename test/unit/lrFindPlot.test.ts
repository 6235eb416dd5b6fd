// The range test's ASCII plot: log-x columns, the suggestion (S) and min-loss/10 (M) under the rates they name,
// decade labels, the smoothed curve drawn, raw spikes above the plot marked; and the words after it.
import * as assert from 'assert';
import type { LrFindEvent, LrFindSettings } from '../../src/shared/engineProtocol';
import { describeRangeTest, plotRangeTest } from '../../src/cli/lrFindPlot';
import { rangeTestRate } from '../../src/training/engine/lrFindCurve';

const SETTINGS: LrFindSettings = { start: 1e-6, end: 1, steps: 61 };

function result(overrides: Partial<LrFindEvent> = {}): LrFindEvent {
  const points = Array.from({ length: SETTINGS.steps }, (_, i) => {
    const learningRate = rangeTestRate(SETTINGS, i);
    const smoothedLoss = 2 - Math.tanh(Math.log10(learningRate) + 3);
    return { learningRate, loss: i === 60 ? 50 : smoothedLoss, smoothedLoss };
  });
  return {
    type: 'lr-find',
    runId: 'plot',
    specFile: '/virtual/plot.gradscope.json',
    specName: 'plot',
    backend: 'cpu',
    seed: 1,
    settings: SETTINGS,
    points,
    suggestion: { learningRate: 1e-3, method: 'steepest' },
    minLossLearningRate: 1,
    secondOpinion: { learningRate: 0.1, method: 'minLoss/10' },
    conclusive: true,
    stoppedEarly: false,
    stopReason: 'completed',
    currentLearningRate: 0.5,
    field: 'optimizer.learningRate',
    finishedAt: '2026-12-03T00:00:00.000Z',
    durationMs: 1,
    ...overrides,
  };
}

describe('lr-find plot', () => {
  it('puts S and M under their rates on a log axis, with decade labels', () => {
    const lines = plotRangeTest(result(), 61, 10).split('\n');
    const axis = lines.findIndex((l) => /^ +\+-+$/.test(l));
    assert.strictEqual(axis, 10, 'ten rows of plot, then the axis');
    const origin = lines[axis].indexOf('+') + 1;
    // 6 decades over 61 columns: 10 columns a decade, 1e-3 at column 30, 0.1 at column 50.
    assert.strictEqual(lines[axis + 1].indexOf('S') - origin, 30);
    assert.strictEqual(lines[axis + 1].indexOf('M') - origin, 50);
    for (const [label, column] of [
      ['1e-6', 0],
      ['1e-5', 10],
      ['1e-3', 30],
    ] as const)
      assert.strictEqual(lines[axis + 2].indexOf(label, origin) - origin, column, label);
    assert.ok(lines[axis + 2].endsWith(' 1') && lines[axis + 2].length - 1 - origin === 60, 'the label 1 at column 60');
    assert.ok(lines[0].includes('^'), 'the batch loss of 50 is above the plot');
    assert.strictEqual(lines.slice(0, axis).join('').split('*').length - 1 >= 10, true, 'the smoothed curve is drawn');
    assert.match(lines[0], /^ +3 \|/, 'the top label is the largest smoothed loss');
  });

  it('says what the numbers are, and when the test is inconclusive, why', () => {
    const text = describeRangeTest(result());
    assert.match(text, /suggested learning rate: 0\.001 \(where the smoothed loss falls fastest\)/);
    assert.match(text, /second opinion: +0\.1 \(the smoothed loss is lowest at 1; a tenth of that\)/);
    assert.match(text, /the spec uses: +0\.5 \(training\.optimizer\.learningRate\)/);
    assert.match(text, /all 61 steps done without the loss blowing up/);
    const inconclusive = describeRangeTest(result({ conclusive: false, warning: 'no descent here' }));
    assert.match(inconclusive, /^inconclusive: no descent here/);
    assert.doesNotMatch(inconclusive, /suggested learning rate/);
  });
});
