// `monitor.explain` in the parser: defaults, every bad value reported at its own line and column with a stable code,
// and the checks against the model (a conv2d layer must exist and `layer` must name one, with the layers listed) and
// the task; the JSON schema agrees on what is valid.
import * as assert from 'node:assert/strict';
import { explainableLayers } from '../../src/training/engine/explain/convLayer';
import { buildModel, disposeBuiltModel } from '../../src/training/engine/model/buildModel';
import { compileSchema } from './support/specSchema';
import { at, only, parse } from './support/specProblems';
import { useBackend } from './support/specs';

const validate = compileSchema();

const convLayers = [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
  { type: 'maxPooling2d' },
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
  { type: 'flatten' },
  { type: 'dense', units: 10, activation: 'softmax' },
];
const convSpec = (explain: unknown, layers: object[] = convLayers): object => ({
  data: { dataset: 'mnist', samples: 200 },
  model: { inputShape: [28, 28, 1], layers },
  training: { epochs: 2 },
  monitor: { explain },
});

describe('spec: monitor.explain', () => {
  it('an empty object takes the defaults (8 samples, every epoch, the last conv layer); thresholds beside it still count', () => {
    const { result } = parse({ ...convSpec({}), monitor: { explain: {}, deadReluFraction: 0.6 } });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.spec?.explain, { samples: 8, every: 1 });
    assert.deepEqual(result.spec?.monitor, { deadReluFraction: 0.6 });
  });

  it('samples, every and a conv2d layer by its engine name are read as given; the schema accepts the same', () => {
    const spec = convSpec({ samples: 4, every: 2, layer: 'conv2d_1' });
    const { result } = parse(spec);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.spec?.explain, { samples: 4, every: 2, layer: 'conv2d_1' });
    assert.equal(validate(spec), true, JSON.stringify(validate.errors));
  });

  it('no monitor.explain: no explain in the parsed spec', () => {
    const { result } = parse({ ...convSpec({}), monitor: { deadReluFraction: 0.6 } });
    assert.equal(result.spec?.explain, undefined);
  });

  for (const [name, explain, code, message, where] of [
    ['samples 0', { samples: 0 }, 'out-of-range', /"samples" must be an integer from 1 to 32, got 0/, '0'],
    ['samples 40', { samples: 40 }, 'out-of-range', /"samples" must be an integer from 1 to 32, got 40/, '40'],
    ['samples 1.5', { samples: 1.5 }, 'not-integer', /must be an integer from 1 to 32, got 1\.5/, '1.5'],
    ['every 0', { every: 0 }, 'out-of-range', /"every" must be an integer ≥ 1, got 0/, '0'],
    ['every "2"', { every: '2' }, 'wrong-type', /"every" must be an integer ≥ 1, got "2" \(a string\)/, '"2"'],
    ['layer 3', { layer: 3 }, 'wrong-type', /"layer" must be a string, got 3/, '3'],
    [
      'a misspelt key',
      { sample: 4 },
      'unknown-property',
      /unknown property "sample" in "monitor.explain".*samples/,
      '"sample": 4',
    ],
    ['not an object', true, 'wrong-type', /"monitor.explain" must be an object, got true/, 'true'],
  ] as const) {
    it(`${name}: ${code} at the value, no spec, and the schema refuses it too`, () => {
      const spec = convSpec(explain);
      const { text, result } = parse(spec);
      const p = only(result, code);
      assert.equal(p.severity, 'error');
      assert.match(p.message, message);
      // A bad value is pointed at; an unknown key at the key.
      assert.ok(at(text, p).startsWith(where), at(text, p));
      assert.equal(result.spec, undefined);
      assert.equal(validate(spec), false, `schema accepted ${JSON.stringify(explain)}`);
    });
  }

  it('a model without conv2d: explain-needs-conv at "explain", naming every layer with weights and its type', () => {
    const { text, result } = parse({
      data: { dataset: 'spiral' },
      model: {
        layers: [
          { type: 'dense', units: 8, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      monitor: { explain: { samples: 4 } },
    });
    const p = only(result, 'explain-needs-conv');
    assert.equal(p.severity, 'error');
    assert.match(p.message, /needs a conv2d layer/);
    assert.match(p.message, /layers with weights are dense_1 \(dense\), dense_2 \(dense\), and none of them can serve/);
    assert.ok(at(text, p).startsWith('"explain"'), at(text, p));
    assert.equal(result.spec, undefined);
  });

  it('an unknown layer name: explain-unknown-layer at the name, with the closest conv layer and the list', () => {
    const { text, result } = parse(convSpec({ layer: 'conv2d_3' }));
    const p = only(result, 'explain-unknown-layer');
    assert.equal(p.severity, 'error');
    assert.match(p.message, /"conv2d_3" is not a conv2d layer of this model/);
    assert.match(p.message, /the layers that can serve are conv2d_1, conv2d_2 \(the default is the last, conv2d_2\)/);
    assert.equal(at(text, p), '"conv2d_3"');
    assert.equal(result.spec, undefined);
  });

  it('a layer with weights that is not conv2d: says what it is', () => {
    const { result } = parse(convSpec({ layer: 'dense_1' }));
    assert.match(
      only(result, 'explain-unknown-layer').message,
      /dense_1 is a dense layer, not a conv2d layer; the layers that can serve are conv2d_1, conv2d_2/,
    );
  });

  it('a conv2d inside a residual block can serve (named as the engine names it)', () => {
    const layers = [
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' },
      { type: 'residual', layers: [{ type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' }] },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ];
    const { result } = parse(convSpec({ layer: 'conv2d_2' }, layers));
    assert.deepEqual(result.problems, []);
  });

  it('a regression task: explain-needs-classes', () => {
    const { result } = parse({
      data: { dataset: 'sine' },
      model: { layers: [{ type: 'dense', units: 1 }] },
      monitor: { explain: {} },
    });
    assert.match(only(result, 'explain-needs-classes').message, /explains class predictions.*regression/);
  });

  it('more samples than the validation split holds: a warning; the spec stays usable', () => {
    // 20 mnist samples, 20% for validation: 4.
    const { text, result } = parse({ ...convSpec({ samples: 8 }), data: { dataset: 'mnist', samples: 20 } });
    const p = only(result, 'explain-few-samples');
    assert.equal(p.severity, 'warning');
    assert.match(p.message, /asks for 8 samples, but the validation split has 4; all 4 are explained/);
    assert.equal(at(text, p), '8');
    assert.ok(result.spec);
  });

  it('a misspelt "explain" in monitor: unknown-threshold says "did you mean explain"', () => {
    const { result } = parse({ ...convSpec({}), monitor: { explian: {} } });
    assert.match(only(result, 'unknown-threshold').message, /"explian".*explain/);
  });

  it('the layers the spec check accepts are the ones the engine explains (names from the built model)', async () => {
    await useBackend();
    const residual = [
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu', padding: 'same' },
      { type: 'residual', layers: [{ type: 'conv2d', filters: 6, kernelSize: 3, activation: 'relu', padding: 'same' }] },
      { type: 'denseBlock', layers: [{ type: 'conv2d', filters: 2, kernelSize: 3, activation: 'relu', padding: 'same' }] },
      { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ];
    for (const layers of [convLayers, residual]) {
      const { result } = parse(convSpec({}, layers));
      assert.deepEqual(result.problems, []);
      const built = buildModel(result.spec!, 1);
      const engine = explainableLayers(built).map((w) => w.summary.name);
      disposeBuiltModel(built);
      assert.ok(engine.length >= 2);
      for (const name of engine) assert.deepEqual(parse(convSpec({ layer: name }, layers)).result.problems, [], name);
      // The spec check lists exactly the engine's conv layers as the ones that can serve.
      const wrong = parse(convSpec({ layer: 'nope' }, layers)).result.problems[0];
      assert.match(wrong.message, new RegExp(`the layers that can serve are ${engine.join(', ')} \\(`));
    }
  });
});
