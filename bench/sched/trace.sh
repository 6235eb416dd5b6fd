#!/bin/bash
# Records the Linux scheduler's switches and wake-ups (tracefs, root only) while a command runs, to see who held the
# CPUs while a thread waited for one: bench/sched/who.py reads the trace.
#   bench/sched/trace.sh OUT.txt -- node test/integration/run.js --grep responsiveness --timeout 900000
#   python3 bench/sched/who.py OUT.txt <pid of the waiting thread> [minimum wait in s, default 0.02]
# The responsiveness test writes the extension host's pid (its main thread's id) as hostPid in
# test-results/extension-host-loop-delay.json. Timestamps use CLOCK_MONOTONIC, the clock of process.hrtime.
set -u
out=$1
shift 2
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T || exit 1
echo 0 > $T/tracing_on
echo > $T/trace
echo mono > $T/trace_clock
echo 65536 > $T/buffer_size_kb
echo 1 > $T/options/record-tgid
echo > $T/set_event
for e in sched:sched_switch sched:sched_wakeup sched:sched_wakeup_new; do echo $e >> $T/set_event; done
echo 1 > $T/tracing_on
"$@"
rc=$?
echo 0 > $T/tracing_on
cat $T/trace > "$out"
echo > $T/set_event
exit $rc
