"""The gradscope_torch monitor's overhead: training throughput of the bench models (pytorch_bench.MODELS) without and
with a Monitor recording every step (measure_every=1, the default, the worst case) and every 10th step.

The three loops (plain, every step, every 10th) are built side by side in one process and run in short alternating
blocks (--block-steps steps each, for --seconds per mode and round), so that a shared machine's load drifts into all
three alike; each block pair gives a ratio and the figures are medians over blocks. Prints JSON lines: {"loadavg"}
before and after, {"setup"}, then per model and mode {"model", "mode", "measureEvery", "samplesPerSec",
"samplesPerCpuSec"}, then per model and monitored mode {"model", "measureEvery", "overhead", "cpuOverhead", "blocks"}
where overhead = the median over blocks of (monitored block time / plain block time next to it) (1.05 = the monitor
costs 5 %) and cpuOverhead the same in this process's CPU time.

    PYTHONPATH=python:bench python3 bench/pytorch_monitor_bench.py --seconds 3 --rounds 5
"""
import contextlib
import json
import os
import shutil
import statistics
import tempfile
import time

import torch

from gradscope_torch import Monitor
from pytorch_bench import MODELS, Setup, bench_arguments, blas_loaded

BENCH_MODELS = ["mlp-784-256-256-10", "conv-16-32-mnist"]
MODES = [("plain", None), ("monitored", 1), ("monitored", 10)]
BLOCK_STEPS = 20  # a multiple of 10: each block of the every-10th loop measures the same number of steps


class Loop:
    """One training loop of model `name` (same seed, batches and optimizer for every mode), with or without a Monitor."""

    def __init__(self, name, measure_every, tmp, stack):
        self.setup = Setup(name)
        self.batch = self.setup.batch
        self.mon = None
        if measure_every is not None:
            run_dir = tempfile.mkdtemp(dir=tmp)
            net, opt = self.setup.net, self.setup.opt
            self.mon = stack.enter_context(
                Monitor(net, name="bench", run_dir=run_dir, measure_every=measure_every, optimizer=opt)
            )
        self.i = 0

    def steps(self, n):
        """Runs n steps; returns (wall seconds, process CPU seconds)."""
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(n):
            loss = self.setup.loss(self.i)
            if self.mon is not None:
                self.mon.step(loss)
            else:
                loss.item()  # the plain loop reads its loss back too, as a training loop that logs it does
            self.i += 1
        return time.perf_counter() - wall, time.process_time() - cpu


def bench_model(name, args, tmp):
    block = args.block_steps
    with contextlib.ExitStack() as stack:
        loops = {mode: Loop(name, mode[1], tmp, stack) for mode in MODES}
        for loop in loops.values():
            loop.steps(10)  # warm-up (and the monitor's first, traced forward)
        times = {mode: [] for mode in MODES}
        spent = 0.0
        while spent < args.seconds * args.rounds * len(MODES):
            for mode, loop in loops.items():
                wall, cpu = loop.steps(block)
                times[mode].append((wall, cpu))
                spent += wall
    batch = loops[MODES[0]].batch
    for mode, every in MODES:
        row = {"model": name, "mode": mode, "measureEvery": every}
        row["samplesPerSec"] = round(block * batch / statistics.median(w for w, _ in times[(mode, every)]), 1)
        row["samplesPerCpuSec"] = round(block * batch / statistics.median(c for _, c in times[(mode, every)]), 1)
        print(json.dumps(row), flush=True)
    plain = times[MODES[0]]
    for mode in MODES[1:]:
        pairs = list(zip(plain, times[mode]))
        row = {"model": name, "measureEvery": mode[1]}
        row["overhead"] = round(statistics.median(m[0] / p[0] for p, m in pairs), 4)
        row["cpuOverhead"] = round(statistics.median(m[1] / p[1] for p, m in pairs), 4)
        row["blocks"] = len(pairs)
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
