"""The measured numbers against independent computations in the test: gradient norms (torch.linalg.vector_norm of
each .grad), update ratios (a copy of the weights before optimizer.step()), dead units and saturation (the
activation's input/output read by the test's own hooks, slopes from autograd)."""
import math
import unittest

import torch
from torch import nn
from torch.nn import functional as F

from models import Derived, Mixed, SmallCnn, TwoLayer
from support import RunCase, by_name, steps_of

vn = torch.linalg.vector_norm


def close(a, b, rel=1e-5, abs_tol=1e-7):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


class Output:
    """The test's own forward hook: the module's last output (or input)."""

    def __init__(self, module, what="out"):
        self.value = None
        if what == "out":
            module.register_forward_hook(lambda m, i, o: setattr(self, "value", o.detach().clone()))
        else:
            module.register_forward_pre_hook(lambda m, i: setattr(self, "value", i[0].detach().clone()))


class GradientNorms(RunCase):
    def test_grad_norms_are_vector_norms_of_the_grads(self):
        model = TwoLayer()
        x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
        expected = []

        def grads(m):
            everything = torch.cat([p.grad.flatten() for p in m.parameters()])
            expected.append(
                {
                    "fc1": (vn(m.fc1.weight.grad).item(), vn(m.fc1.bias.grad).item()),
                    "fc2": (vn(m.fc2.weight.grad).item(), vn(m.fc2.bias.grad).item()),
                    "global": vn(everything).item(),
                }
            )

        events, _ = self.train(model, x, y, steps=4, before_step=grads)
        steps = steps_of(events)
        self.assertEqual(len(steps), 4)
        for step, exp in zip(steps, expected):
            layers = by_name(step)
            for name in ("fc1", "fc2"):
                self.assertTrue(close(layers[name]["gradNorm"], exp[name][0], 1e-6), (step["step"], name))
                self.assertTrue(close(layers[name]["biasGradNorm"], exp[name][1], 1e-6), (step["step"], name))
            self.assertTrue(close(step["globalGradNorm"], exp["global"], 1e-5))
            self.assertGreater(step["globalGradNorm"], 0)

    def test_update_ratio_and_weight_norm_against_a_copy_before_the_step(self):
        model = TwoLayer()
        x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
        before, expected = {}, []

        def keep(m):
            before["fc1"] = m.fc1.weight.detach().clone()
            before["fc2"] = m.fc2.weight.detach().clone()

        def compare(m, step):
            expected.append(
                {
                    name: (vn(w - before[name]).item() / vn(before[name]).item(), vn(w).item())
                    for name, w in (("fc1", m.fc1.weight.detach()), ("fc2", m.fc2.weight.detach()))
                }
            )

        events, _ = self.train(model, x, y, steps=3, lr=0.5, before_step=keep, on_step=compare)
        for step, exp in zip(steps_of(events), expected):
            layers = by_name(step)
            for name, (ratio, norm) in exp.items():
                self.assertTrue(close(layers[name]["updateRatio"], ratio, 1e-4), (layers[name]["updateRatio"], ratio))
                self.assertTrue(close(layers[name]["weightNorm"], norm, 1e-6))
                self.assertGreater(layers[name]["updateRatio"], 0)

    def test_measure_every_2_measures_even_steps_with_the_update_of_that_step(self):
        model = TwoLayer()
        x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
        before, ratios = {}, []
        keep = lambda m: before.__setitem__("w", m.fc1.weight.detach().clone())  # noqa: E731
        compare = lambda m, s: ratios.append(vn(m.fc1.weight.detach() - before["w"]).item() / vn(before["w"]).item())  # noqa: E731
        events, _ = self.train(model, x, y, steps=5, lr=0.5, measure_every=2, before_step=keep, on_step=compare)
        steps = steps_of(events)
        self.assertEqual([("layers" in s) for s in steps], [True, False, True, False, True])
        for s in steps:
            self.assertIsInstance(s["loss"], float)
            self.assertEqual(s["lr"], 0.5)
        for s in steps[::2]:
            self.assertTrue(close(by_name(s)["fc1"]["updateRatio"], ratios[s["step"]], 1e-4))


