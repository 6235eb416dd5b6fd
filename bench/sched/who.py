"""Reads a scheduler trace (bench/sched/trace.sh) and answers: while thread PID was ready to run but not running
(woken, or preempted), which processes held the CPUs? Prints the waits' histogram, the CPU time of each process
during all waits, each wait longer than MIN seconds with who ran meanwhile, and each process's CPU time overall.
Then every time the thread was off its CPU for longer than MIN in all, asleep then waiting: how long it slept, who
woke it, the tasks it had just created (a fork or a new thread) and how long those waited before they first ran.

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
    off = []  # [switched out, state, woken at, waker, switched in, tasks created just before]
    born = {}  # a task created by the thread -> [created at, first ran at]
    recent = []  # the thread's new tasks since it last ran
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
            if prev == pid:
                off.append([ts, f['prev_state'], None, None, None, recent])
                recent = []
            if nxt == pid and wait_start is not None:
                waits.append((wait_start, ts))
                wait_start = None
            if nxt == pid and off and off[-1][4] is None:
                off[-1][4] = ts
            if nxt in born and born[nxt][1] is None:
                born[nxt][1] = ts
        elif event == 'sched_wakeup_new' and task == pid:
            child = int(f['pid'])
            born[child] = [ts, None]
            comm.setdefault(child, f.get('comm', '?'))
            recent.append(child)
        if event in ('sched_wakeup', 'sched_wakeup_new') and int(f['pid']) == pid:
            if wait_start is None:
                wait_start = ts
            if off and off[-1][2] is None and off[-1][4] is None:
                off[-1][2], off[-1][3] = ts, f'{task_comm}[{tgid.get(task, task)}]'

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
    print(f'off the CPU for longer than {min_wait * 1000:.0f} ms (asleep, then waiting for a CPU):')
    for out, state, woken, waker, back, children in off:
        if back is None or back - out <= min_wait:
            continue
        woken = woken if woken is not None else out
        line = f'  at {out:.3f} s, {(back - out) * 1000:.1f} ms: state {state}, asleep {(woken - out) * 1000:.1f} ms'
        if state != 'R':
            line += f' (woken by {waker})'
        line += f', waiting {(back - woken) * 1000:.1f} ms'
        for c in children:
            first = born[c][1]
            line += f'; had created {comm.get(c, "?")}[{c}]' + (
                f', which waited {(first - born[c][0]) * 1000:.1f} ms to run' if first else '')
        print(line)
    print('CPU time of each process over the trace (ms):')
    for p, v in overall.most_common(12):
        print(f'  {v * 1000:8.1f}  {p}')


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.02)
