// PyTorch's figure for the bench models, when an interpreter that imports torch is installed (Debian's
// python3-torch installs into /usr/bin/python3, which a pyenv or venv `python3` on PATH may hide). Optional: without
// one, the bench says why and goes on. As in docs/performance-notes: OpenBLAS (Debian's torch links the reference
// BLAS unless the alternatives point elsewhere, ~30× slower), 2 threads, OMP_WAIT_POLICY=PASSIVE so that idle
// OpenMP threads sleep instead of spinning on a shared 2-core machine.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface PytorchFigures {
  /** samples/s per bench model name */
  figures: Record<string, { samplesPerSec: number; setup: string }>;
  /** why there are none */
  skipped?: string;
}

const SCRIPT = path.join(__dirname, '..', '..', 'bench', 'pytorch_bench.py');

function importsTorch(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

/** The first of $GRADSCOPE_PYTHON, /usr/bin/python3 and python3 that imports torch. */
function torchPython(): string | undefined {
  const candidates = [process.env.GRADSCOPE_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  return candidates.find(importsTorch);
}

/** Debian's OpenBLAS (pthread build), preloaded so torch's BLAS calls go to it whatever the alternatives say. */
function openblas(): string | undefined {
  const dirs = fs.existsSync('/usr/lib') ? fs.readdirSync('/usr/lib').filter((d) => d.endsWith('-linux-gnu')) : [];
  const candidates = dirs.flatMap((d) => [
    path.join('/usr/lib', d, 'openblas-pthread', 'libopenblas.so.0'),
    path.join('/usr/lib', d, 'libopenblas.so.0'),
  ]);
  return candidates.find((f) => fs.existsSync(f));
}

/** Runs bench/pytorch_bench.py on `models` (names of BENCH_MODELS) with `threads` threads; figures of those it knows. */
export function pytorchFigures(models: string[], seconds = 3, rounds = 3, threads = 2): PytorchFigures {
  const python = torchPython();
  if (!python) return { figures: {}, skipped: 'no python3 here imports torch (apt-get install python3-torch)' };
  if (!fs.existsSync(SCRIPT)) return { figures: {}, skipped: `${SCRIPT} is missing` };
  const blas = openblas();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: 'PASSIVE',
    ...(blas && { LD_PRELOAD: blas }),
  };
  const args = [
    SCRIPT,
    '--models',
    models.join(','),
    '--seconds',
    String(seconds),
    '--rounds',
    String(rounds),
    '--threads',
    String(threads),
  ];
  const run = spawnSync(python, args, { env, encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    return {
      figures: {},
      skipped: `${python} ${path.basename(SCRIPT)} failed: ${(run.stderr || String(run.error)).trim().split('\n').pop()}`,
    };
  }
  let setup = '';
  const figures: PytorchFigures['figures'] = {};
  for (const line of run.stdout.split('\n').filter((l) => l.trim())) {
    const row = JSON.parse(line) as { setup?: string; model?: string; samplesPerSec?: number; optimizer?: string };
    if (row.setup) setup = row.setup;
    else if (row.model && row.samplesPerSec) {
      figures[row.model] = { samplesPerSec: row.samplesPerSec, setup: `${setup}, ${row.optimizer ?? '?'}` };
    }
  }
  return { figures };
}
