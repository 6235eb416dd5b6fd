"""Helpers for the monitor's tests: a short training run in a temporary directory, and its events read back."""
import json
import os
import shutil
import tempfile
import unittest

import torch
from torch import nn

from gradscope_torch import Monitor


def read_events(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def steps_of(events):
    return [e for e in events if e["type"] == "step"]


class RunCase(unittest.TestCase):
    """A test case with a fresh temporary directory (self.tmp) and `train` to record a short run in it."""

    def setUp(self):
        torch.manual_seed(0)
        self.tmp = tempfile.mkdtemp(prefix="gradscope-torch-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def train(self, model, x, y, steps=3, lr=0.1, loss_fn=None, on_step=None, before_step=None, **monitor_args):
        """Trains `model` on the batch (x, y) for `steps` SGD steps under a Monitor; returns (events, run_dir).

        before_step(model) runs after backward, before optimizer.step(); on_step(model, step) after mon.step.
        """
        loss_fn = loss_fn or nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        run_dir = tempfile.mkdtemp(prefix="run-", dir=self.tmp)  # a fresh run directory per call
        monitor_args.setdefault("name", "test")
        with Monitor(model, run_dir=run_dir, **monitor_args) as mon:
            for step in range(steps):
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                if before_step:
                    before_step(model)
                opt.step()
                mon.step(loss)
                if on_step:
                    on_step(model, step)
            mon.epoch(val_loss=1.0)
        return read_events(run_dir), run_dir


def by_name(step_event):
    return {m["name"]: m for m in step_event["layers"]}
