// The step statistics' long reductions (Σx², Σa² Σb² Σ(a−b)², shifted Σd Σd², tail counts) as a tiny WebAssembly
// SIMD module that imports the wasm backend's own memory, so it reads the tensors where they live: no copy, no
// tfjs dispatch. Measured on the 784-256-256-10 MLP: the same reductions as JS loops over heap views cost ~1.9 ms
// of a ~13 ms step (a loop-carried float64 add per element); here they cost a small fraction of that.
// Sums are float64 (each float32 promoted, as the JS loops did); only the order of additions differs.
// The module is assembled below from its instructions (no toolchain needed); `wasmStats` returns null where
// WebAssembly SIMD or the backend's memory is unavailable, and callers keep the JS loops.
import type { BackendWasm } from './wasmHeap';

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

/** Unsigned LEB128. */
function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 immediates). */
function s32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...u32(body.length), ...body];

// Instructions (core and the 0xfd SIMD prefix).
const get = (i: number): number[] => [0x20, ...u32(i)];
const set = (i: number): number[] => [0x21, ...u32(i)];
const tee = (i: number): number[] => [0x22, ...u32(i)];
const setGlobal = (i: number): number[] => [0x24, ...u32(i)];
const i32c = (n: number): number[] => [0x41, ...s32(n)];
const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...u32(op), ...imm];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const brIf = (depth: number): number[] => [0x0d, ...u32(depth)];
const br = (depth: number): number[] => [0x0c, ...u32(depth)];
const I32_ADD = [0x6a];
const I32_AND = [0x71];
const I32_OR = [0x72];
const I32_SHL = [0x74];
const I32_GE_U = [0x4f];
const F32_LOAD = [0x2a, 2, 0]; // align 4, offset 0
const F32_LT = [0x5d];
const F32_GT = [0x5e];
const F32_LE = [0x5f];
const F32_GE = [0x60];
const F64_ADD = [0xa0];
const F64_SUB = [0xa1];
const F64_MUL = [0xa2];
const F64_PROMOTE = [0xbb];
const V128_LOAD = simd(0x00, 2, 0); // align 4 (tensors are float32 arrays), offset 0
/** Moves the high two float32 lanes to the low half (for a second promote). */
const HIGH_TO_LOW = simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
const F32X4_SPLAT = simd(0x13);
const F64X2_SPLAT = simd(0x14);
const I32X4_EXTRACT = (lane: number): number[] => simd(0x1b, lane);
const F64X2_EXTRACT = (lane: number): number[] => simd(0x21, lane);
const F32X4_LT = simd(0x43);
const F32X4_GT = simd(0x44);
const F32X4_LE = simd(0x45);
const F32X4_GE = simd(0x46);
const V128_OR = simd(0x50);
const F64X2_PROMOTE_LOW = simd(0x5f);
const I32X4_ADD = simd(0xae);
const I32X4_SUB = simd(0xb1);
const F64X2_ADD = simd(0xf0);
const F64X2_SUB = simd(0xf1);
const F64X2_MUL = simd(0xf2);

/**
 * for (i = 0; i < bytes; i += step) body — `i` and `end` are i32 locals; `bytes` pushes the byte count.
 * Chunks of 4 floats use step 16 over (n & ~3) floats; the scalar tail continues from there with step 4.
 */
function loop(i: number, end: number, bytes: number[], step: number, body: number[]): number[] {
  return [
    ...bytes,
    ...set(end),
    ...BLOCK,
    ...LOOP,
    ...get(i),
    ...get(end),
    ...I32_GE_U,
    ...brIf(1),
    ...body,
    ...get(i),
    ...i32c(step),
    ...I32_ADD,
    ...set(i),
    ...br(0),
    ...END,
    ...END,
  ];
}
/** Byte count of the float32 elements handled four at a time: (n & ~3) · 4. */
const chunkBytes = (n: number): number[] => [...get(n), ...i32c(-4), ...I32_AND, ...i32c(2), ...I32_SHL];
/** Byte count of all n float32 elements. */
const allBytes = (n: number): number[] => [...get(n), ...i32c(2), ...I32_SHL];
/** Address p + i. */
const at = (p: number, i: number): number[] => [...get(p), ...get(i), ...I32_ADD];
/** Sum of a f64x2's two lanes (the vector on the stack is consumed via local `tmp`). */
const lanesSum = (tmp: number): number[] => [...tee(tmp), ...F64X2_EXTRACT(0), ...get(tmp), ...F64X2_EXTRACT(1), ...F64_ADD];
/** acc += v·v (f64x2); v is on the stack, `tmp` a v128 local. */
const addSquare = (acc: number, tmp: number): number[] => [
  ...tee(tmp),
  ...get(tmp),
  ...F64X2_MUL,
  ...get(acc),
  ...F64X2_ADD,
  ...set(acc),
];
/** s += x·x (f64); x is on the stack. */
const addSquare1 = (s: number, tmp: number): number[] => [...tee(tmp), ...get(tmp), ...F64_MUL, ...get(s), ...F64_ADD, ...set(s)];

