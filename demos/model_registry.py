"""Model registry: hashing the weights pins a checkpoint down, so it can be rebuilt and restored.

A registry stores each trained model as a versioned artefact with its lineage:
seed, data, hyperparameters, metrics. Hashing the weights' bytes gives each
version a fingerprint: rerunning the recorded recipe must reproduce it exactly,
and any change to the seed, the data or a single weight shows up at once, even
where the outputs look the same to a tolerance check.
"""

import hashlib

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["model-registry"]


def train(demo: Demo, seed: int, X: torch.Tensor, y: torch.Tensor) -> nn.Module:
    torch.manual_seed(seed)  # the recorded seed decides the initial weights
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).to(demo.device)
    for _ in range(30):  # plain full-batch gradient descent
        model.zero_grad()
        F.cross_entropy(model(X), y).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    return model


def checkpoint_hash(model: nn.Module) -> list[int]:
    """SHA-256 over each tensor's name, shape and raw bytes (never Python's salted hash())."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        digest.update(
            bytes(tensor.detach().cpu().contiguous().view(torch.uint8).flatten().tolist())
        )
    return list(digest.digest())  # 32 bytes, as numbers the checks can compare


def bytes_differing(a: list[int], b: list[int]) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def run(demo: Demo) -> None:
    X = demo.randn(64, 4, seed=0)
    y = (X[:, 0] * X[:, 1] > 0).long()
    registry: dict[str, dict] = {}

    v1 = train(demo, seed=1, X=X, y=y)
    registry["v1"] = {"seed": 1, "data": "X@seed0", "sha256": checkpoint_hash(v1)}

    # Reproducibility: replaying v1's recorded recipe rebuilds the same bytes.
    rebuilt = train(demo, seed=registry["v1"]["seed"], X=X, y=y)
    demo.equal(
        "retraining from v1's seed and data gives its hash",
        checkpoint_hash(rebuilt),
        registry["v1"]["sha256"],
    )
    # Negative control: the same recipe with another seed is a different model.
    v2 = train(demo, seed=2, X=X, y=y)
    registry["v2"] = {"seed": 2, "data": "X@seed0", "sha256": checkpoint_hash(v2)}
    demo.equal(
        "a different seed reproduces v1's hash",
        registry["v2"]["sha256"],
        registry["v1"]["sha256"],
        negative=True,
    )

    # Lineage covers the data too: one flipped label gives a wholly different digest
    # (each of the 32 bytes then matches only by a 1-in-256 chance).
    y_flipped = y.clone()
    y_flipped[0] = 1 - y_flipped[0]
    changed = checkpoint_hash(train(demo, seed=1, X=X, y=y_flipped))
    demo.at_least(
        "one flipped label changes >= 24 of 32 digest bytes",
        bytes_differing(changed, registry["v1"]["sha256"]),
        24,
    )

    # A one-ulp nudge to a single weight passes a tolerance check on the outputs,
    # yet the hash still tells the two checkpoints apart.
    nudged = train(demo, seed=1, X=X, y=y)
    with torch.no_grad():
        w = nudged[0].weight
        w[0, 0] = torch.nextafter(w[0, 0], w[0, 0] + 1)
    demo.close("a one-ulp weight nudge leaves outputs within fp32 tolerance", nudged(X), v1(X))
    demo.at_least(
        "but changes >= 24 of 32 digest bytes",
        bytes_differing(checkpoint_hash(nudged), registry["v1"]["sha256"]),
        24,
    )

    # Roll back: the registry keeps every version's weights; "production" is an alias.
    # Serving v2, then moving the alias back to v1, must restore v1 exactly.
    stored = {"v1": v1.state_dict(), "v2": v2.state_dict()}
    served = train(demo, seed=3, X=X, y=y)  # a fresh process's model, about to be loaded
    for alias in ("v2", "v1"):
        served.load_state_dict(stored[alias])
    demo.equal(
        "after rollback the served model's hash is v1's",
        checkpoint_hash(served),
        registry["v1"]["sha256"],
    )
    demo.equal("and its outputs are v1's bit for bit", served(X), v1(X))
