// Linux: the scheduling priority a process runs at, read from /proc or by getpriority(2) (the engine's `priority`
// option is checked here).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The nice value of thread `tid` of `pid`: field 19 of /proc/<pid>/task/<tid>/stat. */
export function threadNice(pid: number, tid: number | string): number {
  const stat = fs.readFileSync(path.join(`/proc/${pid}/task`, String(tid), 'stat'), 'latin1');
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** The nice value of each thread of `pid`. */
export function threadNiceValues(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => threadNice(pid, tid));
}

/**
 * threadNiceValues by getpriority(2) on each thread, reading no file of a thread. For a process that another one
 * will reap while it is being measured: once a thread's files under /proc/<pid>/task/<tid>/ have been read, the kernel
 * clears their cached entries when the process is reaped, in the reaper's wait4. That took 1–5 ms per reap of a
 * 3-thread child on an idle machine against under 0.1 ms without the reads (perf trace -e wait4), and up to 90 ms on
 * the extension host's main thread in the responsiveness test (perf record: wait4 → release_task →
 * proc_invalidate_siblings_dcache → d_walk).
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
