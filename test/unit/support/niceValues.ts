// Linux: the scheduling priority a process runs at, read from /proc (the engine's `priority` option is checked here).
import * as fs from 'fs';
import * as path from 'path';

/** The nice value of each thread of `pid`: field 19 of /proc/<pid>/task/<tid>/stat. */
export function threadNiceValues(pid: number): number[] {
  const dir = `/proc/${pid}/task`;
  return fs.readdirSync(dir).map((tid) => {
    const stat = fs.readFileSync(path.join(dir, tid, 'stat'), 'latin1');
    // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/** The nice value of the autogroup of `pid`, or undefined when the kernel has none. */
export function autogroupNice(pid: number): number | undefined {
  try {
    return Number(/nice (-?\d+)/.exec(fs.readFileSync(`/proc/${pid}/autogroup`, 'latin1'))?.[1]);
  } catch {
    return undefined;
  }
}
