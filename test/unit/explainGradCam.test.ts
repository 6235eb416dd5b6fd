// Grad-CAM and its sanity checks, against independent computations: (1) the gradients it weights the maps with,
// against central differences of a float64 forward pass written by hand; (2) on images whose class is decided by a
// bright patch at a known place, a trained conv net's maps put most of their mass on the patch; (3) re-randomising
// the weights from the output layer down (Adebayo et al.) leaves maps that no longer rank positions like the trained
// ones. Plus the messages for models and layer names Grad-CAM cannot use, the sample choice, and tensor hygiene.
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import { buildModel, disposeBuiltModel, type BuiltModel } from '../../src/training/engine/model/buildModel';
import { makeOptimizer } from '../../src/training/engine/optim/optimizer';
import { runStep } from '../../src/training/engine/step';
import { explainLayer } from '../../src/training/engine/explain/convLayer';
import { classActivationMaps, convFilters, explainSamples, upsampleBilinear } from '../../src/training/engine/explain/gradCam';
import { randomizationSanity, spearman } from '../../src/training/engine/explain/sanity';
import { pickExplainIndices } from '../../src/training/engine/explain/samplePick';
import { createRng, randn, shuffledIndices } from '../../src/training/data/random';
import type { ExplanationSample } from '../../src/shared/engineProtocol';
import { parsedSpec, useBackend } from './support/specs';

function layerOf(built: BuiltModel, name?: string) {
  const found = explainLayer(built, name);
  if ('problem' in found) assert.fail(found.problem);
  return found.layer;
}

// ---- (3) gradients against finite differences ----

// A tiny conv net: [6, 6, 2] → conv2d_1 (3 filters 3×3, relu) → conv2d_2 (2 filters 2×2, tanh) → flatten → dense 3
// (softmax fused into the loss: output 0 is the logits). Explained at conv2d_1, so ∂y/∂A passes conv2d_2, tanh, the
// flatten and the dense layer.
const TINY = {
  name: 'tiny-conv',
  seed: 5,
  // The data only has to fit the model: 72 features per sample, 3 classes (the rows the tests explain are their own).
  data: { dataset: 'blobs', samples: 100, features: 72, classes: 3 },
  model: {
    inputShape: [6, 6, 2],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu', biasInitializer: { type: 'randomNormal', stddev: 0.3 } },
      { type: 'conv2d', filters: 2, kernelSize: 2, activation: 'tanh', biasInitializer: { type: 'randomNormal', stddev: 0.3 } },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax', kernelInitializer: { type: 'randomNormal', stddev: 1 } },
    ],
  },
  training: { loss: 'categoricalCrossentropy' },
};

type Grid = number[][][]; // [row][col][channel]

/** Valid 2-D convolution, float64: out[i][j][f] = b[f] + Σ x[i+di][j+dj][c]·K[di][dj][c][f]. */
function conv(x: Grid, k: number[][][][], b: number[], act: (v: number) => number): Grid {
  const kh = k.length;
  const kw = k[0].length;
  const out: Grid = [];
  for (let i = 0; i + kh <= x.length; i++) {
    const row: number[][] = [];
    for (let j = 0; j + kw <= x[0].length; j++) {
      row.push(
        b.map((bias, f) => {
          let s = bias;
          for (let di = 0; di < kh; di++)
            for (let dj = 0; dj < kw; dj++) x[i + di][j + dj].forEach((v, c) => (s += v * k[di][dj][c][f]));
          return act(s);
        }),
      );
    }
    out.push(row);
  }
  return out;
}

interface TinyWeights {
  k1: number[][][][];
  b1: number[];
  k2: number[][][][];
  b2: number[];
  w: number[][];
  bw: number[];
}

function tinyWeights(built: BuiltModel): TinyWeights {
  const [k1, b1, k2, b2, w, bw] = built.model.getWeights().map((t) => t.arraySync());
  return { k1, b1, k2, b2, w, bw } as TinyWeights;
}

/** Logits from conv2d_1's output A, float64. */
function logitsFromA(p: TinyWeights, a: Grid): number[] {
  const flat = conv(a, p.k2, p.b2, Math.tanh).flat(2); // tfjs flattens row-major [row][col][channel]
  return p.bw.map((b, c) => flat.reduce((s, v, i) => s + v * p.w[i][c], b));
}

