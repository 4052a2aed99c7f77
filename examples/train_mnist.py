"""A small MNIST-style training script, as it is usually first written.

torchseedlint flags it: nothing is seeded, and the DataLoader workers have no
worker_init_fn. Run ``torchseedlint --fix examples/`` to see the fixes.
"""

import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.fc = nn.Linear(8 * 26 * 26, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        return self.fc(torch.flatten(x, 1))


def augment(images):
    # Flip half of the batch, chosen with Python's random module.
    if random.random() < 0.5:
        images = torch.flip(images, dims=[3])
    return images


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    images = torch.randn(256, 1, 28, 28)
    labels = torch.randint(0, 10, (256,))
    loader = DataLoader(
        TensorDataset(images, labels),
        batch_size=64,
        shuffle=True,
        num_workers=args.workers,
    )
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for batch, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(augment(x)), y)
        loss.backward()
        optimizer.step()
        print(f"batch {batch}: loss {loss.item():.6f}")


if __name__ == "__main__":
    main()
