// `gradscope explain` as a user runs it: bad arguments are usage errors (exit 2, one message, no stack, no engine);
// the human report names each PNG, the prediction and the map in words, and says what the sanity check found; end to
// end, the bundled mnist conv example trained with `gradscope train` is explained into PNGs that decode, and a class
// out of range or a run without conv layers is refused in one line.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { explainRequest, formatExplanation, sanityLines } from '../../src/cli/explainCommand';
import type { ExplanationEvent, ExplanationMap, ExplanationSample } from '../../src/shared/engineProtocol';
import { EXIT } from '../../src/shared/exitCodes';
import { summarizeHeatmap } from '../../src/shared/heatmapText';
import { PNG } from 'pngjs';
import { explanationPng } from '../../src/cli/explainPng';
import { gradscope, trainedWithCli } from './support/cli';
import { EXAMPLES } from './support/specs';

function centredMap(size: number): ExplanationMap {
  const values: number[] = [];
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) values.push(r >= 3 && r < 5 && c >= 3 && c < 5 ? 1 : 0);
  return { width: size, height: size, values };
}

function sample(index: number, label: number, predicted: number, target = predicted): ExplanationSample {
  return {
    index,
    label,
    predicted,
    target,
    probabilities: [0, 1, 2].map((k) => (k === predicted ? 0.8 : 0.1)),
    gradCam: centredMap(8),
    gradCamRaw: centredMap(8),
    input: new Array<number>(64).fill(0),
  };
}

const EVENT: ExplanationEvent = {
  type: 'explanation',
  epoch: 3,
  layer: 'conv2d_2',
  method: 'grad-cam',
  inputShape: [8, 8, 1],
  classNames: ['a', 'b', 'c'],
  samples: [sample(4, 1, 1), sample(9, 2, 0)],
  runDir: path.join(process.cwd(), 'runs', 'r1'),
};

