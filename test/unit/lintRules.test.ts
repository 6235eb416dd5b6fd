// Lint rules: each fires on a minimal bad spec (code, severity, specPath, line), stays quiet on close healthy
// variants, and its first fix, applied to the text, cures the finding, keeps the spec valid and keeps comments.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { LINT_CODES } from '../../src/training/lint';
import { parseSpecText } from '../../src/training/spec/parse';
import type { ParseResult, SpecProblem } from '../../src/training/spec/types';

const FILE = '/virtual/lint.gradscope.json';
const REPO = path.resolve(__dirname, '../../..');

interface Parts {
  layers: string[];
  data?: string;
  training?: string;
  inputShape?: string;
}

/** Layer entry i sits on line 7 + i. */
const layerLine = (i: number): number => 7 + i;
/** The "training" line of a spec with n layers. */
const trainingLine = (n: number): number => 9 + n;

function specText(parts: Parts): string {
  return [
    '// a spec written for a lint test',
    '{',
    `  "data": ${parts.data ?? '{ "dataset": "spiral", "samples": 300, "classes": 3 }'}, // the data`,
    '  "model": {',
    `    "inputShape": ${parts.inputShape ?? '[2]'}, /* two features */`,
    '    "layers": [',
    ...parts.layers.map((l, i) => `      ${l}${i < parts.layers.length - 1 ? ',' : ''}`),
    '    ]',
    '  },',
    `  "training": ${parts.training ?? '{ "epochs": 2, "batchSize": 32, "optimizer": { "type": "adam", "learningRate": 0.001 } }'}`,
    '}',
    '',
  ].join('\n');
}

function parseValid(text: string): ParseResult {
  const result = parseSpecText(text, FILE);
  const errors = result.problems.filter((p) => p.severity === 'error');
  assert.deepEqual(
    errors.map((p) => `${p.code} ${p.specPath}: ${p.message}`),
    [],
    'the spec should be valid',
  );
  assert.ok(result.spec, 'the spec should be kept');
  return result;
}

const SOFTMAX = '{ "type": "dense", "units": 3, "activation": "softmax" }';
const RELU16 = '{ "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": "heNormal" }';

interface Case {
  name: string;
  parts: Parts;
  code: string;
  specPath: string;
  line: number;
  severity?: 'warning' | 'info';
  message: RegExp;
}

