// The WebAssembly modules the engine loads are compiled from the WAT sources in src/training/engine/backend/wat/ by
// `npm run build:wasm` (wabt) and committed as base64 modules, each in two builds (an unshared and a shared memory
// import). Here the build script checks that every source compiles again to exactly the committed bytes, so a source
// and its binaries cannot drift apart, and each build instantiates over the kind of memory it is for.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ADAM_WASM } from '../../src/training/engine/backend/wat/adamWasm';
import { CHANNELSUM_WASM } from '../../src/training/engine/backend/wat/channelsumWasm';
import { CONVFILTER_WASM } from '../../src/training/engine/backend/wat/convfilterWasm';
import { MAXPOOL_WASM } from '../../src/training/engine/backend/wat/maxpoolWasm';
import { RELUGRAD_WASM } from '../../src/training/engine/backend/wat/relugradWasm';
import { RMSPROP_WASM } from '../../src/training/engine/backend/wat/rmspropWasm';
import { SGD_WASM } from '../../src/training/engine/backend/wat/sgdWasm';
import { STATS_WASM } from '../../src/training/engine/backend/wat/statsWasm';

const REPO = path.resolve(__dirname, '../../..');
const WAT_DIR = path.join(REPO, 'src/training/engine/backend/wat');

/** Each committed module by the name of its source. */
const COMMITTED: Record<string, { plain: string; shared: string }> = {
  adam: ADAM_WASM,
  channelsum: CHANNELSUM_WASM,
  convfilter: CONVFILTER_WASM,
  maxpool: MAXPOOL_WASM,
  relugrad: RELUGRAD_WASM,
  rmsprop: RMSPROP_WASM,
  sgd: SGD_WASM,
  stats: STATS_WASM,
};

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => object;
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

describe('WAT sources and their committed binaries', () => {
  it('every source has a committed module and every module a source', () => {
    const sources = fs
      .readdirSync(WAT_DIR)
      .filter((f) => f.endsWith('.wat'))
      .map((f) => f.slice(0, -'.wat'.length))
      .sort();
    assert.deepStrictEqual(sources, Object.keys(COMMITTED).sort());
  });

  it('`node scripts/build-wasm.js --check`: every committed binary is its source compiled now', () => {
    const run = spawnSync(process.execPath, ['scripts/build-wasm.js', '--check'], { cwd: REPO, encoding: 'utf8' });
    assert.strictEqual(run.status, 0, run.stderr);
  });

  for (const [name, binaries] of Object.entries(COMMITTED)) {
    it(`${name}: the plain build instantiates over an unshared memory, the shared one over a shared memory`, () => {
      const instantiate = (base64: string, memory: object): Record<string, unknown> =>
        new WA.Instance(new WA.Module(new Uint8Array(Buffer.from(base64, 'base64'))), { env: { memory } }).exports;
      const plain = instantiate(binaries.plain, new WA.Memory({ initial: 1 }));
      const shared = instantiate(binaries.shared, new WA.Memory({ initial: 1, maximum: 32768, shared: true }));
      assert.deepStrictEqual(Object.keys(shared).sort(), Object.keys(plain).sort());
      assert.ok(Object.keys(plain).length > 0);
      assert.throws(() => instantiate(binaries.plain, new WA.Memory({ initial: 1, maximum: 2, shared: true })));
    });
  }
});
