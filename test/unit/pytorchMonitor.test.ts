// The PyTorch monitor (python/gradscope_torch): its Python tests (python/tests, unittest) run here with the
// interpreter that imports torch (support/torchPython), one mocha test per file; then the PyTorch example records a
// run that gradscope's own readers (runStore.readEvents, loadHistory) read back in the engine's contract. Without an
// interpreter that imports torch these tests are skipped, visibly, except in CI (CI=true), where that fails.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DiagnosticEvent, LayerStepMetrics, StepEvent } from '../../src/shared/engineProtocol';
import { ACTIVATION_FACTS, DEAD_SLOPE, LAYER_FACTS, SELU_ALPHA, SELU_LAMBDA } from '../../src/training/model/facts';
import { loadHistory, readEvents } from '../../src/training/run/runStore';
import { gradscope } from './support/cli';
import { NO_TORCH, torchEnv, torchPython } from './support/torchPython';

const REPO = path.resolve(__dirname, '..', '..', '..');
const PYTHON_DIR = path.join(REPO, 'python');
const TESTS_DIR = path.join(PYTHON_DIR, 'tests');
const EXAMPLE = path.join(REPO, 'examples', 'pytorch', 'deep_sigmoid.py');

/** `gradscope diagnose --json` on a run: its diagnostics (each line parsed), after checking the command succeeded. */
function diagnose(runDir: string): DiagnosticEvent[] {
  const r = gradscope('diagnose', runDir, '--json');
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as DiagnosticEvent);
}

/** 1-based number of the first line of `file` that contains `text`. */
function lineOf(file: string, text: string): number {
  const at = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(at >= 0, `${text} not in ${file}`);
  return at + 1;
}

/**
 * A ReLU MLP whose first layer's biases are −5 (inputs are standard normal, weights PyTorch's default ±1/√fan_in):
 * every pre-activation is negative, so every unit of fc1 outputs 0 and passes no gradient.
 */
const DEAD_RELU_SCRIPT = `import sys
import torch
from torch import nn
from gradscope_torch import Monitor


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.fc2 = nn.Linear(32, 32)
        self.out = nn.Linear(32, 2)
        nn.init.constant_(self.fc1.bias, -5.0)

    def forward(self, x):
        return self.out(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


torch.manual_seed(0)
x, y = torch.randn(512, 8), torch.randint(0, 2, (512,))
model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
with Monitor(model, name="dead-relu", run_dir=sys.argv[1], optimizer=opt) as mon:
    for epoch in range(3):
        for i in range(0, 512, 32):
            opt.zero_grad()
            loss = loss_fn(model(x[i : i + 32]), y[i : i + 32])
            loss.backward()
            opt.step()
            mon.step(loss)
        with torch.no_grad():
            val = loss_fn(model(x), y).item()
        mon.epoch(loss=loss.item(), val_loss=val)
`;

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

    it('gradscope diagnose: vanishing-gradient at the line of the first nn.Linear (self.input = …)', function () {
      const found = diagnose(runDir);
      const vanishing = found.find((d) => d.code === 'vanishing-gradient');
      assert.ok(vanishing, found.map((d) => d.code).join(', '));
      assert.equal(vanishing.layer, 'input');
      assert.deepEqual(vanishing.source, { file: EXAMPLE, line: lineOf(EXAMPLE, 'self.input = nn.Linear('), column: 9 });
      // The fixes are explanations for the code (nothing to apply to a spec).
      assert.ok(vanishing.fixes?.length);
      for (const f of vanishing.fixes ?? []) assert.ok(f.patch.length === 0 && f.explanation, JSON.stringify(f));
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

  it('a ReLU net with bias −5 in PyTorch: gradscope diagnose says dead-relu at the line of fc1', function () {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-torch-dead-'));
    try {
      const script = path.join(tmp, 'dead_relu.py');
      fs.writeFileSync(script, DEAD_RELU_SCRIPT);
      const runDir = path.join(tmp, 'run');
      const { status, output } = runPython(python, [script, runDir], tmp);
      assert.equal(status, 0, output.slice(-4000));
      // What the monitor recorded: every unit of fc1 dead (32 of 32) on every step it measured.
      const steps = readEvents(runDir).filter((e): e is StepEvent => e.type === 'step');
      assert.ok(steps.length > 20);
      for (const s of steps) {
        const fc1 = s.layers?.find((l) => l.name === 'fc1');
        assert.deepEqual([fc1?.deadUnits, fc1?.units], [32, 32], `step ${s.step}`);
      }
      const dead = diagnose(runDir).find((d) => d.code === 'dead-relu');
      assert.ok(dead, 'dead-relu diagnosed');
      assert.equal(dead.layer, 'fc1');
      assert.deepEqual(dead.source, { file: script, line: lineOf(script, 'self.fc1 = nn.Linear('), column: 9 });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
