// A csv `path` leading out of the workspace folder gets a warning at the "path" entry; inside it, none; with no
// workspace root given (the CLI without one), no check at all.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DATA_OUTSIDE_WORKSPACE, dataLocationProblems, withDataLocation } from '../../src/training/spec/dataLocation';
import { parseSpecFile } from '../../src/training/spec/parse';

function csvSpec(csvPath: string): string {
  return `{\n  "data": {\n    "dataset": "csv",\n    "path": ${JSON.stringify(csvPath)},\n    "label": "y"\n  },\n  "model": { "inputShape": [1], "layers": [{ "type": "dense", "units": 1 }] },\n  "training": { "loss": "meanSquaredError" }\n}\n`;
}

describe('data files outside the workspace', () => {
  let tmp: string;
  let ws: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-dataloc-'));
    ws = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(ws, 'data'), { recursive: true });
    const csv = 'x,y\n' + Array.from({ length: 40 }, (_, i) => `${i},${2 * i}`).join('\n') + '\n';
    fs.writeFileSync(path.join(ws, 'data', 'in.csv'), csv);
    fs.writeFileSync(path.join(tmp, 'out.csv'), csv);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('warns at the "path" value when the csv is outside the workspace folder', () => {
    const spec = path.join(ws, 'a.gradscope.json');
    fs.writeFileSync(spec, csvSpec('../out.csv'));
    const result = withDataLocation(parseSpecFile(spec), ws);
    const warning = result.problems.find((p) => p.code === DATA_OUTSIDE_WORKSPACE);
    assert.ok(warning, JSON.stringify(result.problems));
    assert.strictEqual(warning.severity, 'warning');
    assert.strictEqual(warning.specPath, '/data/path');
    assert.deepStrictEqual(warning.range.start, { line: 4, column: 13 });
    assert.match(warning.message, /out\.csv is outside the workspace folder/);
    assert.ok(result.spec, 'a warning, not an error: the spec still parses');
  });

  it('is silent for a csv inside the workspace, for other datasets, and without a workspace root', () => {
    const spec = path.join(ws, 'b.gradscope.json');
    fs.writeFileSync(spec, csvSpec('data/in.csv'));
    assert.deepStrictEqual(dataLocationProblems(fs.readFileSync(spec, 'utf8'), spec, ws), []);
    assert.deepStrictEqual(dataLocationProblems('{ "data": { "dataset": "spiral" } }', spec, ws), []);
    fs.writeFileSync(spec, csvSpec(path.join(tmp, 'out.csv')));
    const parsed = parseSpecFile(spec);
    assert.strictEqual(withDataLocation(parsed, undefined), parsed);
    assert.strictEqual(dataLocationProblems(parsed.text, spec, ws).length, 1, 'an absolute path outside counts too');
  });

  it('still warns when the spec has other errors', () => {
    const text = csvSpec('/etc/passwd').replace('"dense"', '"dens"');
    assert.strictEqual(dataLocationProblems(text, path.join(ws, 'c.gradscope.json'), ws).length, 1);
  });
});
