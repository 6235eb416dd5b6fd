// The WebAssembly modules the engine loads are compiled from the WAT sources in src/training/engine/backend/wat/ by
// `npm run build:wasm` (wabt) and committed as base64 modules. Here every source is compiled again with wabt and
// must give exactly the committed bytes, so a source and its binary cannot drift apart.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import wabt from 'wabt';
import { ADAM_WASM } from '../../src/training/engine/backend/wat/adamWasm';
import { MAXPOOL_WASM } from '../../src/training/engine/backend/wat/maxpoolWasm';
import { RMSPROP_WASM } from '../../src/training/engine/backend/wat/rmspropWasm';
import { SGD_WASM } from '../../src/training/engine/backend/wat/sgdWasm';
import { STATS_WASM } from '../../src/training/engine/backend/wat/statsWasm';

const WAT_DIR = path.resolve(__dirname, '../../../src/training/engine/backend/wat');

/** Each committed binary by the name of its source. */
const COMMITTED: Record<string, string> = {
  adam: ADAM_WASM,
  maxpool: MAXPOOL_WASM,
  rmsprop: RMSPROP_WASM,
  sgd: SGD_WASM,
  stats: STATS_WASM,
};

describe('WAT sources and their committed binaries', () => {
  const sources = fs
    .readdirSync(WAT_DIR)
    .filter((f) => f.endsWith('.wat'))
    .map((f) => f.slice(0, -'.wat'.length))
    .sort();

  it('every source has a committed binary and every binary a source', () => {
    assert.deepStrictEqual(sources, Object.keys(COMMITTED).sort());
  });

  for (const name of sources) {
    it(`${name}.wat compiles (wat2wasm, SIMD) to exactly the bytes in ${name}Wasm.ts`, async () => {
      const file = path.join(WAT_DIR, `${name}.wat`);
      const module = (await wabt()).parseWat(file, fs.readFileSync(file, 'utf8'), { simd: true });
      module.validate();
      const compiled = module.toBinary({}).buffer;
      module.destroy();
      const committed = new Uint8Array(Buffer.from(COMMITTED[name], 'base64'));
      assert.ok(compiled.length > 8, 'a module');
      assert.ok(
        Buffer.from(compiled).equals(committed),
        `${name}Wasm.ts is not ${name}.wat's binary (${committed.length} vs ${compiled.length} bytes): run npm run build:wasm`,
      );
    });
  }
});
