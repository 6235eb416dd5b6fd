// Per-thread scheduler counters of this process (Linux /proc/self/task/*/schedstat): time on a CPU and time runnable
// but waiting for one. They separate our own work from a crowded machine's, so thread variants can be compared on a
// shared machine (wall time cannot).
import * as fs from 'fs';

/** Nanoseconds on a CPU (`run`) and waiting in the run queue (`wait`), per thread id; empty where /proc is missing. */
export type SchedSnapshot = Map<string, { run: number; wait: number }>;

/** Scheduler time spent between two snapshots, in ns: the main thread's CPU, all threads' CPU, all threads' wait. */
export interface SchedDelta {
  mainNs: number;
  allNs: number;
  waitNs: number;
}

export function schedSnapshot(): SchedSnapshot {
  const stats: SchedSnapshot = new Map();
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const [run, wait] = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      stats.set(tid, { run, wait });
    }
  } catch {
    // not Linux: no scheduler figures
  }
  return stats;
}

/** What the threads used since `before` (a thread started since counts from zero); undefined without /proc. */
export function schedSince(before: SchedSnapshot): SchedDelta | undefined {
  const after = schedSnapshot();
  if (after.size === 0) return undefined;
  let allNs = 0;
  let waitNs = 0;
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? { run: 0, wait: 0 };
    allNs += a.run - b.run;
    waitNs += a.wait - b.wait;
  }
  const main = String(process.pid);
  const mainNs = (after.get(main)?.run ?? 0) - (before.get(main)?.run ?? 0);
  return { mainNs, allNs, waitNs };
}