interface Func {
  name: string;
  params: number[];
  results: number[];
  locals: number[];
  body: number[];
}

/** sumsq(p, n) → Σ x² over n float32 at byte address p. */
function sumsq(): Func {
  const [p, n, i, end, lo, hi, v, t, s, x] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  return {
    name: 'sumsq',
    params: [I32, I32],
    results: [F64],
    locals: [I32, I32, V128, V128, V128, V128, F64, F64],
    body: [
      ...loop(i, end, chunkBytes(n), 16, [
        ...at(p, i),
        ...V128_LOAD,
        ...tee(v),
        ...F64X2_PROMOTE_LOW,
        ...addSquare(lo, t),
        ...get(v),
        ...get(v),
        ...HIGH_TO_LOW,
        ...F64X2_PROMOTE_LOW,
        ...addSquare(hi, t),
      ]),
      ...get(lo),
      ...get(hi),
      ...F64X2_ADD,
      ...lanesSum(t),
      ...set(s),
      ...loop(i, end, allBytes(n), 4, [...at(p, i), ...F32_LOAD, ...F64_PROMOTE, ...addSquare1(s, x)]),
      ...get(s),
    ],
  };
}

/** update(a, b, n): globals 0, 1, 2 ← Σ a², Σ b², Σ (a − b)². */
function update(): Func {
  const [pa, pb, n, i, end, va, vb, ta, tb, sa, sb, sd, t, xa, xb, fa, fb, fd, d] = Array.from({ length: 19 }, (_, k) => k);
  const half = (high: boolean): number[] => {
    const promote = (v: number): number[] => [...get(v), ...(high ? [...get(v), ...HIGH_TO_LOW] : []), ...F64X2_PROMOTE_LOW];
    return [
      ...promote(va),
      ...tee(ta),
      ...promote(vb),
      ...tee(tb),
      ...F64X2_SUB,
      ...addSquare(sd, t),
      ...get(ta),
      ...addSquare(sa, t),
      ...get(tb),
      ...addSquare(sb, t),
    ];
  };
  return {
    name: 'update',
    params: [I32, I32, I32],
    results: [],
    locals: [I32, I32, V128, V128, V128, V128, V128, V128, V128, V128, F64, F64, F64, F64, F64, F64],
    body: [
      ...loop(i, end, chunkBytes(n), 16, [
        ...at(pa, i),
        ...V128_LOAD,
        ...set(va),
        ...at(pb, i),
        ...V128_LOAD,
        ...set(vb),
        ...half(false),
        ...half(true),
      ]),
      ...get(sa),
      ...lanesSum(t),
      ...set(fa),
      ...get(sb),
      ...lanesSum(t),
      ...set(fb),
      ...get(sd),
      ...lanesSum(t),
      ...set(fd),
      ...loop(i, end, allBytes(n), 4, [
        ...at(pa, i),
        ...F32_LOAD,
        ...F64_PROMOTE,
        ...tee(xa),
        ...at(pb, i),
        ...F32_LOAD,
        ...F64_PROMOTE,
        ...tee(xb),
        ...F64_SUB,
        ...addSquare1(fd, d),
        ...get(xa),
        ...addSquare1(fa, d),
        ...get(xb),
        ...addSquare1(fb, d),
      ]),
      ...get(fa),
      ...setGlobal(0),
      ...get(fb),
      ...setGlobal(1),
      ...get(fd),
      ...setGlobal(2),
    ],
  };
}

/** shifted(p, n, c): globals 0, 1 ← Σ (x − c), Σ (x − c)² (the moments' one pass, shifted for accuracy). */
function shifted(): Func {
  const [p, n, c, i, end, cv, v, t, s1, s2, f1, f2, x] = Array.from({ length: 13 }, (_, k) => k);
  const accumulate = (high: boolean): number[] => [
    ...get(v),
    ...(high ? [...get(v), ...HIGH_TO_LOW] : []),
    ...F64X2_PROMOTE_LOW,
    ...get(cv),
    ...F64X2_SUB,
    ...tee(t),
    ...get(s1),
    ...F64X2_ADD,
    ...set(s1),
    ...get(t),
    ...addSquare(s2, t),
  ];
  return {
    name: 'shifted',
    params: [I32, I32, F64],
    results: [],
    locals: [I32, I32, V128, V128, V128, V128, V128, F64, F64, F64],
    body: [
      ...get(c),
      ...F64X2_SPLAT,
      ...set(cv),
      ...loop(i, end, chunkBytes(n), 16, [...at(p, i), ...V128_LOAD, ...set(v), ...accumulate(false), ...accumulate(true)]),
      ...get(s1),
      ...lanesSum(t),
      ...set(f1),
      ...get(s2),
      ...lanesSum(t),
      ...set(f2),
      ...loop(i, end, allBytes(n), 4, [
        ...at(p, i),
        ...F32_LOAD,
        ...F64_PROMOTE,
        ...get(c),
        ...F64_SUB,
        ...tee(x),
        ...get(f1),
        ...F64_ADD,
        ...set(f1),
        ...get(x),
        ...addSquare1(f2, x),
      ]),
      ...get(f1),
      ...setGlobal(0),
      ...get(f2),
      ...setGlobal(1),
    ],
  };
}

