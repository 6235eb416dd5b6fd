// The optimizers' fused updates on the wasm backend (backend/wasmFusedUpdate.ts, wat/adam.wat, sgd.wat, rmsprop.wat):
// one kernel per variable in place of the rule's tf ops, with the same bits as those ops (same float32 operations in
// the same order) for every rule, at sizes that exercise the 4-wide loop and the scalar tail, while the learning rate
// and momentum change; and the Adam family follows PyTorch's trajectories. The cpu backend keeps the tf ops.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { FUSED_UPDATE, fusedUpdateAvailable } from '../../src/training/engine/backend/wasmFusedUpdate';
import { NADAM_MU_PRODUCT } from '../../src/training/engine/optim/adamFamily';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import type { OptimizerSpec } from '../../src/training/spec/types';
import { optimizerSpec, withBackend } from './support/specs';

const BASE: OptimizerSpec = optimizerSpec({ type: 'adam', learningRate: 0.01 });

const RULES: Partial<OptimizerSpec>[] = [
  { type: 'adam' },
  { type: 'adam', amsgrad: true },
  { type: 'adamw', weightDecay: 0.05 },
  { type: 'adamw', weightDecay: 0.05, amsgrad: true },
  { type: 'nadam' },
  { type: 'adamax' },
  { type: 'sgd' },
  { type: 'sgd', momentum: 0.9 },
  { type: 'sgd', momentum: 0.9, nesterov: true },
  { type: 'rmsprop' },
  { type: 'rmsprop', momentum: 0.5 },
  { type: 'rmsprop', centered: true },
  { type: 'rmsprop', centered: true, momentum: 0.9, rho: 0.5 },
];

/** Slots each rule keeps per variable. */
function slotCount(rule: Partial<OptimizerSpec>): number {
  if (rule.type === 'sgd') return rule.momentum ? 1 : 0;
  if (rule.type === 'rmsprop') return 1 + Number(!!rule.centered) + Number(!!rule.momentum);
  return rule.amsgrad ? 3 : 2;
}

/** Shapes whose sizes cover an empty tail (4, 1024), a tail alone (1, 3) and both (7, 1001, 60). */
const SHAPES = [[1], [3], [4], [7], [1001], [3, 5, 4], [1024]];

const unique = (tag: string): string => `${tag}_${Math.random().toString(36).slice(2)}`;
const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

/** Kernel names dispatched by `f`, in order, less the ZerosLike that make the slots at a variable's first step. */
async function kernelsOf(f: () => void): Promise<string[]> {
  const info = await tf.profile(f);
  return info.kernels.map((k) => k.name).filter((name) => name !== 'ZerosLike');
}

