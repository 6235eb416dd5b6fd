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

const AUTOGROUP = '/proc/self/autogroup';

/** The threads of this process: their ids on Linux, else this process (0 = the caller). */
function threadIds(): number[] {
  if (process.platform !== 'linux') return [0];
  try {
    return fs.readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}

/**
 * Lowers this process's priority to nice `nice` (a value already lower is kept: raising it back needs privileges).
 * Never throws: a priority that cannot be changed leaves the engine as it was.
 */
export function lowerPriority(nice = LOW_PRIORITY_NICE): PriorityChange {
  for (const tid of threadIds()) {
    try {
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    } catch {
      // the thread ended meanwhile, or the platform refused
    }
  }
  const change: PriorityChange = { nice: os.getPriority() };
  if (process.platform !== 'linux') return change;
  try {
    // "/autogroup-42 nice 0"
    const current = Number(/nice (-?\d+)/.exec(fs.readFileSync(AUTOGROUP, 'latin1'))?.[1]);
    if (!Number.isFinite(current)) return change;
    if (current < nice) fs.writeFileSync(AUTOGROUP, String(nice));
    change.autogroupNice = Math.max(current, nice);
  } catch {
    // no autogroups in this kernel (or disabled): the threads' nice values are what counts
  }
  return change;
}