/** outside(p, n, lo, hi) → how many x < lo or x > hi (float32 compares); `inclusive`: x ≤ lo or x ≥ hi. */
function outside(inclusive: boolean): Func {
  const [p, n, lo, hi, i, end, lov, hiv, acc, t, count] = Array.from({ length: 11 }, (_, k) => k);
  const [vlt, vgt, slt, sgt] = inclusive ? [F32X4_LE, F32X4_GE, F32_LE, F32_GE] : [F32X4_LT, F32X4_GT, F32_LT, F32_GT];
  return {
    name: inclusive ? 'outsideInclusive' : 'outside',
    params: [I32, I32, F32, F32],
    results: [I32],
    locals: [I32, I32, V128, V128, V128, V128, I32],
    body: [
      ...get(lo),
      ...F32X4_SPLAT,
      ...set(lov),
      ...get(hi),
      ...F32X4_SPLAT,
      ...set(hiv),
      ...loop(i, end, chunkBytes(n), 16, [
        ...get(acc),
        ...at(p, i),
        ...V128_LOAD,
        ...tee(t),
        ...get(lov),
        ...vlt,
        ...get(t),
        ...get(hiv),
        ...vgt,
        ...V128_OR,
        ...I32X4_SUB, // a true lane is −1
        ...set(acc),
      ]),
      ...get(acc),
      ...get(acc),
      ...get(acc),
      ...HIGH_TO_LOW,
      ...I32X4_ADD,
      ...tee(t),
      ...I32X4_EXTRACT(0),
      ...get(t),
      ...I32X4_EXTRACT(1),
      ...I32_ADD,
      ...set(count),
      ...loop(i, end, allBytes(n), 4, [
        ...at(p, i),
        ...F32_LOAD,
        ...get(lo),
        ...slt,
        ...at(p, i),
        ...F32_LOAD,
        ...get(hi),
        ...sgt,
        ...I32_OR,
        ...get(count),
        ...I32_ADD,
        ...set(count),
      ]),
      ...get(count),
    ],
  };
}

/** The module's bytes: memory imported as env.memory, three mutable f64 globals for multi-number results. */
function assemble(funcs: Func[]): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...u32(1)]]);
  const globals = vec([0, 1, 2].map(() => [F64, 0x01, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, ...END]));
  const exports = vec([
    ...funcs.map((f, k) => [...name(f.name), 0x00, ...u32(k)]),
    ...[0, 1, 2].map((k) => [...name(`r${k}`), 0x03, ...u32(k)]),
  ]);
  const codes = funcs.map((f) => {
    const body = [...vec(f.locals.map((t) => [1, t])), ...f.body, ...END];
    return [...u32(body.length), ...body];
  });
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(funcs.map((_, k) => u32(k)))),
    ...section(6, globals),
    ...section(7, exports),
    ...section(10, vec(codes)),
  ]);
}

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
}

/** The few WebAssembly JS API members used here (the project's type libraries do not declare them). */
interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => object;
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface Exports {
  sumsq(p: number, n: number): number;
  update(pa: number, pb: number, n: number): void;
  shifted(p: number, n: number, c: number): void;
  outside(p: number, n: number, lo: number, hi: number): number;
  outsideInclusive(p: number, n: number, lo: number, hi: number): number;
  r0: { value: number };
  r1: { value: number };
  r2: { value: number };
}

let compiled: object | null | undefined;
const instances = new WeakMap<object, WasmStats>();

/** The wasm backend's linear memory (Emscripten exports it as `memory` from the non-threaded builds). */
function backendMemory(backend: BackendWasm): object | undefined {
  const module = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WA.Memory ? memory : undefined;
}

/** The SIMD reductions bound to the backend's memory, or null where they cannot run (then use JS loops). */
export function wasmStats(backend: BackendWasm): WasmStats | null {
  const memory = backendMemory(backend);
  if (!memory) return null;
  const known = instances.get(memory);
  if (known) return known;
  if (compiled === undefined) {
    const bytes = assemble([sumsq(), update(), shifted(), outside(false), outside(true)]);
    compiled = WA.validate(bytes) ? new WA.Module(bytes) : null;
  }
  if (compiled === null) return null;
  let e: Exports;
  try {
    e = new WA.Instance(compiled, { env: { memory } }).exports as Exports;
  } catch {
    return null; // e.g. a memory this module cannot import: the JS loops still work
  }
  const stats: WasmStats = {
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
  };
  instances.set(memory, stats);
  return stats;
}
