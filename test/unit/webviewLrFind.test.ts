// The dashboard's "Learning-rate range test" panel, its pure parts: what the host's `lr-find` message must look like
// before the page trusts it, how the model keeps the test across snapshots, the chart's series, loss range and
// markers, and the status line. The panel drawn in the real workbench is checked by test/e2e/lrfind.e2e.js.
import * as assert from 'assert';
import type { LrFindEvent, LrFindPoint } from '../../src/shared/engineProtocol';
import type { LrFindView } from '../../src/shared/webviewProtocol';
import { lrFindLossRange, lrFindMarkers, lrFindSeries, lrFindStatusText } from '../../webview/lrFind';
import { asHostMessage } from '../../webview/messages';
import { applyLrFind, applySnapshot, initialModel } from '../../webview/state';

const points: LrFindPoint[] = [
  { learningRate: 1e-5, loss: 1.1, smoothedLoss: 1.1 },
  { learningRate: 1e-4, loss: 1.0, smoothedLoss: 1.05 },
  { learningRate: 1e-3, loss: 0.6, smoothedLoss: 0.9 },
  { learningRate: 1e-2, loss: 0.4, smoothedLoss: 0.7 },
  { learningRate: 1e-1, loss: 9.5, smoothedLoss: 2.9 },
];

const result: LrFindEvent = {
  type: 'lr-find',
  runId: '20261203-120000-spiral-abcd',
  specFile: '/ws/spiral.gradscope.json',
  specName: 'spiral',
  backend: 'cpu',
  seed: 1,
  settings: { start: 1e-5, end: 1e-1, steps: 5 },
  points,
  suggestion: { learningRate: 1e-3, method: 'steepest' },
  minLossLearningRate: 1e-2,
  secondOpinion: { learningRate: 1e-3, method: 'minLoss/10' },
  conclusive: true,
  stoppedEarly: true,
  stopReason: 'diverged',
  currentLearningRate: 0.5,
  field: 'optimizer.learningRate',
  finishedAt: '2026-12-03T12:00:01.000Z',
  durationMs: 1000,
};

const view = (over: Partial<LrFindView> = {}): LrFindView => ({
  id: result.runId,
  specFile: result.specFile,
  specName: 'spiral',
  status: 'done',
  points,
  result,
  ...over,
});

const theme = { green: '#0f0', orange: '#f80', muted: '#888' };

