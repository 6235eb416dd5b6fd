// Parser checks across trainable, learningRateMultiplier and training.unfreeze, with positions and stable codes (so
// `gradscope check` and the editor's Problems show them before any run): names unfreeze gives must be frozen layers
// of this model (unknown-layer-name, unfreeze-not-frozen), some layer must train from epoch 1 (nothing-trainable), a
// multiplier on a layer that stays frozen has no effect (multiplier-on-frozen, a warning). The layer names are the
// engine's: layerNames.ts against buildModel over every valid fixture spec.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { buildModel, disposeBuiltModel } from '../../src/training/engine/model/buildModel';
import { weightedLayerNames } from '../../src/training/spec/layerNames';
import { parseSpecFile } from '../../src/training/spec/parse';
import { inferOutputShapes } from '../../src/training/spec/shapes';
import { at, only, parse } from './support/specProblems';
import { REPO, useBackend } from './support/specs';

const layers = (head: object = {}): object[] => [
  { type: 'dense', units: 8, activation: 'relu', trainable: false },
  {
    type: 'residual',
    trainable: false,
    layers: [
      { type: 'dense', units: 6, activation: 'relu' },
      { type: 'dense', units: 6 },
    ],
  },
  { type: 'dense', units: 3, activation: 'softmax', ...head },
];
const spec = (training: object, model: object[] = layers()): object => ({
  data: { dataset: 'spiral' },
  model: { layers: model },
  training: { epochs: 4, ...training },
});

describe('spec: freezing checks', () => {
  it('names in unfreeze that are the frozen layers (a block projection included): no problem', () => {
    const { result } = parse(spec({ unfreeze: [{ epoch: 2, layers: ['dense_1', 'dense_2', 'dense_3', 'projection_1'] }] }));
    assert.deepEqual(result.problems, []);
    assert.ok(result.spec);
  });

  it('an unknown name: unknown-layer-name at the name, with the closest one and the list', () => {
    const { text, result } = parse(spec({ unfreeze: [{ epoch: 2, layers: ['dense_1', 'dense_9'] }] }));
    const p = only(result, 'unknown-layer-name');
    assert.equal(p.severity, 'error');
    assert.equal(p.specPath, '/training/unfreeze/0/layers/1');
    assert.equal(at(text, p), '"dense_9"');
    assert.match(
      p.message,
      /"dense_9" is not a layer with weights of this model \(did you mean "dense_[0-9]"\?\); its layers with weights are dense_1, dense_2, dense_3, projection_1, dense_4/,
    );
    assert.equal(result.spec, undefined, 'nothing trains');
  });

  it('a layer that is not frozen: unfreeze-not-frozen at the name, listing the frozen ones', () => {
    const { text, result } = parse(spec({ unfreeze: [{ epoch: 3, layers: ['dense_4'] }] }));
    const p = only(result, 'unfreeze-not-frozen');
    assert.equal(p.specPath, '/training/unfreeze/0/layers/0');
    assert.equal(at(text, p), '"dense_4"');
    assert.match(p.message, /dense_4 is not frozen .* the frozen layers are dense_1, dense_2, dense_3, projection_1/);
  });

  it('every layer frozen: nothing-trainable at the output layer\'s "trainable", with or without a later unfreeze', () => {
    for (const unfreeze of [undefined, [{ epoch: 3, layers: 'all' }]]) {
      const { text, result } = parse(spec(unfreeze ? { unfreeze } : {}, layers({ trainable: false })));
      const p = only(result, 'nothing-trainable');
      assert.equal(p.severity, 'error');
      assert.equal(p.specPath, '/model/layers/2/trainable');
      assert.equal(at(text, p), 'false');
      assert.match(
        p.message,
        unfreeze ? /nothing would train before epoch 3/ : /nothing would train \("training.unfreeze" unfreezes none\)/,
      );
    }
  });

  it('learningRateMultiplier on a layer that stays frozen: multiplier-on-frozen warning at the multiplier; none once unfrozen', () => {
    const model = layers();
    (model[1] as Record<string, unknown>).learningRateMultiplier = 0.1;
    const { text, result } = parse(spec({}, model));
    const p = only(result, 'multiplier-on-frozen');
    assert.equal(p.severity, 'warning');
    assert.equal(p.specPath, '/model/layers/1/learningRateMultiplier');
    assert.equal(at(text, p), '0.1');
    assert.match(p.message, /no effect: dense_2, dense_3, projection_1 are frozen/);
    assert.ok(result.spec, 'a warning: the spec still runs');
    const unfrozen = parse(spec({ unfreeze: [{ epoch: 2, layers: ['dense_3'] }] }, model)).result;
    assert.deepEqual(unfrozen.problems, [], 'one layer the multiplier reaches trains: it has an effect');
    assert.deepEqual(parse(spec({ unfreeze: [{ epoch: 2, layers: 'all' }] }, model)).result.problems, []);
  });
});

describe("spec: layer names are the engine's", () => {
  before(useBackend);

  const dir = path.join(REPO, 'test', 'fixtures', 'specs', 'valid');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.gradscope.json'));
  it("every valid fixture spec: weightedLayerNames = buildModel's weighted layers (names and trainable)", () => {
    assert.ok(files.length > 20);
    for (const file of files) {
      const parsed = parseSpecFile(path.join(dir, file)).spec;
      assert.ok(parsed, file);
      const shapes = inferOutputShapes(parsed.model.inputShape, parsed.model.layers).layers;
      const built = buildModel(parsed, parsed.seed);
      try {
        assert.deepEqual(
          weightedLayerNames(shapes).map((w) => [w.name, w.trainable]),
          built.weighted.map((w) => [w.summary.name, w.summary.trainable]),
          file,
        );
      } finally {
        disposeBuiltModel(built);
      }
    }
  });
});
