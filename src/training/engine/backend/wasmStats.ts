// The step statistics' long reductions (Σx², Σa² Σb² Σ(a−b)², shifted Σd Σd², tail counts, relu's dead units) as a tiny WebAssembly
// SIMD module that imports the wasm backend's own memory, so it reads the tensors where they live: no copy, no
// tfjs dispatch. Measured on the 784-256-256-10 MLP: the same reductions as JS loops over heap views cost ~1.9 ms
// of a ~13 ms step (a loop-carried float64 add per element); here they cost a small fraction of that.
// Sums are float64 (each float32 promoted, as the JS loops did); only the order of additions differs.
// The module's source is wat/stats.wat, compiled by `npm run build:wasm` (wabt) into wat/statsWasm.ts; `wasmStats`
// returns null where WebAssembly SIMD or the backend's memory is unavailable, and callers keep the JS loops.
import { backendModule } from './wasmModule';
import { STATS_WASM } from './wat/statsWasm';

/** The reductions over float32 arrays in the backend's memory (byte addresses). */
export interface WasmStats {
  sumsq(p: number, n: number): number;
  /** [Σ a², Σ b², Σ (a − b)²] */
  update(pa: number, pb: number, n: number): [number, number, number];
  /** [Σ (x − c), Σ (x − c)²] */
  shifted(p: number, n: number, c: number): [number, number];
  /** How many x < lo or x > hi. */
  outside(p: number, n: number, lo: number, hi: number): number;
  /** How many x ≤ lo or x ≥ hi. */
  outsideInclusive(p: number, n: number, lo: number, hi: number): number;
  /** How many of the u units (last axis of rows × u values; u a multiple of 4) have no value above `bound`. */
  deadAtOrBelow(p: number, rows: number, u: number, bound: number): number;
  /**
   * shifted(p, rows × u, c) and deadAtOrBelow(p, rows, u, bound) of one tensor in one pass over memory: [Σ (x − c),
   * Σ (x − c)², dead units], the same numbers to the bit. masks: the address of u × 4 bytes of scratch.
   */
  shiftedDead(p: number, rows: number, u: number, c: number, bound: number, masks: number): [number, number, number];
}

interface Exports {
  sumsq(p: number, n: number): number;
  update(pa: number, pb: number, n: number): void;
  shifted(p: number, n: number, c: number): void;
  outside(p: number, n: number, lo: number, hi: number): number;
  outsideInclusive(p: number, n: number, lo: number, hi: number): number;
  deadAtOrBelow(p: number, rows: number, u: number, bound: number): number;
  shiftedDead(p: number, rows: number, u: number, c: number, bound: number, chunkRows: number, masks: number): number;
  r0: { value: number };
  r1: { value: number };
  r2: { value: number };
}

/** The SIMD reductions bound to the backend's memory, or null where they cannot run (then use JS loops). */
export const wasmStats = backendModule(STATS_WASM, (e: Exports): WasmStats => ({
  sumsq: (p, n) => e.sumsq(p, n),
  update: (pa, pb, n) => {
    e.update(pa, pb, n);
    return [e.r0.value, e.r1.value, e.r2.value];
  },
  shifted: (p, n, c) => {
    e.shifted(p, n, c);
    return [e.r0.value, e.r1.value];
  },
  outside: (p, n, lo, hi) => e.outside(p, n, lo, hi),
  outsideInclusive: (p, n, lo, hi) => e.outsideInclusive(p, n, lo, hi),
  deadAtOrBelow: (p, rows, u, bound) => e.deadAtOrBelow(p, rows, u, bound),
  shiftedDead: (p, rows, u, c, bound, masks) => {
    const dead = e.shiftedDead(p, rows, u, c, bound, chunkRows(u * 4), masks);
    return [e.r0.value, e.r1.value, dead];
  },
}));

/**
 * Rows per chunk of shiftedDead for rows of `width` bytes: a whole number of its 512-byte groups of blocks, and at
 * least 16 KiB, so that the rows just summed are still in the L1 cache when they are read for the dead units.
 */
export function chunkRows(width: number): number {
  let a = width;
  let b = 512;
  while (b) [a, b] = [b, a % b];
  const rows = 512 / a; // the fewest rows that fill whole groups: 512 / gcd(width, 512)
  return rows * Math.max(1, Math.ceil(16384 / (rows * width)));
}
