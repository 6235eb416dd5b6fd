"""Layer discovery: which modules are layers, their kinds, the activation that consumes each one's output (modules,
functional calls, through a normalization, a reused module), and where each is defined in the source."""
import os
import unittest

import torch
from torch import nn

import models
from models import Derived, Mixed, SmallCnn, marker_lines
from support import RunCase, steps_of

MODELS_FILE = os.path.abspath(models.__file__)


def layers_of(events):
    return {layer["name"]: layer for layer in events[0]["layers"]}


class Discovery(RunCase):
    def test_kinds_activations_and_shapes_of_a_mixed_model(self):
        events, _ = self.train(Mixed(), torch.randn(8, 4), torch.randint(0, 3, (8,)), steps=1, loss_fn=nn.NLLLoss())
        layers = layers_of(events)
        self.assertEqual(list(layers), ["inp", "bn", "hidden.0", "hidden.2", "blocks.0", "blocks.1", "out"])
        found = {name: (l["kind"], l.get("activation")) for name, l in layers.items()}
        self.assertEqual(
            found,
            {
                "inp": ("dense", "tanh"),  # through the batch norm
                "bn": ("batchNormalization", None),  # a norm never owns the activation
                "hidden.0": ("dense", "sigmoid"),
                "hidden.2": ("dense", "relu"),  # F.relu
                "blocks.0": ("dense", "tanh"),  # torch.tanh
                "blocks.1": ("dense", "tanh"),  # the reused nn.Tanh
                "out": ("dense", "linear"),  # log_softmax + NLLLoss: logits fused into the loss
            },
        )
        self.assertEqual(layers["inp"]["outputShape"], [6])
        self.assertEqual(layers["inp"]["params"], 4 * 6 + 6)
        self.assertEqual(layers["bn"]["params"], 12)
        for layer in layers.values():
            self.assertEqual(layer["specPath"], "")
            self.assertTrue(layer["hasWeights"])
            self.assertTrue(layer["trainable"])

    def test_conv_kinds_and_channels_last_shapes(self):
        events, _ = self.train(SmallCnn(), torch.rand(4, 1, 8, 8), torch.randint(0, 3, (4,)), steps=1)
        layers = layers_of(events)
        self.assertEqual((layers["conv"]["kind"], layers["conv"]["activation"]), ("conv2d", "relu"))
        self.assertEqual(layers["conv"]["outputShape"], [6, 6, 4])  # (C, H, W) → [H, W, C]
        self.assertEqual(layers["fc"]["outputShape"], [3])

    def test_recurrent_layers_report_their_cell_activation_and_recurrent_kernel(self):
        class Recurrent(nn.Module):
            def __init__(self, cell):
                super().__init__()
                self.rnn = cell
                self.head = nn.Linear(5, 2)

            def forward(self, x):
                if not self.rnn.batch_first:
                    x = x.transpose(0, 1)
                out, _ = self.rnn(x)
                return self.head(out[:, -1] if self.rnn.batch_first else out[-1])

        for cell, kind, activation in (
            (nn.LSTM(3, 5, batch_first=True), "lstm", "tanh"),
            (nn.GRU(3, 5, batch_first=True), "gru", "tanh"),
            (nn.RNN(3, 5, nonlinearity="relu", batch_first=True), "simpleRNN", "relu"),
            (nn.LSTM(3, 5), "lstm", "tanh"),  # (timesteps, batch, features): the forward below transposes
        ):
            with self.subTest(kind=kind):
                events, _ = self.train(Recurrent(cell), torch.randn(4, 7, 3), torch.randint(0, 2, (4,)), steps=1)
                rnn = layers_of(events)["rnn"]
                self.assertEqual((rnn["kind"], rnn["activation"], rnn["outputShape"]), (kind, activation, [7, 5]))
                measured = steps_of(events)[0]["layers"][0]
                hh = torch.linalg.vector_norm(cell.weight_hh_l0.detach()).item()
                self.assertAlmostEqual(measured["recurrentWeightNorm"] / hh, 1.0, places=5)
                self.assertGreater(measured["recurrentGradNorm"], 0)

    def test_an_activations_override_wins(self):
        model = models.TwoLayer()
        events, _ = self.train(
            model, torch.randn(8, 4), torch.randint(0, 3, (8,)), steps=1, activations={"fc1": "tanh"}
        )
        self.assertEqual(layers_of(events)["fc1"]["activation"], "tanh")
        first = {m["name"]: m for m in steps_of(events)[0]["layers"]}["fc1"]
        self.assertIn("saturation", first)

    def test_an_eval_forward_first_still_finds_activations_and_step_0_is_measured(self):
        model = models.TwoLayer()
        x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        run_dir = os.path.join(self.tmp, "run")
        from gradscope_torch import Monitor

        with Monitor(model, name="eval-first", run_dir=run_dir) as mon:
            with torch.no_grad():
                model(x)
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            mon.step(loss)
            mon.epoch(val_loss=0.5)
        from support import read_events

        events = read_events(run_dir)
        self.assertEqual(layers_of(events)["fc1"]["activation"], "relu")
        fc1 = {m["name"]: m for m in steps_of(events)[0]["layers"]}["fc1"]
        self.assertIn("deadUnits", fc1)
        self.assertIn("activationMean", fc1)


class SourceLines(RunCase):
    def test_each_layer_points_at_its_assignment_or_its_container_argument(self):
        events, _ = self.train(Mixed(), torch.randn(8, 4), torch.randint(0, 3, (8,)), steps=1, loss_fn=nn.NLLLoss())
        marks = marker_lines()
        layers = layers_of(events)
        expected = {name: marks[name] for name in ("inp", "bn", "hidden.0", "hidden.2", "out")}
        expected["blocks.0"] = expected["blocks.1"] = marks["blocks"]  # a comprehension: the ModuleList's line
        for name, line in expected.items():
            self.assertEqual(layers[name]["source"]["file"], MODELS_FILE, name)
            self.assertEqual(layers[name]["source"]["line"], line, name)
        self.assertEqual(layers["inp"]["source"]["column"], 9)  # `self.inp` after 8 spaces

    def test_a_layer_assigned_in_a_base_class(self):
        events, _ = self.train(Derived(), torch.randn(8, 4), torch.randint(0, 2, (8,)), steps=1)
        marks = marker_lines()
        layers = layers_of(events)
        self.assertEqual(layers["stem"]["source"]["line"], marks["stem"])
        self.assertEqual(layers["head"]["source"]["line"], marks["head"])

    def test_a_sequential_written_in_the_script(self):
        model = nn.Sequential(
            nn.Linear(4, 8),  # at: 0
            nn.ReLU(),
            nn.Linear(8, 3),  # at: 2
        )
        events, _ = self.train(model, torch.randn(8, 4), torch.randint(0, 3, (8,)), steps=1)
        marks = marker_lines(__file__)
        layers = layers_of(events)
        for name in ("0", "2"):
            self.assertEqual(layers[name]["source"], {"file": os.path.abspath(__file__), "line": marks[name], "column": 13})


if __name__ == "__main__":
    unittest.main()
