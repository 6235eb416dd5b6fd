// Loaded into the engine process by bench/memory.ts (NODE_OPTIONS=--require, inherited through fork) when
// GRADSCOPE_MEMORY_PROBE names a file: every second it forces a garbage collection and appends one JSON line with
// what is still retained — RSS, V8 heap used, external memory, tf.memory() tensors and bytes, the wasm heap — so a
// leak (tensors, history kept per step) can be told from V8 growing its heap before collecting garbage.
import * as fs from 'fs';
import * as v8 from 'v8';
import * as vm from 'vm';
import type * as Tf from '@tensorflow/tfjs';

const out = process.env.GRADSCOPE_MEMORY_PROBE;
if (out && process.argv[1]?.includes('engineMain')) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const tfPath = require.resolve('@tensorflow/tfjs', { paths: [process.argv[1]] });
  const mb = (v: number): number => Math.round((v / 2 ** 20) * 10) / 10;
  setInterval(() => {
    const rssBeforeGc = process.memoryUsage.rss();
    gc();
    const m = process.memoryUsage();
    const tf = require.cache[tfPath]?.exports as typeof Tf | undefined;
    const tensors = tf ? tf.memory() : undefined;
    const wasm = tf?.getBackend() === 'wasm' ? (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm : undefined;
    const line = {
      rssBeforeGcMB: mb(rssBeforeGc),
      rssMB: mb(m.rss),
      heapUsedMB: mb(m.heapUsed),
      externalMB: mb(m.external),
      numTensors: tensors?.numTensors,
      tensorMB: tensors ? mb(tensors.numBytes) : undefined,
      wasmHeapMB: wasm?.HEAPU8 ? mb(wasm.HEAPU8.length) : undefined,
    };
    fs.appendFileSync(out, JSON.stringify(line) + '\n');
  }, 1000).unref();
}
