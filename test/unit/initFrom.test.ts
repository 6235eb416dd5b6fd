// model.initFrom: weights loaded by layer name from a saved run's model/. The loaded weights equal the source run's
// exactly (read with plain TensorFlow.js from its model/), the other layers keep their own seeded draws, frozen loaded
// layers leave the run unchanged; every bad source is a positioned error of the parser, and nothing is started.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { EpochEvent, RunStartEvent } from '../../src/shared/engineProtocol';
import { largeInitLayers } from '../../src/training/diagnosis/causes';
import type { DiagnosisContext } from '../../src/training/diagnosis/context';
import { initializerFix } from '../../src/training/diagnosis/layerFixes';
import { buildModelView } from '../../src/training/diagnosis/modelView';
import { applyModel, buildModel, disposeBuiltModel } from '../../src/training/engine/model/buildModel';
import { loadRunWeights } from '../../src/training/engine/model/runWeights';
import { evaluateRun } from '../../src/training/engine/evaluateRun';
import { specFingerprint } from '../../src/training/run/checkpointStore';
import { WEIGHTS_DIR } from '../../src/training/run/runStore';
import { parseSpecFile } from '../../src/training/spec/parse';
import type { ParsedSpec, SpecProblem } from '../../src/training/spec/types';
import { savedRun } from './support/savedRun';
import { REPO, useBackend } from './support/specs';

const LAYERS = [
  { type: 'dense', units: 12, activation: 'relu', kernelInitializer: 'heNormal' },
  { type: 'batchNormalization' },
  { type: 'dense', units: 8, activation: 'tanh' },
  { type: 'dense', units: 3, activation: 'softmax' },
];

function spec(name: string, extra: { layers?: object[]; initFrom?: object; seed?: number } = {}): object {
  return {
    name,
    seed: extra.seed ?? 5,
    data: { dataset: 'spiral', samples: 120, classes: 3, validationSplit: 0.25 },
    model: {
      inputShape: [2],
      layers: extra.layers ?? LAYERS,
      ...(extra.initFrom ? { initFrom: extra.initFrom } : {}),
    },
    training: { epochs: 2, batchSize: 30, optimizer: { type: 'adam', learningRate: 0.01 } },
  };
}

/** A run's model/, loaded by plain TensorFlow.js. */
async function loadSaved(runDir: string): Promise<tf.LayersModel> {
  const dir = path.join(runDir, WEIGHTS_DIR);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData: new Uint8Array(fs.readFileSync(path.join(dir, 'weights.bin'))).buffer,
    }),
  );
}

/** Every weight of a saved model/ by its manifest name, read with plain TensorFlow.js. */
async function savedWeights(runDir: string): Promise<Map<string, number[]>> {
  const model = await loadSaved(runDir);
  const out = new Map<string, number[]>();
  for (const layer of model.layers) {
    layer.getWeights().forEach((w, i) => out.set(`${layer.name}/${i}`, Array.from(w.dataSync())));
  }
  model.dispose();
  return out;
}

function modelWeights(parsed: ParsedSpec, load: boolean): Map<string, number[]> {
  const built = buildModel(parsed, parsed.seed);
  try {
    if (load && parsed.model.initFrom) loadRunWeights(built, parsed.model.initFrom.runDir, parsed.model.initFrom.layers);
    const out = new Map<string, number[]>();
    for (const layer of built.model.layers) {
      layer.getWeights().forEach((w, i) => out.set(`${layer.name}/${i}`, Array.from(w.dataSync())));
    }
    return out;
  } finally {
    disposeBuiltModel(built);
  }
}

const errorsOf = (file: string): SpecProblem[] => parseSpecFile(file).problems.filter((p) => p.severity === 'error');

