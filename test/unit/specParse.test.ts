// Spec parser: valid specs resolve to the expected structure with every default filled and repeats expanded.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSpecFile, parseSpecText } from '../../src/training/spec/parse';
import type { ParseResult, ParsedSpec, ResolvedLayer } from '../../src/training/spec/types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/specs');
const valid = (name: string): string => path.join(FIXTURES, 'valid', `${name}.gradscope.json`);

/** `lint`: the codes of the lint findings the fixture is expected to have (warnings; the spec is kept). */
function parsedFile(name: string, lint: string[] = []): ParsedSpec {
  const result = parseSpecFile(valid(name));
  assert.deepEqual(
    result.problems.filter((p) => !lint.includes(p.code)),
    [],
    `problems in ${name}`,
  );
  assert.deepEqual(
    result.problems.map((p) => p.code),
    lint,
    `lint findings in ${name}`,
  );
  assert.ok(result.spec, `no spec for ${name}`);
  return result.spec;
}

/** Layers without positions, so expectations can be written as plain objects. */
function shape(layer: ResolvedLayer): Record<string, unknown> {
  const { range: _range, ...rest } = layer;
  if (rest.type === 'residual') return { ...rest, layers: rest.layers.map(shape) };
  return rest;
}

const ADAM = {
  type: 'adam',
  learningRate: 0.001,
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
};
const DENSE_DEFAULTS = { useBias: true, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros' };

describe('spec parser: valid specs', () => {
  it('fills every default of a minimal spec', () => {
    const spec = parsedFile('minimal');
    assert.equal(spec.name, 'minimal');
    assert.equal(spec.seed, 0);
    assert.deepEqual(spec.data, {
      dataset: 'moons',
      samples: 1000,
      classes: 2,
      features: 2,
      noise: 0.1,
      validationSplit: 0.2,
      testSplit: 0,
      standardize: true,
    });
    assert.deepEqual(spec.model.inputShape, [2], 'inputShape defaults to the dataset shape');
    assert.deepEqual(spec.model.layers.map(shape), [
      { type: 'dense', units: 2, activation: 'softmax', ...DENSE_DEFAULTS, specPath: '/model/layers/0' },
    ]);
    assert.deepEqual(spec.training, {
      epochs: 20,
      batchSize: 32,
      loss: 'categoricalCrossentropy',
      optimizer: ADAM,
      schedule: { type: 'constant' },
      weightDecay: 0,
      measureEvery: 1,
    });
    assert.equal(spec.monitor, undefined);
  });

  it('resolves the deep-sigmoid example: settings, repeat copies, residual block', () => {
    const spec = parsedFile('deep-sigmoid', ['deep-saturating-stack']);
    assert.equal(spec.name, 'deep-sigmoid');
    assert.equal(spec.seed, 7);
    assert.deepEqual(spec.data, {
      dataset: 'spiral',
      samples: 1500,
      classes: 3,
      features: 2,
      noise: 0.1,
      validationSplit: 0.2,
      testSplit: 0,
      standardize: true,
    });
    assert.deepEqual(spec.training, {
      epochs: 20,
      batchSize: 32,
      loss: 'categoricalCrossentropy',
      optimizer: {
        type: 'sgd',
        learningRate: 0.05,
        momentum: 0.9,
        nesterov: false,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        amsgrad: false,
        weightDecay: 0,
        rho: 0.9,
        centered: false,
        momentumDecay: 0.004,
      },
      schedule: { type: 'warmupCosine', warmupEpochs: 2, minLearningRate: 0 },
      clipNorm: 1,
      weightDecay: 0,
      measureEvery: 1,
      earlyStopping: { patience: 5, restoreBestWeights: true, minDelta: 0 },
    });
    const layers = spec.model.layers.map(shape);
    assert.equal(layers.length, 1 + 12 + 1 + 1);
    assert.deepEqual(layers[0], {
      type: 'dense',
      units: 32,
      activation: 'sigmoid',
      ...DENSE_DEFAULTS,
      specPath: '/model/layers/0',
    });
    for (let i = 0; i < 12; i++) {
      assert.deepEqual(layers[1 + i], {
        type: 'dense',
        units: 32,
        activation: 'sigmoid',
        ...DENSE_DEFAULTS,
        specPath: '/model/layers/1/layers/0',
        copy: i,
        copies: [i],
      });
    }
    assert.deepEqual(layers[13], {
      type: 'residual',
      specPath: '/model/layers/2',
      layers: [
        { type: 'dense', units: 32, activation: 'relu', ...DENSE_DEFAULTS, specPath: '/model/layers/2/layers/0' },
        { type: 'dense', units: 32, activation: 'linear', ...DENSE_DEFAULTS, specPath: '/model/layers/2/layers/1' },
      ],
    });
    assert.deepEqual(layers[14], {
      type: 'dense',
      units: 3,
      activation: 'softmax',
      ...DENSE_DEFAULTS,
      specPath: '/model/layers/3',
    });
  });

  it('expands nested repeats with residuals inside: specPath of the template, copy and copies outermost first', () => {
    const spec = parsedFile('nested-repeat');
    const summary = (l: ResolvedLayer): unknown[] => [l.type, l.specPath, l.copy, l.copies];
    const expected: unknown[][] = [['dense', '/model/layers/0', undefined, undefined]];
    for (let i = 0; i < 2; i++) {
      expected.push(['residual', '/model/layers/1/layers/0', i, [i]]);
      for (let j = 0; j < 3; j++) expected.push(['dense', '/model/layers/1/layers/1/layers/0', j, [i, j]]);
    }
    expected.push(['dense', '/model/layers/2', undefined, undefined]);
    assert.deepEqual(spec.model.layers.map(summary), expected);
    const residual = spec.model.layers[5];
    assert.ok(residual.type === 'residual');
    assert.deepEqual(residual.layers.map(summary), [['dense', '/model/layers/1/layers/0/layers/0', 1, [1]]]);
    // Layers outside any repeat carry no copy fields at all (not even undefined ones).
    assert.ok(!('copy' in spec.model.layers[0]) && !('copies' in spec.model.layers[0]));
    // Copies are independent objects: the engine may annotate one without touching its siblings.
    assert.notEqual(spec.model.layers[2].copies, spec.model.layers[3].copies);
    assert.deepEqual(spec.training.optimizer, { ...ADAM, learningRate: 0.01 }, 'optimizer without type is adam');
    assert.deepEqual(spec.training.earlyStopping, { patience: 3, restoreBestWeights: true, minDelta: 0.001 });
  });

  it('gives every resolved layer the range of its entry in the text', () => {
    const file = valid('nested-repeat');
    const result = parseSpecFile(file);
    assert.ok(result.spec);
    const visit = (layers: ResolvedLayer[]): void => {
      for (const l of layers) {
        const source = result.text.slice(l.range.offset, l.range.offset + l.range.length);
        assert.ok(source.startsWith('{') && source.endsWith('}'), `range of ${l.specPath}: ${source}`);
        assert.equal((JSON.parse(source) as { type: string }).type, l.type);
        if (l.type === 'residual') visit(l.layers);
      }
    };
    visit(result.spec.model.layers);
    // Template entry of the inner repeat: line 11 `          { "repeat": 3, "layers": [ { "type": "dense", ...` column 38.
    assert.deepEqual(result.spec.model.layers[2].range.start, { line: 11, column: 38 });
  });

  it('reads conv2d / pooling / normalization settings and the string shorthands of optimizer and schedule', () => {
    const spec = parsedFile('mnist-cnn');
    assert.equal(spec.name, 'mnist-cnn');
    assert.deepEqual(spec.data, {
      dataset: 'mnist',
      samples: 3000,
      classes: 10,
      features: 784,
      noise: 0,
      validationSplit: 0.2,
      testSplit: 0,
      standardize: true,
    });
    assert.deepEqual(spec.model.inputShape, [28, 28, 1]);
    const layers = spec.model.layers.map(shape);
    assert.deepEqual(layers[0], {
      type: 'conv2d',
      filters: 8,
      kernelSize: [3, 3],
      strides: [1, 1],
      padding: 'valid',
      activation: 'relu',
      useBias: true,
      kernelInitializer: 'heNormal',
      biasInitializer: 'zeros',
      specPath: '/model/layers/0',
    });
    assert.deepEqual(layers[1], {
      type: 'maxPooling2d',
      poolSize: [2, 2],
      strides: [2, 2],
      padding: 'valid',
      specPath: '/model/layers/1',
    });
    assert.deepEqual(layers[2], {
      type: 'residual',
      specPath: '/model/layers/2',
      layers: [
        {
          type: 'conv2d',
          filters: 16,
          kernelSize: [3, 3],
          strides: [1, 1],
          padding: 'same',
          activation: 'relu',
          ...DENSE_DEFAULTS,
          specPath: '/model/layers/2/layers/0',
        },
        { type: 'batchNormalization', momentum: 0.9, epsilon: 1e-3, specPath: '/model/layers/2/layers/1' },
      ],
    });
    assert.deepEqual(
      layers.slice(3).map((l) => l.type),
      ['flatten', 'dropout', 'dense'],
    );
    assert.equal(layers[4].rate, 0.25);
    assert.deepEqual(spec.training.optimizer, ADAM);
    assert.deepEqual(spec.training.schedule, { type: 'cosine', minLearningRate: 0 });
    assert.equal(spec.training.measureEvery, 10);
    assert.equal(spec.training.batchSize, 64);
  });

  it('resolves the Adam variants: adamw with decoupled weightDecay and amsgrad, nadam, shorthand defaults', () => {
    assert.deepEqual(parsedFile('adam-family').training.optimizer, {
      ...ADAM,
      type: 'adamw',
      learningRate: 0.003,
      beta2: 0.99,
      epsilon: 1e-8,
      weightDecay: 0.05,
      amsgrad: true,
    });
    assert.deepEqual(parsedFile('nadam-adamax').training.optimizer, { ...ADAM, type: 'nadam', learningRate: 0.002 });
  });

  const wrap = (training: string): string =>
    `{ "data": { "dataset": "moons" }, "model": { "layers": [ { "type": "dense", "units": 2, "activation": "softmax" } ] }, ${training} }`;
  const parse = (text: string): ParseResult => parseSpecText(text, 'optim.gradscope.json');

  it('resolves adadelta (PyTorch defaults: learningRate 1, epsilon 1e-6), centered rmsprop and a one-cycle schedule', () => {
    const adadelta = parse(wrap('"training": { "optimizer": "adadelta" }'));
    assert.deepEqual(adadelta.spec?.training.optimizer, { ...ADAM, type: 'adadelta', learningRate: 1, epsilon: 1e-6 });
    assert.deepEqual(parsedFile('rmsprop-centered').training.optimizer, {
      ...ADAM,
      type: 'rmsprop',
      rho: 0.95,
      momentum: 0.9,
      centered: true,
    });
    const oneCycle = parsedFile('schedule-one-cycle').training;
    assert.deepEqual(oneCycle.schedule, {
      type: 'oneCycle',
      maxLearningRate: 0.01,
      pctStart: 0.25,
      divFactor: 10,
      finalDivFactor: 100,
      anneal: 'linear',
      cycleMomentum: true,
      baseMomentum: 0.8,
      maxMomentum: 0.9,
    });
    // Shorthand: every OneCycleLR default, peaking at the optimizer's learning rate.
    const short = parse(
      wrap('"training": { "optimizer": { "type": "sgd", "learningRate": 0.2, "momentum": 0.9 }, "schedule": "oneCycle" }'),
    );
    assert.deepEqual(short.problems, []);
    assert.deepEqual(short.spec?.training.schedule, {
      type: 'oneCycle',
      pctStart: 0.3,
      divFactor: 25,
      finalDivFactor: 1e4,
      anneal: 'cos',
      cycleMomentum: true,
      baseMomentum: 0.85,
      maxMomentum: 0.95,
    });
  });

  it('warns that learningRate beside a written maxLearningRate, and momentum cycling without a momentum, do nothing', () => {
    const both = parse(
      wrap(
        '"training": { "optimizer": { "type": "adam", "learningRate": 0.001 }, "schedule": { "type": "oneCycle", "maxLearningRate": 0.01 } }',
      ),
    );
    assert.deepEqual(
      both.problems.map((p) => [p.code, p.severity, p.message]),
      [
        [
          'no-effect',
          'warning',
          `"learningRate" is not used: the one-cycle schedule's "maxLearningRate" (0.01) sets the learning rate`,
        ],
      ],
    );
    // maxLearningRate left out: the optimizer's learningRate is the peak, so it is used.
    assert.deepEqual(
      parse(wrap('"training": { "optimizer": { "type": "adam", "learningRate": 0.001 }, "schedule": "oneCycle" }')).problems,
      [],
    );
    for (const [optimizer, hint] of [
      ['"sgd"', 'sgd without "momentum"'],
      ['{ "type": "rmsprop", "momentum": 0 }', 'rmsprop without "momentum"'],
      ['"adagrad"', 'adagrad'],
      ['"adadelta"', 'adadelta'],
    ]) {
      const r = parse(wrap(`"training": { "optimizer": ${optimizer}, "schedule": { "type": "oneCycle" } }`));
      assert.deepEqual(
        r.problems.map((p) => [p.code, p.severity]),
        [['no-effect', 'warning']],
        optimizer,
      );
      assert.ok(
        r.problems[0].message.startsWith(`momentum cycling has no effect: ${hint} has no momentum to cycle`),
        r.problems[0].message,
      );
    }
    const off = parse(wrap('"training": { "optimizer": "sgd", "schedule": { "type": "oneCycle", "cycleMomentum": false } }'));
    assert.deepEqual(off.problems, []);
  });

  it('resolves a regression spec: default loss, initializer objects, rmsprop, step schedule, clipping', () => {
    const spec = parsedFile('sine-regression');
    assert.equal(spec.data.classes, 1);
    assert.equal(spec.data.noise, 0);
    assert.deepEqual(spec.model.inputShape, [1]);
    assert.equal(spec.training.loss, 'meanSquaredError');
    assert.deepEqual(spec.training.optimizer, { ...ADAM, type: 'rmsprop', learningRate: 0.005, momentum: 0.5 });
    assert.deepEqual(spec.training.schedule, { type: 'step', every: 10, factor: 0.5 });
    assert.equal(spec.training.clipValue, 0.5);
    assert.equal(spec.training.clipNorm, undefined);
    assert.equal(spec.training.weightDecay, 0.0001);
    const [first, norm, second] = spec.model.layers;
    assert.ok(first.type === 'dense' && second.type === 'dense');
    assert.deepEqual(first.biasInitializer, { type: 'constant', value: 0.1 });
    assert.deepEqual(second.kernelInitializer, { type: 'randomUniform', minval: -0.1, maxval: 0.1 });
    assert.deepEqual(shape(norm), { type: 'layerNormalization', epsilon: 1e-3, specPath: '/model/layers/1' });
  });

  it('refuses a model without any layer with weights (TensorFlow.js cannot train it), at "layers"', () => {
    const spec = (layers: object[]): string =>
      JSON.stringify({
        data: { dataset: 'blobs', features: 3, classes: 3 },
        model: { inputShape: [3], layers },
        training: { epochs: 1 },
      });
    for (const layers of [
      [{ type: 'activation', activation: 'softmax' }],
      [
        { type: 'dropout', rate: 0.1 },
        { type: 'residual', layers: [{ type: 'activation', activation: 'relu' }] },
      ],
    ]) {
      const result = parseSpecText(spec(layers), 'no-weights.gradscope.json');
      assert.equal(result.spec, undefined);
      assert.deepEqual(
        result.problems.map((p) => [p.code, p.specPath]),
        [['no-weights', '/model/layers']],
      );
    }
    assert.ok(
      parseSpecText(spec([{ type: 'layerNormalization' }, { type: 'activation', activation: 'softmax' }]), 'norm.gradscope.json')
        .spec,
      'a normalization layer has weights (gamma, beta)',
    );
  });

  it('warns at a misspelt monitor threshold with the name it resembles, and leaves it out', () => {
    const text =
      '{ "data": { "dataset": "spiral" }, "model": { "layers": [ { "type": "dense", "units": 3, "activation": "softmax" } ] },\n' +
      '  "monitor": { "vanishingRatoi": 1e-4, "window": 10, "zzz": 1 } }';
    const result = parseSpecText(text, 'typo.gradscope.json');
    const problems = result.problems.filter((p) => p.code === 'unknown-threshold');
    assert.equal(problems.length, 2);
    const [typo, unknown] = problems;
    assert.equal(typo.severity, 'warning');
    assert.match(typo.message, /unknown threshold "vanishingRatoi" in "monitor" \(did you mean "vanishingRatio"\?\)/);
    assert.equal(typo.specPath, '/monitor/vanishingRatoi');
    assert.deepEqual(typo.range.start, { line: 2, column: 16 });
    assert.match(unknown.message, /thresholds: window, /, 'without a close name, the known names are listed');
    assert.deepEqual(result.spec?.monitor, { window: 10 });
  });

  it('resolves binary classification on blobs with earlyStopping: true and a monitor section', () => {
    const spec = parsedFile('blobs-binary');
    assert.equal(spec.name, 'blobs binary');
    assert.deepEqual(spec.data, {
      dataset: 'blobs',
      samples: 400,
      classes: 2,
      features: 5,
      noise: 0.1,
      validationSplit: 0.2,
      testSplit: 0,
      standardize: false,
    });
    assert.equal(spec.training.loss, 'binaryCrossentropy');
    assert.deepEqual(spec.training.earlyStopping, { patience: 5, restoreBestWeights: true, minDelta: 0 });
    assert.deepEqual(spec.training.schedule, { type: 'exponential', decay: 0.9 });
    assert.equal(spec.training.optimizer.nesterov, true);
    assert.deepEqual(spec.monitor, { deadReluFraction: 0.5 });
    const first = spec.model.layers[0];
    assert.ok(first.type === 'dense');
    assert.equal(first.useBias, false);
    assert.deepEqual(first.kernelInitializer, { type: 'randomNormal', mean: 0, stddev: 0.1 });
    assert.deepEqual(shape(spec.model.layers[1]), { type: 'activation', activation: 'elu', specPath: '/model/layers/1' });
  });

  it('resolves a csv dataset relative to the spec: absolute path, classes and features from the file, all rows', () => {
    const spec = parsedFile('iris-csv');
    assert.deepEqual(spec.data, {
      dataset: 'csv',
      samples: 18,
      classes: 3,
      features: 4,
      noise: 0,
      validationSplit: 0.25,
      testSplit: 0,
      standardize: true,
      path: path.join(FIXTURES, 'valid', 'data', 'iris-small.csv'),
      label: 'species',
      task: 'classification',
    });
    assert.deepEqual(spec.model.inputShape, [4]);
  });

  it('resolves a csv regression: one target, meanSquaredError by default, samples as a subset', () => {
    const spec = parsedFile('line-csv');
    assert.deepEqual([spec.data.task, spec.data.classes, spec.data.features, spec.data.samples], ['regression', 1, 2, 10]);
    assert.equal(spec.training.loss, 'meanSquaredError');
    assert.deepEqual(spec.training.optimizer, { ...ADAM, type: 'adagrad', learningRate: 0.01 });
  });

  it('turns a data-module error about the csv file into a problem at the field it names', () => {
    const text =
      '{ "data": { "dataset": "csv", "path": "data/iris-small.csv", "label": "sepal_length", "task": "regression" }, ' +
      '"model": { "layers": [ { "type": "dense", "units": 1 } ] } }';
    const result = parseSpecText(text, valid('inline'));
    assert.deepEqual(
      result.problems.map((p) => [p.code, p.specPath]),
      [['dataset-error', '/data/path']],
    );
    assert.match(result.problems[0].message, /non-numeric value "setosa"/);
    assert.equal(text.slice(result.problems[0].range.offset).startsWith('"data/iris-small.csv"'), true);
  });

  it('names a spec after its file and accepts comments and trailing commas', () => {
    const text =
      '// a comment\n{ "data": { "dataset": "xor", }, /* block */ "model": { "layers": [ { "type": "dense", "units": 2, "activation": "softmax", }, ], }, }';
    const result = parseSpecText(text, '/some/dir/my-net.gradscope.json');
    assert.deepEqual(result.problems, []);
    assert.equal(result.spec?.name, 'my-net');
    assert.equal(parseSpecText(text, '/some/dir/other.json').spec?.name, 'other');
  });

  it('keeps the spec when there are only warnings', () => {
    const text =
      '{ "data": { "dataset": "spiral" }, "model": { "layers": [ { "type": "flatten" }, { "type": "dense", "units": 3, "activation": "softmax" } ] } }';
    const result = parseSpecText(text, '/x/a.gradscope.json');
    assert.deepEqual(
      result.problems.map((p) => [p.severity, p.code]),
      [['warning', 'flatten-noop']],
    );
    assert.ok(result.spec);
  });

  it('has no spec when there is any error, and returns file and text as given', () => {
    const text = '{ "data": { "dataset": "spiral" }, "model": { "layers": [ { "type": "dense", "units": 4 } ] } }';
    const result: ParseResult = parseSpecText(text, '/x/a.gradscope.json');
    assert.equal(result.spec, undefined);
    assert.equal(result.file, '/x/a.gradscope.json');
    assert.equal(result.text, text);
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['output-mismatch'],
    );
  });
});

