"""The gradscope_torch monitor's overhead: training throughput of the bench models (pytorch_bench.MODELS) without and
with a Monitor recording every step (measure_every=1, the default, the worst case) and every 10th step.

Rounds alternate plain and monitored runs of the same model so that a shared machine's load drifts into both alike;
each figure is the median over rounds. Prints JSON lines: {"setup"}, then per model and mode {"model", "mode",
"measureEvery", "samplesPerSec", "samplesPerCpuSec"}, then per model {"model", "overhead", "cpuOverhead"} where
overhead = plain / monitored samples/s (1.05 = the monitor costs 5 %) and cpuOverhead the same per second of the
process's CPU time (steadier on a shared machine, where wall time also counts waiting for a core), and {"loadavg"}
before and after.

    PYTHONPATH=python python3 bench/pytorch_monitor_bench.py --seconds 3 --rounds 5
"""
import json
import os
import shutil
import statistics
import tempfile

import torch

from gradscope_torch import Monitor
from pytorch_bench import MODELS, bench_arguments, blas_loaded, throughput

BENCH_MODELS = ["mlp-784-256-256-10", "conv-16-32-mnist"]


def monitored(measure_every, tmp):
    """A Monitor recording into a fresh directory under tmp, for pytorch_bench.throughput; None: the plain loop."""
    if measure_every is None:
        return None
    return lambda net, opt: Monitor(
        net, name="bench", run_dir=tempfile.mkdtemp(dir=tmp), measure_every=measure_every, optimizer=opt
    )


def main():
    args = bench_arguments(BENCH_MODELS, 5)
    print(json.dumps({"loadavg": os.getloadavg(), "when": "before"}), flush=True)
    setup = f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, BLAS {blas_loaded()}, CPU"
    print(json.dumps({"setup": setup}), flush=True)
    modes = [("plain", None), ("monitored", 1), ("monitored", 10)]
    tmp = tempfile.mkdtemp(prefix="gradscope-monitor-bench-")
    try:
        for name in [n for n in args.models.split(",") if n in MODELS]:
            figures = {m: [] for m in modes}
            for _ in range(args.rounds):
                for mode in modes:
                    rate, _, per_cpu = throughput(name, args.seconds, monitored(mode[1], tmp))
                    figures[mode].append((rate, per_cpu))
            wall = {m: statistics.median(r for r, _ in v) for m, v in figures.items()}
            cpu = {m: statistics.median(c for _, c in v) for m, v in figures.items()}
            for mode, every in modes:
                row = {"model": name, "mode": mode, "measureEvery": every, "samplesPerSec": round(wall[(mode, every)], 1)}
                row["samplesPerCpuSec"] = round(cpu[(mode, every)], 1)
                print(json.dumps(row), flush=True)
            for mode in modes[1:]:
                row = {"model": name, "measureEvery": mode[1], "overhead": round(wall[modes[0]] / wall[mode], 4)}
                row["cpuOverhead"] = round(cpu[modes[0]] / cpu[mode], 4)
                print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"loadavg": os.getloadavg(), "when": "after"}), flush=True)


if __name__ == "__main__":
    main()