describe('model.initFrom', () => {
  let root: string;
  let source: string;
  before(async function () {
    this.timeout(120_000);
    await useBackend();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-initfrom-'));
    // The source run lives where "latest:" looks: the spec's .gradscope/runs.
    source = (
      await savedRun(root, spec('source'), {
        file: 'source.gradscope.json',
        runsDir: path.join(root, '.gradscope', 'runs'),
        runId: '20261203-120000-source-0001',
      })
    ).runDir;
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function write(name: string, value: object): string {
    const file = path.join(root, `${name}.gradscope.json`);
    fs.writeFileSync(file, JSON.stringify(value, null, 2));
    return file;
  }

  function parsed(name: string, value: object): ParsedSpec {
    const result = parseSpecFile(write(name, value));
    assert.deepEqual(
      result.problems.filter((p) => p.severity === 'error').map((p) => p.message),
      [],
    );
    return result.spec!;
  }

  it('"all": every weighted layer takes the source run’s saved weights exactly (BN moving statistics included)', async () => {
    const target = parsed('all', spec('all', { seed: 9, initFrom: { run: path.relative(root, source), layers: 'all' } }));
    assert.deepEqual(target.model.initFrom, {
      run: path.relative(root, source),
      runDir: source,
      layers: ['dense_1', 'batchNormalization_1', 'dense_2', 'dense_3'],
    });
    const saved = await savedWeights(source);
    const loaded = modelWeights(target, true);
    assert.equal(loaded.size, 2 + 4 + 2 + 2);
    for (const [name, values] of loaded) assert.deepEqual(values, saved.get(name), name);
  });

  it('layers exported as compositions (groupNormalization, rmsNormalization, highway) load, and a shape change is refused at initFrom', async function () {
    this.timeout(120_000);
    const own = (units: number): object[] => [
      { type: 'dense', units, activation: 'relu' },
      { type: 'groupNormalization', groups: 2 },
      { type: 'rmsNormalization' },
      { type: 'highway', units, activation: 'tanh' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ];
    const from = (
      await savedRun(path.join(root, 'composed'), spec('composed', { layers: own(8) }), {
        runId: '20261203-120000-composed-0001',
      })
    ).runDir;
    const run = path.relative(root, from);
    const target = parsed('composed-all', spec('composed-all', { seed: 9, layers: own(8), initFrom: { run, layers: 'all' } }));
    // The engine reads the saved [1, 1, C, 1] normalization kernels and the highway's `<name>_transform` gate: with
    // every layer loaded, the model computes what the source run's model/ computes, loaded by plain TensorFlow.js.
    const built = buildModel(target, target.seed);
    const saved = await loadSaved(from);
    const x = tf.randomNormal([16, 2], 0, 1, 'float32', 3);
    try {
      assert.deepEqual(loadRunWeights(built, from), [
        'dense_1',
        'groupNormalization_1',
        'rmsNormalization_1',
        'highway_1',
        'dense_2',
      ]);
      const mine = tf.softmax(applyModel(built, x, false)[0]);
      const theirs = saved.predict(x) as tf.Tensor;
      const gap = tf.max(tf.abs(tf.sub(mine, theirs))).dataSync()[0];
      assert.ok(gap < 1e-6, `loaded model vs the source's model/: max |Δ| ${gap}`);
      tf.dispose([mine, theirs]);
    } finally {
      tf.dispose(x);
      saved.dispose();
      disposeBuiltModel(built);
    }
    const wider = errorsOf(write('composed-wide', spec('composed-wide', { layers: own(6), initFrom: { run, layers: 'all' } })));
    assert.deepEqual(
      wider.map((p) => p.code),
      ['init-from-shape-mismatch'],
    );
    assert.match(
      wider[0].message,
      /layer dense_1: weight kernel has shape \[2, 8\] in the source run's model but \[2, 6\] in this spec/,
    );
    const highwayOnly = errorsOf(
      write('composed-highway', spec('composed-highway', { layers: own(6), initFrom: { run, layers: ['highway_1'] } })),
    );
    assert.deepEqual(
      highwayOnly.map((p) => p.code),
      ['init-from-shape-mismatch'],
    );
    assert.match(
      highwayOnly[0].message,
      /layer highway_1: weight kernel has shape \[8, 8\] in the source run's model but \[6, 6\]/,
    );
  });

  it('"allButLast" and a list load only those layers; the others keep the spec’s own seeded draws', async () => {
    const saved = await savedWeights(source);
    const butLast = parsed('but-last', spec('but-last', { seed: 9, initFrom: { run: 'latest:source', layers: 'allButLast' } }));
    assert.deepEqual(butLast.model.initFrom?.layers, ['dense_1', 'batchNormalization_1', 'dense_2']);
    assert.equal(butLast.model.initFrom?.runDir, source);
    const listed = parsed('listed', spec('listed', { seed: 9, initFrom: { run: 'latest:source', layers: ['dense_2'] } }));
    assert.deepEqual(listed.model.initFrom?.layers, ['dense_2']);
    const fresh = modelWeights(butLast, false);
    for (const [target, loadedLayers] of [
      [butLast, ['dense_1', 'batchNormalization_1', 'dense_2']],
      [listed, ['dense_2']],
    ] as const) {
      for (const [name, values] of modelWeights(target, true)) {
        const expected = (loadedLayers as readonly string[]).includes(name.split('/')[0]) ? saved.get(name) : fresh.get(name);
        assert.deepEqual(values, expected, name);
      }
    }
    // The seeded draws differ from the source's: the comparison above tells loaded from fresh.
    assert.notDeepEqual(fresh.get('dense_3/0'), saved.get('dense_3/0'));
  });

  it('a run: run-start.initFrom names the resolved run and the layers; frozen loaded layers end as they were loaded', async function () {
    this.timeout(120_000);
    const layers = [
      { ...LAYERS[0], trainable: false },
      { ...LAYERS[1], trainable: false },
      { ...LAYERS[2], trainable: false },
      { type: 'dense', units: 3, activation: 'softmax' },
    ];
    const { runDir, events } = await savedRun(
      path.join(root, 'tune'),
      spec('tune', { seed: 11, layers, initFrom: { run: path.relative(path.join(root, 'tune'), source), layers: 'allButLast' } }),
    );
    const start = events.find((e): e is RunStartEvent => e.type === 'run-start')!;
    assert.deepEqual(start.initFrom, { run: source, layers: ['dense_1', 'batchNormalization_1', 'dense_2'] });
    const before = await savedWeights(source);
    const after = await savedWeights(runDir);
    for (const name of ['dense_1/0', 'dense_1/1', 'batchNormalization_1/0', 'batchNormalization_1/1', 'dense_2/0', 'dense_2/1']) {
      assert.deepEqual(after.get(name), before.get(name), name);
    }
    assert.notDeepEqual(after.get('dense_3/0'), before.get('dense_3/0'), 'the new head trained');
  });

  it('a resume does not depend on initFrom: the checkpoint fingerprint leaves it out (the checkpoint has the weights)', () => {
    const loaded = parsed('fp', spec('fp', { initFrom: { run: 'latest:source', layers: 'all' } }));
    const plain = parsed('fp', spec('fp'));
    assert.ok(loaded.model.initFrom && !plain.model.initFrom);
    assert.equal(specFingerprint(loaded), specFingerprint(plain));
  });

  it('gradscope evaluate scores a fine-tuned run from its own model/, even once the initFrom source is gone', async function () {
    this.timeout(120_000);
    const copy = path.join(root, 'source-copy');
    fs.cpSync(source, copy, { recursive: true });
    const dir = path.join(root, 'eval');
    const { runDir, events } = await savedRun(
      dir,
      spec('eval', { seed: 12, initFrom: { run: path.relative(dir, copy), layers: 'all' } }),
    );
    fs.rmSync(copy, { recursive: true, force: true });
    const result = await evaluateRun(runDir, 'val');
    const last = events.filter((e): e is EpochEvent => e.type === 'epoch').at(-1)!;
    assert.equal(result.loss, last.valLoss);
  });

  it('"latest:" picks the newest completed run of that spec name, not a newer failed one', () => {
    const runs = path.join(root, '.gradscope', 'runs');
    const failed = path.join(runs, '20261203-130000-source-0002');
    fs.mkdirSync(path.join(failed, WEIGHTS_DIR), { recursive: true });
    fs.cpSync(path.join(source, WEIGHTS_DIR), path.join(failed, WEIGHTS_DIR), { recursive: true });
    const start = fs.readFileSync(path.join(source, 'events.jsonl'), 'utf8').split('\n')[0];
    fs.writeFileSync(
      path.join(failed, 'events.jsonl'),
      `${start}\n{"type":"run-end","status":"failed","epochsCompleted":0,"steps":0,"durationMs":1}\n`,
    );
    try {
      const target = parsed('latest', spec('latest', { initFrom: { run: 'latest:source', layers: 'all' } }));
      assert.equal(target.model.initFrom?.runDir, source);
    } finally {
      fs.rmSync(failed, { recursive: true, force: true });
    }
  });

  it('lint: initializer rules say nothing about layers whose weights are loaded, and still judge the others', () => {
    // dense_1 starts constant (zero-initializer) and dense_2 far too small (initializer-scale).
    const layers = [
      { ...LAYERS[0], kernelInitializer: 'ones' },
      { ...LAYERS[2], kernelInitializer: { type: 'randomNormal', stddev: 0.0001 } },
      LAYERS[3],
    ];
    const codes = (initFrom?: object): string[] =>
      parseSpecFile(write('lint', spec('lint', { layers, initFrom })))
        .problems.map((p) => `${p.code} ${p.specPath}`)
        .sort();
    const plain = codes();
    assert.ok(
      plain.some((c) => c.startsWith('zero-initializer /model/layers/0')),
      plain.join('\n'),
    );
    assert.ok(
      plain.some((c) => c.startsWith('initializer-scale /model/layers/1')),
      plain.join('\n'),
    );
    assert.deepEqual(codes({ run: 'latest:source', layers: ['dense_1', 'dense_2'] }), []);
    const onlyFirst = codes({ run: 'latest:source', layers: ['dense_1'] });
    assert.ok(!onlyFirst.some((c) => c.startsWith('zero-initializer')), onlyFirst.join('\n'));
    assert.ok(
      onlyFirst.some((c) => c.startsWith('initializer-scale /model/layers/1')),
      onlyFirst.join('\n'),
    );
  });

  it('diagnosis: a loaded layer is never named as started by its initializer, nor given an initializer fix', async function () {
    this.timeout(60_000);
    const layers = [{ ...LAYERS[0], kernelInitializer: { type: 'randomNormal', stddev: 30 } }, ...LAYERS.slice(1)];
    const value = spec('diag', {
      layers,
      initFrom: { run: path.relative(path.join(root, 'diag'), source), layers: ['dense_1'] },
    });
    const { events } = await savedRun(path.join(root, 'diag'), value);
    const start = events.find((e): e is RunStartEvent => e.type === 'run-start')!;
    const target = parseSpecFile(path.join(root, 'diag', 'spec.gradscope.json')).spec!;
    const ctx = (s: RunStartEvent): DiagnosisContext => {
      const view = buildModelView(target, s);
      return { view, spec: target, doc: value, start: s } as unknown as DiagnosisContext;
    };
    const { initFrom: _loaded, ...notLoaded } = start;
    const drawnCtx = ctx(notLoaded);
    assert.deepEqual(
      largeInitLayers(drawnCtx).map((l) => l.summary.name),
      ['dense_1'],
      'the same layer, drawn, is too large',
    );
    const loadedCtx = ctx(start);
    assert.deepEqual(largeInitLayers(loadedCtx), []);
    assert.equal(initializerFix(loadedCtx, loadedCtx.view.kernels.slice(0, 1)), undefined);
  });

  it('"latest:" reads a long run’s first and last lines (run-start, run-end), whatever lies between', () => {
    const runs = path.join(root, '.gradscope', 'runs');
    const newer = path.join(runs, '20261203-140000-source-0003');
    fs.mkdirSync(newer, { recursive: true });
    fs.cpSync(path.join(source, WEIGHTS_DIR), path.join(newer, WEIGHTS_DIR), { recursive: true });
    const lines = fs.readFileSync(path.join(source, 'events.jsonl'), 'utf8').trim().split('\n');
    const steps = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ type: 'step', step: i, loss: 1, padding: 'x'.repeat(40) }),
    );
    fs.writeFileSync(path.join(newer, 'events.jsonl'), [lines[0], ...steps, lines[lines.length - 1]].join('\n') + '\n');
    try {
      assert.ok(fs.statSync(path.join(newer, 'events.jsonl')).size > 200_000);
      assert.equal(lines[lines.length - 1].includes('"run-end"'), true);
      const target = parsed('long', spec('long', { initFrom: { run: 'latest:source', layers: 'all' } }));
      assert.equal(target.model.initFrom?.runDir, newer);
    } finally {
      fs.rmSync(newer, { recursive: true, force: true });
    }
  });

  describe('bad sources: a positioned error with a stable code', () => {
    const cases: { name: string; initFrom: object; layers?: object[]; code: string; at: string; message: RegExp }[] = [
      {
        name: 'missing run directory',
        initFrom: { run: 'runs/nope', layers: 'all' },
        code: 'init-from-run-missing',
        at: '/model/initFrom/run',
        message: /nope does not exist; give a run directory/,
      },
      {
        name: 'a directory that is not a run',
        initFrom: { run: '.', layers: 'all' },
        code: 'init-from-run-missing',
        at: '/model/initFrom/run',
        message: /is not a gradscope run \(no events\.jsonl\)/,
      },
      {
        name: 'latest: of a spec with no completed run',
        initFrom: { run: 'latest:never-trained', layers: 'all' },
        code: 'init-from-no-run',
        at: '/model/initFrom/run',
        message: /no completed run of the spec "never-trained" with a saved model in \.gradscope[/\\]runs; train it first/,
      },
      {
        name: 'a layer name the target model does not have',
        initFrom: { run: 'latest:source', layers: ['dense_1', 'dense_9'] },
        code: 'init-from-unknown-layer',
        at: '/model/initFrom/layers/1',
        message:
          /"dense_9" is not a layer with weights of this model \(its layers with weights: dense_1, batchNormalization_1, dense_2, dense_3\)/,
      },
      {
        name: 'a layer the source run does not have ("all" with one more layer)',
        initFrom: { run: 'latest:source', layers: 'all' },
        layers: [...LAYERS.slice(0, 3), { type: 'dense', units: 3, activation: 'tanh' }, LAYERS[3]],
        code: 'init-from-unknown-layer',
        at: '/model/initFrom/layers',
        message: /layer dense_4 is not in the source run's model .*"allButLast" or a list of layer names loads fewer/,
      },
      {
        name: 'incompatible shapes: the first mismatch named',
        initFrom: { run: 'latest:source', layers: 'all' },
        layers: [LAYERS[0], LAYERS[1], { ...LAYERS[2], units: 6 }, LAYERS[3]],
        code: 'init-from-shape-mismatch',
        at: '/model/initFrom/layers',
        message: /layer dense_2: weight kernel has shape \[12, 8\] in the source run's model but \[12, 6\] in this spec/,
      },
      {
        name: '"allButLast" on a model with one weighted layer',
        initFrom: { run: 'latest:source', layers: 'allButLast' },
        layers: [{ type: 'dense', units: 3, activation: 'softmax' }],
        code: 'init-from-no-layers',
        at: '/model/initFrom/layers',
        message: /leaves nothing to load/,
      },
      {
        name: 'a weight-normalized layer to load into',
        initFrom: { run: 'latest:source', layers: ['dense_2'] },
        layers: [LAYERS[0], LAYERS[1], { ...LAYERS[2], weightNormalization: true }, LAYERS[3]],
        code: 'init-from-weight-normalized',
        at: '/model/initFrom/layers/0',
        message: /layer dense_2 is weight-normalized; a saved model holds its kernel with direction and scale folded/,
      },
      {
        name: 'layers of the wrong type',
        initFrom: { run: 'latest:source', layers: 'most' },
        code: 'wrong-type',
        at: '/model/initFrom/layers',
        message: /"all", "allButLast" or a non-empty list of layer names/,
      },
      {
        name: 'no run',
        initFrom: { layers: 'all' },
        code: 'missing-required',
        at: '/model/initFrom/run',
        message: /"run"/,
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const errors = errorsOf(write('bad', spec('bad', { layers: c.layers, initFrom: c.initFrom })));
        assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
        assert.equal(errors[0].code, c.code);
        assert.equal(errors[0].specPath, c.at);
        assert.match(errors[0].message, c.message);
      });
    }

    it('a run without model/ says how to make one', () => {
      const runDir = path.join(root, 'no-model-run');
      fs.mkdirSync(runDir, { recursive: true });
      fs.copyFileSync(path.join(source, 'events.jsonl'), path.join(runDir, 'events.jsonl'));
      const errors = errorsOf(write('bad', spec('bad', { initFrom: { run: 'no-model-run', layers: 'all' } })));
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, 'init-from-no-model');
      assert.match(
        errors[0].message,
        /saved no model \(no model\/model\.json\): a run saves it when it ends; train the source spec/,
      );
    });

    it('gradscope train refuses it with the positioned error and starts nothing (no run directory)', () => {
      const dir = path.join(root, 'cli');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'bad.gradscope.json');
      fs.writeFileSync(file, JSON.stringify(spec('bad', { initFrom: { run: 'latest:source', layers: 'all' } }), null, 2));
      const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'gradscope.js'), 'train', file], {
        encoding: 'utf8',
        cwd: dir,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /bad\.gradscope\.json:\d+:\d+: error: .*no completed run of the spec "source".* \[init-from-no-run\]/,
      );
      assert.doesNotMatch(r.stderr, / {4}at /);
      assert.equal(fs.existsSync(path.join(dir, '.gradscope')), false);
    });
  });
});
