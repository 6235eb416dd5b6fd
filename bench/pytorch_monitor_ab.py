"""Two versions of gradscope_torch side by side: the CPU time spent inside ``Monitor.step`` per step, for a base copy
of the package (--base: a directory holding a ``gradscope_torch`` package, e.g. extracted with
``git archive <commit> python/gradscope_torch | tar -x -C /tmp/base --strip-components=1``) and for python/ here.

Each version monitors its own, identical training loop (pytorch_bench.Setup: same seed, batches, optimizer) in this
one process; the loops run in alternating blocks of 20 steps (the order flips every block), so that a shared
machine's load falls on both alike. Prints one JSON line per model: the median over blocks of this thread's CPU time
(time.thread_time), the process's CPU time (all threads: an OpenMP team's work and spinning) and the wall time inside
``mon.step``, in ms per step.

    PYTHONPATH=python:bench OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE \\
        python3 bench/pytorch_monitor_ab.py --base /tmp/base --threads 2 --blocks 30
"""
import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time

import torch

import gradscope_torch
from pytorch_bench import Setup

BLOCK = 20


def load_base(directory):
    """The gradscope_torch package in `directory`, imported under another name (its imports are relative)."""
    init = os.path.join(directory, "gradscope_torch", "__init__.py")
    spec = importlib.util.spec_from_file_location("gradscope_torch_base", init)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gradscope_torch_base"] = module
    spec.loader.exec_module(module)
    return module


def compare(name, packages, args):
    loops = []
    for tag, package in packages:
        setup = Setup(name)
        run_dir = tempfile.mkdtemp(prefix="gradscope-ab-")
        mon = package.Monitor(
            setup.net, name="ab", run_dir=run_dir, optimizer=setup.opt, measure_every=args.measure_every
        )
        mon.__enter__()
        loops.append({"tag": tag, "setup": setup, "mon": mon, "i": 0, "thread": [], "cpu": [], "wall": []})
    for block in range(args.blocks + 2):  # the first two blocks warm up (the first forward is traced)
        for loop in loops if block % 2 else loops[::-1]:
            thread = cpu = wall = 0.0
            for _ in range(BLOCK):
                loss = loop["setup"].loss(loop["i"])
                loop["i"] += 1
                t, c, w = time.thread_time(), time.process_time(), time.perf_counter()
                loop["mon"].step(loss)
                thread += time.thread_time() - t
                cpu += time.process_time() - c
                wall += time.perf_counter() - w
            if block >= 2:
                for key, value in (("thread", thread), ("cpu", cpu), ("wall", wall)):
                    loop[key].append(value / BLOCK * 1e3)
    for loop in loops:
        loop["mon"].__exit__(None, None, None)
    row = {"model": name, "threads": torch.get_num_threads(), "measureEvery": args.measure_every}
    for key in ("thread", "cpu", "wall"):
        row[key + "Ms"] = {loop["tag"]: round(statistics.median(loop[key]), 3) for loop in loops}
    row["loadavg"] = os.getloadavg()
    print(json.dumps(row), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="a directory holding the base gradscope_torch package")
    parser.add_argument("--models", default="mlp-784-256-256-10,conv-16-32-mnist")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--measure-every", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    packages = [("base", load_base(args.base)), ("new", gradscope_torch)]
    print(json.dumps({"loadavg": os.getloadavg(), "when": "before"}), flush=True)
    for name in args.models.split(","):
        compare(name, packages, args)


if __name__ == "__main__":
    main()
