"""Reads a scheduler trace (bench/sched/trace.sh) and answers: while thread PID was ready to run but not running
(woken, or preempted), which processes held the CPUs? Prints the waits' histogram, the CPU time of each process
during all waits, each wait longer than MIN seconds with who ran meanwhile, and each process's CPU time overall.

    python3 bench/sched/who.py TRACE PID [MIN]
"""
import bisect
import collections
import re
import sys

LINE = re.compile(r'^\s*(.+?)-(\d+)\s+\(\s*([\d-]+)\)\s+\[(\d+)\]\s+\S+\s+([\d.]+): (\w+): (.*)$')
FIELD = re.compile(r'(\w+)=(\S+)')


def main(path, pid, min_wait):
    tgid, comm = {}, {}
    current = {}  # cpu -> (pid, since)
    runs = collections.defaultdict(list)  # cpu -> [(start, end, pid)]
    waits, wait_start = [], None
    for line in open(path, errors='replace'):
        m = LINE.match(line)
        if not m:
            continue
        task_comm, task, task_tgid, cpu, ts, event, rest = m.groups()
        task, cpu, ts = int(task), int(cpu), float(ts)
        if task_tgid.isdigit():
            tgid[task] = int(task_tgid)
        comm.setdefault(task, task_comm)
        f = dict(FIELD.findall(rest))
        if event == 'sched_switch':
            prev, nxt = int(f['prev_pid']), int(f['next_pid'])
            comm[nxt] = f['next_comm']
            if cpu in current:
                runs[cpu].append((current[cpu][1], ts, prev))
            current[cpu] = (nxt, ts)
            if prev == pid and f['prev_state'].startswith('R'):
                wait_start = ts  # preempted: still ready to run
            if nxt == pid and wait_start is not None:
                waits.append((wait_start, ts))
                wait_start = None
        elif event in ('sched_wakeup', 'sched_wakeup_new') and int(f['pid']) == pid and wait_start is None:
            wait_start = ts

    def process(p):
        g = tgid.get(p, p)
        return f"{comm.get(g, '?')}[{g}]" if p else 'idle'

    starts = {c: [r[0] for r in runs[c]] for c in runs}

    def holders(s, e):
        held = collections.Counter()
        for c in runs:
            i = max(bisect.bisect_right(starts[c], s) - 1, 0)
            while i < len(runs[c]) and runs[c][i][0] < e:
                a, b, p = runs[c][i]
                overlap = min(b, e) - max(a, s)
                if overlap > 0:
                    held[(c, process(p))] += overlap
                i += 1
        return held

    total = sum(e - s for s, e in waits)
    print(f'waits: {len(waits)}, {total * 1000:.0f} ms in all; longer than {min_wait * 1000:.0f} ms: '
          f'{sum(1 for s, e in waits if e - s > min_wait)}')
    bins = collections.Counter(min(int((e - s) * 1000 // 5) * 5, 60) for s, e in waits)
    print('waits by length (ms, 5 ms bins):', sorted(bins.items()))
    during = collections.Counter()
    for s, e in waits:
        for (_, p), v in holders(s, e).items():
            during[p] += v
    print('CPU time of each process while the thread waited (ms, both CPUs):')
    for p, v in during.most_common(12):
        print(f'  {v * 1000:8.1f}  {p}')
    print('long waits:')
    for s, e in waits:
        if e - s > min_wait:
            held = sorted(holders(s, e).items(), key=lambda kv: -kv[1])[:6]
            print(f'  at {s:.3f} s, {(e - s) * 1000:.1f} ms: ' + ', '.join(f'cpu{c} {p} {v * 1000:.1f}' for (c, p), v in held))
    overall = collections.Counter()
    for c in runs:
        for a, b, p in runs[c]:
            overall[process(p)] += b - a
    print('CPU time of each process over the trace (ms):')
    for p, v in overall.most_common(12):
        print(f'  {v * 1000:8.1f}  {p}')


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.02)