const CASES: Case[] = [
  {
    name: 'six sigmoid layers in a row',
    code: 'deep-saturating-stack',
    specPath: '/model/layers/0/layers/0',
    line: layerLine(0),
    parts: { layers: ['{ "repeat": 6, "layers": [ { "type": "dense", "units": 16, "activation": "sigmoid" } ] }', SOFTMAX] },
    message: /^6 sigmoid layers in a row .*0\.25\^6/,
  },
  {
    name: 'ten tanh layers made of dense + activation layers',
    code: 'deep-saturating-stack',
    specPath: '/model/layers/0/layers/0',
    line: layerLine(0),
    parts: {
      layers: [
        '{ "repeat": 10, "layers": [ { "type": "dense", "units": 16 }, { "type": "activation", "activation": "tanh" } ] }',
        SOFTMAX,
      ],
    },
    message: /^10 tanh layers in a row/,
  },
  {
    name: 'heNormal with tanh',
    code: 'initializer-mismatch',
    specPath: '/model/layers/0/kernelInitializer',
    line: layerLine(0),
    parts: { layers: ['{ "type": "dense", "units": 16, "activation": "tanh", "kernelInitializer": "heNormal" }', SOFTMAX] },
    message: /"heNormal" is made for ReLU .*use "glorotNormal"/,
  },
  {
    name: "varianceScaling with He's scale and mode (scale 2, fanIn) with tanh",
    code: 'initializer-mismatch',
    specPath: '/model/layers/0/kernelInitializer',
    line: layerLine(0),
    parts: {
      layers: [
        '{ "type": "dense", "units": 16, "activation": "tanh", "kernelInitializer": { "type": "varianceScaling", "scale": 2, "mode": "fanIn", "distribution": "uniform" } }',
        SOFTMAX,
      ],
    },
    message: /varianceScaling \(scale 2, fanIn, uniform\) is made for ReLU .*use "glorotUniform"/,
  },
  {
    name: 'the default glorotUniform in eight relu layers',
    code: 'initializer-mismatch',
    specPath: '/model/layers/0/layers/0',
    line: layerLine(0),
    parts: { layers: ['{ "repeat": 8, "layers": [ { "type": "dense", "units": 16, "activation": "relu" } ] }', SOFTMAX] },
    message: /"glorotUniform" \(the default\) in a stack of 8 relu layers/,
  },
  {
    name: 'the default glorotUniform in eight prelu layers (the object form)',
    code: 'initializer-mismatch',
    specPath: '/model/layers/0/layers/0',
    line: layerLine(0),
    parts: {
      layers: ['{ "repeat": 8, "layers": [ { "type": "dense", "units": 16, "activation": { "type": "prelu" } } ] }', SOFTMAX],
    },
    message: /"glorotUniform" \(the default\) in a stack of 8 prelu layers/,
  },
  {
    name: 'the default glorotUniform in eight rrelu layers with their slope range',
    code: 'initializer-mismatch',
    specPath: '/model/layers/0/layers/0',
    line: layerLine(0),
    parts: {
      layers: [
        '{ "repeat": 8, "layers": [ { "type": "dense", "units": 16, "activation": { "type": "rrelu", "lower": 0.1, "upper": 0.2 } } ] }',
        SOFTMAX,
      ],
    },
    message: /"glorotUniform" \(the default\) in a stack of 8 rrelu layers/,
  },
  {
    name: 'six hardSigmoid layers in a row',
    code: 'deep-saturating-stack',
    specPath: '/model/layers/0/layers/0',
    line: layerLine(0),
    parts: { layers: ['{ "repeat": 6, "layers": [ { "type": "dense", "units": 16, "activation": "hardSigmoid" } ] }', SOFTMAX] },
    message: /^6 hardSigmoid layers in a row .*the hardSigmoid's slope is at most 0\.2, .*\(0\.2\^6\)/,
  },
  {
    name: 'selu without lecunNormal',
    code: 'initializer-mismatch',
    specPath: '/model/layers/0',
    line: layerLine(0),
    parts: { layers: ['{ "type": "dense", "units": 16, "activation": "selu" }', SOFTMAX] },
    message: /selu .*"lecunNormal".*"glorotUniform" \(the default\)/,
  },
  {
    name: 'randomNormal far too large in a relu stack',
    code: 'initializer-scale',
    specPath: '/model/layers/0/layers/0/kernelInitializer',
    line: layerLine(0),
    parts: {
      layers: [
        '{ "repeat": 4, "layers": [ { "type": "dense", "units": 32, "activation": "relu", "kernelInitializer": { "type": "randomNormal", "mean": 0, "stddev": 1 } } ] }',
        SOFTMAX,
      ],
    },
    message: /4× the He scale √\(2\/32\) ≈ 0\.25 for relu at fan-in 32 .*grow about 64× \(exploding\); use "heNormal"/,
  },
  {
    name: 'orthogonal (gain 1) in twelve relu layers: each relu halves the variance an orthogonal map keeps',
    code: 'initializer-scale',
    specPath: '/model/layers/1/layers/0/kernelInitializer',
    line: layerLine(1),
    parts: {
      layers: [
        RELU16,
        '{ "repeat": 12, "layers": [ { "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": "orthogonal" } ] }',
        SOFTMAX,
      ],
    },
    message: /"orthogonal" draws weights 1\/1\.41 of the He scale .*shrink about 64× \(vanishing\); use "heNormal"/,
  },
  {
    name: 'randomNormal far too large in a deep tanh stack: bounded, so it saturates instead of exploding',
    code: 'initializer-scale',
    specPath: '/model/layers/0/layers/0/kernelInitializer',
    line: layerLine(0),
    parts: {
      layers: [
        '{ "repeat": 8, "layers": [ { "type": "dense", "units": 32, "activation": "tanh", "kernelInitializer": { "type": "randomNormal", "mean": 0, "stddev": 1 } } ] }',
        SOFTMAX,
      ],
    },
    message:
      /5\.66× the Glorot scale .* for tanh at fan-in 32 \(8 layers use it\); the activation is bounded, so the signal cannot explode; instead .*\(saturated\).*\(vanishing\); use "glorotUniform"$/,
  },
  {
    name: 'randomUniform far too small in a tanh stack',
    code: 'initializer-scale',
    specPath: '/model/layers/0/layers/0/kernelInitializer',
    line: layerLine(0),
    parts: {
      layers: [
        '{ "repeat": 3, "layers": [ { "type": "dense", "units": 64, "activation": "tanh", "kernelInitializer": { "type": "randomUniform", "minval": -0.01, "maxval": 0.01 } } ] }',
        SOFTMAX,
      ],
    },
    message: /shrink about .* \(vanishing\); use "glorotUniform"/,
  },
  {
    name: 'zeros kernel in a relu hidden layer',
    code: 'zero-initializer',
    specPath: '/model/layers/0/kernelInitializer',
    line: layerLine(0),
    parts: { layers: ['{ "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": "zeros" }', SOFTMAX] },
    message: /all 16 units .*same weights.*\(symmetry\); with relu.*never learns; use random weights such as "heNormal"/,
  },
  {
    name: 'constant kernels in two tanh layers in a row',
    code: 'zero-initializer',
    specPath: '/model/layers/0/layers/0/kernelInitializer',
    line: layerLine(0),
    parts: {
      layers: [
        '{ "repeat": 2, "layers": [ { "type": "dense", "units": 8, "activation": "tanh", "kernelInitializer": { "type": "constant", "value": 0.1 } } ] }',
        SOFTMAX,
      ],
    },
    message: /constant 0\.1: all 8 units .*stay identical/,
  },
  {
    name: 'ones kernel before a random layer (info)',
    code: 'zero-initializer',
    specPath: '/model/layers/0/kernelInitializer',
    line: layerLine(0),
    severity: 'info',
    parts: { layers: ['{ "type": "dense", "units": 8, "activation": "tanh", "kernelInitializer": "ones" }', SOFTMAX] },
    message: /only the next layer's random weights tell them apart/,
  },
  {
    name: 'softmax with binaryCrossentropy',
    code: 'output-loss-mismatch',
    specPath: '/model/layers/1/activation',
    line: layerLine(1),
    parts: { layers: [RELU16, SOFTMAX], training: '{ "loss": "binaryCrossentropy" }' },
    message: /^softmax output with binaryCrossentropy/,
  },
  {
    name: 'sigmoid with categoricalCrossentropy (the default loss) on 3 classes',
    code: 'output-loss-mismatch',
    specPath: '/model/layers/1/activation',
    line: layerLine(1),
    parts: { layers: [RELU16, '{ "type": "dense", "units": 3, "activation": "sigmoid" }'] },
    message: /^sigmoid output with categoricalCrossentropy on 3 classes/,
  },
  {
    name: 'a linear output with a classification loss',
    code: 'output-loss-mismatch',
    specPath: '/model/layers/1',
    line: layerLine(1),
    parts: { layers: [RELU16, '{ "type": "dense", "units": 3 }'] },
    message: /^linear \(no\) activation at the output with categoricalCrossentropy.*use "softmax"/,
  },
  {
    name: 'a relu activation layer at the output with binaryCrossentropy',
    code: 'output-loss-mismatch',
    specPath: '/model/layers/2/activation',
    line: layerLine(2),
    parts: {
      layers: [RELU16, '{ "type": "dense", "units": 1 }', '{ "type": "activation", "activation": "relu" }'],
      data: '{ "dataset": "moons", "samples": 300 }',
      training: '{ "loss": "binaryCrossentropy" }',
    },
    message: /^relu activation at the output with binaryCrossentropy.*use "sigmoid"/,
  },
  {
    name: 'softmax with meanSquaredError',
    code: 'output-loss-mismatch',
    specPath: '/model/layers/1/activation',
    line: layerLine(1),
    parts: { layers: [RELU16, SOFTMAX], training: '{ "loss": "meanSquaredError" }' },
    message: /^softmax output with meanSquaredError: .*categoricalCrossentropy/,
  },
  {
    name: 'a sigmoid output on regression data',
    code: 'output-loss-mismatch',
    specPath: '/model/layers/1/activation',
    line: layerLine(1),
    parts: {
      layers: [
        '{ "type": "dense", "units": 16, "activation": "tanh" }',
        '{ "type": "dense", "units": 1, "activation": "sigmoid" }',
      ],
      data: '{ "dataset": "sine", "samples": 200 }',
      inputShape: '[1]',
    },
    message: /^a sigmoid output on regression data/,
  },
  {
    name: 'dropout 0.7',
    code: 'dropout-too-high',
    specPath: '/model/layers/1/rate',
    line: layerLine(1),
    parts: { layers: [RELU16, '{ "type": "dropout", "rate": 0.7 }', SOFTMAX] },
    message: /^dropout rate 0\.7 drops 70% of the units/,
  },
  {
    name: 'dropout after the output layer',
    code: 'dropout-before-output',
    specPath: '/model/layers/2',
    line: layerLine(2),
    parts: { layers: [RELU16, SOFTMAX, '{ "type": "dropout", "rate": 0.2 }'] },
    message: /^dropout \(rate 0\.2\) after the output layer zeroes 20% of the model's outputs/,
  },
  {
    name: 'adam at 0.1',
    code: 'lr-out-of-range',
    specPath: '/training/optimizer/learningRate',
    line: trainingLine(2),
    parts: { layers: [RELU16, SOFTMAX], training: '{ "optimizer": { "type": "adam", "learningRate": 0.1 } }' },
    message:
      /^learning rate 0\.1 is above the usual range for adam \(0\.00001–0\.01\)|^learning rate 0\.1 is above the usual range for adam/,
  },
  {
    name: 'sgd at 1e-5',
    code: 'lr-out-of-range',
    specPath: '/training/optimizer/learningRate',
    line: trainingLine(2),
    parts: { layers: [RELU16, SOFTMAX], training: '{ "optimizer": { "type": "sgd", "learningRate": 0.00001 } }' },
    message: /^learning rate 0\.00001 is below the usual range for sgd|^learning rate 1e-5 is below the usual range for sgd/,
  },
  {
    name: 'batchNormalization with batches of 4',
    code: 'batchnorm-small-batch',
    specPath: '/training/batchSize',
    line: trainingLine(4),
    parts: {
      layers: [
        '{ "type": "dense", "units": 16, "useBias": false }',
        '{ "type": "batchNormalization" }',
        '{ "type": "activation", "activation": "relu" }',
        SOFTMAX,
      ],
      training: '{ "batchSize": 4 }',
    },
    message: /^batchNormalization with a batch size of 4.*layerNormalization or groupNormalization/,
  },
  {
    name: 'dropout on a selu layer',
    code: 'selu-dropout',
    specPath: '/model/layers/1',
    line: layerLine(1),
    parts: {
      layers: [
        '{ "type": "dense", "units": 16, "activation": "selu", "kernelInitializer": "lecunNormal" }',
        '{ "type": "dropout", "rate": 0.2 }',
        SOFTMAX,
      ],
    },
    message: /^dropout after a selu layer .*raises the variance of a mean-0, variance-1 signal to 1\.25/,
  },
  {
    name: 'a dense layer with a bias right before batch normalization',
    code: 'bias-before-batchnorm',
    specPath: '/model/layers/0',
    line: layerLine(0),
    severity: 'info',
    parts: {
      layers: [
        '{ "type": "dense", "units": 16, "kernelInitializer": "heNormal" }',
        '{ "type": "batchNormalization" }',
        '{ "type": "activation", "activation": "relu" }',
        SOFTMAX,
      ],
    },
    message: /^the bias of this dense layer is wasted/,
  },
  {
    name: 'two dense layers with nothing in between',
    code: 'linear-stack',
    specPath: '/model/layers/0',
    line: layerLine(0),
    parts: { layers: ['{ "type": "dense", "units": 16 }', '{ "type": "dropout", "rate": 0.1 }', SOFTMAX] },
    message: /^dense layer \(16 units\) with no activation feeds straight into another dense layer/,
  },
  {
    name: 'a simpleRNN over 30 timesteps without clipping',
    code: 'recurrent-unclipped',
    specPath: '/model/layers/0',
    line: layerLine(0),
    severity: 'info',
    parts: {
      data: '{ "dataset": "adding", "samples": 300, "sequenceLength": 30 }',
      inputShape: '[30, 2]',
      layers: ['{ "type": "simpleRNN", "units": 8 }', '{ "type": "dense", "units": 1 }'],
      training: '{ "epochs": 2, "loss": "meanSquaredError" }',
    },
    message: /^simpleRNN over 30 timesteps without gradient clipping: .*30 times.*"clipNorm"/,
  },
  {
    name: 'horizontalFlip augmentation on MNIST digits',
    code: 'horizontal-flip-digits',
    specPath: '/data/augmentation/horizontalFlip',
    line: 3,
    parts: {
      data: '{ "dataset": "mnist", "samples": 100, "augmentation": { "shift": 2, "horizontalFlip": true } }',
      inputShape: '[28, 28, 1]',
      layers: ['{ "type": "flatten" }', '{ "type": "dense", "units": 10, "activation": "softmax" }'],
    },
    message: /^"horizontalFlip" mirrors half of the training digits .*a mirrored digit is not the same digit/,
  },
];

