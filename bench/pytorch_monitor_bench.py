"""The gradscope_torch monitor's overhead: training throughput of the bench models (pytorch_bench.MODELS) without and
with a Monitor recording every step (measure_every=1, the default, the worst case) and every 10th step.

One training loop per model runs short blocks (--block-steps steps each, for --seconds per mode and round): each
monitored block (under a Monitor entered for it, every step or every 10th) is paired with a plain block of the same
loop, the order flipping every round, so that a shared machine's load drifts into both alike. Prints JSON lines:
{"loadavg"} before and after, {"setup"}, then per model and mode {"model", "mode", "measureEvery", "samplesPerSec",
"samplesPerCpuSec"}, then per model and monitored mode {"model", "measureEvery", "overhead", "cpuOverhead", "blocks"}
where overhead = the ratio of monitored to plain block time (the geometric mean of the medians of the two orders'
ratios, see pytorch_bench.paired_ratio; 1.05 = the monitor costs 5 %) and cpuOverhead the same in this process's
CPU time.

    PYTHONPATH=python:bench python3 bench/pytorch_monitor_bench.py --seconds 3 --rounds 5
"""
import json
import os
import shutil
import statistics
import tempfile
import time

import torch

from gradscope_torch import Monitor
from pytorch_bench import MODELS, Setup, bench_arguments, blas_loaded, paired_blocks, paired_ratio

BENCH_MODELS = ["mlp-784-256-256-10", "conv-16-32-mnist"]
MODES = [("plain", None), ("monitored", 1), ("monitored", 10)]
BLOCK_STEPS = 20  # a multiple of 10: each block of the every-10th loop measures the same number of steps
WARM_UP = 2  # untimed steps of a freshly entered Monitor (its first measured forward is traced)


class Loop:
    """One training loop of model `name` (pytorch_bench.Setup). Plain and monitored blocks run on this same loop: two
    loops built alike differed by up to 8 % in a plain-against-plain control (docs/pytorch.md), their tensors' places
    in memory being all that differs."""

    def __init__(self, name, tmp):
        self.setup = Setup(name)
        self.batch = self.setup.batch
        self.tmp = tmp
        self.i = 0

    def _run(self, n, mon):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            loss = self.setup.loss(self.i)
            if mon is not None:
                mon.step(loss)
            else:
                loss.item()  # the plain loop reads its loss back too, as a training loop that logs it does
            self.i += 1
        return time.perf_counter() - wall, time.process_time() - cpu

    def block(self, n, measure_every):
        """n timed steps, plain (measure_every None) or under a Monitor entered for this block (not timed: entering,
        WARM_UP steps with the monitor's first, traced forward, leaving). Returns (wall seconds, process CPU
        seconds)."""
        if measure_every is None:
            return self._run(n, None)
        run_dir = tempfile.mkdtemp(dir=self.tmp)
        net, opt = self.setup.net, self.setup.opt
        with Monitor(net, name="bench", run_dir=run_dir, measure_every=measure_every, optimizer=opt) as mon:
            self._run(WARM_UP, mon)
            timed = self._run(n, mon)
        shutil.rmtree(run_dir, ignore_errors=True)
        return timed


def bench_model(name, args, tmp):
    block = args.block_steps
    loop = Loop(name, tmp)
    for _, every in MODES:
        loop.block(10, every)  # warm-up
    times = {mode: [] for mode in MODES}

    def timed(mode):
        t = loop.block(block, mode[1])
        times[mode].append(t)
        return t

    budget = args.seconds * args.rounds * len(MODES)
    ratios = paired_blocks(MODES[1:], lambda: timed(MODES[0]), timed, budget)
    batch = loop.batch
    for mode, every in MODES:
        row = {"model": name, "mode": mode, "measureEvery": every}
        row["samplesPerSec"] = round(block * batch / statistics.median(w for w, _ in times[(mode, every)]), 1)
        row["samplesPerCpuSec"] = round(block * batch / statistics.median(c for _, c in times[(mode, every)]), 1)
        print(json.dumps(row), flush=True)
    for mode in MODES[1:]:
        first, second = ratios[mode]
        row = {"model": name, "measureEvery": mode[1]}
        row["overhead"] = round(paired_ratio([r[0] for r in first], [r[0] for r in second])[0], 4)
        row["cpuOverhead"] = round(paired_ratio([r[1] for r in first], [r[1] for r in second])[0], 4)
        row["blocks"] = len(first) + len(second)
        print(json.dumps(row), flush=True)


def main():
    args = bench_arguments(BENCH_MODELS, 5, {"--block-steps": BLOCK_STEPS})
    print(json.dumps({"loadavg": os.getloadavg(), "when": "before"}), flush=True)
    setup = f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, BLAS {blas_loaded()}, CPU"
    print(json.dumps({"setup": setup, "blockSteps": args.block_steps}), flush=True)
    tmp = tempfile.mkdtemp(prefix="gradscope-monitor-bench-")
    try:
        for name in [n for n in args.models.split(",") if n in MODELS]:
            bench_model(name, args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"loadavg": os.getloadavg(), "when": "after"}), flush=True)


if __name__ == "__main__":
    main()
