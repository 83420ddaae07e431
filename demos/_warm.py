"""What the demo runner loads once before it forks, so that each demo's process starts warm.

torch's import (about 2 s here) and the first ``torch.optim`` optimiser (its
construction imports torch._dynamo, about 1.6 s) are one-off costs of a
process. The runner pays them before it forks, so no demo does, and a demo
may use ``torch.optim`` like any other code. Nothing here touches CUDA: a
process forked after CUDA is initialised cannot use it.
"""

import torch

import demos.harness  # imported for the forked demos
import demos.runner  # noqa: F401  (the demos' processes start in runner._child)


def first_optimiser() -> None:
    """Build and step one optimiser, which imports what every later one needs."""
    weight = torch.zeros(2, requires_grad=True)
    optimiser = torch.optim.SGD([weight], lr=0.1)
    weight.sum().backward()
    optimiser.step()


first_optimiser()
