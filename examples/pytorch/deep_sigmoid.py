"""A deep stack of sigmoid layers in plain PyTorch, recorded by gradscope_torch: the classic vanishing gradient.

The sigmoid's slope is at most 0.25, so the gradient shrinks at every layer on its way back and the first layers
barely learn. gradscope shows it per layer in the dashboard, and its vanishing-gradient diagnosis points at the
first ``nn.Linear`` below (the same model as examples/deep-sigmoid.gradscope.json, on the same kind of data).

    PYTHONPATH=python python3 examples/pytorch/deep_sigmoid.py        # from the repository root; < 1 min on a CPU

The run is written to ./.gradscope/runs/<id>/events.jsonl (--run-dir to choose): open it from gradscope's sidebar,
or ``gradscope diagnose <that directory>``.
"""
import argparse
import math

import torch
from torch import nn

from gradscope_torch import Monitor


class DeepSigmoidMLP(nn.Module):
    def __init__(self, depth=14, width=32, classes=3):
        super().__init__()
        self.input = nn.Linear(2, width)  # the first layer: its gradient is the smallest
        self.hidden = nn.ModuleList([nn.Linear(width, width) for _ in range(depth - 2)])
        self.output = nn.Linear(width, classes)

    def forward(self, x):
        x = torch.sigmoid(self.input(x))
        for layer in self.hidden:
            x = torch.sigmoid(layer(x))
        return self.output(x)  # logits: CrossEntropyLoss applies the softmax


def spirals(samples, classes=3, noise=0.1, seed=7):
    """Interleaved spiral arms in 2-D, one per class (the spiral dataset of gradscope's specs)."""
    g = torch.Generator().manual_seed(seed)
    per = samples // classes
    xs, ys = [], []
    for c in range(classes):
        r = torch.linspace(0.0, 1.0, per)
        t = torch.linspace(c * 4.0, (c + 1) * 4.0, per) + noise * torch.randn(per, generator=g) * 4
        xs.append(torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1))
        ys.append(torch.full((per,), c, dtype=torch.long))
    x, y = torch.cat(xs), torch.cat(ys)
    order = torch.randperm(len(y), generator=g)
    return x[order], y[order]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--depth", type=int, default=14)
    parser.add_argument("--run-dir", default=None, help="default: ./.gradscope/runs/<id>")
    args = parser.parse_args()

    torch.manual_seed(7)
    x, y = spirals(1500)
    split = int(len(y) * 0.8)
    train, val = (x[:split], y[:split]), (x[split:], y[split:])
    batch_size = 32
    model = DeepSigmoidMLP(depth=args.depth)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    steps_per_epoch = math.ceil(split / batch_size)

    with Monitor(
        model,
        name="deep-sigmoid (PyTorch)",
        run_dir=args.run_dir,
        optimizer=opt,
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        batch_size=batch_size,
        train_samples=split,
        validation_samples=len(y) - split,
    ) as mon:
        for epoch in range(args.epochs):
            model.train()
            order = torch.randperm(split)
            correct = 0
            for i in range(0, split, batch_size):
                idx = order[i : i + batch_size]
                xb, yb = train[0][idx], train[1][idx]
                opt.zero_grad()
                logits = model(xb)
                loss = loss_fn(logits, yb)
                loss.backward()
                opt.step()
                mon.step(loss)
                correct += int((logits.argmax(1) == yb).sum())
            model.eval()
            with torch.no_grad():
                val_logits = model(val[0])
                val_loss = loss_fn(val_logits, val[1]).item()
                val_acc = (val_logits.argmax(1) == val[1]).float().mean().item()
            mon.epoch(val_loss=val_loss, acc=correct / split, val_acc=val_acc)
            first = model.input.weight.grad.norm().item()
            last = model.output.weight.grad.norm().item()
            print(
                f"epoch {epoch + 1}/{args.epochs}: val_loss {val_loss:.4f}, val_acc {val_acc:.3f}, "
                f"last batch's gradient norm: first layer {first:.2e}, output layer {last:.2e}"
            )
    print(f"run recorded in {mon.run_dir}")


if __name__ == "__main__":
    main()