class DeadUnits(RunCase):
    def test_relu_net_with_bias_minus_5_has_every_hidden_unit_dead(self):
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
        with torch.no_grad():
            model[0].bias.fill_(-5.0)
            model[2].bias.fill_(-5.0)
        x, y = torch.rand(32, 4), torch.randint(0, 3, (32,))
        events, _ = self.train(model, x, y, steps=2)
        for step in steps_of(events):
            layers = by_name(step)
            for name in ("0", "2"):
                self.assertEqual(layers[name]["units"], 16)
                self.assertEqual(layers[name]["deadUnits"], 16)
                self.assertEqual(layers[name]["activationMean"], 0.0)
            self.assertNotIn("deadUnits", layers["4"])  # the logits: no activation

    def test_dead_units_count_the_units_dead_for_the_whole_batch(self):
        model = TwoLayer(width=8)
        with torch.no_grad():
            model.fc1.bias[:3] = -5.0  # |w·x| ≤ 4 · 0.5 for x in [0, 1): these three never fire
            model.fc1.bias[3:] = 5.0
        x, y = torch.rand(32, 4), torch.randint(0, 3, (32,))
        pre = Output(model.fc1)
        expected = []
        events, _ = self.train(
            model,
            x,
            y,
            steps=2,
            before_step=lambda m: expected.append(
                (
                    int((pre.value <= 0).all(0).sum()),
                    torch.relu(pre.value).mean().item(),
                    torch.relu(pre.value).std(unbiased=False).item(),
                )
            ),
        )
        self.assertEqual([dead for dead, _, _ in expected], [3, 3])
        for step, (dead, mean, std) in zip(steps_of(events), expected):
            fc1 = by_name(step)["fc1"]
            self.assertEqual(fc1["deadUnits"], dead)
            # the ReLU's mean and std come from the same per-unit sums as the dead count: checked independently here
            self.assertTrue(close(fc1["activationMean"], mean, 1e-5), (fc1["activationMean"], mean))
            self.assertTrue(close(fc1["activationStd"], std, 1e-5), (fc1["activationStd"], std))

    def test_conv_dead_filters_are_counted_over_samples_and_positions(self):
        for inplace in (False, True):
            with self.subTest(inplace=inplace):
                model = SmallCnn(inplace=inplace)
                with torch.no_grad():
                    model.conv.bias[:2] = -50.0
                x, y = torch.rand(8, 1, 8, 8), torch.randint(0, 3, (8,))
                pre = Output(model.conv)
                expected = []

                def independent(m):
                    p = pre.value  # the test's hook cloned the conv output before the (in-place) relu
                    expected.append((int((p.amax(dim=(0, 2, 3)) <= 0).sum()), torch.relu(p).mean().item()))

                events, _ = self.train(model, x, y, steps=2, before_step=independent)
                for step, (dead, mean) in zip(steps_of(events), expected):
                    conv = by_name(step)["conv"]
                    self.assertEqual(conv["units"], 4)
                    self.assertEqual(conv["deadUnits"], dead)
                    self.assertGreaterEqual(dead, 2)
                    self.assertTrue(close(conv["activationMean"], mean, 1e-5))

    def test_elu_dead_units_follow_the_autograd_slope(self):
        model = Derived()  # stem → F.elu(alpha=0.5) → head
        with torch.no_grad():
            model.stem.bias[:2] = -20.0
        x, y = torch.rand(16, 4), torch.randint(0, 2, (16,))
        out = Output(model.stem)
        expected = []

        def independent(m):
            p = out.value.clone().requires_grad_(True)
            (slope,) = torch.autograd.grad(F.elu(p, alpha=0.5).sum(), p)
            expected.append(int((slope.abs().amax(0) < 1e-3).sum()))

        events, _ = self.train(model, x, y, steps=2, before_step=independent)
        self.assertEqual(expected[0], 2)
        for step, dead in zip(steps_of(events), expected):
            self.assertEqual(by_name(step)["stem"]["deadUnits"], dead)


