"""PyTorch's training throughput on the bench models (bench/benchModels.ts), for bench/trainingOverhead.ts.

Same layers, initialisation aside, optimizer, learning rate, batch size and loss; four fixed random batches; one
host readback (loss.item()) per step, as gradscope's step reads its packed tensor once. Prints one JSON line per
model: {"model", "samplesPerSec", "optimizer"}; a first line {"setup"} says torch's version, threads and BLAS.

    python3 bench/pytorch_bench.py --models mlp-784-256-256-10,conv-16-32-mnist --seconds 3 --rounds 3

With --serve 1 it measures on request instead, so that a caller can interleave PyTorch's rounds with its own: after
the {"setup"} line, each line {"model", "seconds"} read from stdin is answered with one line {"model",
"samplesPerSec", "optimizer", "cpuSamplesPerSec"} (or {"model", "error"}), until stdin closes.
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)), (784,), 10


def sigmoid20():
    layers = []
    width = 2
    for _ in range(20):
        layers += [nn.Linear(width, 64), nn.Sigmoid()]
        width = 64
    return nn.Sequential(*layers, nn.Linear(64, 3)), (2,), 3


def conv():
    # conv2d 16 3×3 relu (valid) → max pool 2 → conv2d 32 3×3 relu → max pool 2 → flatten → dense 10 softmax
    net = nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 10),
    )
    return net, (1, 28, 28), 10


# name → (builder, batch size, optimizer, learning rate): as in bench/benchModels.ts
MODELS = {
    "mlp-784-256-256-10": (mlp, 128, "adam", 0.001),
    "sigmoid-20x64": (sigmoid20, 64, "sgd", 0.01),
    "conv-16-32-mnist": (conv, 64, "adam", 0.001),
}


class Setup:
    """Model `name` built with seed 1, its optimizer, four fixed random batches (xs, ys) and the loss."""

    def __init__(self, name):
        build, self.batch, self.opt_name, lr = MODELS[name]
        torch.manual_seed(1)
        self.net, shape, classes = build()
        params = self.net.parameters()
        self.opt = torch.optim.Adam(params, lr=lr) if self.opt_name == "adam" else torch.optim.SGD(params, lr=lr)
        self.xs = [torch.rand(self.batch, *shape) for _ in range(4)]
        self.ys = [torch.randint(0, classes, (self.batch,)) for _ in range(4)]
        self.loss_fn = nn.CrossEntropyLoss()  # softmax + cross-entropy, as the specs' softmax output with categorical loss

    def loss(self, i):
        """One step up to the update: zero_grad, forward on batch i % 4, backward, optimizer step; the loss tensor."""
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.net(self.xs[i % 4]), self.ys[i % 4])
        loss.backward()
        self.opt.step()
        return loss


def throughput(name, seconds):
    """samples/s of model `name` over `seconds` (after 10 warm-up steps), its optimizer's name, and samples per
    second of this process's CPU time (all its threads: steadier than wall time when other processes share the cores).
    """
    s = Setup(name)
    batch, opt_name = s.batch, s.opt_name


    def step(i):
        return s.loss(i).item()

    for i in range(10):
        step(i)
    steps = 0
    start, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        step(steps)
        steps += 1
    cpu = time.process_time() - cpu
    return steps * batch / (time.perf_counter() - start), opt_name, steps * batch / max(cpu, 1e-9)


def bench_arguments(models, rounds, extra=None):
    """--models, --seconds, --rounds, --threads (torch's thread count is set from it); extra: {"--flag": int default}."""
    parser = argparse.ArgumentParser()
    for flag, default in (extra or {}).items():
        parser.add_argument(flag, type=int, default=default)
    parser.add_argument("--models", default=",".join(models))
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    return args


def paired_blocks(keys, plain, other, seconds):
    """Block pairs in both orders: for each key, a plain() block and an other(key) block, the order flipping every
    round, until `seconds` of blocks have run and each order has had a round. Each call returns a tuple whose first
    item is the block's wall seconds. Returns {key: ([other/plain ratios, plain first], [the same, other first])},
    each ratio a tuple (one per item of the calls' tuples)."""
    ratios = {key: ([], []) for key in keys}
    spent, flip = 0.0, 0
    while spent < seconds or flip:
        for key in keys:
            if flip:
                o, p = other(key), plain()
            else:
                p, o = plain(), other(key)
            ratios[key][flip].append(tuple(a / b for a, b in zip(o, p)))
            spent += p[0] + o[0]
        flip = 1 - flip
    return ratios


def paired_ratio(base_first, other_first):
    """(ratio, order bias) from per-block ratios (other loop's block time / the base's block paired with it) measured
    in both orders. A block that runs right after another may start cold (caches, the BLAS threads asleep): the
    geometric mean of the two orders' medians cancels that cost when it is the same factor in both orders. The order
    bias is how much slower a block is when it runs first (1: none)."""
    a, b = statistics.median(base_first), statistics.median(other_first)
    return math.sqrt(a * b), math.sqrt(b / a)


def blas_loaded():
    with open("/proc/self/maps") as f:
        maps = f.read()
    for lib in ("openblas", "mkl", "blis"):
        if lib in maps:
            return lib
    return "reference"


def setup_line():
    return json.dumps({"setup": f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, BLAS {blas_loaded()}"})


def serve():
    print(setup_line(), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        name = request["model"]
        if name not in MODELS:
            print(json.dumps({"model": name, "error": "no PyTorch version of this model"}), flush=True)
            continue
        rate, opt_name, cpu_rate = throughput(name, request["seconds"])
        answer = {"model": name, "samplesPerSec": rate, "optimizer": opt_name, "cpuSamplesPerSec": cpu_rate}
        print(json.dumps(answer), flush=True)


def main():
    args = bench_arguments(MODELS, 3, {"--serve": 0})
    if args.serve:
        return serve()
    names = [n for n in args.models.split(",") if n in MODELS]
    figures = {n: [] for n in names}
    opts = {}
    for _ in range(args.rounds):
        for n in names:
            rate, opts[n], _ = throughput(n, args.seconds)
            figures[n].append(rate)
    print(setup_line(), flush=True)
    for n in names:
        print(json.dumps({"model": n, "samplesPerSec": statistics.median(figures[n]), "optimizer": opts[n]}), flush=True)


if __name__ == "__main__":
    main()