describe('gradscope explain', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-explain-cli-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('bad arguments: exit 2, a message naming the problem and the usage, no stack, nothing on stdout', () => {
    const file = path.join(dir, 'not-a-dir.txt');
    fs.writeFileSync(file, 'x');
    const missing = path.join(dir, 'no-such-run');
    const cases: [string[], RegExp][] = [
      [['explain'], /explain: missing run directory/],
      [['explain', missing], /explain: no such run directory: .*no-such-run/],
      [['explain', file], /explain: .*not-a-dir\.txt is a file, not a run directory/],
      [['explain', dir, '--samples', 'eight'], /--samples must be an integer ≥ 1, got "eight"/],
      [['explain', dir, '--samples', '0'], /--samples must be an integer ≥ 1, got "0"/],
      [['explain', dir, '--class', '2.5'], /--class must be an integer ≥ 0, got "2\.5"/],
      [['explain', dir, '--class', '-1'], /--class must be an integer ≥ 0, got "-1"/],
      [['explain', dir, '--layer', ' '], /--layer needs a layer name/],
      [['explain', dir, '--sample', '3'], /unknown option --sample \(did you mean --samples\?\)/],
      [['explain', dir, 'extra'], /explain: unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const r = gradscope(...args);
      assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.match(r.stderr, /usage: gradscope explain <runDir> \[--samples N\] \[--class C\]/);
      assert.doesNotMatch(r.stderr, / {4}at /, 'no stack trace');
      assert.equal(r.stdout, '');
    }
  });

  it('--help lists the options; the request carries them to the engine', () => {
    const r = gradscope('explain', '--help');
    assert.equal(r.code, EXIT.ok);
    for (const option of ['--samples N', '--class C', '--layer L', '--sanity', '--out DIR', '--json'])
      assert.ok(r.stdout.includes(option), option);
    assert.deepEqual(explainRequest({ samples: '4', class: '7', layer: 'conv2d_1', sanity: true }), {
      samples: 4,
      class: 7,
      layer: 'conv2d_1',
      sanity: true,
    });
    assert.deepEqual(explainRequest({}), {});
  });

  it('the report names each PNG with its prediction, marks the misclassified, and gives the map in words', () => {
    const text = formatExplanation(EVENT, path.join(process.cwd(), 'out-pngs'));
    const lines = text.split('\n');
    assert.equal(
      lines[0],
      `${path.join('runs', 'r1')}: Grad-CAM of each sample's predicted class at layer conv2d_2, weights of epoch 4`,
    );
    assert.equal(lines[1], `2 validation samples, 1 predicted right; 2 PNGs (input, map, overlay) in out-pngs${path.sep}`);
    assert.equal(lines[2], '  sample-4-label-1-pred-1.png: label b · predicted b (0.80)');
    assert.equal(lines[3], `    ${summarizeHeatmap(centredMap(8)).text}`);
    assert.match(lines[3], /100% of the map's mass lies in the central quarter/);
    assert.equal(lines[4], '  sample-9-label-2-pred-0.png: label c · predicted a (0.80)  ✗ misclassified');
    assert.equal(lines.length, 6);

    const asked = formatExplanation({ ...EVENT, samples: [sample(4, 1, 1, 2)] }, 'x');
    assert.match(asked, /Grad-CAM of class c at layer conv2d_2/);
  });

  it('--sanity: the rank correlation, per sample, and what it means on each side of 0.5', () => {
    const pass = sanityLines({ rankCorrelation: 0.123, perSample: [0.1, 0.146], randomizedLayers: ['dense_1', 'conv2d_2'] });
    assert.match(pass[0], /re-randomising dense_1, conv2d_2: 0\.12$/);
    assert.equal(pass[1], '  per sample: 0.10, 0.15');
    assert.match(pass[2], /below 0\.5: the maps change when the learned weights are replaced by random ones/);
    const fail = sanityLines({ rankCorrelation: 0.8, perSample: [0.8], randomizedLayers: ['dense_1'] });
    assert.match(fail[2], /0\.5 or above: the maps stay much the same with random weights/);
    const report = formatExplanation(
      { ...EVENT, sanity: { rankCorrelation: 0.2, perSample: [0.1, 0.3], randomizedLayers: ['d'] } },
      'x',
    );
    assert.match(report, /sanity check \(model randomisation\): .*: 0\.20\n {2}per sample: 0\.10, 0\.30\n {2}below 0\.5/);
  });

  describe('end to end: the mnist conv example, trained, then explained', () => {
    let runDir: string;
    before(function () {
      this.timeout(600_000);
      // Human mode: --json would print every step and explanation, more than spawnSync's pipe buffer holds.
      const runs = path.join(dir, 'runs-example');
      const r = gradscope('train', path.join(EXAMPLES, 'mnist-conv-explain.gradscope.json'), '--out', runs);
      assert.equal(r.code, EXIT.ok, r.stderr);
      const [only, ...more] = fs.readdirSync(runs);
      assert.deepEqual(more, []);
      runDir = path.join(runs, only);
    });

    it('writes one decodable PNG per sample into <runDir>/explain/ and reports each, with the sanity check', function () {
      this.timeout(600_000);
      const r = gradscope('explain', runDir, '--samples', '4', '--sanity');
      assert.equal(r.code, EXIT.ok, r.stderr);
      const pngs = fs.readdirSync(path.join(runDir, 'explain')).sort();
      assert.equal(pngs.length, 4, pngs.join(', '));
      for (const file of pngs) {
        assert.match(file, /^sample-\d+-label-\d-pred-\d\.png$/);
        assert.ok(r.stdout.includes(`  ${file}: label `), `${file} is reported`);
        const png = PNG.sync.read(fs.readFileSync(path.join(runDir, 'explain', file)));
        // 28×28 digits: three 168-pixel panels.
        assert.ok(png.width > 3 * 168 && png.height > 168, `${png.width}×${png.height}`);
      }
      assert.match(r.stdout, /Grad-CAM of each sample's predicted class at layer conv2d_\d+, weights of epoch \d+/);
      assert.match(r.stdout, /4 validation samples, \d predicted right; 4 PNGs/);
      assert.equal(
        (r.stdout.match(/^ {4}(\d+% of the map's mass lies in the central quarter|The map is empty)/gm) ?? []).length,
        4,
      );
      const sanity = /Spearman rank correlation between .*: (-?\d\.\d\d)\n/.exec(r.stdout);
      assert.ok(sanity, r.stdout);
      process.stdout.write(`      (mnist conv example: sanity rank correlation ${sanity[1]})\n`);
    });

    it('--json prints the explanation event; the PNGs go to --out and are drawn from that event', function () {
      this.timeout(600_000);
      const out = path.join(dir, 'pngs');
      const r = gradscope('explain', runDir, '--samples', '3', '--json', '--out', out);
      assert.equal(r.code, EXIT.ok, r.stderr);
      const event = JSON.parse(r.stdout) as ExplanationEvent;
      assert.equal(event.type, 'explanation');
      assert.equal(event.samples.length, 3);
      assert.deepEqual(event.inputShape, [28, 28, 1]);
      assert.match(r.stderr, /wrote 3 PNGs to /);
      for (const s of event.samples) {
        const png = PNG.sync.read(fs.readFileSync(path.join(out, `sample-${s.index}-label-${s.label}-pred-${s.predicted}.png`)));
        const { png: expected } = explanationPng(event, s);
        assert.ok(png.data.equals(expected.data), `sample ${s.index}: the file holds the picture of its event`);
      }
    });

    it('--class out of range: exit 2, one line, no stack', function () {
      this.timeout(600_000);
      const r = gradscope('explain', runDir, '--class', '12');
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.match(r.stderr, /class 12 is out of range: the model has 10 classes \(0–9\)/);
      assert.doesNotMatch(r.stderr, / {4}at /);
      assert.equal(r.stdout, '');
    });

    it('a run without conv layers: exit 2, a message naming its layers', function () {
      this.timeout(600_000);
      const { runDir: dense } = trainedWithCli(dir, 'dense', {
        name: 'dense',
        seed: 1,
        data: { dataset: 'blobs', samples: 120, classes: 3, features: 2 },
        model: {
          inputShape: [2],
          layers: [
            { type: 'dense', units: 8, activation: 'relu' },
            { type: 'dense', units: 3, activation: 'softmax' },
          ],
        },
        training: { epochs: 1, batchSize: 16 },
      });
      const r = gradscope('explain', dense);
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.match(r.stderr, /conv2d/);
      assert.match(r.stderr, /dense_\d/);
      assert.doesNotMatch(r.stderr, / {4}at /);
      assert.equal(r.stdout, '');
    });
  });
});
