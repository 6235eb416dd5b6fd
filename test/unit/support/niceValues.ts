// Linux: the scheduling priority a process runs at, read from /proc (the engine's `priority` option is checked here).
import * as fs from 'fs';
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

/** The nice value of the autogroup of `pid`, or undefined when the kernel has none. */
export function autogroupNice(pid: number): number | undefined {
  try {
    return Number(/nice (-?\d+)/.exec(fs.readFileSync(`/proc/${pid}/autogroup`, 'latin1'))?.[1]);
  } catch {
    return undefined;
  }
}
