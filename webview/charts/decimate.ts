// Fewer points for a chart than a long series has: no DOM, no chart.js (unit-tested in plain Node).

export interface XY {
  x: number;
  y: number;
}

/**
 * What a chart draws of a long series: at most two points (the lowest and the highest, in step order) per bucket of
 * `buckets` equal spans of x, so no spike is lost, and a NaN point where the bucket has a gap (lines break there as
 * they do on the full series). A series of at most 2 × buckets points is drawn as it is.
 * `out`: an array to fill instead of a new one (a chart redrawn many times a second reuses its arrays rather than
 * leaving one per draw to the garbage collector); no allocation per bucket.
 */
export function decimate(series: XY[], buckets: number, out: XY[] = []): XY[] {
  const n = series.length;
  if (n <= 2 * buckets || n < 2) return series;
  const x0 = series[0].x;
  const span = series[n - 1].x - x0 || 1;
  let length = 0;
  let bucket = -1;
  let lo = -1;
  let hi = -1;
  let gap = -1;
  // The bucket's points in step order, each once.
  const flush = (): void => {
    if (bucket < 0) return;
    let a = lo;
    let b = hi === lo ? -1 : hi;
    let c = gap;
    // Three compare-and-swaps (absent ones, -1, first); no array.
    let t: number;
    if (a > b) {
      t = a;
      a = b;
      b = t;
    }
    if (b > c) {
      t = b;
      b = c;
      c = t;
    }
    if (a > b) {
      t = a;
      a = b;
      b = t;
    }
    if (a >= 0) out[length++] = series[a];
    if (b >= 0) out[length++] = series[b];
    if (c >= 0) out[length++] = series[c];
  };
  for (let i = 0; i < n; i++) {
    const p = series[i];
    const b = Math.min(buckets - 1, Math.floor(((p.x - x0) / span) * buckets));
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = hi = gap = -1;
    }
    if (Number.isFinite(p.y)) {
      if (lo < 0 || p.y < series[lo].y) lo = i;
      if (hi < 0 || p.y > series[hi].y) hi = i;
    } else if (gap < 0) gap = i;
  }
  flush();
  out.length = length;
  return out;
}
