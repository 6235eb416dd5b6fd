// The Python interpreter that imports torch, and the environment to run it in, for the PyTorch bench figures
// (bench/pytorch.ts) and the gradscope_torch monitor's tests (test/unit/pytorchMonitor.test.ts). Debian's
// python3-torch installs into /usr/bin/python3, which a pyenv or venv `python3` on PATH may hide. As in
// docs/performance-notes: OpenBLAS (Debian's torch links the reference BLAS unless the alternatives point elsewhere,
// ~30× slower), a fixed thread count, OMP_WAIT_POLICY=PASSIVE so that idle OpenMP threads sleep instead of spinning on
// a shared 2-core machine.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

function importsTorch(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

let found: { python?: string } | undefined;

/** The first of $GRADSCOPE_PYTHON, /usr/bin/python3 and python3 that imports torch (looked up once). */
export function torchPython(): string | undefined {
  if (!found) {
    const candidates = [process.env.GRADSCOPE_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
    found = { python: candidates.find(importsTorch) };
  }
  return found.python;
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

/** The environment torch runs in: `threads` OpenMP/BLAS threads, passive waiting, OpenBLAS preloaded when present. */
export function torchEnv(threads: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const blas = openblas();
  return {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: 'PASSIVE',
    ...(blas && { LD_PRELOAD: blas }),
    ...extra,
  };
}

/** Why there is no interpreter, for skip and failure messages. */
export const NO_TORCH = 'no python3 here imports torch (Debian: apt-get install python3-torch)';