describe('spec parser: files', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-spec-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports a missing file as one unreadable-file problem at 1:1', () => {
    const missing = path.join(dir, 'nope.gradscope.json');
    const result = parseSpecFile(missing);
    assert.equal(result.spec, undefined);
    assert.equal(result.problems.length, 1);
    const [p] = result.problems;
    assert.equal(p.code, 'unreadable-file');
    assert.equal(p.severity, 'error');
    assert.deepEqual([p.range.start, p.range.offset, p.range.length], [{ line: 1, column: 1 }, 0, 0]);
    assert.match(p.message, /not found/);
  });

  it('reports a directory as unreadable-file', () => {
    const result = parseSpecFile(dir);
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['unreadable-file'],
    );
  });

  it('ignores a byte-order mark so columns match the editor', () => {
    const body = '{\n  "data": { "dataset": "spiral" },\n  "model": { "layers": [ { "type": "dens", "units": 3 } ] }\n}';
    const file = path.join(dir, 'bom.gradscope.json');
    fs.writeFileSync(file, '\ufeff' + body);
    const [p] = parseSpecFile(file).problems;
    assert.equal(p.code, 'unknown-layer-type');
    assert.deepEqual(p.range.start, { line: 3, column: 36 });
    // Text that still holds the mark (e.g. from an editor buffer) keeps offsets into that text.
    const [q] = parseSpecText('\ufeff' + body, file).problems;
    assert.equal(q.range.offset, p.range.offset + 1);
  });
});