describe('fused optimizer updates (wasm)', () => {
  withBackend('wasm');

  it('is available on the wasm backend', () => {
    assert.ok(fusedUpdateAvailable(), 'the fused kernel binds over the wasm memory');
  });

  for (const rule of RULES) {
    for (const cycled of [false, true]) {
      it(`${JSON.stringify(rule)}${cycled ? ' (momentum cycled)' : ''}: one kernel per variable, the same bits as the tf ops, no tensor left`, async () => {
        const start = tf.memory().numTensors;
        const spec = { ...BASE, ...rule };
        const fused = makeOptimizer(spec, cycled, true);
        // The same optimizer on tf ops (plain Adam: tf.train.adam, or the Adam family's rule when momentum is cycled).
        const ops = makeOptimizer(spec, cycled, false);
        const w0 = SHAPES.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 10 + i));
        const a = w0.map((w) => tf.variable(w, true, unique('fa')));
        const b = w0.map((w) => tf.variable(w, true, unique('fb')));
        const before = tf.memory().numTensors;
        for (let step = 0; step < 6; step++) {
          // Gradients with exact zeros among them (a weight whose second moment stays 0 divides by ε alone).
          const grads = SHAPES.map((s, i) =>
            tf.tidy(() => tf.relu(tf.randomNormal(s, 0, 10 ** -(step % 3), 'float32', 100 * step + i))),
          );
          for (const o of [fused, ops]) {
            o.setLearningRate(0.01 / (step + 1));
            if (cycled) o.setMomentum?.(0.9 - 0.02 * step);
          }
          const names = await kernelsOf(() =>
            fused.optimizer.applyGradients(a.map((v, i) => ({ name: v.name, tensor: grads[i] }))),
          );
          // tf.train.adam also multiplies up its two β powers once per step.
          const perStep = rule.type === 'adam' && !rule.amsgrad && !cycled ? ['Multiply', 'Multiply'] : [];
          assert.deepStrictEqual(names, [...a.map(() => FUSED_UPDATE), ...perStep], 'one fused kernel per variable');
          ops.optimizer.applyGradients(b.map((v, i) => ({ name: v.name, tensor: grads[i] })));
          tf.dispose(grads);
          a.forEach((v, i) => assert.deepStrictEqual(bits(v), bits(b[i]), `step ${step + 1} variable ${SHAPES[i].join('x')}`));
          if (step > 0) assert.strictEqual(tf.memory().numTensors, before + 2 * SHAPES.length * slotCount(rule));
        }
        const [sa, sb] = [await fused.optimizer.getWeights(), await ops.optimizer.getWeights()];
        assert.strictEqual(sa.length, sb.length);
        sa.slice(1).forEach((s, i) => assert.deepStrictEqual(bits(s.tensor), bits(sb[i + 1].tensor), `slot ${s.name}`));
        fused.optimizer.dispose();
        ops.optimizer.dispose();
        // Made for the call: the iteration count and NAdam's μ product.
        const made = [...sa, ...sb].filter((s) => s.name === 'iter' || s.name === NADAM_MU_PRODUCT).map((s) => s.tensor);
        tf.dispose([...w0, ...a, ...b, ...made]);
        assert.strictEqual(tf.memory().numTensors, start, 'everything the optimizers made is gone');
      });
    }
  }

  it("follows PyTorch's Adam-family trajectories on the fused path (test/fixtures/optimizers/reference.json)", async () => {
    const reference = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/optimizers/reference.json'), 'utf8'),
    ) as {
      w0: number[];
      grads: number[][];
      learningRates: number[];
      epsilon: number;
      cases: { name: string; spec: Partial<OptimizerSpec> & { learningRates?: number[] }; weights: number[][] }[];
    };
    const family = reference.cases.filter((c) => ['adam', 'adamw', 'nadam', 'adamax'].includes(c.spec.type ?? ''));
    assert.ok(family.length >= 6, family.map((c) => c.name).join());
    for (const c of family) {
      const { learningRates = reference.learningRates, ...spec } = c.spec;
      const { optimizer, setLearningRate } = makeOptimizer(
        { ...BASE, weightDecay: spec.type === 'adamw' ? 0.01 : 0, epsilon: reference.epsilon, ...spec },
        false,
        true,
      );
      const w = tf.variable(tf.tensor1d(reference.w0), true, unique(`torch_${c.name}`));
      for (const [t, grad] of reference.grads.entries()) {
        setLearningRate(learningRates[t]);
        const g = tf.tensor1d(grad);
        const names = await kernelsOf(() => optimizer.applyGradients({ [w.name]: g }));
        g.dispose();
        assert.strictEqual(names[0], FUSED_UPDATE, `${c.name} step ${t + 1} ran fused`);
        assert.ok(
          names.slice(1).every((k) => k === 'Multiply'),
          names.join(),
        ); // tf.train.adam's β powers
        Array.from(w.dataSync()).forEach((got, i) => {
          const want = c.weights[t][i];
          assert.ok(
            Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)),
            `${c.name} step ${t + 1} weight ${i}: ${got} vs torch ${want}`,
          );
        });
      }
      optimizer.dispose();
      w.dispose();
    }
  });
});

describe('optimizers on the cpu backend', () => {
  withBackend('cpu');

  it('keeps the tf ops (no fused kernel there)', async () => {
    assert.ok(!fusedUpdateAvailable());
    const { optimizer } = makeOptimizer({ ...BASE, type: 'adamw', weightDecay: 0.01 });
    const w = tf.variable(tf.ones([5]), true, unique('cpu'));
    const g = tf.fill([5], 0.5);
    const names = await kernelsOf(() => optimizer.applyGradients({ [w.name]: g }));
    assert.ok(!names.includes(FUSED_UPDATE) && names.includes('Sqrt'), names.join());
    optimizer.dispose();
    tf.dispose([w, g]);
  });
});
