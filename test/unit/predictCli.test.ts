// `gradscope predict` as a user runs it, on a tiny mnist run: --dataset-sample N --json has the documented shape;
// a csv of the same images as 784 raw pixel columns (+ label) predicts the same; the human report is a table; bad
// input is one clear line on stderr, exit 2, no stack, nothing on stdout.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PredictionResult } from '../../src/shared/engineProtocol';
import { EXIT } from '../../src/shared/exitCodes';
import { loadDataset } from '../../src/training/data/load';
import { parseSpecFile } from '../../src/training/spec/parse';
import { gradscope, trainedWithCli } from './support/cli';

const MNIST = {
  name: 'mnist-predict',
  seed: 4,
  data: { dataset: 'mnist', samples: 200, validationSplit: 0.2 },
  model: {
    inputShape: [28, 28, 1],
    layers: [
      { type: 'flatten' },
      { type: 'dense', units: 16, activation: 'relu' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  },
  training: { epochs: 2, batchSize: 32 },
};

describe('gradscope predict', () => {
  let dir: string;
  let specFile: string;
  let runDir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-predict-cli-'));
    ({ specFile, runDir } = trainedWithCli(dir, 'mnist-predict', MNIST));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--dataset-sample N --json: N validation samples with class, 10 probabilities and the truth; a 784-column csv predicts the same', () => {
    const sampled = gradscope('predict', runDir, '--dataset-sample', '4', '--json');
    assert.equal(sampled.code, EXIT.ok, sampled.stderr);
    assert.equal(sampled.stdout.trim().split('\n').length, 1, 'one JSON line');
    const result = JSON.parse(sampled.stdout) as PredictionResult;
    assert.deepEqual(Object.keys(result).sort(), ['classNames', 'rows', 'runDir', 'source', 'task', 'type']);
    assert.equal(result.type, 'prediction');
    assert.equal(result.task, 'classification');
    assert.equal(result.runDir, runDir);
    assert.deepEqual(result.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.match(
      result.source,
      /^4 of the 40 validation samples, drawn with the run's seed 4 \(validation indices( \d+,){3} \d+\)$/,
    );
    assert.equal(result.rows.length, 4);
    for (const row of result.rows) {
      assert.deepEqual(Object.keys(row).sort(), ['actual', 'index', 'predicted', 'probabilities']);
      assert.equal(row.probabilities!.length, 10);
      assert.ok(Math.abs(row.probabilities!.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'softmax probabilities');
      const best = row.probabilities!.indexOf(Math.max(...row.probabilities!));
      assert.equal(row.predicted, String(best));
    }

    // The same images as raw pixels in [0, 1], one 784-column row each, with a label column.
    const validation = loadDataset(parseSpecFile(specFile).spec!.data, 4).validation;
    const header = [...Array.from({ length: 784 }, (_, i) => `p${i}`), 'label'].join(',');
    const rows = result.rows.map((row) =>
      [...validation.x.subarray(row.index! * 784, (row.index! + 1) * 784), validation.y[row.index!]].join(','),
    );
    const input = path.join(dir, 'digits.csv');
    fs.writeFileSync(input, `${header}\n${rows.join('\n')}\n`);
    const fromCsv = gradscope('predict', runDir, input, '--json');
    assert.equal(fromCsv.code, EXIT.ok, fromCsv.stderr);
    const csvResult = JSON.parse(fromCsv.stdout) as PredictionResult;
    assert.equal(csvResult.source, input);
    assert.deepEqual(
      csvResult.rows.map((r) => [r.line, r.predicted, r.probabilities, r.actual]),
      result.rows.map((r, i) => [i + 2, r.predicted, r.probabilities, r.actual]),
    );

    const human = gradscope('predict', runDir, input);
    assert.equal(human.code, EXIT.ok, human.stderr);
    const lines = human.stdout.trimEnd().split('\n');
    assert.match(lines[0], /: 4 rows, .*digits\.csv$/);
    assert.match(lines[1], /^ {2}row +predicted +true +p\(0\) +p\(1\) .* p\(9\)$/);
    for (const [i, row] of csvResult.rows.entries()) {
      const cells = lines[2 + i].trim().split(/\s+/);
      assert.deepEqual(cells.slice(0, 4), ['line', String(i + 2), row.predicted, row.actual]);
      assert.deepEqual(
        cells.slice(4).map(Number),
        row.probabilities!.map((p) => Number(p.toFixed(4))),
      );
    }
    const right = csvResult.rows.filter((r) => r.actual === r.predicted).length;
    assert.equal(lines[6], `${right} of 4 predicted right`);
    assert.equal(human.stderr, '', 'no warning for pixels in [0, 1]');

    // Grey levels 0–255 instead of 0–1: predicted all the same, with a warning saying how to rescale.
    const grey = path.join(dir, 'grey.csv');
    fs.writeFileSync(
      grey,
      `${header}\n${rows
        .map((r) =>
          r
            .split(',')
            .map((v, i) => (i < 784 ? Number(v) * 255 : v))
            .join(','),
        )
        .join('\n')}\n`,
    );
    const warned = gradscope('predict', runDir, grey);
    assert.equal(warned.code, EXIT.ok, warned.stderr);
    assert.match(
      warned.stderr,
      /^warning: .*grey\.csv: pixel values up to 255, but the model was trained on mnist pixels from 0 to 1; divide 0–255 grey levels by 255\n$/,
    );
  });

  it('bad input: one clear line, exit 2, no stack, nothing on stdout', () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(
      bad,
      `${new Array<string>(784).fill('0').join(',')}\n${['0', 'ink', ...new Array<string>(782).fill('0')].join(',')}\n`,
    );
    const short = path.join(dir, 'short.csv');
    fs.writeFileSync(short, '0,0,0\n');
    const noModel = fs.mkdtempSync(path.join(dir, 'copy-'));
    for (const f of fs.readdirSync(runDir))
      if (f !== 'model') fs.cpSync(path.join(runDir, f), path.join(noModel, f), { recursive: true });
    const noPre = fs.mkdtempSync(path.join(dir, 'copy-'));
    fs.cpSync(runDir, noPre, { recursive: true });
    fs.rmSync(path.join(noPre, 'preprocessing.json'));
    const cases: [string[], RegExp][] = [
      [['predict', path.join(dir, 'nope'), '--dataset-sample', '1'], /nope: no such run directory$/],
      [['predict', noModel, '--dataset-sample', '1'], /: no model\/ to predict with: /],
      [['predict', noPre, '--dataset-sample', '1'], /: no preprocessing\.json \(/],
      [
        ['predict', runDir, short],
        /short\.csv:1:1: the row has 3 values, but the model takes 784 values \(28×28×1, row-major\)$/,
      ],
      [['predict', runDir, bad], /bad\.csv:2:3: "ink" \(value 2\) is not a number$/],
      [['predict', runDir, path.join(dir, 'absent.csv')], /absent\.csv: no such file$/],
      [
        ['predict', runDir, '--dataset-sample', '41'],
        /--dataset-sample must be from 1 to 40 \(the run's validation split has 40 samples\), got 41$/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = gradscope(...args);
      assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr.trimEnd(), message);
      assert.equal(r.stdout, '');
    }
    const usage: [string[], RegExp][] = [
      [['predict', runDir], /predict: missing input: an input csv or --dataset-sample N/],
      [['predict', runDir, bad, '--dataset-sample', '2'], /predict: give an input csv or --dataset-sample N, not both/],
      [['predict', runDir, '--dataset-sample', '0'], /--dataset-sample must be an integer ≥ 1, got "0"/],
      [['predict', runDir, bad, 'more.csv'], /predict: unexpected argument "more\.csv"/],
      [['predict'], /predict: missing run directory/],
    ];
    for (const [args, message] of usage) {
      const r = gradscope(...args);
      assert.equal(r.code, EXIT.usage, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: gradscope predict <runDir> <input\.csv\|--dataset-sample N> \[--json\]/);
      assert.doesNotMatch(r.stderr, / {4}at /, 'no stack trace');
      assert.equal(r.stdout, '');
    }
  });
});
