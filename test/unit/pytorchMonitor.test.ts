// The PyTorch monitor (python/gradscope_torch): its Python tests (python/tests, unittest) run here with the
// interpreter that imports torch (support/torchPython), one mocha test per file; then the PyTorch example records a
// run that gradscope's own readers (runStore.readEvents, loadHistory) read back in the engine's contract. Without an
// interpreter that imports torch these tests are skipped, visibly, except in CI (CI=true), where that fails.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LayerStepMetrics, StepEvent } from '../../src/shared/engineProtocol';
import { ACTIVATION_FACTS, DEAD_SLOPE, LAYER_FACTS, SELU_ALPHA, SELU_LAMBDA } from '../../src/training/model/facts';
import { loadHistory, readEvents } from '../../src/training/run/runStore';
import { NO_TORCH, torchEnv, torchPython } from './support/torchPython';

const REPO = path.resolve(__dirname, '..', '..', '..');
const PYTHON_DIR = path.join(REPO, 'python');
const TESTS_DIR = path.join(PYTHON_DIR, 'tests');
const EXAMPLE = path.join(REPO, 'examples', 'pytorch', 'deep_sigmoid.py');

/** Runs python with the package and its tests importable; 1 thread each (the tests' models are tiny). */
function runPython(python: string, args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync(python, args, {
    cwd,
    env: torchEnv(1, { PYTHONPATH: [PYTHON_DIR, TESTS_DIR].join(path.delimiter), PYTHONDONTWRITEBYTECODE: '1' }),
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? String(run.error) : ''}` };
}

describe('gradscope_torch, the PyTorch monitor', function () {
  let python = '';

  before(function () {
    const found = torchPython();
    if (!found) {
      if (process.env.CI) throw new Error(`${NO_TORCH}: CI must run the PyTorch monitor's tests`);
      console.log(`    skipped: ${NO_TORCH}`);
      this.skip();
    }
    python = found!;
  });

  const files = fs
    .readdirSync(TESTS_DIR)
    .filter((f) => /^test_.*\.py$/.test(f))
    .sort();

  it('has Python test files', function () {
    assert.ok(files.length >= 4, files.join(', '));
  });

  it("knows facts.ts's activations, measures, thresholds and layer kinds", function () {
    const code =
      'import json; from gradscope_torch import facts as f; print(json.dumps({"activations": f.ACTIVATIONS, ' +
      '"dead": sorted(f.DEAD_ACTIVATIONS), "saturating": sorted(f.SATURATING_ACTIVATIONS), "deadSlope": f.DEAD_SLOPE, ' +
      '"selu": [f.SELU_LAMBDA, f.SELU_ALPHA], "kinds": f.KINDS, "norms": sorted(f.NORM_KINDS), ' +
      '"recurrent": sorted(f.RECURRENT_KINDS)}))';
    const { status, output } = runPython(python, ['-c', code], PYTHON_DIR);
    assert.equal(status, 0, output);
    const py = JSON.parse(output) as {
      activations: string[];
      dead: string[];
      saturating: string[];
      deadSlope: number;
      selu: number[];
      kinds: string[];
      norms: string[];
      recurrent: string[];
    };
    const names = Object.keys(ACTIVATION_FACTS);
    const measured = (m: string): string[] =>
      names.filter((n) => ACTIVATION_FACTS[n as keyof typeof ACTIVATION_FACTS].measure === m);
    assert.deepEqual([...py.activations].sort(), [...names].sort());
    assert.deepEqual(py.dead, measured('dead').sort());
    assert.deepEqual(py.saturating, measured('saturation').sort());
    assert.equal(py.deadSlope, DEAD_SLOPE);
    assert.deepEqual(py.selu, [SELU_LAMBDA, SELU_ALPHA]);
    for (const kind of py.kinds) assert.ok(kind in LAYER_FACTS, kind);
    const scaled = Object.entries(LAYER_FACTS).filter(([, f]) => f.weights === 'scale');
    assert.deepEqual(py.norms, scaled.map(([k]) => k).sort());
    const recurrent = Object.entries(LAYER_FACTS).filter(([, f]) => f.recurrent !== undefined);
    assert.deepEqual(py.recurrent, recurrent.map(([k]) => k).sort());
  });

  for (const file of files) {
    it(`python/tests/${file} passes`, function () {
      const { status, output } = runPython(python, ['-m', 'unittest', '-v', path.basename(file, '.py')], TESTS_DIR);
      const ran = /^Ran (\d+) tests? in/m.exec(output);
      assert.equal(status, 0, output.slice(-6000));
      assert.ok(ran && Number(ran[1]) > 0, output.slice(-2000));
      assert.match(output, /^OK$/m, output.slice(-2000));
      assert.doesNotMatch(output, /skipped/, 'no Python test may be skipped');
    });
  }

  describe('a run recorded by the PyTorch example', function () {
    let runDir = '';
    let tmp = '';

    before(function () {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-torch-example-'));
      runDir = path.join(tmp, 'run');
      const { status, output } = runPython(python, [EXAMPLE, '--epochs', '2', '--run-dir', runDir], tmp);
      assert.equal(status, 0, output.slice(-4000));
    });

    after(function () {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('reads back through runStore in the engine contract, layers at their source lines', function () {
      const events = readEvents(runDir);
      const start = events[0];
      assert.equal(start.type, 'run-start');
      if (start.type !== 'run-start') return;
      assert.equal(start.backend, 'pytorch');
      assert.equal(start.external?.framework, 'pytorch');
      assert.equal(start.external?.monitor, 'gradscope_torch');
      assert.equal(start.specFile, EXAMPLE);
      assert.equal(start.runDir, runDir);
      assert.deepEqual([start.epochs, start.batchSize, start.trainSamples, start.validationSamples], [2, 32, 1200, 300]);
      assert.equal(start.layers.length, 14);
      const lines = fs.readFileSync(EXAMPLE, 'utf8').split('\n');
      const firstLinear = lines.findIndex((l) => l.includes('self.input = nn.Linear(')) + 1;
      assert.deepEqual(start.layers[0].source, { file: EXAMPLE, line: firstLinear, column: 9 });
      for (const layer of start.layers) {
        assert.equal(layer.kind, 'dense');
        assert.equal(layer.specPath, '');
        assert.equal(layer.hasWeights, true);
        assert.equal(layer.source?.file, EXAMPLE);
      }
      assert.deepEqual(
        start.layers.map((l) => l.activation),
        [...Array<string>(13).fill('sigmoid'), 'linear'],
      );
      const steps = events.filter((e): e is StepEvent => e.type === 'step');
      assert.equal(steps.length, 2 * 38);
      const metric = (m: LayerStepMetrics, key: keyof LayerStepMetrics): number => m[key] as number;
      for (const s of steps) {
        assert.equal(s.layers?.length, 14);
        const layers = s.layers ?? [];
        for (const m of layers) {
          for (const key of ['gradNorm', 'biasGradNorm', 'weightNorm', 'updateRatio', 'activationMean', 'activationStd'] as const)
            assert.ok(Number.isFinite(metric(m, key)), `${s.step} ${m.name} ${key}`);
        }
        // AUTOTRAINER's vanishing rule (vanishing-gradient): the first layer's gradient far below the last one's.
        const [first, last] = [metric(layers[0], 'gradNorm'), metric(layers[13], 'gradNorm')];
        assert.ok(first / last < 1e-3 && first < 1e-4, `step ${s.step}: ${first} / ${last}`);
      }
      const kinds = events.map((e) => e.type);
      assert.deepEqual(
        kinds.filter((k) => k !== 'step'),
        ['run-start', 'epoch', 'epoch', 'run-end'],
      );
      const end = events[events.length - 1];
      assert.ok(end.type === 'run-end' && end.status === 'completed' && end.steps === 76 && end.epochsCompleted === 2);
    });

    it("loads into the dashboard's run history", async function () {
      const history = await loadHistory(runDir);
      assert.equal(history.start?.backend, 'pytorch');
      assert.equal(history.layers.length, 14);
      assert.equal(history.measured, 76);
      assert.equal(history.epochs.length, 2);
      assert.ok(history.epochs.every((e) => Number.isFinite(e.valLoss)));
      assert.equal(history.end?.status, 'completed');
      const point = history.steps[history.steps.length - 1];
      assert.ok(point.gradNorm.every((g) => g !== null && g > 0));
      assert.ok(point.saturation.slice(0, 13).every((s) => s !== null));
    });
  });
});