class Saturation(RunCase):
    def test_sigmoid_and_tanh_saturation_mean_and_std_of_their_outputs(self):
        for act, tails in ((nn.Sigmoid, lambda y: (y < 0.01) | (y > 0.99)), (nn.Tanh, lambda y: y.abs() > 0.99)):
            with self.subTest(act=act.__name__):
                model = nn.Sequential(nn.Linear(4, 32), act(), nn.Linear(32, 3))
                with torch.no_grad():
                    model[0].weight.mul_(12.0)
                x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
                out = Output(model[1])
                expected = []

                def independent(m):
                    o = out.value
                    expected.append((tails(o).float().mean().item(), o.mean().item(), o.std(unbiased=False).item()))

                events, _ = self.train(model, x, y, steps=2, before_step=independent)
                for step, (sat, mean, std) in zip(steps_of(events), expected):
                    first = by_name(step)["0"]
                    self.assertGreater(sat, 0.05)
                    self.assertTrue(close(first["saturation"], sat, 1e-6), (first["saturation"], sat))
                    self.assertTrue(close(first["activationMean"], mean, 1e-4))
                    self.assertTrue(close(first["activationStd"], std, 1e-4))
                    self.assertNotIn("deadUnits", first)

    def test_a_tiny_spread_around_a_large_mean_keeps_its_std(self):
        # A sigmoid fed almost the same input everywhere: outputs ≈ 0.73 with a spread of ~1e-5, where E[x²] − E[x]²
        # in float32 would cancel to noise; the two-pass ‖x − mean‖ keeps it.
        model = nn.Sequential(nn.Linear(4, 32), nn.Sigmoid(), nn.Linear(32, 3))
        with torch.no_grad():
            model[0].weight.mul_(1e-4)
            model[0].bias.fill_(1.0)
        x, y = torch.randn(256, 4), torch.randint(0, 3, (256,))
        out = Output(model[1])
        expected = []
        events, _ = self.train(
            model, x, y, steps=2, lr=0.0, before_step=lambda m: expected.append(out.value.double().std(unbiased=False).item())
        )
        for step, std in zip(steps_of(events), expected):
            self.assertLess(std, 1e-4)
            self.assertTrue(close(by_name(step)["0"]["activationStd"], std, 1e-2), (by_name(step)["0"]["activationStd"], std))

    def test_functional_and_reused_activations_are_measured_on_their_own_outputs(self):
        model = Mixed()
        x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
        b0, b1 = Output(model.blocks[0]), Output(model.blocks[1])
        expected = []
        events, _ = self.train(
            model,
            x,
            y,
            steps=1,
            loss_fn=nn.NLLLoss(),
            before_step=lambda m: expected.append((torch.tanh(b0.value).mean().item(), torch.tanh(b1.value).mean().item())),
        )
        layers = by_name(steps_of(events)[0])
        self.assertTrue(close(layers["blocks.0"]["activationMean"], expected[0][0], 1e-5))
        self.assertTrue(close(layers["blocks.1"]["activationMean"], expected[0][1], 1e-5))
        self.assertIn("saturation", layers["blocks.1"])
        self.assertIn("deadUnits", layers["hidden.2"])  # F.relu
        self.assertIn("saturation", layers["hidden.0"])  # nn.Sigmoid


class HeldTensors(RunCase):
    def test_no_activation_is_held_after_the_forward(self):
        """The statistics are queued when the measured forward ends (0-dim tensors) and its tensors let go: holding
        them until step() made backward allocate fresh memory. A relu whose output is read has its input not read
        at all (its dead units come from the output's per-unit sums)."""
        from gradscope_torch import Monitor

        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.rand(5, 1, 8, 8), torch.randint(0, 3, (5,))
        with Monitor(model, name="held", run_dir=f"{self.tmp}/run") as mon:
            for step in range(3):
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                self.assertEqual(mon._measurer.captured, {}, step)
                self.assertTrue(all(t.dim() == 0 for t in mon._measurer._activations[0]), step)
                loss.backward()
                opt.step()
                mon.step(loss)
            self.assertEqual(mon._measurer._sites[model[1]], {0: {"out"}})


class OneTransfer(RunCase):
    def test_a_measured_step_reads_back_from_the_device_once(self):
        from torch.overrides import TorchFunctionMode

        from gradscope_torch import Monitor

        reads = []

        class CountReads(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                if getattr(func, "__name__", "") in ("tolist", "item", "cpu", "numpy", "__float__", "__int__", "__bool__"):
                    reads.append(func.__name__)
                return func(*args, **(kwargs or {}))

        model = SmallCnn()
        opt = torch.optim.Adam(model.parameters())
        x, y = torch.rand(4, 1, 8, 8), torch.randint(0, 3, (4,))
        per_step = []
        with Monitor(model, name="reads", run_dir=f"{self.tmp}/run", measure_every=2) as mon:
            for _ in range(3):
                opt.zero_grad()
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
                reads.clear()
                with CountReads():
                    mon.step(loss)
                per_step.append(list(reads))
        # measured steps 0 and 2: everything in one .tolist(); step 1 reads its loss
        self.assertEqual(per_step[0], ["tolist"])
        self.assertEqual(per_step[2], ["tolist"])
        self.assertEqual(len(per_step[1]), 1)


class NonFinite(RunCase):
    def test_a_nan_loss_is_written_as_null_with_nonFinite_and_the_run_diverged(self):
        model = TwoLayer()
        x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
        x[0, 0] = float("nan")
        events, run_dir = self.train(model, x, y, steps=2, measure_every=2)
        steps = steps_of(events)
        self.assertTrue(all(s["nonFinite"] for s in steps))
        self.assertIsNone(steps[0]["loss"])
        self.assertIsNone(steps[1]["loss"])
        self.assertEqual(events[-1]["status"], "diverged")
        with open(f"{run_dir}/events.jsonl", encoding="utf-8") as f:
            self.assertNotIn("NaN", f.read())


if __name__ == "__main__":
    unittest.main()
