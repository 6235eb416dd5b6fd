// PyTorch's figure for the bench models, when an interpreter that imports torch is installed
// (test/unit/support/torchPython.ts finds it and sets up its environment: OpenBLAS, a fixed thread count, passive
// waiting). Optional: without one, the bench says why and goes on.
//
// bench/pytorch_bench.py runs as a server (--serve 1): it loads torch once and measures a model when asked, so that
// the bench can run PyTorch's rounds between its own and compare each round with the one beside it. The machine's
// speed drifts over minutes on a shared VM (PyTorch's MLP figure went from 65k to 33k samples/s between two sittings
// an hour apart): figures taken minutes apart would compare two machines.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { NO_TORCH, torchEnv, torchPython } from '../test/unit/support/torchPython';

/** One PyTorch process at a fixed thread count that measures on request. */
export interface PytorchServer {
  /** torch's version, threads and BLAS */
  readonly setup: string;
  /** samples/s of bench model `model` over `seconds` (after warm-up) and its optimizer; undefined when PyTorch has
   * no such model */
  measure(model: string, seconds: number): Promise<{ samplesPerSec: number; optimizer: string } | undefined>;
  close(): void;
}

const SCRIPT = path.join(__dirname, '..', '..', 'bench', 'pytorch_bench.py');

interface Answer {
  setup?: string;
  model?: string;
  samplesPerSec?: number;
  optimizer?: string;
  error?: string;
}

/** Starts bench/pytorch_bench.py as a server with `threads` threads; why not, when it cannot. */
export async function startPytorch(threads: number): Promise<PytorchServer | { skipped: string }> {
  const python = torchPython();
  if (!python) return { skipped: NO_TORCH };
  if (!fs.existsSync(SCRIPT)) return { skipped: `${SCRIPT} is missing` };
  const child = spawn(python, [SCRIPT, '--serve', '1', '--threads', String(threads)], {
    env: torchEnv(threads),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const waiting: ((answer: Answer | undefined) => void)[] = [];
  readline.createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(JSON.parse(line) as Answer));
  child.on('close', () => waiting.splice(0).forEach((resolve) => resolve(undefined)));
  child.on('error', () => waiting.splice(0).forEach((resolve) => resolve(undefined)));
  const next = (): Promise<Answer | undefined> => new Promise((resolve) => waiting.push(resolve));
  const failed = (): string =>
    `${python} ${path.basename(SCRIPT)} failed: ${stderr.trim().split('\n').pop() ?? `exit ${child.exitCode}`}`;
  const first = await next();
  if (!first?.setup) {
    child.kill();
    return { skipped: failed() };
  }
  return {
    setup: first.setup,
    async measure(model, seconds) {
      const answer = next();
      child.stdin.write(`${JSON.stringify({ model, seconds })}\n`);
      const got = await answer;
      if (!got) throw new Error(failed());
      return got.samplesPerSec === undefined ? undefined : { samplesPerSec: got.samplesPerSec, optimizer: got.optimizer ?? '?' };
    },
    close() {
      child.stdin.end();
    },
  };
}
