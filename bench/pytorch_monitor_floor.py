"""The floor of the gradscope_torch monitor's overhead: what the torch operations that every measured step needs cost
on their own, without the monitor's Python (layouts, per-layer dicts, the JSON line) and with the cheapest form of each
statistic. If this costs more than the target, no arrangement of the same torch calls meets it.

Per measured step, as the monitor computes them (python/gradscope_torch/measure.py):
  norms        ‖grad‖ of every parameter and ‖W‖ of every kernel after the update: one torch._foreach_norm
  update       ‖W before − W after‖: _foreach_sub_ into the copy kept from the last step, _foreach_norm of it,
               and the copy refreshed for the next step (copy_ per kernel: torch 1.13 has no _foreach_copy_)
  activations  at each ReLU's forward end (the tensors are let go before backward): per-unit sums, their total,
               ‖x‖ and how many sums are nonzero (the one-pass mean, std and dead units of measure.py's "wide" path)
  all          the three together
  none         nothing: plain against plain, the control (its overhead should be 1 within the method's noise)
Every variant reads its numbers back with one torch.stack(...).tolist(), as the monitor does.

One training loop per bench model (pytorch_bench.Setup) runs blocks of --block-steps steps, each variant's block
paired with a plain block of the same loop, the order flipping every round.
Prints JSON lines {"setup"}, then per model and variant {"model", "part", "overhead", "orderBias", "blocks"}: see
pytorch_bench.paired_ratio.

    PYTHONPATH=python:bench python3 bench/pytorch_monitor_floor.py --seconds 3 --rounds 5
"""
import json
import os
import time

import torch

from pytorch_bench import Setup, bench_arguments, blas_loaded, paired_blocks, paired_ratio

BENCH_MODELS = ["mlp-784-256-256-10", "conv-16-32-mnist"]
PARTS = ["none", "norms", "update", "activations", "all"]  # none: plain against plain, the method's control (≈ 1)


class Loop:
    """One training loop of model `name`; `part` (None: plain) says which of the monitor's work each step also does.
    Plain and measured blocks run on this same loop: two loops built alike (same seed, data, optimizer) differed by up
    to 8 % in a plain-against-plain control, the tensors' placement in memory being all that differs between them."""

    def __init__(self, name):
        self.setup = Setup(name)
        self.i = 0
        net = self.setup.net
        self.params = list(net.parameters())
        self.kernels = [p for p in self.params if p.dim() > 1]
        self.before = [k.detach().clone() for k in self.kernels]
        self.relus = [m for m in net.modules() if isinstance(m, torch.nn.ReLU)]
        self.queued = []
        self.hooks = []
        self.part = None

    def use(self, part):
        """Switches to `part` (outside the timed blocks): the ReLU hooks are there only while activations are read."""
        for h in self.hooks:
            h.remove()
        self.hooks = []
        if part in ("activations", "all"):
            self.hooks = [m.register_forward_hook(self._activation) for m in self.relus]
        self.part = part

    @torch.no_grad()
    def _activation(self, module, inputs, output):
        x = output.detach()
        sums = x.view(x.shape[0], x.shape[1], -1).sum(2).sum(0) if x.dim() > 2 else x.sum(0)
        self.queued += [sums.sum(), torch.linalg.vector_norm(x), torch.linalg.vector_norm(sums, 0)]

    @torch.no_grad()
    def _measure(self, loss):
        parts = [loss.detach()]
        if self.part in ("norms", "all"):
            parts += torch._foreach_norm([p.grad for p in self.params] + self.kernels)
        if self.part in ("update", "all"):
            torch._foreach_sub_(self.before, self.kernels)
            parts += torch._foreach_norm(self.before)
            for b, k in zip(self.before, self.kernels):
                b.copy_(k)
        parts += self.queued
        self.queued = []
        return torch.stack(parts).tolist()

    def steps(self, part, n):
        """n steps doing `part`'s work; (the wall seconds they took,)."""
        self.use(part)
        start = time.perf_counter()
        for _ in range(n):
            loss = self.setup.loss(self.i)
            self.i += 1
            if part in (None, "none"):
                loss.item()
            else:
                self._measure(loss)
        return (time.perf_counter() - start,)


def bench_model(name, args):
    loop = Loop(name)
    for part in PARTS:
        loop.steps(part, 10)
    ratios = paired_blocks(
        PARTS,
        lambda: loop.steps(None, args.block_steps),
        lambda part: loop.steps(part, args.block_steps),
        args.seconds * args.rounds * (len(PARTS) + 1),
    )
    for part in PARTS:
        overhead, bias = paired_ratio(*([r[0] for r in order] for order in ratios[part]))
        row = {"model": name, "part": part, "overhead": round(overhead, 4), "orderBias": round(bias, 4)}
        row["blocks"] = len(ratios[part][0]) + len(ratios[part][1])
        print(json.dumps(row), flush=True)


def main():
    args = bench_arguments(BENCH_MODELS, 5, {"--block-steps": 20})
    setup = f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, BLAS {blas_loaded()}, CPU"
    print(json.dumps({"setup": setup, "loadavg": os.getloadavg()}), flush=True)
    for name in args.models.split(","):
        bench_model(name, args)


if __name__ == "__main__":
    main()
