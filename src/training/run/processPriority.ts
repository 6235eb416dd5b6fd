// The engine's CPU priority (StartOptions.priority `low`): lowered before any work, so that on a busy machine the
// editor, its extension host and the dashboard get a core first; with nothing else to run, the engine still has one.
//
// Linux gives each thread its own nice value, and a process started in a new session (the engine is forked
// `detached`) is also its own "autogroup" when the kernel has them: the scheduler first shares the CPUs between
// groups, so a thread's nice value only matters against the other threads of its group. Both are lowered. Threads
// created later inherit the nice value of the thread that creates them. On macOS the nice value is the process's;
// on Windows nice 10 is the below-normal priority class.
import * as fs from 'fs';
import * as os from 'os';

/** Nice value of `low`: Windows' below-normal class, a tenth of a normal process's CPU share on Linux under contention. */
export const LOW_PRIORITY_NICE = 10;

/** The nice value the engine's threads now have, and its autogroup's when there is one. */
export interface PriorityChange {
  nice: number;
  autogroupNice?: number;
}

/** The environment variable by which a front-end asks the engine for `low` before it loads anything (engineBoot.ts). */
export const PRIORITY_ENV = 'GRADSCOPE_ENGINE_PRIORITY';

/** The threads of process `pid` ('self': this one): their ids on Linux, else the process (0 = the caller). */
function threadIds(pid: number | 'self'): number[] {
  if (process.platform !== 'linux') return [pid === 'self' ? 0 : pid];
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid === 'self' ? 0 : pid];
  }
}

/**
 * Lowers the priority of process `pid` (default: this one) to nice `nice`, every thread it has now and its
 * autogroup (a value already lower is kept: raising it back needs privileges). Never throws: a priority that cannot
 * be changed leaves the process as it was.
 */
export function lowerPriority(nice = LOW_PRIORITY_NICE, pid: number | 'self' = 'self'): PriorityChange {
  for (const tid of threadIds(pid)) {
    try {
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    } catch {
      // the thread ended meanwhile, or the platform refused
    }
  }
  let current = nice;
  try {
    current = os.getPriority(pid === 'self' ? 0 : pid);
  } catch {
    // the process ended meanwhile
  }
  const change: PriorityChange = { nice: current };
  if (process.platform !== 'linux') return change;
  const autogroup = `/proc/${pid}/autogroup`;
  try {
    // "/autogroup-42 nice 0"
    const groupNice = Number(/nice (-?\d+)/.exec(fs.readFileSync(autogroup, 'latin1'))?.[1]);
    if (!Number.isFinite(groupNice)) return change;
    if (groupNice < nice) fs.writeFileSync(autogroup, String(nice));
    change.autogroupNice = Math.max(groupNice, nice);
  } catch {
    // no autogroups in this kernel (or disabled): the threads' nice values are what counts
  }
  return change;
}