function only(result: ParseResult, code: string): SpecProblem {
  const others = result.problems.filter((p) => p.code !== code);
  assert.deepEqual(
    others.map((p) => `${p.code} ${p.specPath}: ${p.message}`),
    [],
    'no other problem',
  );
  const found = result.problems.filter((p) => p.code === code);
  assert.equal(found.length, 1, `one ${code} finding, got ${found.length}`);
  return found[0];
}

describe('lint rules', () => {
  for (const c of CASES) {
    describe(`${c.code}: ${c.name}`, () => {
      const text = specText(c.parts);

      it('is found at the offending entry, with a message that gives the numbers', () => {
        const p = only(parseValid(text), c.code);
        assert.equal(p.severity, c.severity ?? 'warning');
        assert.equal(p.specPath, c.specPath);
        assert.equal(p.range.start.line, c.line);
        assert.match(p.message, c.message);
        assert.ok(p.fixes && p.fixes.length > 0, 'has a fix');
        // The range is exactly the text at its specPath (a field's value or the layer entry).
        const at = text.slice(p.range.offset, p.range.offset + p.range.length);
        assert.ok(at.startsWith('{') || at.startsWith('"') || /^([0-9]|true\b)/.test(at), `range text: ${at}`);
      });

      it('its first fix cures it, keeps the spec valid and keeps comments and layout', () => {
        const p = only(parseValid(text), c.code);
        const fixed = applyPatchToText(text, p.fixes![0].patch);
        const after = parseValid(fixed);
        assert.deepEqual(
          after.problems.filter((q) => q.code === c.code),
          [],
          `still ${c.code} after "${p.fixes![0].title}"`,
        );
        for (const comment of ['// a spec written for a lint test', '// the data', '/* two features */'])
          assert.ok(fixed.includes(comment), comment);
        // Lines the fix does not concern (all but the finding's own) stay byte for byte.
        const lines = text.split('\n').slice(0, 5);
        for (const line of lines.filter((_, i) => i + 1 !== p.range.start.line)) assert.ok(fixed.includes(line), line);
      });
    });
  }

  it('covers every lint code', () => {
    assert.deepEqual([...new Set(CASES.map((c) => c.code))].sort(), [...LINT_CODES].sort());
  });

  it('every lint code has a documentation page for learners', () => {
    for (const code of LINT_CODES) {
      const page = path.join(REPO, 'docs', 'diagnostics', `${code}.md`);
      assert.ok(fs.existsSync(page), `missing ${page}`);
      assert.match(fs.readFileSync(page, 'utf8'), new RegExp(`^# \`${code}\``), `${code}.md starts with its code`);
    }
  });
});

