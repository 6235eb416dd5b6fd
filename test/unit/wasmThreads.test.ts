// The opt-in threaded wasm build (GRADSCOPE_WASM_THREADS): it really runs 2 threads, trains to the same weights as
// one thread (bit for bit: XNNPACK splits work by output tiles, never a sum), twice alike, and lets the process exit
// on its own. Each configuration trains in its own Node process, since the backend is chosen once per process.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findPoolAddress } from '../../src/training/engine/backend/wasmPoolGate';
import { patchSpinIterations, wasmThreadsFromEnv } from '../../src/training/engine/backend/wasmThreads';

const OUT = path.resolve(__dirname, '../..');
const REPO = path.resolve(OUT, '..');

// Trains an MLP and a small conv net for 6 Adam steps with every statistic measured; prints the thread count and the
// bytes of every weight and every step's packed statistics. No process.exit: the process must end by itself.
const CHILD = `
const tf = require('@tensorflow/tfjs');
const { initBackend } = require(${JSON.stringify(path.join(OUT, 'src/training/engine/backend'))});
const { wasmThreadsCount } = require(${JSON.stringify(path.join(OUT, 'src/training/engine/backend/wasmThreads'))});
const { buildModel } = require(${JSON.stringify(path.join(OUT, 'src/training/engine/model/buildModel'))});
const { makeOptimizer } = require(${JSON.stringify(path.join(OUT, 'src/training/engine/optim/optimizer'))});
const { runStep } = require(${JSON.stringify(path.join(OUT, 'src/training/engine/step'))});
const { parsedSpec } = require(${JSON.stringify(path.join(OUT, 'test/unit/support/specs'))});
const dense = (units, activation) => ({ type: 'dense', units, activation });
const specs = [
  { batch: 64, spec: { data: { dataset: 'mnist', samples: 1000 }, model: { inputShape: [784], layers: [dense(128, 'relu'), dense(64, 'relu'), dense(10, 'softmax')] }, training: { optimizer: { type: 'adam', learningRate: 0.01 } } } },
  { batch: 16, spec: { data: { dataset: 'mnist', samples: 1000 }, model: { inputShape: [28, 28, 1], layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' }, { type: 'maxPooling2d' },
    { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' }, { type: 'flatten' }, dense(10, 'softmax') ] },
    training: { optimizer: { type: 'adam', learningRate: 0.01 } } } },
];
(async () => {
  await initBackend('wasm');
  // What ops outside a matrix product or convolution see: -1 when the pool is gated off (no pool), else the count.
  const outside = tf.backend().wasm.tfjs ? tf.backend().wasm.tfjs.getThreadsCount() : null;
  const result = { threads: wasmThreadsCount(), outside, models: [] };
  for (const { batch, spec: raw } of specs) {
    const spec = parsedSpec(raw);
    const built = buildModel(spec, 7);
    const { optimizer } = makeOptimizer(spec.training.optimizer);
    const classes = built.model.outputs[0].shape[1];
    const stats = [];
    for (let i = 0; i < 6; i++) {
      const x = tf.randomUniform([batch, ...spec.model.inputShape], 0, 1, 'float32', i);
      const y = tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32', 100 + i), classes).toFloat();
      const { packed } = runStep(built, optimizer, spec.training, x, y, true);
      stats.push(Array.from(await packed.data()));
      tf.dispose([packed, x, y]);
    }
    const weights = built.model.trainableWeights.map((w) => Array.from(w.read().dataSync()));
    result.models.push({ stats, weights });
    built.model.dispose();
    optimizer.dispose();
  }
  console.log(JSON.stringify(result));
})();
`;

interface Trained {
  threads: number;
  outside: number | null;
  models: Array<{ stats: number[][]; weights: number[][] }>;
}