const relu = (v: number): number => Math.max(0, v);
const layerA = (p: TinyWeights, x: Grid): Grid => conv(x, p.k1, p.b1, relu);

/** Central difference of f at every entry of a grid (float64, h = 1e-6). */
function fdGrid(grid: Grid, f: (g: Grid) => number): Grid {
  const h = 1e-6;
  return grid.map((row, i) =>
    row.map((cell, j) =>
      cell.map((v, k) => {
        const copy = structuredClone(grid);
        copy[i][j][k] = v + h;
        const up = f(copy);
        copy[i][j][k] = v - h;
        return (up - f(copy)) / (2 * h);
      }),
    ),
  );
}

function tinyInputs(n: number): Grid[] {
  const rng = createRng(11);
  return Array.from({ length: n }, () =>
    Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => [randn(rng), randn(rng)])),
  );
}

const maxAbsDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

/** The largest FD discrepancies measured, reported at the end of the run. */
const measured: Record<string, number> = {};

describe('Grad-CAM gradients against finite differences (tiny conv net, float64 forward by hand)', () => {
  let built: BuiltModel;
  let p: TinyWeights;
  const xs = tinyInputs(4);
  let x: tf.Tensor4D;

  before(async () => {
    await useBackend();
    built = buildModel(parsedSpec(TINY), 5);
    p = tinyWeights(built);
    x = tf.tensor4d(xs);
  });
  after(() => {
    x.dispose();
    disposeBuiltModel(built);
  });

  it('the hand-written forward pass is the model’s (so the differences test the gradient, not the forward)', () => {
    const logits = built.model.predict(x) as tf.Tensor[];
    const got = logits[0].arraySync() as number[][];
    tf.dispose(logits);
    xs.forEach((g, i) => assert.ok(maxAbsDiff(got[i], logitsFromA(p, layerA(p, g))) < 1e-4, `row ${i}`));
  });

  it('α_k = mean over positions of ∂y^c/∂A^k and the map ReLU(Σ α_k A^k) match central differences', () => {
    const layer = layerOf(built, 'conv2d_1');
    const targets = [0, 1, 2, 1];
    const maps = classActivationMaps(built, layer, x, targets);
    assert.deepStrictEqual([maps.height, maps.width], [4, 4]);
    let alphaErr = 0;
    let mapErr = 0;
    xs.forEach((g, i) => {
      const a = layerA(p, g);
      const grad = fdGrid(a, (aa) => logitsFromA(p, aa)[targets[i]]);
      const alpha = [0, 1, 2].map((k) => grad.flat().reduce((s, cell) => s + cell[k], 0) / 16);
      const map = a.flat().map((cell) => relu(cell.reduce((s, v, k) => s + v * alpha[k], 0)));
      const scale = Math.max(...alpha.map(Math.abs));
      alphaErr = Math.max(alphaErr, maxAbsDiff(maps.weights[i], alpha) / scale);
      mapErr = Math.max(mapErr, maxAbsDiff(maps.maps[i], map) / Math.max(...map, 1e-12));
      assert.ok(
        map.some((v) => v > 0),
        `row ${i}: a map with something in it`,
      );
    });
    measured['α relative error'] = alphaErr;
    measured['raw map relative error'] = mapErr;
    assert.ok(alphaErr < 1e-3, `α: max relative error ${alphaErr}`);
    assert.ok(mapErr < 1e-3, `map: max relative error ${mapErr}`);
  });

  it('explainSamples: probabilities, predicted class, normalised maps, saliency and the true-class map agree with float64', () => {
    const layer = layerOf(built, 'conv2d_1');
    const labels = [0, 1, 2, 0];
    const samples = explainSamples(built, x, labels, [10, 20, 30, 40], { layer });
    let salErr = 0;
    samples.forEach((s, i) => {
      const logits = logitsFromA(p, layerA(p, xs[i]));
      const m = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - m));
      const probs = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      assert.strictEqual(s.index, [10, 20, 30, 40][i]);
      assert.strictEqual(s.label, labels[i]);
      assert.strictEqual(s.predicted, probs.indexOf(Math.max(...probs)));
      assert.strictEqual(s.target, s.predicted);
      assert.ok(maxAbsDiff(s.probabilities, probs) < 2e-4, `probabilities ${s.probabilities} vs ${probs}`);
      // The map of the target class at the layer's size, normalised by its maximum.
      const check = (raw: number[], target: number): void => {
        const a = layerA(p, xs[i]);
        const grad = fdGrid(a, (aa) => logitsFromA(p, aa)[target]);
        const alpha = [0, 1, 2].map((k) => grad.flat().reduce((t, cell) => t + cell[k], 0) / 16);
        const map = a.flat().map((cell) => relu(cell.reduce((t, v, k) => t + v * alpha[k], 0)));
        const max = Math.max(...map);
        assert.ok(
          maxAbsDiff(
            raw,
            map.map((v) => (max > 0 ? v / max : 0)),
          ) < 2e-3,
          `row ${i} class ${target}`,
        );
      };
      check(s.gradCamRaw.values, s.target);
      assert.deepStrictEqual([s.gradCam.width, s.gradCam.height, s.gradCam.values.length], [6, 6, 36]);
      assert.strictEqual(Math.max(...s.gradCam.values), 1);
      if (s.label !== s.target) check(s.gradCamTrueRaw!.values, s.label);
      else assert.strictEqual(s.gradCamTrue, undefined);
      // Saliency: |∂y/∂x| max over the two channels, normalised.
      const gx = fdGrid(xs[i], (g) => logitsFromA(p, layerA(p, g))[s.target]);
      const sal = gx.flat().map((cell) => Math.max(...cell.map(Math.abs)));
      const smax = Math.max(...sal);
      salErr = Math.max(
        salErr,
        maxAbsDiff(
          s.saliency!.values,
          sal.map((v) => v / smax),
        ),
      );
      assert.deepStrictEqual(
        s.input,
        xs[i].flat(2).map((v) => Math.round(v * 1e4) / 1e4),
      );
    });
    measured['saliency error'] = salErr;
    assert.ok(salErr < 2e-3, `saliency: max error ${salErr}`);
    assert.ok(
      samples.some((s) => s.gradCamTrue),
      'some row is misclassified, so the true-class map is tested',
    );
  });

  it('an asked-for class is explained instead of the predicted one; saliency can be left out', () => {
    const layer = layerOf(built);
    assert.strictEqual(layer.summary.name, 'conv2d_2', 'default: the last conv2d layer');
    const samples = explainSamples(built, x, [0, 0, 0, 0], [0, 1, 2, 3], { layer, target: 2, saliency: false });
    samples.forEach((s) => {
      assert.strictEqual(s.target, 2);
      assert.strictEqual(s.saliency, undefined);
      assert.deepStrictEqual([s.gradCamRaw.width, s.gradCamRaw.height], [3, 3]);
    });
    assert.throws(
      () => explainSamples(built, x, [0, 0, 0, 0], [0, 1, 2, 3], { layer, target: 3 }),
      /class 3 is out of range: the model has 3 classes \(0–2\)/,
    );
  });

  it('weights that overflowed give empty maps, not an exception (the event stays valid JSON)', () => {
    const broken = buildModel(parsedSpec(TINY), 5);
    const kernel = broken.weighted[2].kernel;
    tf.tidy(() => {
      kernel.write(tf.fill(kernel.shape as number[], NaN)); // the variable keeps the values it was given
    });
    const first = tf.slice(x, 0, 1);
    const [s] = explainSamples(broken, first, [0], [0], { layer: layerOf(broken) });
    first.dispose();
    disposeBuiltModel(broken);
    assert.ok(s.gradCam.values.every((v) => v === 0) && s.saliency!.values.every((v) => v === 0));
    assert.strictEqual(s.predicted, 0);
  });

  it('leaves no tensor behind and gives the first conv layer’s kernels filter by filter', () => {
    const layer = layerOf(built, 'conv2d_1');
    explainSamples(built, x, [0, 1, 2, 0], [0, 1, 2, 3], { layer }); // warm-up: backend kernels made once
    const before = tf.memory().numTensors;
    explainSamples(built, x, [0, 1, 2, 0], [0, 1, 2, 3], { layer });
    const filters = convFilters(built)!;
    assert.strictEqual(tf.memory().numTensors, before, 'explainSamples and convFilters dispose what they make');
    assert.deepStrictEqual([filters.layer, filters.height, filters.width, filters.channels], ['conv2d_1', 3, 3, 2]);
    assert.strictEqual(filters.kernels.length, 3);
    // Filter f, row-major [height, width, channels]: kernel[r][c][ch][f].
    filters.kernels.forEach((kernel, f) =>
      assert.deepStrictEqual(
        kernel,
        p.k1.flat(2).map((perFilter) => Math.round(perFilter[f] * 1e4) / 1e4),
      ),
    );
  });
});

