// Test helpers: a spec object → ParsedSpec through the real parser, and a backend for in-process engine tests.
import * as assert from 'assert';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/training/engine/backend';
import { parseSpecText } from '../../../src/training/spec/parse';
import type { OptimizerSpec, ParsedSpec } from '../../../src/training/spec/types';
import type { Backend } from '../../../src/shared/engineProtocol';

export const REPO = path.resolve(__dirname, '../../../..');
export const EXAMPLES = path.join(REPO, 'examples');

/** Parses a spec given as an object; fails the test if the parser reports any error. */
export function parsedSpec(spec: object, file = path.join(REPO, 'test', 'virtual.gradscope.json')): ParsedSpec {
  const result = parseSpecText(JSON.stringify(spec, null, 2), file);
  const errors = result.problems.filter((p) => p.severity === 'error');
  assert.deepStrictEqual(errors, [], 'test spec should be valid');
  assert.ok(result.spec);
  return result.spec;
}

/** The backend engine tests run on: the one the product picks (wasm here). */
export function useBackend(): Promise<Backend> {
  return initBackend();
}

/**
 * Mocha hooks for a describe: before its tests the product's backend (then `backend`, when given), after them the
 * backend that was in force before (tests that switch backends leave the next file what it had).
 */
export function withBackend(backend?: 'wasm' | 'cpu'): void {
  let initial = '';
  before(async () => {
    await useBackend();
    initial = tf.getBackend();
    if (backend) await tf.setBackend(backend);
  });
  after(async () => {
    await tf.setBackend(initial);
  });
}

/** Every OptimizerSpec field as the parser defaults it for sgd at 0.1, with `overrides` on top. */
export function optimizerSpec(overrides: Partial<OptimizerSpec> = {}): OptimizerSpec {
  return {
    type: 'sgd',
    learningRate: 0.1,
    momentum: 0,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    amsgrad: false,
    weightDecay: 0,
    rho: 0.9,
    centered: false,
    momentumDecay: 0.004,
    ...overrides,
  };
}

export function smallClassifier(overrides: { layers?: object[]; training?: object; data?: object; seed?: number } = {}): object {
  return {
    name: 'test',
    seed: overrides.seed ?? 3,
    data: { dataset: 'spiral', samples: 300, classes: 3, noise: 0.1, validationSplit: 0.2, ...overrides.data },
    model: {
      inputShape: [2],
      layers: overrides.layers ?? [
        { type: 'dense', units: 16, activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'dropout', rate: 0.1 },
        { type: 'dense', units: 16, activation: 'tanh' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
    },
    training: { epochs: 3, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, ...overrides.training },
  };
}

/** Long enough never to finish during a test: 100 steps per epoch, 500 epochs. */
export const LONG_RUN_SPEC = {
  seed: 1,
  data: { dataset: 'spiral', samples: 2000 },
  model: {
    inputShape: [2],
    layers: [
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  },
  training: { epochs: 500, batchSize: 16 },
};
