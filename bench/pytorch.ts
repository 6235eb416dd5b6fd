// PyTorch's figure for the bench models, when an interpreter that imports torch is installed
// (test/unit/support/torchPython.ts finds it and sets up its environment: OpenBLAS, 2 threads, passive waiting).
// Optional: without one, the bench says why and goes on.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NO_TORCH, torchEnv, torchPython } from '../test/unit/support/torchPython';

export interface PytorchFigures {
  /** samples/s per bench model name */
  figures: Record<string, { samplesPerSec: number; setup: string }>;
  /** why there are none */
  skipped?: string;
}

const SCRIPT = path.join(__dirname, '..', '..', 'bench', 'pytorch_bench.py');

/** Runs bench/pytorch_bench.py on `models` (names of BENCH_MODELS) with `threads` threads; figures of those it knows. */
export function pytorchFigures(models: string[], seconds = 3, rounds = 3, threads = 2): PytorchFigures {
  const python = torchPython();
  if (!python) return { figures: {}, skipped: NO_TORCH };
  if (!fs.existsSync(SCRIPT)) return { figures: {}, skipped: `${SCRIPT} is missing` };
  const env = torchEnv(threads);
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
