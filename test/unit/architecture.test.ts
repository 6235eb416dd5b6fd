// The training code must run in plain Node: nothing under src/training may import `vscode`.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './support/specs';

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('architecture', () => {
  it('src/training and src/shared never import vscode', () => {
    const offenders = ['src/training', 'src/shared']
      .flatMap((d) => files(path.join(REPO, d)))
      .filter((f) => /(from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\))/.test(fs.readFileSync(f, 'utf8')));
    assert.deepStrictEqual(offenders, []);
    assert.ok(files(path.join(REPO, 'src/training')).length > 20, 'the check saw the training sources');
  });

  it('only the engine process (src/training/engine) loads TensorFlow.js, and nothing outside it imports it', () => {
    const root = path.join(REPO, 'src');
    const engine = path.join(REPO, 'src/training/engine');
    const outside = files(root).filter((f) => !f.startsWith(engine + path.sep));
    const tfUsers = outside.filter((f) => /from\s+['"]@tensorflow\//.test(fs.readFileSync(f, 'utf8')));
    assert.deepStrictEqual(
      tfUsers.map((f) => path.relative(REPO, f)),
      [],
    );
    const engineImporters = outside.filter((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return [...text.matchAll(/from\s+['"](\.[^'"]+)['"]/g)].some((m) => {
        const target = path.resolve(path.dirname(f), m[1]);
        return target === engine || target.startsWith(engine + path.sep);
      });
    });
    // The host side of a run (run/), the CLI and the extension talk to the engine only through its process.
    assert.deepStrictEqual(
      engineImporters.map((f) => path.relative(REPO, f)),
      [],
    );
  });

  it('the extension host bundle never loads TensorFlow.js (only the engine process does)', () => {
    const bundle = fs.readFileSync(path.join(REPO, 'dist', 'extension.js'), 'utf8');
    assert.doesNotMatch(bundle, /require\(["']@tensorflow\//);
  });

  it('the engine bundle holds TensorFlow.js (wasm backend, no webgl) and requires only the optional tfjs-node', () => {
    const engine = fs.readFileSync(path.join(REPO, 'dist', 'engineMain.js'), 'utf8');
    const required = new Set([...engine.matchAll(/require\(["'](@tensorflow\/[^"']+)["']\)/g)].map((m) => m[1]));
    assert.deepStrictEqual([...required], ['@tensorflow/tfjs-node']);
    // Flag names survive minification: the wasm backend's is there, the webgl backend's is not.
    assert.match(engine, /WASM_HAS_SIMD_SUPPORT/);
    assert.doesNotMatch(engine, /WEBGL_VERSION/);
  });
});
