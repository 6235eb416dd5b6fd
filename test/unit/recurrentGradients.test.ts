// simpleRNN, lstm and gru gradients (weights and inputs) and the step's recurrent measurements, checked against an
// independent computation: each cell written out by hand in float64 (gate order and GRU variant as documented in
// engine/model/recurrent.ts) and differentiated by central finite differences, on the cpu and wasm backends.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { applyModel, buildModel, disposeBuiltModel } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep, unpackStep } from '../../src/training/engine/step';
import { parsedSpec, withBackend } from './support/specs';

type Kind = 'simpleRNN' | 'lstm' | 'gru';
const GATES: Record<Kind, number> = { simpleRNN: 1, lstm: 4, gru: 3 };

const N = 3; // samples
const T = 4; // timesteps
const F = 2; // features
const U = 3; // units

/** Deterministic values in [-scale, scale). */
function values(count: number, seed: number, scale: number): number[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 * scale - scale;
  });
}

interface Params {
  w: number[]; // [F, G·U] row-major
  u: number[]; // [U, G·U]
  b: number[]; // [G·U]
  wd: number[]; // [U, 1]
  bd: number[]; // [1]
  x: number[]; // [N, T, F]
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Row vector `v` times the columns [from, from + width) of the row-major matrix `m` with `cols` columns. */
function matvec(v: number[], m: number[], cols: number, from: number, width: number): number[] {
  const out = new Array<number>(width).fill(0);
  for (let i = 0; i < v.length; i++) for (let j = 0; j < width; j++) out[j] += v[i] * m[i * cols + from + j];
  return out;
}

const add = (...xs: number[][]): number[] => xs[0].map((_, j) => xs.reduce((s, v) => s + v[j], 0));

/** The last hidden state of one sequence, by the textbook equations of each cell. */
function lastState(kind: Kind, p: Params, n: number): number[] {
  const G = GATES[kind] * U;
  let h = new Array<number>(U).fill(0);
  let c = new Array<number>(U).fill(0);
  const gate = (xt: number[], g: number): number[] => add(matvec(xt, p.w, G, g * U, U), p.b.slice(g * U, (g + 1) * U));
  for (let t = 0; t < T; t++) {
    const xt = p.x.slice((n * T + t) * F, (n * T + t + 1) * F);
    if (kind === 'simpleRNN') {
      h = add(gate(xt, 0), matvec(h, p.u, G, 0, U)).map(Math.tanh);
    } else if (kind === 'lstm') {
      // Gates in tfjs's (and Keras') column order: input, forget, cell candidate, output.
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => add(gate(xt, k), matvec(h, p.u, G, k * U, U)));
      c = c.map((cj, j) => sigmoid(f[j]) * cj + sigmoid(i[j]) * Math.tanh(g[j]));
      h = c.map((cj, j) => sigmoid(o[j]) * Math.tanh(cj));
    } else {
      // Update z, reset r, candidate; the reset gate scales h BEFORE the recurrent matrix (Cho et al. 2014).
      const z = add(gate(xt, 0), matvec(h, p.u, G, 0, U)).map(sigmoid);
      const r = add(gate(xt, 1), matvec(h, p.u, G, U, U)).map(sigmoid);
      const rh = h.map((hj, j) => r[j] * hj);
      const cand = add(gate(xt, 2), matvec(rh, p.u, G, 2 * U, U)).map(Math.tanh);
      h = h.map((hj, j) => z[j] * hj + (1 - z[j]) * cand[j]);
    }
  }
  return h;
}

const TARGETS = [0.5, -0.25, 1];

function lossOf(kind: Kind, p: Params): number {
  let total = 0;
  for (let n = 0; n < N; n++) {
    const h = lastState(kind, p, n);
    const y = p.bd[0] + h.reduce((s, hj, j) => s + hj * p.wd[j], 0);
    total += (y - TARGETS[n]) ** 2;
  }
  return total / N;
}

function fdGrad(kind: Kind, p: Params, which: keyof Params): number[] {
  const h = 1e-6;
  const arr = p[which];
  return arr.map((v, j) => {
    arr[j] = v + h;
    const up = lossOf(kind, p);
    arr[j] = v - h;
    const down = lossOf(kind, p);
    arr[j] = v;
    return (up - down) / (2 * h);
  });
}

function params(kind: Kind): Params {
  const G = GATES[kind] * U;
  return {
    w: values(F * G, 11, 0.8),
    u: values(U * G, 23, 0.8),
    b: values(G, 37, 0.3),
    wd: values(U, 41, 0.9),
    bd: [0.1],
    x: values(N * T * F, 53, 1),
  };
}

const norm = (v: readonly number[]): number => Math.hypot(...v);

function assertClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  const scale = Math.max(...expected.map(Math.abs));
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  for (let j = 0; j < expected.length; j++) {
    assert.ok(Math.abs(actual[j] - expected[j]) <= 2e-3 * scale + 1e-5, `${what}[${j}]: ${actual[j]} vs ${expected[j]}`);
  }
}

const near = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= 2e-3 * Math.abs(expected) + 1e-6, `${what}: ${actual} vs ${expected}`);

function setup(kind: Kind) {
  const spec = parsedSpec({
    data: { dataset: 'adding', samples: 20, sequenceLength: T },
    model: {
      inputShape: [T, F],
      layers: [
        { type: kind, units: U },
        { type: 'dense', units: 1 },
      ],
    },
    training: { loss: 'meanSquaredError', optimizer: { type: 'sgd', learningRate: 0.1 } },
  });
  const built = buildModel(spec, 1);
  const p = params(kind);
  const G = GATES[kind] * U;
  built.model.setWeights([
    tf.tensor2d(p.w, [F, G]),
    tf.tensor2d(p.u, [U, G]),
    tf.tensor1d(p.b),
    tf.tensor2d(p.wd, [U, 1]),
    tf.tensor1d(p.bd),
  ]);
  return { spec, built, p };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`recurrent layers against a float64 finite-difference reimplementation (${backend})`, () => {
    withBackend(backend);

    for (const kind of ['simpleRNN', 'lstm', 'gru'] as const) {
      it(`${kind}: loss, input kernel, recurrent kernel, bias and input gradients`, async () => {
        const { built, p } = setup(kind);
        const x = tf.tensor3d(p.x, [N, T, F]);
        const y = tf.tensor2d(TARGETS, [N, 1]);
        const lossFn = (input: tf.Tensor): tf.Scalar => tf.mean(tf.squaredDifference(y, applyModel(built, input, true)[0]));
        try {
          const vars = built.weighted[0];
          const { value, grads } = tf.variableGrads(
            () => lossFn(x),
            [vars.kernel.read() as tf.Variable, vars.recurrentKernel!.read() as tf.Variable, vars.bias!.read() as tf.Variable],
          );
          const inputGrad = tf.grad((input: tf.Tensor) => lossFn(input))(x);
          assert.ok(Math.abs((await value.data())[0] - lossOf(kind, p)) < 1e-5, 'loss');
          const byName = (v: tf.LayerVariable): Float32Array => grads[(v.read() as tf.Variable).name].dataSync() as Float32Array;
          assertClose(byName(vars.kernel), fdGrad(kind, p, 'w'), `${kind} input kernel`);
          assertClose(byName(vars.recurrentKernel!), fdGrad(kind, p, 'u'), `${kind} recurrent kernel`);
          assertClose(byName(vars.bias!), fdGrad(kind, p, 'b'), `${kind} bias`);
          assertClose(await inputGrad.data(), fdGrad(kind, p, 'x'), `${kind} input`);
          tf.dispose([value, inputGrad, ...Object.values(grads)]);
        } finally {
          tf.dispose([x, y]);
          disposeBuiltModel(built);
        }
      });

      it(`${kind}: the measured step reports gradNorm (input kernel), recurrentGradNorm and biasGradNorm`, async () => {
        const { spec, built, p } = setup(kind);
        const { optimizer } = makeOptimizer(spec.training.optimizer);
        const x = tf.tensor3d(p.x, [N, T, F]);
        const y = tf.tensor2d(TARGETS, [N, 1]);
        try {
          const { packed, layout } = runStep(built, optimizer, spec.training, x, y, true);
          const n = unpackStep(built, layout, await packed.data());
          packed.dispose();
          const rnn = n.layers![0];
          near(rnn.gradNorm!, norm(fdGrad(kind, p, 'w')), 'gradNorm');
          near(rnn.recurrentGradNorm!, norm(fdGrad(kind, p, 'u')), 'recurrentGradNorm');
          near(rnn.biasGradNorm!, norm(fdGrad(kind, p, 'b')), 'biasGradNorm');
          // Plain SGD: ‖ΔU‖/‖U‖ = lr·‖∂L/∂U‖/‖U‖ for the recurrent kernel, ‖ΔW‖/‖W‖ likewise for the input kernel.
          near(rnn.recurrentUpdateRatio!, (0.1 * norm(fdGrad(kind, p, 'u'))) / norm(p.u), 'recurrentUpdateRatio');
          near(rnn.updateRatio, (0.1 * norm(fdGrad(kind, p, 'w'))) / norm(p.w), 'updateRatio');
          assert.strictEqual(n.layers![1].recurrentGradNorm, undefined, 'dense has no recurrent kernel');
        } finally {
          tf.dispose([x, y]);
          optimizer.dispose();
          disposeBuiltModel(built);
        }
      });
    }
  });
}
