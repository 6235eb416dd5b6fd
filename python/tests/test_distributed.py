"""torch.distributed: two CPU processes (gloo) train a DistributedDataParallel model on halves of a batch. Only rank 0
writes, and its gradient norms are those of the all-reduced (averaged) gradients: the norms of a single process
training on the whole batch, computed here independently."""
import os
import shutil
import tempfile
import unittest

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from gradscope_torch import Monitor
from models import TwoLayer
from support import by_name, read_events, steps_of

STEPS = 2


def batch():
    g = torch.Generator().manual_seed(3)
    return torch.randn(16, 4, generator=g), torch.randint(0, 3, (16,), generator=g)


def worker(rank, world, tmp):
    torch.set_num_threads(1)
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # the two processes talk over the loopback interface only
    dist.init_process_group("gloo", init_method=f"file://{tmp}/rendezvous", rank=rank, world_size=world)
    try:
        torch.manual_seed(0)
        model = nn.parallel.DistributedDataParallel(TwoLayer())
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = batch()
        x, y = x[rank::world], y[rank::world]
        with Monitor(model, name="ddp", run_dir=os.path.join(tmp, f"run-rank{rank}")) as mon:
            for _ in range(STEPS):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                mon.step(loss)
            mon.epoch(val_loss=1.0)
    finally:
        dist.destroy_process_group()


class Distributed(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gradscope-ddp-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_rank_0_writes_the_norms_of_the_all_reduced_gradients(self):
        mp.spawn(worker, args=(2, self.tmp), nprocs=2, join=True)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "run-rank1")))
        events = read_events(os.path.join(self.tmp, "run-rank0"))
        self.assertEqual(events[0]["external"]["worldSize"], 2)
        self.assertEqual([l["name"] for l in events[0]["layers"]], ["fc1", "fc2"])  # inside the DDP wrapper

        # One process, the whole batch: the mean loss over 16 samples is the mean of the two halves' means.
        torch.manual_seed(0)
        model = TwoLayer()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = batch()
        expected = []
        for _ in range(STEPS):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            expected.append({n: torch.linalg.vector_norm(getattr(model, n).weight.grad).item() for n in ("fc1", "fc2")})
            opt.step()
        for step, exp in zip(steps_of(events), expected):
            layers = by_name(step)
            for name, norm in exp.items():
                self.assertAlmostEqual(layers[name]["gradNorm"] / norm, 1.0, places=5)


if __name__ == "__main__":
    unittest.main()
