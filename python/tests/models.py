"""Small models for the monitor's tests. A comment `# at: <layer>` marks the line each layer's source must point at
(the tests find the line by its marker, so editing this file keeps them right)."""
import torch
from torch import nn
from torch.nn import functional as F


class TwoLayer(nn.Module):
    """fc1 → ReLU module → fc2 (logits)."""

    def __init__(self, width=8):
        super().__init__()
        self.fc1 = nn.Linear(4, width)  # at: fc1
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(width, 3)  # at: fc2

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Mixed(nn.Module):
    """Functional activations, a reused activation module, a norm between a layer and its activation, containers."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(4, 6)  # at: inp
        self.bn = nn.BatchNorm1d(6)  # at: bn
        self.act = nn.Tanh()
        self.hidden = nn.Sequential(
            nn.Linear(6, 6),  # at: hidden.0
            nn.Sigmoid(),
            nn.Linear(6, 6),  # at: hidden.2
        )
        self.blocks = nn.ModuleList([nn.Linear(6, 6) for _ in range(2)])  # at: blocks
        self.out = nn.Linear(6, 3)  # at: out

    def forward(self, x):
        x = self.act(self.bn(self.inp(x)))  # inp: tanh through the batch norm
        x = F.relu(self.hidden(x))  # hidden.0: sigmoid (module), hidden.2: relu (functional)
        x = torch.tanh(self.blocks[0](x))  # blocks.0: tanh (functional)
        x = self.act(self.blocks[1](x))  # blocks.1: tanh (the same module, its second call)
        return F.log_softmax(self.out(x), dim=1)  # out: log_softmax is no facts.ts activation: none


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(4, 5)  # at: stem


class Derived(Base):
    """A layer assigned in a base class's __init__."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(5, 2)  # at: head

    def forward(self, x):
        return self.head(F.elu(self.stem(x), alpha=0.5))


class SmallCnn(nn.Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)  # at: conv
        self.relu = nn.ReLU(inplace=inplace)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4 * 3 * 3, 3)  # at: fc

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.relu(self.conv(x))), 1))


def deep_sigmoid(depth=8, width=16):
    layers = [nn.Linear(4, width), nn.Sigmoid()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.Sigmoid()]
    return nn.Sequential(*layers, nn.Linear(width, 3))


def marker_lines(path=__file__):
    """{layer name: line} of the `# at:` markers in a file (default: this one)."""
    lines = {}
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if "# at: " in text:
                lines[text.split("# at: ")[1].strip()] = number
    return lines
