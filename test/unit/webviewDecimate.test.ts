// The dashboard's chart decimation (webview/charts/decimate.ts): a long series becomes at most two points per
// bucket, its lowest and highest in step order, with a NaN point wherever the bucket had a gap; short series pass
// through untouched.
import * as assert from 'assert';
import { decimate, type XY } from '../../webview/charts/decimate';

const series = (n: number, y: (i: number) => number): XY[] => Array.from({ length: n }, (_, i) => ({ x: i, y: y(i) }));

describe('chart decimation', () => {
  it('returns a series of at most 2 × buckets points as it is (the same array)', () => {
    const s = series(200, (i) => i);
    assert.strictEqual(decimate(s, 100), s);
  });

  it('keeps every bucket’s minimum and maximum in step order, so a one-step spike survives', () => {
    const s = series(10_000, (i) => Math.sin(i / 50) + (i === 4321 ? 100 : 0));
    const out = decimate(s, 250);
    assert.ok(out.length <= 500, `${out.length} points`);
    for (let i = 1; i < out.length; i++) assert.ok(out[i].x > out[i - 1].x, 'in step order, each point once');
    assert.ok(
      out.some((p) => p.x === 4321 && p.y > 99),
      'the spike is kept',
    );
    // Each bucket's extremes equal the full series' extremes over the bucket.
    const span = 10_000 / 250;
    for (let b = 0; b < 250; b += 37) {
      const inBucket = s.filter((p) => Math.floor((p.x / 9999) * 250) === b).map((p) => p.y);
      const kept = out.filter((p) => Math.min(249, Math.floor((p.x / 9999) * 250)) === b).map((p) => p.y);
      assert.strictEqual(Math.max(...kept), Math.max(...inBucket), `bucket ${b} (~${span} steps) max`);
      assert.strictEqual(Math.min(...kept), Math.min(...inBucket), `bucket ${b} min`);
    }
  });

  it('keeps a gap (NaN) where the series has one, and an all-NaN series stays all gaps', () => {
    const s = series(5000, (i) => (i >= 2000 && i < 2100 ? NaN : 1 + (i % 7)));
    const out = decimate(s, 200);
    const gaps = out.filter((p) => Number.isNaN(p.y));
    assert.ok(gaps.length >= 1 && gaps.every((p) => p.x >= 2000 && p.x < 2100), 'NaN points inside the gap only');
    const allNaN = decimate(
      series(5000, () => NaN),
      200,
    );
    assert.ok(allNaN.length > 0 && allNaN.every((p) => Number.isNaN(p.y)));
  });

  it('fills the array it is given (a chart’s own, reused draw after draw) with what a fresh call returns', () => {
    const reused: XY[] = [];
    for (const n of [5000, 3000, 9000]) {
      const s = series(n, (i) => (i % 500 < 3 ? NaN : Math.cos(i / 37) * (1 + (i % 11))));
      const fresh = decimate(s, 200);
      assert.strictEqual(decimate(s, 200, reused), reused, `n=${n}: the given array`);
      assert.deepStrictEqual(reused, fresh, `n=${n}: same points (a longer earlier fill leaves nothing behind)`);
    }
  });
});
