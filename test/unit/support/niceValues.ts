// Linux: the scheduling priority a process runs at, read from /proc or by getpriority(2) (the engine's `priority`
// option is checked here).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/** Field `n` (1-based, as in proc(5)) of a stat file's text. */
export function statField(stat: string, n: number): number {
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3]);
}

/** The nice value of thread `tid` of `pid`: field 19 of /proc/<pid>/task/<tid>/stat. */
export function threadNice(pid: number, tid: number): number {
  return statField(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1'), 19);
}

/** sched(7)'s policy numbers: SCHED_OTHER 0, SCHED_IDLE 5. */
export const SCHED_OTHER = 0;
export const SCHED_IDLE = 5;

/** Whether util-linux's chrt runs here: the engine enters SCHED_IDLE through it (processPriority.ts). */
export function chrtRuns(): boolean {
  return spawnSync('chrt', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Field `n` of /proc/<pid>/task/<tid>/stat for each thread of `pid`. */
function threadStatFields(pid: number, n: number): number[] {
  return fs
    .readdirSync(`/proc/${pid}/task`)
    .map((tid) => statField(fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1'), n));
}

/** The scheduling policy of each thread of `pid`: field 41 of /proc/<pid>/task/<tid>/stat. */
export function threadPolicies(pid: number): number[] {
  return threadStatFields(pid, 41);
}

/**
 * The scheduling policy of the main thread of `pid`, from /proc/<pid>/stat: a process-level file, whose reading
 * costs the reaper nothing (threadPriorities says why that matters).
 */
export function mainThreadPolicy(pid: number): number {
  return statField(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'), 41);
}

/** The nice value of each thread of `pid`. */
export function threadNiceValues(pid: number): number[] {
  return threadStatFields(pid, 19);
}

/**
 * threadNiceValues by getpriority(2) on each thread, reading no file of a thread. For a process that another one
 * will reap while it is being measured: once a thread's files under /proc/<pid>/task/<tid>/ have been read, the kernel
 * clears their cached entries when the process is reaped, in the reaper's wait4. With those reads, reaping a child
 * with two worker threads took 1.1–4.7 ms on an idle machine, against 0.05–0.3 ms without them
 * (bench/sched/reapCost.ts). In the responsiveness test the extension host's reaping of the engine took up to 25 ms
 * (perf trace -e wait4), inside a 91 ms block (perf record: wait4 → release_task → proc_invalidate_siblings_dcache →
 * d_walk).
 */
export function threadPriorities(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => os.getPriority(Number(tid)));
}

/** The nice value of the autogroup of `pid`, or undefined when the kernel has none. */
export function autogroupNice(pid: number): number | undefined {
  try {
    return Number(/nice (-?\d+)/.exec(fs.readFileSync(`/proc/${pid}/autogroup`, 'latin1'))?.[1]);
  } catch {
    return undefined;
  }
}
