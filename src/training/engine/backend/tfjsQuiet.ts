// Keeps tfjs quiet: scoped suppression of its console warnings, and a cpu backend without the tfjs-node banner.
import * as tf from '@tensorflow/tfjs';

const quieted = new WeakSet<tf.KernelBackend>();

/**
 * Runs `fn` with tfjs warnings off. tfjs routes all its console warnings through one check of the PROD
 * flag, which changes nothing else, so scoping the flag silences only what `fn` triggers (for an async
 * `fn`, also anything else that warns while it is pending).
 */
export async function withTfjsWarningsOff<T>(fn: () => T | Promise<T>): Promise<T> {
  const env = tf.env();
  const previous = env.getBool('PROD');
  env.set('PROD', true);
  try {
    return await fn();
  } finally {
    env.set('PROD', previous);
  }
}

/**
 * The cpu backend instance, created if needed. Its "install tfjs-node" banner fires on the backend's
 * first tensor write, so we make that write here with warnings off, and it never fires later.
 */
export function quietCpuBackend(): tf.KernelBackend {
  const env = tf.env();
  const previous = env.getBool('PROD');
  env.set('PROD', true);
  try {
    const cpu = tf.findBackend('cpu');
    if (cpu == null) throw new Error("tfjs 'cpu' backend is not registered");
    if (!quieted.has(cpu)) {
      cpu.disposeData(cpu.write(new Float32Array(1), [1], 'float32'));
      quieted.add(cpu);
    }
    return cpu;
  } finally {
    env.set('PROD', previous);
  }
}