describe('lint rules: healthy variants stay quiet', () => {
  const quiet = (name: string, parts: Parts): void => {
    it(name, () => {
      const result = parseValid(specText(parts));
      assert.deepEqual(
        result.problems.map((p) => `${p.code} ${p.specPath}: ${p.message}`),
        [],
      );
    });
  };
  quiet('a simpleRNN over 30 timesteps with clipNorm, and an lstm without', {
    data: '{ "dataset": "adding", "samples": 300, "sequenceLength": 30 }',
    inputShape: '[30, 2]',
    layers: [
      '{ "type": "simpleRNN", "units": 8, "returnSequences": true }',
      '{ "type": "lstm", "units": 8 }',
      '{ "type": "dense", "units": 1 }',
    ],
    training: '{ "epochs": 2, "loss": "meanSquaredError", "clipNorm": 1 }',
  });
  quiet('an lstm over 30 timesteps without clipping', {
    data: '{ "dataset": "adding", "samples": 300, "sequenceLength": 30 }',
    inputShape: '[30, 2]',
    layers: ['{ "type": "lstm", "units": 8 }', '{ "type": "dense", "units": 1 }'],
    training: '{ "epochs": 2, "loss": "meanSquaredError" }',
  });
  quiet('a simpleRNN over 10 timesteps without clipping', {
    data: '{ "dataset": "adding", "samples": 300, "sequenceLength": 10 }',
    inputShape: '[10, 2]',
    layers: ['{ "type": "simpleRNN", "units": 8 }', '{ "type": "dense", "units": 1 }'],
    training: '{ "epochs": 2, "loss": "meanSquaredError" }',
  });
  quiet('four sigmoid layers', {
    layers: ['{ "repeat": 4, "layers": [ { "type": "dense", "units": 16, "activation": "sigmoid" } ] }', SOFTMAX],
  });
  quiet('nine tanh layers', {
    layers: ['{ "repeat": 9, "layers": [ { "type": "dense", "units": 16, "activation": "tanh" } ] }', SOFTMAX],
  });
  quiet('deep sigmoid with batch normalization before each activation', {
    layers: [
      '{ "repeat": 8, "layers": [ { "type": "dense", "units": 16, "useBias": false }, { "type": "batchNormalization" }, { "type": "activation", "activation": "sigmoid" } ] }',
      SOFTMAX,
    ],
  });
  quiet('deep sigmoid in residual blocks', {
    layers: [
      '{ "type": "dense", "units": 16, "activation": "tanh" }',
      '{ "repeat": 8, "layers": [ { "type": "residual", "layers": [ { "type": "dense", "units": 16, "activation": "sigmoid" } ] } ] }',
      SOFTMAX,
    ],
  });
  quiet('seven relu layers with the default initializer', {
    layers: ['{ "repeat": 7, "layers": [ { "type": "dense", "units": 16, "activation": "relu" } ] }', SOFTMAX],
  });
  quiet('twelve relu layers with heNormal', {
    layers: [
      '{ "repeat": 12, "layers": [ { "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": "heNormal" } ] }',
      SOFTMAX,
    ],
  });
  quiet("selu with the default glorotUniform on square layers (Glorot's variance is LeCun's there)", {
    layers: [
      '{ "type": "dense", "units": 16, "activation": "selu", "kernelInitializer": "lecunNormal" }',
      '{ "repeat": 3, "layers": [ { "type": "dense", "units": 16, "activation": "selu" } ] }',
      SOFTMAX,
    ],
  });
  quiet('eight tanh layers at 2.8× the Glorot scale (they saturate some units but train)', {
    layers: [
      '{ "repeat": 8, "layers": [ { "type": "dense", "units": 32, "activation": "tanh", "kernelInitializer": { "type": "randomNormal", "mean": 0, "stddev": 0.5 } } ] }',
      SOFTMAX,
    ],
  });
  quiet('orthogonal in nine tanh layers (an orthogonal map keeps the signal size)', {
    layers: [
      '{ "type": "dense", "units": 16, "activation": "tanh" }',
      '{ "repeat": 8, "layers": [ { "type": "dense", "units": 16, "activation": "tanh", "kernelInitializer": "orthogonal" } ] }',
      SOFTMAX,
    ],
  });
  quiet("orthogonal with gain √2 in twelve relu layers (He's scale)", {
    layers: [
      RELU16,
      '{ "repeat": 12, "layers": [ { "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": { "type": "orthogonal", "gain": 1.4142 } } ] }',
      SOFTMAX,
    ],
  });
  quiet("varianceScaling with Glorot's scale and mode on tanh, with He's on relu", {
    layers: [
      '{ "type": "dense", "units": 16, "activation": "tanh", "kernelInitializer": { "type": "varianceScaling", "scale": 1, "mode": "fanAvg" } }',
      '{ "type": "dense", "units": 16, "activation": "relu", "kernelInitializer": { "type": "varianceScaling", "scale": 2, "mode": "fanIn", "distribution": "uniform" } }',
      SOFTMAX,
    ],
  });
  quiet('selu with lecunNormal', {
    layers: ['{ "type": "dense", "units": 16, "activation": "selu", "kernelInitializer": "lecunNormal" }', SOFTMAX],
  });
  quiet('a zero-initialized output layer (logistic regression)', {
    layers: ['{ "type": "dense", "units": 1, "activation": "sigmoid", "kernelInitializer": "zeros" }'],
    data: '{ "dataset": "moons", "samples": 200 }',
    training: '{ "loss": "binaryCrossentropy" }',
  });
  quiet('a hand-scaled initializer close to He', {
    layers: [
      '{ "repeat": 6, "layers": [ { "type": "dense", "units": 32, "activation": "relu", "kernelInitializer": { "type": "randomNormal", "mean": 0, "stddev": 0.3 } } ] }',
      SOFTMAX,
    ],
  });
  quiet('sigmoid + binaryCrossentropy with one unit per label (multi-label)', {
    layers: [RELU16, '{ "type": "dense", "units": 3, "activation": "sigmoid" }'],
    training: '{ "loss": "binaryCrossentropy" }',
  });
  quiet('dropout 0.5 right before the output layer', { layers: [RELU16, '{ "type": "dropout", "rate": 0.5 }', SOFTMAX] });
  quiet('adam at 0.01 and sgd at 1', {
    layers: [RELU16, SOFTMAX],
    training: '{ "optimizer": { "type": "adam", "learningRate": 0.01 } }',
  });
  quiet('sgd at 1', { layers: [RELU16, SOFTMAX], training: '{ "optimizer": { "type": "sgd", "learningRate": 1 } }' });
  quiet('batchNormalization with batches of 8', {
    layers: [
      '{ "type": "dense", "units": 16, "useBias": false }',
      '{ "type": "batchNormalization" }',
      '{ "type": "activation", "activation": "relu" }',
      SOFTMAX,
    ],
    training: '{ "batchSize": 8 }',
  });
  quiet('a small batch without batchNormalization', { layers: [RELU16, SOFTMAX], training: '{ "batchSize": 2 }' });
  quiet('selu with alphaDropout', {
    layers: [
      '{ "type": "dense", "units": 16, "activation": "selu", "kernelInitializer": "lecunNormal" }',
      '{ "type": "alphaDropout", "rate": 0.2 }',
      SOFTMAX,
    ],
  });
  quiet('dropout after relu (not selu)', { layers: [RELU16, '{ "type": "dropout", "rate": 0.2 }', SOFTMAX] });
  quiet('a bias before an activation, then batch normalization (the bias shifts the relu, it is not wasted)', {
    layers: [RELU16, '{ "type": "batchNormalization" }', SOFTMAX],
  });
  quiet('dense → batchNormalization → activation (the healthy pattern)', {
    layers: [
      '{ "type": "dense", "units": 16, "useBias": false, "kernelInitializer": "heNormal" }',
      '{ "type": "batchNormalization" }',
      '{ "type": "activation", "activation": "relu" }',
      SOFTMAX,
    ],
  });
  quiet('a linear last layer inside a residual block', {
    layers: [
      RELU16,
      '{ "type": "residual", "layers": [ { "type": "dense", "units": 16, "activation": "relu" }, { "type": "dense", "units": 16 } ] }',
      SOFTMAX,
    ],
  });
  quiet('MNIST with label-keeping augmentation (shift, rotation, zoom, cutout, noise), no horizontalFlip', {
    data: '{ "dataset": "mnist", "samples": 100, "augmentation": { "shift": 2, "rotation": 10, "zoom": 0.1, "cutout": 6, "noise": 0.1 } }',
    inputShape: '[28, 28, 1]',
    layers: ['{ "type": "flatten" }', '{ "type": "dense", "units": 10, "activation": "softmax" }'],
  });
});

