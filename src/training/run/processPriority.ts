// The engine's CPU priority (StartOptions.priority `low`): lowered before any work, so that on a busy machine the
// editor, its extension host and the dashboard get a core first; with nothing else to run, the engine still has one.
//
// Linux gives each thread its own nice value, and a process started in a new session (the engine is forked
// `detached`) is also its own "autogroup" when the kernel has them: the scheduler first shares the CPUs between
// groups, so a thread's nice value only matters against the other threads of its group. Both are lowered. Threads
// created later inherit the nice value of the thread that creates them. On macOS the nice value is the process's;
// on Windows nice 10 is the below-normal priority class. On Linux the engine also enters the SCHED_IDLE policy
// (lowerEngine): nice values and autogroups weigh shares of CPU time, while SCHED_IDLE decides who gets a CPU the
// moment the editor's processes wake (docs/responsiveness-and-memory.md, "The engine in SCHED_IDLE").
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/** Nice value of `low`: Windows' below-normal class, a tenth of a normal process's CPU share on Linux under contention. */
export const LOW_PRIORITY_NICE = 10;

/** The nice value the engine's threads now have, and its autogroup's when there is one. */
export interface PriorityChange {
  nice: number;
  autogroupNice?: number;
  /** Linux: whether the threads are in the SCHED_IDLE policy (lowerEngine). */
  idle?: boolean;
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

/**
 * Puts every thread of this process in Linux's SCHED_IDLE policy (threads created later inherit it), by util-linux's
 * `chrt` (Node has no sched_setscheduler). A thread of any other policy that wakes on a CPU where an idle-policy
 * thread runs preempts it at once, and the scheduler counts a CPU that runs only idle-policy threads as free when it
 * places a waking thread. Any process may enter SCHED_IDLE; leaving it needs privileges. Returns whether it was set:
 * false off Linux, without `chrt`, or when it failed. Never throws.
 */
export function enterIdleScheduling(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

let idle = false;

/**
 * The engine lowering itself at `low`: lowerPriority, and on Linux SCHED_IDLE, entered once (later threads inherit
 * it). Called at boot and again at the start message, which lowers the nice value of the threads created between.
 */
export function lowerEngine(): PriorityChange {
  const change = lowerPriority();
  if (process.platform !== 'linux') return change;
  idle ||= enterIdleScheduling();
  return { ...change, idle };
}
