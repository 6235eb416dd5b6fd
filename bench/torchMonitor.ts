// `npm run bench:torch-monitor`: the gradscope_torch monitor's overhead on the bench MLP and CNN (CPU), run with the
// interpreter that imports torch and its bench environment (test/unit/support/torchPython.ts). Prints the script's
// JSON lines (samples/s plain and monitored, overhead ratios, the load average before and after: on a shared machine
// the load says how far to trust the figures). Target: overhead ≤ 1.05 at measure_every=1.
//   npm run bench:torch-monitor [-- --seconds 3 --rounds 5 --models mlp-784-256-256-10]
// With --floor: bench/pytorch_monitor_floor.py instead, the same training loops with only the torch operations every
// measured step needs (no monitor): the lowest overhead that these operations allow.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { NO_TORCH, torchEnv, torchPython } from '../test/unit/support/torchPython';

const REPO = path.join(__dirname, '..', '..');
const python = torchPython();
if (!python) {
  console.error(NO_TORCH);
  process.exit(1);
}
const args = process.argv.slice(2);
const floor = args.includes('--floor');
const script = path.join(REPO, 'bench', floor ? 'pytorch_monitor_floor.py' : 'pytorch_monitor_bench.py');
const run = spawnSync(python, [script, ...args.filter((a) => a !== '--floor')], {
  env: torchEnv(2, { PYTHONPATH: path.join(REPO, 'python') }),
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
