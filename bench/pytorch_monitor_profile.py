"""Where a monitored step's time goes: this thread's CPU time (time.thread_time, so other processes and waiting for a
core do not count) in each part of gradscope_torch's Monitor.step and its forward hooks, per step, on the bench models
(pytorch_bench.MODELS) trained with a Monitor at measure_every=1. Run with 1 torch thread so that every kernel runs on
this thread and is counted. Prints one JSON line per model: {"model", "stepMs" (the whole training step),
"partsMs": {part: ms per step}}.

    PYTHONPATH=python:bench OMP_NUM_THREADS=1 python3 bench/pytorch_monitor_profile.py --threads 1 --steps 300
"""
import argparse
import json
import tempfile
import time

import torch

from gradscope_torch import Monitor
from gradscope_torch import measure as measure_module
from gradscope_torch import monitor as monitor_module
from pytorch_bench import Setup

# (class, method, part name): Monitor.step includes measure, keep_weights and EventWriter.append; the activation
# statistics (_activation_parts) run when the measured forward ends (Measurer._summarise, a forward hook of the model),
# outside Monitor.step: add that part to Monitor.step's for the monitor's whole cost.
PARTS = [
    (monitor_module.Monitor, "step", "Monitor.step (all of it)"),
    (measure_module.Measurer, "measure", "measure: norms, update, activations, read-back"),
    (measure_module.Measurer, "_activation_parts", "activation statistics"),
    (measure_module.Measurer, "keep_weights", "weight copy for updateRatio"),
    (monitor_module.EventWriter, "append", "JSON line"),
    (measure_module.Measurer, "_pre", "forward pre-hooks"),
    (measure_module.Measurer, "_post", "forward hooks"),
    (monitor_module.Monitor, "_count_batch", "batch-size hook"),
]


def instrument(totals):
    for cls, name, part in PARTS:
        original = getattr(cls, name)

        def timed(*args, _original=original, _part=part, **kwargs):
            t = time.thread_time()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_part] = totals.get(_part, 0.0) + time.thread_time() - t

        setattr(cls, name, timed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="mlp-784-256-256-10,conv-16-32-mnist")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    totals = {}
    instrument(totals)
    for name in args.models.split(","):
        setup = Setup(name)
        with Monitor(setup.net, name="profile", run_dir=tempfile.mkdtemp(), optimizer=setup.opt) as mon:
            for i in range(args.steps + 20):
                if i == 20:  # after warm-up
                    totals.clear()
                    start = time.thread_time()
                mon.step(setup.loss(i))
            step = (time.thread_time() - start) / args.steps
        parts = {part: round(totals.get(part, 0.0) / args.steps * 1e3, 3) for _, _, part in PARTS}
        print(json.dumps({"model": name, "threads": args.threads, "stepMs": round(step * 1e3, 3), "partsMs": parts}))


if __name__ == "__main__":
    main()