describe('dashboard: learning-rate range test panel', () => {
  it('accepts the host lr-find message and rejects malformed ones', () => {
    const ok = { type: 'lr-find', lrFind: view() };
    assert.strictEqual(asHostMessage(ok), ok);
    assert.strictEqual(asHostMessage({ type: 'lr-find', lrFind: { ...view(), points: 'x' } }), undefined);
    assert.strictEqual(asHostMessage({ type: 'lr-find', lrFind: { ...view(), result: { points: [] } } }), undefined);
    assert.strictEqual(asHostMessage({ type: 'lr-find' }), undefined);
    // A snapshot carries the test shown, and a broken one is refused as a whole.
    const snapshot = { type: 'snapshot', settings: { maxPoints: 100 }, lrFind: view() };
    assert.strictEqual(asHostMessage(snapshot), snapshot);
    assert.strictEqual(asHostMessage({ ...snapshot, lrFind: { id: 1 } }), undefined);
  });

  it('keeps the range test in the model: set by lr-find messages, replaced by snapshots', () => {
    const model = initialModel();
    applyLrFind(model, { type: 'lr-find', lrFind: view({ status: 'running', result: undefined, points: points.slice(0, 2) }) });
    assert.strictEqual(model.phase, 'ready');
    assert.strictEqual(model.lrFind?.points.length, 2);
    const revision = model.revision;
    applyLrFind(model, { type: 'lr-find', lrFind: view() });
    assert.strictEqual(model.lrFind?.status, 'done');
    assert.ok(model.revision > revision, 'a new revision: the page redraws');
    applySnapshot(model, { type: 'snapshot', settings: { maxPoints: 100 }, lrFind: view({ id: 'other' }) });
    assert.strictEqual(model.lrFind?.id, 'other');
    applySnapshot(model, { type: 'snapshot', settings: { maxPoints: 100 } });
    assert.strictEqual(model.lrFind, undefined);
  });

  it('plots raw and smoothed loss over the learning rate, non-finite losses as gaps', () => {
    const withNull = [...points, { learningRate: 1, loss: null as unknown as number, smoothedLoss: Infinity }];
    const { raw, smoothed } = lrFindSeries(withNull);
    assert.deepStrictEqual(
      raw.map((p) => p.x),
      [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1],
    );
    assert.deepStrictEqual(
      smoothed.slice(0, 5).map((p) => p.y),
      points.map((p) => p.smoothedLoss),
    );
    assert.ok(Number.isNaN(raw[5].y) && Number.isNaN(smoothed[5].y));
    // A rate that cannot sit on a log axis is left out.
    assert.strictEqual(lrFindSeries([{ learningRate: 0, loss: 1, smoothedLoss: 1 }]).raw.length, 0);
  });

  it('scales the loss axis to the smoothed curve, so the raw spike at the end does not flatten it', () => {
    const { raw, smoothed } = lrFindSeries(points);
    const { min, max } = lrFindLossRange(raw, smoothed);
    // Lowest loss 0.4, highest smoothed 2.9: span 2.5, 5% below, 10% above.
    assert.ok(Math.abs((min ?? NaN) - (0.4 - 0.125)) < 1e-12, `min ${min}`);
    assert.ok(Math.abs((max ?? NaN) - (2.9 + 0.25)) < 1e-12, `max ${max}`);
    assert.ok((max ?? 0) < 9.5, 'the raw spike (9.5) is above the axis');
    assert.deepStrictEqual(lrFindLossRange([], []), {});
  });

  it('marks the suggestion, min loss/10 and the spec’s learning rate with their values', () => {
    assert.deepStrictEqual(lrFindMarkers(view(), theme), [
      { x: 1e-3, color: '#0f0', label: 'suggested 0.001' },
      { x: 1e-3, color: '#f80', label: 'min loss/10 0.001' },
      { x: 0.5, color: '#888', label: 'spec had 0.5' },
    ]);
    assert.deepStrictEqual(lrFindMarkers(view({ status: 'running', result: undefined }), theme), []);
    // Inconclusive: no suggestion of its own, only the min-loss/10 rule.
    const inconclusive = { ...result, conclusive: false, warning: 'the loss never fell by 5%' };
    assert.deepStrictEqual(
      lrFindMarkers(view({ result: inconclusive }), theme).map((m) => m.label),
      ['min loss/10 0.001', 'spec had 0.5'],
    );
  });

  it('says how the test went', () => {
    assert.strictEqual(
      lrFindStatusText(view({ status: 'running', result: undefined, points: points.slice(0, 1) })),
      'running: 1 step',
    );
    assert.strictEqual(lrFindStatusText(view({ status: 'running', result: undefined, steps: 100 })), 'running: 5 of 100 steps');
    assert.strictEqual(lrFindStatusText(view()), '5 steps, stopped early: the smoothed loss rose past 4× its minimum');
    assert.strictEqual(
      lrFindStatusText(view({ result: { ...result, stoppedEarly: false, stopReason: 'completed' } })),
      '5 steps',
    );
    assert.strictEqual(
      lrFindStatusText(view({ status: 'stopped', result: undefined, points: points.slice(0, 3) })),
      'stopped after 3 steps: no suggestion',
    );
    assert.strictEqual(lrFindStatusText(view({ status: 'failed', result: undefined, error: 'boom' })), 'failed: boom');
    assert.strictEqual(
      lrFindStatusText(view({ result: { ...result, conclusive: false } })),
      '5 steps, stopped early: the smoothed loss rose past 4× its minimum; inconclusive',
    );
  });
});
