/** Deterministic values in [-0.5, 0.5), identical on every backend: inputs for comparing kernels across backends. */
export function detInputs(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = ((Math.imul(i + 1, 2654435761) ^ Math.imul(seed, 40503)) >>> 0) / 4294967296 - 0.5;
  return out;
}