// ---- (2) bright patch and (1) model randomisation ----

const SIDE = 16;
const PATCH = 6;
const EPOCHS = 6;

interface PatchImages {
  x: number[][][][];
  labels: number[];
  /** Top-left corner of the patch (class 1), undefined for class 0. */
  patches: ([number, number] | undefined)[];
}

/**
 * 16×16 grey images of noise (σ 0.3); class 1 adds a bright 6×6 patch (+1.5) at a random place, class 0 has none.
 * Nothing but the patch tells the classes apart, so a map of the evidence for class 1 belongs on it. The patch is 14% of
 * the image; the explained layer (the second conv, full resolution) sees 5×5 pixels per position, so its map of a
 * smaller patch spills over the patch's border by up to two pixels whatever the model learned.
 */
function patchImages(count: number, seed: number): PatchImages {
  const rng = createRng(seed, 'bright-patch');
  const out: PatchImages = { x: [], labels: [], patches: [] };
  for (let n = 0; n < count; n++) {
    const image = Array.from({ length: SIDE }, () => Array.from({ length: SIDE }, () => [0.3 * randn(rng)]));
    const label = n % 2;
    let patch: [number, number] | undefined;
    if (label === 1) {
      patch = [Math.floor(rng() * (SIDE - PATCH + 1)), Math.floor(rng() * (SIDE - PATCH + 1))];
      for (let r = 0; r < PATCH; r++) for (let c = 0; c < PATCH; c++) image[patch[0] + r][patch[1] + c][0] += 1.5;
    }
    out.x.push(image);
    out.labels.push(label);
    out.patches.push(patch);
  }
  return out;
}

