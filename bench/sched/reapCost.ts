// What reaping a child costs its parent when the child's /proc files were read (Linux). Forks a child with two busy
// worker threads N times; after 100 ms the parent lists /proc/<pid>/task and then reads, per MODE, nothing (`none`),
// each thread's /proc/<pid>/task/<tid>/stat (`stat`: test/unit/support/niceValues.ts's threadNiceValues), or each
// thread's priority by getpriority(2) (`getpriority`: threadPriorities; src/training/run/processPriority.ts lowers the
// engine's threads by setpriority(2) the same way). The child exits at 400 ms and the parent reaps it
// (libuv's waitpid on SIGCHLD, on the main thread). Time the reaping with perf:
//   perf trace -e wait4 -- node out/bench/sched/reapCost.js stat 12
// Each line is one reap: its duration in ms. On an idle 2-core VM (2026-12-06, two series each): none and getpriority
// 0.05–0.3 ms; stat 1.1–4.7 ms for all reaps but the first of each series (the kernel clears the entries the reads
// left, in the reaper's wait4).
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { Worker } from 'worker_threads';

const MODES = ['none', 'stat', 'getpriority'];

function child(): void {
  for (let i = 0; i < 2; i++) new Worker('let x = 0; for (let i = 0; i < 1e8; i++) x += i;', { eval: true });
  setTimeout(() => process.exit(0), 400);
}

function parent(mode: string, times: number): void {
  let done = 0;
  const one = (): void => {
    const c = fork(__filename, ['child'], { stdio: 'inherit', detached: true });
    setTimeout(() => {
      try {
        const tids = fs.readdirSync(`/proc/${c.pid}/task`);
        if (mode === 'stat') for (const t of tids) fs.readFileSync(`/proc/${c.pid}/task/${t}/stat`);
        if (mode === 'getpriority') for (const t of tids) os.getPriority(Number(t));
      } catch (e) {
        console.error(`reading the child: ${(e as Error).message}`);
      }
    }, 100);
    c.on('exit', () => {
      if (++done < times) setTimeout(one, 50);
    });
  };
  one();
}

const [mode = 'none', times = '12'] = process.argv.slice(2);
if (mode === 'child') child();
else if (!MODES.includes(mode)) console.error(`usage: node reapCost.js ${MODES.join('|')} [times]`);
else parent(mode, Number(times));
