// `npm run bench:memory`: does the engine's memory stay flat over a long run? Trains a small model (an MLP on the
// spiral data, every step measured) for 100 epochs in the engine child process, the way the CLI and the extension
// start it (runner.startRun), and samples the engine's resident set size (/proc/<pid>/status VmRSS, Linux) at the
// end of every epoch. Prints one JSON line:
// {"model","backend","epochs","steps","rssStartMB" (after warm-up),"rssEndMB","rssMaxMB","slopeMBPer100Epochs",...}
// `slope` is a least-squares fit over the epochs after warm-up: flat is ≈ 0; a leak of a tensor per step grows with
// the steps. Also the events file's size (the run's history on disk grows; memory must not).
// Then the same run again with bench/memoryProbe.ts loaded into the engine: a forced GC every second, then what is
// retained (RSS, V8 heap, tensors, wasm heap), first and last sample: RSS that grows only without the forced GCs is
// V8 sizing its heap to the garbage of each step, not memory the engine keeps.
//   node out/bench/memory.js [--epochs 100] [--warmup 10] [--backend wasm|cpu] [--batch 32] [--samples 1000]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import type { Backend } from '../src/shared/engineProtocol';
import { startRun } from '../src/training/run/runner';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '10' },
    backend: { type: 'string' },
    batch: { type: 'string', default: '32' },
    samples: { type: 'string', default: '1000' },
    units: { type: 'string', default: '64' },
  },
});
const EPOCHS = Number(args.epochs);
const WARMUP = Math.min(Number(args.warmup), EPOCHS - 1);

function rssMB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

interface Measured {
  samples: Array<{ epoch: number; rss: number }>;
  backend: string;
  steps: number;
  eventsMB: number;
  seconds: number;
}

async function measure(probeFile?: string): Promise<Measured> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-bench-memory-'));
  const units = Number(args.units);
  const specFile = path.join(tmp, 'memory.gradscope.json');
  const name = `mlp-2-${units}-${units}-3-spiral`;
  fs.writeFileSync(
    specFile,
    JSON.stringify({
      name,
      seed: 1,
      data: { dataset: 'spiral', samples: Number(args.samples), classes: 3, noise: 0.1, validationSplit: 0.2 },
      model: {
        inputShape: [2],
        layers: [
          { type: 'dense', units, activation: 'relu' },
          { type: 'dense', units, activation: 'relu' },
          { type: 'dense', units: 3, activation: 'softmax' },
        ],
      },
      training: { epochs: EPOCHS, batchSize: Number(args.batch), optimizer: { type: 'adam', learningRate: 0.001 } },
    }),
  );
  const samples: Array<{ epoch: number; rss: number }> = [];
  let pid: number | undefined;
  let backend = '';
  let steps = 0;
  let runDir = '';
  const t0 = Date.now();
  const env = { ...process.env };
  if (probeFile) {
    process.env.GRADSCOPE_MEMORY_PROBE = probeFile;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(__dirname, 'memoryProbe.js')}`.trim();
  }
  const handle = startRun(
    { specFile, outDir: path.join(tmp, 'runs'), ...(args.backend ? { backend: args.backend as Backend } : {}) },
    (m) => {
      if (m.type === 'run-start') {
        backend = m.backend;
        runDir = m.runDir;
      } else if (m.type === 'step') steps = m.step + 1;
      else if (m.type === 'epoch' && pid !== undefined) {
        const rss = rssMB(pid);
        if (rss !== undefined) samples.push({ epoch: m.epoch + 1, rss });
      } else if (m.type === 'log' && m.level === 'error') console.error(m.message);
    },
  );
  process.env = env;
  pid = handle.pid;
  const outcome = await handle.done;
  const eventsMB = runDir ? fs.statSync(path.join(runDir, 'events.jsonl')).size / 2 ** 20 : 0;
  fs.rmSync(tmp, { recursive: true, force: true });
  if (outcome.end?.status !== 'completed' || samples.length < EPOCHS) {
    throw new Error(`run ${outcome.end?.status ?? 'did not start'} with ${samples.length} RSS samples`);
  }
  return { samples, backend, steps, eventsMB, seconds: (Date.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const { samples, backend, steps, eventsMB, seconds } = await measure();
  const probeFile = path.join(os.tmpdir(), `gradscope-memory-probe-${process.pid}.jsonl`);
  await measure(probeFile);
  const probed = fs
    .readFileSync(probeFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, number>);
  fs.rmSync(probeFile, { force: true });
  const units = Number(args.units);
  const name = `mlp-2-${units}-${units}-3-spiral`;
  const after = samples.filter((s) => s.epoch >= WARMUP);
  const start = after[0];
  const end = samples[samples.length - 1];
  const perEpoch = slope(
    after.map((s) => s.epoch),
    after.map((s) => s.rss),
  );
  console.log(
    JSON.stringify({
      model: name,
      backend,
      epochs: EPOCHS,
      steps,
      warmupEpochs: WARMUP,
      rssEpoch1MB: round(samples[0].rss),
      rssStartMB: round(start.rss),
      rssEndMB: round(end.rss),
      rssMaxMB: round(Math.max(...after.map((s) => s.rss))),
      growthMB: round(end.rss - start.rss),
      slopeMBPer100Epochs: round(perEpoch * 100, 2),
      eventsFileMB: round(eventsMB),
      seconds: round(seconds),
      afterForcedGc: { first: probed[0], last: probed[probed.length - 1], samples: probed.length },
      loadavg: os.loadavg().map((v) => round(v, 2)),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
