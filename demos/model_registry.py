"""Model registry: record the whole recipe, and a weight hash proves the model was rebuilt exactly.

A registry stores each trained model as a versioned entry: a fingerprint of its weights
and the recipe that made them (initialisation seed, data-shuffle seed, data, learning
rate, epochs). The entry is only worth something if replaying the recipe rebuilds the
same bytes, and that takes every ingredient: minibatch SGD sees the data in an order
drawn from the shuffle seed, so an entry that forgets that seed describes a different
model. The fingerprint must be a cryptographic hash of the raw bytes, so that even a
one-ulp change in one weight, invisible to a tolerance check, shows.
"""

import hashlib

import torch
import torch.nn.functional as F
from torch import nn

from demos.harness import Demo

CONCEPTS = ["model-registry"]

DEFAULTS = {"init_seed": 0, "shuffle_seed": 0, "lr": 0.1, "epochs": 5, "batch": 32}


def train(
    demo: Demo,
    X: torch.Tensor,
    y: torch.Tensor,
    init_seed: int,
    shuffle_seed: int,
    lr: float,
    epochs: int,
    batch: int,
) -> nn.Module:
    """Minibatch SGD; every source of randomness comes from the recipe's two seeds."""
    torch.manual_seed(init_seed)  # the initial weights
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2)).to(demo.device)
    shuffle = torch.Generator().manual_seed(shuffle_seed)  # the data order
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=shuffle)
        for idx in order.split(batch):
            model.zero_grad()
            F.cross_entropy(model(X[idx]), y[idx]).backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad
    return model


def weight_bytes(model: nn.Module) -> bytes:
    """Each tensor's name, shape and dtype, then its raw bytes, in state_dict order."""
    out = b""
    for name, tensor in model.state_dict().items():
        out += f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode()
        out += tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes()
    return out


def fingerprint(model: nn.Module) -> list[int]:
    """SHA-256 of the weights (never Python's salted hash()): 32 bytes the checks compare."""
    return list(hashlib.sha256(weight_bytes(model)).digest())


def xor_fold(data: bytes) -> list[int]:
    """A checksum people write instead: XOR the bytes into 32 lanes."""
    lanes = [0] * 32
    for i, b in enumerate(data):
        lanes[i % 32] ^= b
    return lanes


def bytes_differing(a: list[int], b: list[int]) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def reproduce(demo: Demo, entry: dict, X: torch.Tensor, y: torch.Tensor) -> nn.Module:
    """Rebuild a model from its registry entry; what the entry lacks falls back to defaults."""
    return train(demo, X, y, **{**DEFAULTS, **entry["recipe"]})


def run(demo: Demo) -> None:
    X = demo.randn(128, 4, seed=0)
    y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).long()
    test_x = demo.randn(512, 4, seed=1)
    test_y = (test_x[:, 0] + test_x[:, 1] - test_x[:, 2] > 0).long()

    # The training run being registered: its seeds were drawn when it started.
    recipe = {"init_seed": 7, "shuffle_seed": 1234, "lr": 0.5, "epochs": 5, "batch": 32}
    v1 = train(demo, X, y, **recipe)
    data_digest = hashlib.sha256(X.cpu().numpy().tobytes() + y.cpu().numpy().tobytes())
    registry = {
        "v1": {"recipe": recipe, "data": data_digest.hexdigest(), "sha256": fingerprint(v1)},
        # The same run as a careless registry records it: no data-shuffle seed.
        "v1-no-shuffle-seed": {"recipe": {k: v for k, v in recipe.items() if k != "shuffle_seed"}},
        "v1-no-init-seed": {"recipe": {k: v for k, v in recipe.items() if k != "init_seed"}},
    }
    with torch.no_grad():
        accuracy = (v1(test_x).argmax(-1) == test_y).float().mean()
    demo.at_least("the registered model has learned its task (>= 0.85 held out)", accuracy, 0.85)

    # Reproducibility: replaying the full recorded recipe, in a fresh model, after the
    # global RNG has moved on (as in another process), rebuilds the same bytes.
    torch.rand(1000)
    rebuilt = fingerprint(reproduce(demo, registry["v1"], X, y))
    exact = demo.equal(
        "retraining from v1's full recipe reproduces its weight hash bitwise",
        rebuilt,
        registry["v1"]["sha256"],
    )
    # The same replay from an entry missing one ingredient trains a different model.
    exact.broken(
        "an entry without the data-shuffle seed cannot reproduce it",
        fingerprint(reproduce(demo, registry["v1-no-shuffle-seed"], X, y)),
    )
    exact.broken(
        "nor can one without the initialisation seed",
        fingerprint(reproduce(demo, registry["v1-no-init-seed"], X, y)),
    )
    # The data are an ingredient too: one flipped label gives other weights.
    y_flipped = y.clone()
    y_flipped[0] = 1 - y_flipped[0]
    exact.broken(
        "nor can the recipe replayed on data with one label flipped",
        fingerprint(train(demo, X, y_flipped, **recipe)),
    )

    # A one-ulp nudge to a single weight passes a tolerance check on the outputs...
    nudged = reproduce(demo, registry["v1"], X, y)
    with torch.no_grad():
        w = nudged[0].weight
        w[0, 0] = torch.nextafter(w[0, 0], w[0, 0] + 1)
        demo.close("a one-ulp weight nudge leaves outputs within fp32 tolerance", nudged(X), v1(X))
    exact.broken("but its weight hash is not v1's", fingerprint(nudged))
    # ...and SHA-256 turns that one changed bit into a wholly different digest: each of
    # the 32 bytes then matches only by a 1-in-256 chance. A 32-lane XOR checksum changes
    # in the one lane that holds the changed byte.
    avalanche = demo.at_least(
        "the nudge changes >= 24 of the 32 SHA-256 bytes",
        bytes_differing(fingerprint(nudged), registry["v1"]["sha256"]),
        24,
    )
    avalanche.broken(
        "an XOR-fold checksum changes in 1 byte",
        bytes_differing(xor_fold(weight_bytes(nudged)), xor_fold(weight_bytes(v1))),
    )

    # Roll back: the registry keeps each version's weights; "production" is an alias.
    # Loading v1's stored state restores its hash, by construction of load_state_dict.
    served = reproduce(demo, {"recipe": {"init_seed": 3, "epochs": 0}}, X, y)  # untrained
    served.load_state_dict(v1.state_dict())
    demo.equal(
        "after rollback the served model's hash is v1's",
        fingerprint(served),
        registry["v1"]["sha256"],
        illustration=True,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "draw the data order from the global generator, not the recorded seed",
        "order = torch.randperm(len(X), generator=shuffle)",
        "order = torch.randperm(len(X))",
    ),
    (
        "fingerprint the names and shapes but not the weights' bytes",
        "out += tensor.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes()",
        "out += b''",
    ),
    (
        "fingerprint with a checksum instead of a cryptographic hash",
        "return list(hashlib.sha256(weight_bytes(model)).digest())",
        "return xor_fold(weight_bytes(model))",
    ),
]