describe('lint on the bundled examples and the valid fixtures', () => {
  const lintOf = (file: string): string[] => {
    const result = parseSpecText(fs.readFileSync(file, 'utf8'), file);
    assert.ok(result.spec, file);
    return result.problems.map((p) => `${p.severity} ${p.code} ${p.specPath}`);
  };

  it('healthy-spiral has no finding', () => {
    assert.deepEqual(lintOf(path.join(REPO, 'examples', 'healthy-spiral.gradscope.json')), []);
  });

  it('deep-sigmoid is a deep saturating stack, found at its first layer', () => {
    assert.deepEqual(lintOf(path.join(REPO, 'examples', 'deep-sigmoid.gradscope.json')), [
      'warning deep-saturating-stack /model/layers/0',
    ]);
  });

  it('exploding-init is found by its initializer scale (σ = 2 is 11× He at fan-in 64)', () => {
    const file = path.join(REPO, 'examples', 'exploding-init.gradscope.json');
    assert.deepEqual(lintOf(file), ['warning initializer-scale /model/layers/0/layers/0/kernelInitializer']);
    const [p] = parseSpecText(fs.readFileSync(file, 'utf8'), file).problems;
    assert.match(p.message, /stddev 2\) draws weights 11\.3× the He scale √\(2\/64\) ≈ 0\.177/);
  });

  it('the valid fixtures have no finding, except deep-sigmoid (it is one)', () => {
    const dir = path.join(REPO, 'test', 'fixtures', 'specs', 'valid');
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.gradscope.json'))) {
      const expected = name === 'deep-sigmoid.gradscope.json' ? ['warning deep-saturating-stack /model/layers/0'] : [];
      assert.deepEqual(lintOf(path.join(dir, name)), expected, name);
    }
  });

  it('the fixes of deep-sigmoid: relu + heNormal first, then batch normalization; both cure it', () => {
    const file = path.join(REPO, 'examples', 'deep-sigmoid.gradscope.json');
    const text = fs.readFileSync(file, 'utf8');
    const [p] = parseSpecText(text, file).problems;
    assert.deepEqual(
      p.fixes?.map((f) => f.title),
      [
        'Use relu with heNormal initialization instead of sigmoid in 13 layers (2 layer entries), and clip the gradient norm to 1',
        'Add batch normalization before the activation of 2 layer entries (without the bias it makes redundant)',
      ],
    );
    for (const f of p.fixes ?? []) {
      const fixed = applyPatchToText(text, f.patch);
      const after = parseSpecText(fixed, file);
      assert.ok(after.spec, f.title);
      assert.deepEqual(
        after.problems.map((q) => q.code),
        [],
        f.title,
      );
      assert.ok(fixed.startsWith('// The classic failure: a deep stack of sigmoid layers.'), 'header comment kept');
    }
    const relu = applyPatchToText(text, p.fixes[0].patch);
    assert.match(
      relu,
      /\{ "repeat": 12, "layers": \[ \{ "type": "dense", "units": 32, "activation": "relu", "kernelInitializer": "heNormal" \} \] \},/,
    );
    const normalized = parseSpecText(applyPatchToText(text, p.fixes[1].patch), file).spec!;
    assert.deepEqual(
      normalized.model.layers.slice(0, 6).map((l) => l.type),
      ['dense', 'batchNormalization', 'activation', 'dense', 'batchNormalization', 'activation'],
    );
  });

  it('lint never blocks: a spec with findings keeps its spec, and a spec with errors gets no lint', () => {
    const text = specText({
      layers: ['{ "repeat": 6, "layers": [ { "type": "dense", "units": 16, "activation": "sigmoid" } ] }', SOFTMAX],
    });
    assert.ok(parseSpecText(text, FILE).spec);
    const broken = text.replace('"units": 3', '"units": 4');
    assert.deepEqual(
      parseSpecText(broken, FILE).problems.map((p) => p.code),
      ['output-mismatch'],
    );
  });

  it("findings are sorted with the parser's own problems by position", () => {
    const text = specText({
      layers: ['{ "type": "flatten" }', '{ "type": "dense", "units": 16 }', '{ "type": "dense", "units": 3 }'],
    });
    const result = parseValid(text);
    assert.deepEqual(
      result.problems.map((p) => p.code),
      ['flatten-noop', 'linear-stack', 'output-loss-mismatch'],
    );
    const offsets = result.problems.map((p) => p.range.offset);
    assert.deepEqual(
      offsets,
      [...offsets].sort((a, b) => a - b),
    );
  });
});