const PATCH_NET = {
  name: 'bright-patch',
  seed: 2,
  data: { dataset: 'blobs', samples: 100, features: SIDE * SIDE, classes: 2 },
  model: {
    inputShape: [SIDE, SIDE, 1],
    layers: [
      { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' },
      { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' },
      { type: 'maxPooling2d' },
      { type: 'flatten' },
      { type: 'dense', units: 2, activation: 'softmax' },
    ],
  },
  training: { loss: 'categoricalCrossentropy', optimizer: { type: 'adam', learningRate: 0.005 } },
};

/** Share of a map's mass inside the patch. */
function massInPatch(values: number[], [top, left]: [number, number]): number {
  let inside = 0;
  let total = 0;
  values.forEach((v, i) => {
    const r = Math.floor(i / SIDE);
    const c = i % SIDE;
    total += v;
    if (r >= top && r < top + PATCH && c >= left && c < left + PATCH) inside += v;
  });
  return total > 0 ? inside / total : 0;
}

describe('Grad-CAM on a conv net trained to find a bright patch', function () {
  this.timeout(300_000);
  let built: BuiltModel;
  const train = patchImages(600, 1);
  const validation = patchImages(64, 2);
  let x: tf.Tensor4D;
  let samples: ExplanationSample[];

  before(async () => {
    await useBackend();
    const spec = parsedSpec(PATCH_NET);
    built = buildModel(spec, spec.seed);
    const { optimizer } = makeOptimizer(spec.training.optimizer);
    const rng = createRng(3, 'batches');
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      const order = shuffledIndices(train.x.length, rng);
      for (let start = 0; start < order.length; start += 32) {
        const rows = Array.from(order.subarray(start, start + 32));
        const bx = tf.tensor4d(rows.map((i) => train.x[i]));
        const by = tf.oneHot(
          tf.tensor1d(
            rows.map((i) => train.labels[i]),
            'int32',
          ),
          2,
        );
        const { packed } = runStep(built, optimizer, spec.training, bx, by, false);
        tf.dispose([bx, by, packed]);
      }
    }
    optimizer.dispose();
    x = tf.tensor4d(validation.x);
    samples = explainSamples(
      built,
      x,
      validation.labels,
      validation.labels.map((_, i) => i),
      { layer: layerOf(built) },
    );
  });
  after(() => {
    x.dispose();
    disposeBuiltModel(built);
  });

  it('learns the task, and its maps of the patch class put ≥ 70% of their mass inside the 6×6 patch', () => {
    const accuracy = samples.filter((s) => s.predicted === s.label).length / samples.length;
    measured['bright-patch validation accuracy'] = accuracy;
    assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`);
    const fractions = samples.flatMap((s, i) =>
      validation.patches[i] ? [massInPatch(s.gradCam.values, validation.patches[i])] : [],
    );
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    measured['bright-patch mass in patch (mean)'] = mean;
    measured['bright-patch mass in patch (min)'] = Math.min(...fractions);
    measured['patch area share'] = (PATCH * PATCH) / (SIDE * SIDE);
    assert.ok(mean >= 0.7, `mean share of the map's mass inside the patch ${mean}`);
  });

  it('re-randomising the weights from the output layer down changes the maps: mean Spearman < 0.5, weights restored', () => {
    const patchRows = samples.flatMap((s, i) => (validation.patches[i] ? [i] : []));
    const rows = tf.gather(x, patchRows);
    const trained = patchRows.map((i) => samples[i]);
    assert.ok(
      trained.every((s) => s.gradCamRaw.values.some((v) => v > 0)),
      'the trained maps are not empty',
    );
    const weightsBefore = built.weights.map((w) => Array.from(w.read().dataSync()));
    for (const seed of [7, 8, 9]) {
      const tensorsBefore = tf.memory().numTensors;
      const sanity = randomizationSanity(
        built,
        rows,
        patchRows.map((i) => validation.labels[i]),
        patchRows,
        trained,
        { layer: layerOf(built) },
        seed,
      );
      assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
      built.weights.forEach((w, i) => assert.deepStrictEqual(Array.from(w.read().dataSync()), weightsBefore[i], w.name));
      measured[`randomisation mean Spearman (seed ${seed})`] = sanity.rankCorrelation;
      measured[`randomisation maps left empty (seed ${seed}, of ${trained.length})`] = sanity.emptyMaps ?? NaN;
      for (const step of sanity.cascade ?? [])
        measured[`randomisation Spearman down to ${step.layer} (seed ${seed})`] = step.rankCorrelation;
      assert.deepStrictEqual(sanity.randomizedLayers, ['dense_1', 'conv2d_2', 'conv2d_1']);
      assert.strictEqual(sanity.perSample.length, trained.length);
      assert.strictEqual(sanity.cascade?.at(-1)?.rankCorrelation, sanity.rankCorrelation);
      assert.ok(sanity.rankCorrelation < 0.5, `seed ${seed}: mean rank correlation ${sanity.rankCorrelation}`);
      // Not only empty maps (which count as 0): most re-randomised maps still rank positions, just differently.
      assert.ok((sanity.emptyMaps ?? 0) < trained.length / 2, `seed ${seed}: ${sanity.emptyMaps} empty maps`);
    }
    rows.dispose();
    // The same samples explained again by the restored model give the same maps.
    const again = explainSamples(
      built,
      x,
      validation.labels,
      validation.labels.map((_, i) => i),
      { layer: layerOf(built) },
    );
    assert.deepStrictEqual(again, samples);
  });
});

describe('Grad-CAM differentiates the class score before the output activation, fused or not', () => {
  before(useBackend);
  const xs = tinyInputs(4);

  /** TINY with another last layer and loss. */
  function variant(units: number, activation: string, loss: string, classes: number): BuiltModel {
    const layers = [...TINY.model.layers.slice(0, 3), { ...TINY.model.layers[3], units, activation }];
    return buildModel(
      parsedSpec({ ...TINY, data: { ...TINY.data, classes }, model: { ...TINY.model, layers }, training: { loss } }),
      5,
    );
  }

  /** α of `score(logits)` by central differences through the float64 forward. */
  function fdAlpha(p: TinyWeights, g: Grid, score: (logits: number[]) => number): number[] {
    const grad = fdGrid(layerA(p, g), (aa) => score(logitsFromA(p, aa)));
    return [0, 1, 2].map((k) => grad.flat().reduce((s, cell) => s + cell[k], 0) / 16);
  }

  it('softmax with a squared-error loss (not fused): the logits under the softmax layer', () => {
    const built = variant(3, 'softmax', 'meanSquaredError', 3);
    const p = tinyWeights(built);
    const x = tf.tensor4d(xs);
    const targets = [2, 0, 1, 2];
    const maps = classActivationMaps(built, layerOf(built, 'conv2d_1'), x, targets);
    const samples = explainSamples(built, x, [0, 0, 0, 0], [0, 1, 2, 3], { layer: layerOf(built, 'conv2d_1') });
    x.dispose();
    disposeBuiltModel(built);
    xs.forEach((g, i) => {
      const alpha = fdAlpha(p, g, (z) => z[targets[i]]);
      assert.ok(maxAbsDiff(maps.weights[i], alpha) < 1e-3 * Math.max(...alpha.map(Math.abs)), `row ${i}`);
      const z = logitsFromA(p, layerA(p, g));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const probs = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      assert.ok(maxAbsDiff(samples[i].probabilities, probs) < 2e-4, `probabilities of row ${i}`);
    });
  });

  it('one sigmoid unit (binary): class 1 is the logit z, class 0 is −z, probabilities [1 − p, p]', () => {
    const built = variant(1, 'sigmoid', 'binaryCrossentropy', 2);
    const p = tinyWeights(built);
    const x = tf.tensor4d(xs);
    const targets = [0, 1, 0, 1];
    const maps = classActivationMaps(built, layerOf(built, 'conv2d_1'), x, targets);
    const samples = explainSamples(built, x, [0, 1, 1, 0], [0, 1, 2, 3], { layer: layerOf(built, 'conv2d_1') });
    x.dispose();
    disposeBuiltModel(built);
    xs.forEach((g, i) => {
      const alpha = fdAlpha(p, g, (z) => (targets[i] === 1 ? z[0] : -z[0]));
      assert.ok(maxAbsDiff(maps.weights[i], alpha) < 1e-3 * Math.max(...alpha.map(Math.abs)), `row ${i}`);
      const prob = 1 / (1 + Math.exp(-logitsFromA(p, layerA(p, g))[0]));
      assert.ok(maxAbsDiff(samples[i].probabilities, [1 - prob, prob]) < 2e-4, `probabilities of row ${i}`);
      assert.strictEqual(samples[i].predicted, prob > 0.5 ? 1 : 0);
    });
  });

  it('a residual block, batch normalization and dropout: the maps’ forward pass is the model’s in inference mode', () => {
    const built = buildModel(
      parsedSpec({
        ...TINY,
        model: {
          inputShape: [6, 6, 2],
          layers: [
            { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
            {
              type: 'residual',
              layers: [
                { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' },
                { type: 'batchNormalization' },
                { type: 'activation', activation: 'relu' },
              ],
            },
            { type: 'dropout', rate: 0.5 },
            { type: 'flatten' },
            { type: 'dense', units: 3, activation: 'softmax' },
          ],
        },
      }),
      5,
    );
    const x = tf.tensor4d(xs);
    const layer = layerOf(built);
    assert.strictEqual(layer.summary.name, 'conv2d_2', 'the conv inside the residual block is the last conv2d layer');
    const samples = explainSamples(built, x, [0, 1, 2, 0], [0, 1, 2, 3], { layer });
    const outputs = built.model.predict(x) as tf.Tensor[];
    const probs = tf.softmax(outputs[0]).arraySync() as number[][];
    tf.dispose([...outputs, x]);
    disposeBuiltModel(built);
    samples.forEach((s, i) => assert.ok(maxAbsDiff(s.probabilities, probs[i]) < 2e-4, `row ${i}`));
  });
});

describe('Grad-CAM upsampling', () => {
  it('is bilinear with half-pixel centres: a 2×2 map over 4×4 keeps its corners and interpolates between', () => {
    const up = upsampleBilinear([0, 1, 2, 3], 2, 2, 4, 4);
    // Output centres (o + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1.
    assert.deepStrictEqual(up.slice(0, 4), [0, 0.25, 0.75, 1]);
    assert.deepStrictEqual(
      up.filter((_, i) => i % 4 === 0),
      [0, 0.5, 1.5, 2],
    );
  });
});

describe('the layer Grad-CAM explains', () => {
  before(useBackend);

  it('a model without conv2d layers: says explanations need one and lists the layers', () => {
    const built = buildModel(
      parsedSpec({
        name: 'dense-only',
        data: { dataset: 'spiral', samples: 100 },
        model: {
          inputShape: [2],
          layers: [
            { type: 'dense', units: 4, activation: 'relu' },
            { type: 'dense', units: 3, activation: 'softmax' },
          ],
        },
      }),
      1,
    );
    const found = explainLayer(built, undefined);
    disposeBuiltModel(built);
    assert.ok('problem' in found);
    assert.match(found.problem, /Grad-CAM explanations need a conv2d layer/);
    assert.match(found.problem, /dense_1 \(dense\), dense_2 \(dense\)/);
    assert.match(found.problem, /none of them is a conv2d layer/);
    assert.strictEqual(convFilters(built), undefined);
  });

  it('an unknown name or a layer that is not conv2d: lists the conv2d layers that can serve', () => {
    const built = buildModel(parsedSpec(TINY), 5);
    const unknown = explainLayer(built, 'conv2d_9');
    const dense = explainLayer(built, 'dense_1');
    const named = explainLayer(built, 'conv2d_1');
    disposeBuiltModel(built);
    assert.ok('problem' in unknown && 'problem' in dense && 'layer' in named);
    assert.strictEqual(
      unknown.problem,
      'the model has no layer named "conv2d_9": Grad-CAM can explain the conv2d layers conv2d_1, conv2d_2 (default: the last, conv2d_2).',
    );
    assert.strictEqual(
      dense.problem,
      'layer "dense_1" is a dense layer, not a conv2d layer: Grad-CAM can explain the conv2d layers conv2d_1, conv2d_2 (default: the last, conv2d_2).',
    );
    assert.strictEqual(named.layer.summary.name, 'conv2d_1');
  });
});

describe('the samples explained each epoch', () => {
  it('are a seeded, sorted choice of distinct validation indices, the same for the same seed', () => {
    const a = pickExplainIndices(500, 8, 3);
    assert.deepStrictEqual(a, pickExplainIndices(500, 8, 3));
    assert.strictEqual(new Set(a).size, 8);
    assert.deepStrictEqual(
      a,
      [...a].sort((x, y) => x - y),
    );
    assert.ok(a.every((i) => Number.isInteger(i) && i >= 0 && i < 500));
    assert.notDeepStrictEqual(a, pickExplainIndices(500, 8, 4), 'another seed, another choice');
    assert.notDeepStrictEqual(a, [0, 1, 2, 3, 4, 5, 6, 7], 'not simply the first rows');
    assert.deepStrictEqual(pickExplainIndices(5, 8, 3), [0, 1, 2, 3, 4], 'all of a small split');
    assert.deepStrictEqual(pickExplainIndices(0, 8, 3), []);
  });
});

describe('Spearman rank correlation', () => {
  it('is 1 for the same order, −1 for the reverse, averages ties, and 0 against a constant map', () => {
    assert.strictEqual(spearman([1, 2, 3, 4], [10, 20, 30, 400]), 1);
    assert.strictEqual(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    // Ranks [1, 2.5, 2.5, 4] vs [1, 2, 3, 4]: Pearson of the ranks = 4.5 / √(4.5 · 5) = 0.9487.
    assert.ok(Math.abs(spearman([0, 1, 1, 2], [1, 2, 3, 4]) - 4.5 / Math.sqrt(4.5 * 5)) < 1e-12);
    assert.strictEqual(spearman([0, 0, 0], [1, 2, 3]), 0);
  });
});

after(() => {
  for (const [what, value] of Object.entries(measured)) console.log(`      measured: ${what} ${value.toPrecision(3)}`);
});
