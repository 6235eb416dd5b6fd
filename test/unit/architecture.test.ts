// The training code must run in plain Node: nothing under src/training may import `vscode`.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './support/specs';

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

describe('architecture', () => {
  it('src/training and src/shared never import vscode', () => {
    const offenders = ['src/training', 'src/shared'].flatMap((d) => files(path.join(REPO, d)))
      .filter((f) => /(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\))/.test(fs.readFileSync(f, 'utf8')));
    assert.deepStrictEqual(offenders, []);
    assert.ok(files(path.join(REPO, 'src/training')).length > 20, 'the check saw the training sources');
  });

  it('the extension host bundle never loads TensorFlow.js (only the engine process does)', () => {
    const bundle = fs.readFileSync(path.join(REPO, 'dist', 'extension.js'), 'utf8');
    assert.doesNotMatch(bundle, /require\(["']@tensorflow\//);
    assert.match(fs.readFileSync(path.join(REPO, 'dist', 'engineMain.js'), 'utf8'), /require\(["']@tensorflow\/tfjs["']\)/);
  });
});
