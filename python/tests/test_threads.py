"""With more than one torch thread, the monitor splits its elementwise work and the per-unit sums into pieces below
ATen's grain size (measure.pieces, measure.unit_sums), so that they run on the calling thread instead of forking the
OpenMP team. The pieces must give the same bits as the whole-tensor kernels: the same run recorded with the pieces
and without them (measure._serial patched to False) writes identical step events."""
import unittest

import torch
from torch import nn

from gradscope_torch import measure
from support import RunCase, steps_of


class Threads(RunCase):
    def setUp(self):
        super().setUp()
        self.threads = torch.get_num_threads()
        torch.set_num_threads(2)

    def tearDown(self):
        torch.set_num_threads(self.threads)
        super().tearDown()

    def whole(self):
        """A context in which measure does not split (as before the pieces)."""
        test = self

        class Whole:
            def __enter__(self):
                test.serial = measure._serial
                measure._serial = lambda: False

            def __exit__(self, *exc):
                measure._serial = test.serial

        return Whole()

    def test_unit_sums_in_pieces_are_bit_identical(self):
        shapes = [((128, 256), -1), ((128, 400), -1), ((100, 1000), -1), ((300, 130), -1), ((4, 40, 300), -1)]
        shapes += [((64, 16, 26, 26), 1), ((64, 32, 11, 11), 1), ((7, 50, 40, 40), 1), ((2, 8, 5000), 1)]
        for shape, axis in shapes:
            x = torch.randn(*shape).relu()
            with self.whole():
                expected = measure.unit_sums(x, axis)
            self.assertTrue(torch.equal(measure.unit_sums(x, axis), expected), shape)

    def test_centered_norm_in_pieces_is_bit_identical(self):
        for shape in [(64, 16, 26, 26), (128, 400), (1000,)]:
            x = torch.randn(*shape) * 0.01 + 3.0
            total = x.sum()
            with self.whole():
                expected = measure.centered_norm(x, total, torch.empty_like(x))
            self.assertTrue(torch.equal(measure.centered_norm(x, total, torch.empty_like(x)), expected), shape)

    def record(self, build, x, y, whole):
        torch.manual_seed(0)
        model = build()
        if whole:
            with self.whole():
                events, _ = self.train(model, x, y, steps=4, lr=0.01, measure_every=1)
        else:
            events, _ = self.train(model, x, y, steps=4, lr=0.01, measure_every=1)
        return steps_of(events)

    def test_a_run_records_the_same_numbers_with_and_without_pieces(self):
        def mlp():  # fc1's kernel (40,000) and its outputs (128 × 400) are larger than the grain size
            return nn.Sequential(nn.Linear(100, 400), nn.ReLU(), nn.Linear(400, 3))

        def cnn():  # conv outputs of 32 × 16 × 26 × 26
            return nn.Sequential(
                nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.Tanh(), nn.Flatten(),
                nn.Linear(32 * 11 * 11, 3),
            )

        for build, x in ((mlp, torch.randn(128, 100)), (cnn, torch.randn(32, 1, 28, 28))):
            y = torch.randint(0, 3, (x.shape[0],))
            pieces = self.record(build, x, y, whole=False)
            whole = self.record(build, x, y, whole=True)
            self.assertEqual(len(pieces), 4)
            self.assertEqual(pieces, whole, build.__name__)
            self.assertGreater(pieces[-1]["layers"][0]["updateRatio"], 0)


if __name__ == "__main__":
    unittest.main()
