"""The events file in the engine's contract (src/shared/engineProtocol.ts, runStore.ts): run-start, step, epoch and
run-end fields, the line format readers match on, the run directory and id, and how a run ends."""
import os
import re
import unittest

import torch
from torch import nn

import gradscope_torch
from gradscope_torch import Monitor
from models import TwoLayer
from support import RunCase, read_events, steps_of

HERE = os.path.dirname(os.path.abspath(__file__))


class Contract(RunCase):
    def run_loop(self, model, run_dir=None, steps=2, epochs=2, raise_in=None, **kwargs):
        x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
        opt = kwargs.pop("opt", None) or torch.optim.SGD(model.parameters(), lr=0.05)
        with Monitor(model, name="Contract Test", run_dir=run_dir, **kwargs) as mon:
            for epoch in range(epochs):
                for _ in range(steps):
                    opt.zero_grad()
                    loss = nn.functional.cross_entropy(model(x), y)
                    loss.backward()
                    opt.step()
                    mon.step(loss)
                    if raise_in is not None and mon.steps == 3:
                        raise raise_in
                mon.epoch(val_loss=1.5 - epoch, acc=0.5, val_acc=0.25)
        return mon

    def test_run_start_names_the_run_the_framework_and_the_layers(self):
        run_dir = os.path.join(self.tmp, "my-run")
        self.run_loop(TwoLayer(), run_dir, epochs=1, batch_size=8)
        start = read_events(run_dir)[0]
        self.assertEqual(start["type"], "run-start")
        self.assertEqual(start["runId"], "my-run")
        self.assertEqual(start["runDir"], run_dir)
        self.assertEqual(start["specFile"], os.path.abspath(__file__))  # the file that created the Monitor
        self.assertEqual(start["specPath"], start["specFile"])
        self.assertEqual(start["specName"], "Contract Test")
        self.assertEqual(start["backend"], "pytorch")
        self.assertEqual(
            start["external"],
            {
                "framework": "pytorch",
                "frameworkVersion": torch.__version__,
                "monitor": "gradscope_torch",
                "monitorVersion": gradscope_torch.__version__,
                "worldSize": 1,
            },
        )
        self.assertEqual(start["batchSize"], 8)
        for key in ("epochs", "stepsPerEpoch", "trainSamples", "validationSamples"):
            self.assertEqual(start[key], 0, key)  # not passed: the monitor cannot know them
        self.assertEqual(start["task"], "classification")
        self.assertEqual(start["totalParams"], 4 * 8 + 8 + 8 * 3 + 3)
        self.assertEqual(start["seed"], torch.initial_seed())
        self.assertRegex(start["startedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual([l["name"] for l in start["layers"]], ["fc1", "fc2"])

    def test_lines_are_compact_json_with_type_first(self):
        run_dir = os.path.join(self.tmp, "run")
        self.run_loop(TwoLayer(), run_dir)
        with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertTrue(lines[0].startswith('{"type":"run-start"'))
        steps = [l for l in lines if l.startswith('{"type":"step"')]
        self.assertEqual(len(steps), 4)
        self.assertTrue(all('"layers":[' in l for l in steps))
        self.assertTrue(all(", " not in l and ": " not in l for l in lines))

    def test_steps_epochs_and_run_end(self):
        run_dir = os.path.join(self.tmp, "run")
        self.run_loop(TwoLayer(), run_dir)
        events = read_events(run_dir)
        self.assertEqual([e["type"] for e in events], ["run-start", "step", "step", "epoch", "step", "step", "epoch", "run-end"])
        steps = steps_of(events)
        self.assertEqual([(s["step"], s["epoch"]) for s in steps], [(0, 0), (1, 0), (2, 1), (3, 1)])
        self.assertTrue(all(s["lr"] == 0.05 for s in steps))  # found among live objects: no optimizer= given
        epochs = [e for e in events if e["type"] == "epoch"]
        self.assertEqual([e["valLoss"] for e in epochs], [1.5, 0.5])
        self.assertAlmostEqual(epochs[0]["loss"], (steps[0]["loss"] + steps[1]["loss"]) / 2, places=6)
        self.assertEqual((epochs[0]["acc"], epochs[0]["valAcc"]), (0.5, 0.25))
        self.assertGreater(epochs[0]["samplesPerSec"], 0)
        end = events[-1]
        self.assertEqual(end["status"], "completed")
        self.assertEqual((end["epochsCompleted"], end["steps"]), (2, 4))
        self.assertEqual((end["bestEpoch"], end["bestValLoss"]), (1, 0.5))

    def test_default_run_dir_and_id(self):
        cwd = os.getcwd()
        os.chdir(self.tmp)
        try:
            mon = self.run_loop(TwoLayer(), epochs=1)
        finally:
            os.chdir(cwd)
        self.assertRegex(mon.run_id, r"^\d{8}-\d{6}-contract-test-[0-9a-f]{4}$")
        self.assertEqual(mon.run_dir, os.path.join(os.path.realpath(self.tmp), ".gradscope", "runs", mon.run_id))
        self.assertTrue(os.path.isfile(os.path.join(mon.run_dir, "events.jsonl")))

    def test_an_exception_ends_the_run_failed_with_its_message(self):
        run_dir = os.path.join(self.tmp, "run")
        with self.assertRaises(RuntimeError):
            self.run_loop(TwoLayer(), run_dir, raise_in=RuntimeError("out of memory"))
        end = read_events(run_dir)[-1]
        self.assertEqual((end["type"], end["status"], end["error"]), ("run-end", "failed", "RuntimeError: out of memory"))
        self.assertEqual((end["steps"], end["epochsCompleted"]), (3, 1))

    def test_ctrl_c_ends_the_run_stopped(self):
        run_dir = os.path.join(self.tmp, "run")
        with self.assertRaises(KeyboardInterrupt):
            self.run_loop(TwoLayer(), run_dir, raise_in=KeyboardInterrupt())
        end = read_events(run_dir)[-1]
        self.assertEqual(end["status"], "stopped")
        self.assertNotIn("error", end)

    def test_epoch_requires_val_loss(self):
        model = TwoLayer()
        with Monitor(model, run_dir=os.path.join(self.tmp, "run")) as mon:
            with self.assertRaisesRegex(TypeError, "val_loss"):
                mon.epoch(loss=1.0)

    def test_lr_from_the_given_optimizer_follows_its_schedule(self):
        model = TwoLayer()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
        run_dir = os.path.join(self.tmp, "run")
        with Monitor(model, run_dir=run_dir, optimizer=opt) as mon:
            for _ in range(3):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                mon.step(loss)
                sched.step()
        self.assertEqual([s["lr"] for s in steps_of(read_events(run_dir))], [0.1, 0.05, 0.025])

    def test_run_start_is_on_disk_during_training(self):
        model = TwoLayer()
        run_dir = os.path.join(self.tmp, "run")
        with Monitor(model, run_dir=run_dir) as mon:
            model(torch.randn(2, 4))
            self.assertEqual(read_events(run_dir)[0]["type"], "run-start")
            mon.epoch(val_loss=1.0)
            self.assertEqual(read_events(run_dir)[-1]["type"], "epoch")

    def test_a_frozen_layer_has_no_gradient_norm(self):
        model = TwoLayer()
        model.fc1.requires_grad_(False)
        events, _ = self.train(model, torch.randn(8, 4), torch.randint(0, 3, (8,)), steps=1)
        self.assertFalse(events[0]["layers"][0]["trainable"])
        fc1 = steps_of(events)[0]["layers"][0]
        self.assertTrue(fc1["frozen"])
        self.assertNotIn("gradNorm", fc1)
        self.assertEqual(fc1["updateRatio"], 0.0)

    def test_package_version_matches_pyproject(self):
        with open(os.path.join(HERE, "..", "pyproject.toml"), encoding="utf-8") as f:
            version = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
        self.assertEqual(version, gradscope_torch.__version__)


if __name__ == "__main__":
    unittest.main()
