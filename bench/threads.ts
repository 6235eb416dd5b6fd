// `npm run bench:threads`: the wasm backend on one thread vs the opt-in threaded build (GRADSCOPE_WASM_THREADS),
// on a quiet machine and with a busy loop holding one core (as the editor or extension host may), in interleaved
// rounds of separate processes (the backend is chosen once per process). Prints one JSON line per variant:
// {"model","backend","threads","spin","busyLoop","plainSamplesPerSec","measuredSamplesPerSec","overhead",
//  "plainRounds","vsOneThread","mainCpuMsPerStep","allCpuMsPerStep","runqueueWaitMsPerStep","loadAvg1"} with
// medians over rounds; vsOneThread compares plain samples/s to the one-thread variant in the same busy-loop
// condition. On a shared machine samples/s are noise; the CPU ms per step (from /proc/self/task/*/schedstat) are not.
//   node out/bench/threads.js [--model mlp-784-256-256-10] [--seconds 3] [--rounds 3] [--spins 100,stock] [--pools heavy,all]
import { spawn, execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { median } from './benchModels';

interface Variant {
  threads: number;
  spin: string;
  /** GRADSCOPE_WASM_POOL: which ops the pool runs (heavy: products and convolutions only; all: every op). */
  pool: string;
}

interface Sample {
  plain: number;
  measured: number;
  /** ms per plain step on a CPU: main thread, all threads; ms per step runnable but waiting (Linux only). */
  mainCpu?: number;
  allCpu?: number;
  wait?: number;
}

function runOnce(variant: Variant, model: string, seconds: number): Sample {
  const env = {
    ...process.env,
    GRADSCOPE_WASM_THREADS: String(variant.threads),
    GRADSCOPE_WASM_SPIN: variant.spin,
    GRADSCOPE_WASM_POOL: variant.pool,
  };
  const script = path.join(__dirname, 'trainingOverhead.js');
  const out = execFileSync(
    process.execPath,
    [script, '--backend', 'wasm', '--model', model, '--rounds', '1', '--seconds', String(seconds), '--no-pytorch'],
    {
      env,
      encoding: 'utf8',
    },
  );
  const line = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    plainSamplesPerSec: number;
    measuredSamplesPerSec: number;
    wasmThreads: number;
    plainMainCpuMsPerStep?: number;
    plainAllCpuMsPerStep?: number;
    plainRunqueueWaitMsPerStep?: number;
  };
  if (line.wasmThreads !== variant.threads)
    throw new Error(`asked for ${variant.threads} threads, the backend ran ${line.wasmThreads}`);
  return {
    plain: line.plainSamplesPerSec,
    measured: line.measuredSamplesPerSec,
    mainCpu: line.plainMainCpuMsPerStep,
    allCpu: line.plainAllCpuMsPerStep,
    wait: line.plainRunqueueWaitMsPerStep,
  };
}

async function withBusyLoop<T>(busy: boolean, body: () => T): Promise<T> {
  if (!busy) return body();
  const loop = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  await new Promise((resolve) => loop.once('spawn', resolve));
  try {
    return body();
  } finally {
    loop.kill();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      spins: { type: 'string' },
      pools: { type: 'string' },
    },
  });
  const model = values.model ?? 'mlp-784-256-256-10';
  const seconds = Number(values.seconds ?? 3);
  const rounds = Number(values.rounds ?? 3);
  const pools = (values.pools ?? 'heavy,all').split(',');
  const variants: Variant[] = [
    { threads: 1, spin: '', pool: '' },
    ...(values.spins ?? '100').split(',').flatMap((spin) => pools.map((pool) => ({ threads: 2, spin, pool }))),
  ];
  for (const busy of [false, true]) {
    const samples = variants.map((): Sample[] => []);
    const loads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Rotate the order each round so that drifting load hits every variant alike.
      for (let k = 0; k < variants.length; k++) {
        const i = (k + r) % variants.length;
        loads.push(os.loadavg()[0]);
        samples[i].push(await withBusyLoop(busy, () => runOnce(variants[i], model, seconds)));
      }
    }
    const onePlain = median(samples[0].map((s) => s.plain));
    const medianOf = (i: number, field: 'mainCpu' | 'allCpu' | 'wait'): number | undefined =>
      samples[i].every((s) => s[field] !== undefined) ? median(samples[i].map((s) => s[field] ?? 0)) : undefined;
    variants.forEach((variant, i) => {
      const plain = median(samples[i].map((s) => s.plain));
      const measured = median(samples[i].map((s) => s.measured));
      console.log(
        JSON.stringify({
          model,
          backend: 'wasm',
          threads: variant.threads,
          spin: variant.threads === 1 ? null : variant.spin,
          pool: variant.threads === 1 ? null : variant.pool,
          busyLoop: busy,
          plainSamplesPerSec: Math.round(plain),
          measuredSamplesPerSec: Math.round(measured),
          overhead: Number((plain / measured).toFixed(3)),
          plainRounds: samples[i].map((s) => Math.round(s.plain)),
          vsOneThread: Number((plain / onePlain).toFixed(3)),
          // Contention-insensitive: CPU ms per plain step of the main thread (the critical path when the pool's
          // threads run in parallel) and of all threads (the cost), and ms waiting for a CPU (the contention).
          mainCpuMsPerStep: medianOf(i, 'mainCpu'),
          allCpuMsPerStep: medianOf(i, 'allCpu'),
          runqueueWaitMsPerStep: medianOf(i, 'wait'),
          loadAvg1: Number(median(loads).toFixed(2)),
        }),
      );
    });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