function train(threads: number, pool = ''): Trained {
  const run = spawnSync(process.execPath, ['-e', CHILD], {
    cwd: REPO,
    env: { ...process.env, GRADSCOPE_WASM_THREADS: String(threads), GRADSCOPE_WASM_POOL: pool },
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 * 1024 * 1024, // the weights as JSON are a few MB
  });
  assert.strictEqual(
    run.signal,
    null,
    `the ${threads}-thread process did not exit by itself (killed by ${run.signal}); stderr: ${run.stderr}`,
  );
  assert.strictEqual(run.status, 0, `the ${threads}-thread process failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Trained;
}

describe('wasm threads (opt-in GRADSCOPE_WASM_THREADS)', function () {
  this.timeout(240_000);

  it('reads the setting: off unless asked, spin patched by default, bad values refused with the variable named', () => {
    assert.strictEqual(wasmThreadsFromEnv({}), null);
    assert.strictEqual(wasmThreadsFromEnv({ GRADSCOPE_WASM_THREADS: '1' }), null);
    assert.deepStrictEqual(wasmThreadsFromEnv({ GRADSCOPE_WASM_THREADS: '2' }), { threads: 2, spin: 100, pool: 'heavy' });
    assert.deepStrictEqual(
      wasmThreadsFromEnv({ GRADSCOPE_WASM_THREADS: '2', GRADSCOPE_WASM_SPIN: 'stock', GRADSCOPE_WASM_POOL: 'all' }),
      { threads: 2, spin: null, pool: 'all' },
    );
    assert.throws(
      () => wasmThreadsFromEnv({ GRADSCOPE_WASM_THREADS: '2', GRADSCOPE_WASM_POOL: 'some' }),
      /GRADSCOPE_WASM_POOL=some is neither 'heavy' nor 'all'/,
    );
    assert.throws(
      () => wasmThreadsFromEnv({ GRADSCOPE_WASM_THREADS: 'two' }),
      /GRADSCOPE_WASM_THREADS=two is not a whole number from 1 to 8/,
    );
    assert.throws(() => wasmThreadsFromEnv({ GRADSCOPE_WASM_THREADS: '2', GRADSCOPE_WASM_SPIN: '0' }), /GRADSCOPE_WASM_SPIN=0/);
    // The loops count down by 5 to exactly 0: 101 would wrap around and spin for billions of iterations.
    assert.throws(() => wasmThreadsFromEnv({ GRADSCOPE_WASM_THREADS: '2', GRADSCOPE_WASM_SPIN: '101' }), /not a multiple of 5/);
  });

  it("finds the thread pool's global in the package binary (get_threads_count's load), once, and nothing elsewhere", () => {
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    const address = findPoolAddress(new Uint8Array(fs.readFileSync(path.join(dist, 'tfjs-backend-wasm-threaded-simd.wasm'))));
    assert.ok(address !== null && address > 0 && address % 4 === 0, `an aligned address, not ${address}`);
    // The pattern read back by hand: i32.const ADDR (signed LEB128), then i32.load and the NULL test.
    const pattern = new Uint8Array([0x41, 0x80 | (address & 0x7f), 0x80 | ((address >> 7) & 0x7f), address >> 14]);
    const tail = [0x28, 0x02, 0x00, 0x22, 0x00, 0x45, 0x04, 0x40, 0x41, 0x7f, 0x0f, 0x0b];
    const synthetic = new Uint8Array([1, 2, ...pattern, ...tail, 3]);
    assert.strictEqual(findPoolAddress(synthetic), address);
    assert.strictEqual(findPoolAddress(new Uint8Array([...synthetic, ...synthetic])), null, 'two candidates: none trusted');
    assert.strictEqual(findPoolAddress(new Uint8Array([1, 2, 3, ...tail])), null, 'no i32.const before the load');
  });

  it('patches exactly the three spin-wait loops (counting down by 5) of the package binary, keeping its length', () => {
    const file = path.join(
      path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')),
      'dist',
      'tfjs-backend-wasm-threaded-simd.wasm',
    );
    const binary = new Uint8Array(fs.readFileSync(file));
    const length = binary.length;
    assert.strictEqual(patchSpinIterations(binary, 100), 3);
    assert.strictEqual(binary.length, length);
    assert.strictEqual(patchSpinIterations(binary, 100), 0, 'nothing left to patch');
    assert.throws(() => patchSpinIterations(binary, 101), /multiple of 5/);
  });

  it('trains on 2 threads to the same weights and statistics as 1 thread, bit for bit, twice alike, and exits', () => {
    const one = train(1);
    const two = train(2);
    const twoAgain = train(2);
    const twoAll = train(2, 'all');
    assert.strictEqual(one.threads, 1);
    assert.strictEqual(two.threads, 2, 'the pool runs 2 threads');
    assert.strictEqual(two.outside, -1, 'pool heavy (the default): ops other than products and convolutions see no pool');
    assert.strictEqual(twoAll.outside, 2, 'pool all: every op sees the 2-thread pool');
    assert.deepStrictEqual(two, twoAgain, 'two runs on 2 threads give the same numbers');
    assert.deepStrictEqual(twoAll.models, two.models, 'the pool gated or not, the same numbers');
    assert.strictEqual(two.models.length, 2);
    two.models.forEach((model, m) => {
      assert.deepStrictEqual(model.stats, one.models[m].stats, `model ${m}: step statistics (loss, norms, counts)`);
      assert.deepStrictEqual(model.weights, one.models[m].weights, `model ${m}: weights after 6 Adam steps`);
      // Training moved the weights: the comparison is not between two untouched initialisations.
      assert.ok(model.stats[5][0] !== model.stats[0][0], `model ${m}: loss changed over the steps`);
    });
  });
});