describe('spec parser: limits and cross-field checks', () => {
  const codes = (text: string): string[] =>
    parseSpecText(text, '/x/a.gradscope.json').problems.map((p) => `${p.severity} ${p.code} ${p.specPath}`);
  const withTraining = (training: string): string =>
    `{ "data": { "dataset": "spiral", "samples": 50 }, "model": { "layers": [ { "type": "dense", "units": 3, "activation": "softmax" } ] }, "training": ${training} }`;

  it('refuses nesting deeper than jsonc-parser can take, instead of overflowing the stack', () => {
    const deep = `{ "data": { "dataset": "xor" }, "model": { "layers": ${'[{ "type": "residual", "layers": '.repeat(3000)}[] ${'}]'.repeat(3000)} } }`;
    assert.deepEqual(codes(deep), ['error too-deep ']);
  });

  it('refuses repeats that expand past the layer limit', () => {
    const text =
      '{ "data": { "dataset": "xor" }, "model": { "layers": [ { "repeat": 1000, "layers": [ { "repeat": 1000, "layers": [ { "type": "dense", "units": 2 } ] } ] } ] } }';
    assert.deepEqual(codes(text), ['error too-many-layers /model/layers']);
  });

  it('reports duplicate keys (the last one counts, as in JSON.parse)', () => {
    const text = '{ "data": { "dataset": "spiral" }, "model": { "layers": [ { "type": "dense", "units": 1, "units": 3 } ] } }';
    assert.deepEqual(codes(text), ['error duplicate-property /model/layers/0/units']);
  });

  it('checks the learning-rate schedule against the optimizer and the epochs', () => {
    assert.deepEqual(codes(withTraining('{ "schedule": { "type": "cosine", "minLearningRate": 0.5 } }')), [
      'error out-of-range /training/schedule/minLearningRate',
    ]);
    assert.deepEqual(codes(withTraining('{ "epochs": 3, "schedule": { "type": "warmupCosine", "warmupEpochs": 3 } }')), [
      'warning warmup-too-long /training/schedule/warmupEpochs',
    ]);
    assert.deepEqual(codes(withTraining('{ "schedule": "step" }')), []);
    assert.deepEqual(codes(withTraining('{ "schedule": { "type": "step", "decay": 0.5 } }')), [
      'error not-applicable /training/schedule/decay',
    ]);
  });

  it('reads a warm-up on any schedule: steps or epochs (not both), from warmupStart, which must not exceed the rate it climbs to', () => {
    const schedule = (text: string) => parseSpecText(withTraining(text), 'x.gradscope.json').spec?.training.schedule;
    assert.deepEqual(schedule('{ "schedule": { "type": "step", "warmupSteps": 50, "warmupStart": 0.0001 } }'), {
      type: 'step',
      every: 10,
      factor: 0.5,
      warmupSteps: 50,
      warmupStart: 0.0001,
    });
    assert.deepEqual(schedule('{ "schedule": "warmupCosine" }'), { type: 'warmupCosine', minLearningRate: 0, warmupEpochs: 1 });
    assert.deepEqual(schedule('{ "schedule": { "type": "warmupCosine", "warmupSteps": 7 } }'), {
      type: 'warmupCosine',
      minLearningRate: 0,
      warmupSteps: 7,
    });
    assert.deepEqual(schedule('{ "schedule": "reduceOnPlateau" }'), {
      type: 'reduceOnPlateau',
      factor: 0.1,
      patience: 10,
      minDelta: 1e-4,
      cooldown: 0,
      minLearningRate: 0,
    });
    assert.deepEqual(codes(withTraining('{ "schedule": { "type": "cosine", "warmupEpochs": 1, "warmupSteps": 30 } }')), [
      'error conflicting-properties /training/schedule/warmupSteps',
    ]);
    assert.deepEqual(
      codes(
        withTraining(
          '{ "epochs": 3, "schedule": { "type": "piecewise", "boundaries": [1], "values": [0.1, 0.01], "warmupEpochs": 4 } }',
        ),
      ),
      ['warning warmup-too-long /training/schedule/warmupEpochs'],
    );
    assert.deepEqual(
      codes(
        withTraining(
          '{ "optimizer": { "type": "sgd", "learningRate": 0.01 }, "schedule": { "type": "constant", "warmupSteps": 5, "warmupStart": 0.1 } }',
        ),
      ),
      ['warning warmup-start-too-high /training/schedule/warmupStart'],
    );
    assert.deepEqual(
      codes(
        withTraining(
          '{ "optimizer": { "type": "sgd", "learningRate": 0.01 }, "schedule": { "type": "reduceOnPlateau", "minLearningRate": 0.1 } }',
        ),
      ),
      ['error out-of-range /training/schedule/minLearningRate'],
    );
  });

  it('reads the power, polynomial and piecewise schedules and reports their errors at the offending node', () => {
    const schedule = (text: string) => parseSpecText(withTraining(text), '/x/a.gradscope.json').spec?.training.schedule;
    assert.deepEqual(schedule('{ "schedule": { "type": "power", "steps": 50, "power": 0.5 } }'), {
      type: 'power',
      steps: 50,
      power: 0.5,
    });
    assert.deepEqual(schedule('{ "schedule": "polynomial" }'), { type: 'polynomial', endLearningRate: 0, power: 1 });
    assert.deepEqual(
      schedule('{ "epochs": 30, "schedule": { "type": "piecewise", "boundaries": [10, 20], "values": [0.1, 0.01, 0.001] } }'),
      {
        type: 'piecewise',
        boundaries: [10, 20],
        values: [0.1, 0.01, 0.001],
      },
    );
    assert.deepEqual(codes(withTraining('{ "schedule": { "type": "power", "steps": 0.5, "power": 0 } }')), [
      'error out-of-range /training/schedule/steps',
      'error out-of-range /training/schedule/power',
    ]);
    assert.deepEqual(codes(withTraining('{ "schedule": { "type": "polynomial", "endLearningRate": 0.5 } }')), [
      'error out-of-range /training/schedule/endLearningRate',
    ]);
    assert.deepEqual(
      codes(withTraining('{ "schedule": { "type": "piecewise", "boundaries": [5, 5, 3], "values": [1, 2, 3, 4] } }')),
      ['error out-of-range /training/schedule/boundaries/1', 'error out-of-range /training/schedule/boundaries/2'],
    );
    assert.deepEqual(codes(withTraining('{ "schedule": { "type": "piecewise", "boundaries": [5], "values": [0.1] } }')), [
      'error length-mismatch /training/schedule/values',
    ]);
    assert.deepEqual(
      codes(withTraining('{ "schedule": { "type": "piecewise", "boundaries": [5, "x"], "values": [0.1, 0, 1] } }')),
      ['error wrong-type /training/schedule/boundaries/1', 'error out-of-range /training/schedule/values/1'],
    );
    assert.deepEqual(
      codes(
        withTraining(
          '{ "epochs": 10, "schedule": { "type": "piecewise", "boundaries": [5, 10], "values": [0.1, 0.01, 0.001] } }',
        ),
      ),
      ['warning no-effect /training/schedule/boundaries/1'],
    );
    assert.deepEqual(codes(withTraining('{ "schedule": { "type": "piecewise", "values": [0.1] } }')), [
      'error missing-required /training/schedule/boundaries',
    ]);
    assert.deepEqual(codes(withTraining('{ "schedule": "piecewise" }')), ['error missing-required /training/schedule']);
    const unused =
      '{ "optimizer": { "type": "sgd", "learningRate": 0.1 }, "schedule": { "type": "piecewise", "boundaries": [5], "values": [0.1, 0.01] } }';
    assert.deepEqual(codes(withTraining(unused)), ['warning no-effect /training/optimizer/learningRate']);
  });

  it('warns about settings that do nothing or a batch larger than the training set', () => {
    assert.deepEqual(codes(withTraining('{ "optimizer": { "type": "sgd", "nesterov": true } }')), [
      'warning no-effect /training/optimizer/nesterov',
    ]);
    assert.deepEqual(codes(withTraining('{ "batchSize": 64 }')), ['warning batch-too-large /training/batchSize']);
  });

  it('checks initializer objects', () => {
    const layer = (init: string): string =>
      `{ "data": { "dataset": "spiral" }, "model": { "layers": [ { "type": "dense", "units": 3, "kernelInitializer": ${init} } ] } }`;
    assert.deepEqual(codes(layer('{ "type": "randomUniform", "minval": 1, "maxval": 1 }')), [
      'error out-of-range /model/layers/0/kernelInitializer/maxval',
    ]);
    assert.deepEqual(codes(layer('{ "type": "randomNormal", "stddev": 0 }')), [
      'error out-of-range /model/layers/0/kernelInitializer/stddev',
    ]);
    assert.deepEqual(codes(layer('{ "type": "constant" }')), ['error missing-required /model/layers/0/kernelInitializer/value']);
    assert.deepEqual(codes(layer('"HeNormal"')), ['error unknown-value /model/layers/0/kernelInitializer']);
    assert.match(parseSpecText(layer('"HeNormal"'), '/x/a.json').problems[0].message, /did you mean "heNormal"/);
  });

  it('suggests names across naming styles and common aliases', () => {
    const text =
      '{ "data": { "dataset": "spiral" }, "model": { "layers": [ { "type": "batch_norm" }, { "type": "dense", "units": 3, "activation": "ReLU" } ] }, "training": { "loss": "mse" } }';
    const messages = parseSpecText(text, '/x/a.json').problems.map((p) => p.message);
    assert.deepEqual(
      messages.map((m) => /did you mean "([^"]+)"/.exec(m)?.[1]),
      ['batchNormalization', 'relu', 'meanSquaredError'],
    );
  });

  it('checks classes against what each dataset allows', () => {
    assert.deepEqual(
      codes(
        '{ "data": { "dataset": "mnist", "classes": 10 }, "model": { "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10, "activation": "softmax" } ] } }',
      ),
      [],
    );
    assert.deepEqual(
      codes(
        '{ "data": { "dataset": "blobs", "classes": 40, "samples": 20 }, "model": { "layers": [ { "type": "dense", "units": 40 } ] } }',
      ),
      ['error out-of-range /data/classes'],
    );
    assert.deepEqual(
      codes('{ "data": { "dataset": "sine", "classes": 2 }, "model": { "layers": [ { "type": "dense", "units": 1 } ] } }'),
      ['error not-applicable /data/classes'],
    );
  });
});
