"""Interpretability methods: probe, patch and steer a tiny model whose feature we planted.

We build a two-component "model" by hand, so we know the truth that the methods
should find. Its input x is a random vector; its hidden state (the residual
stream) is x plus what two blocks write into it:

  block A computes a feature that no linear read of x can see, y = [x0 * x1 > 0],
          and writes its strength along a direction v;
  block B computes something irrelevant (|x2|) and writes it along a direction w.

The output reads the residual along v, so block A alone decides the answer. Then:

  linear probe      a least-squares read of the hidden state finds y; the same probe
                    fitted to shuffled labels finds nothing (the control every probing
                    result needs: a probe can fit noise if it is given enough room);
  logit lens        reading the input with the output's own unembedding gives chance,
                    reading the hidden state gives the model's answer;
  activation patch  copying block A's output from a clean run into a corrupted run
                    restores the clean answer; copying block B's output does not;
  steering vector   the difference of the mean hidden states of the two classes, added
                    to the hidden state, flips the answer; a random vector of the same
                    length does not.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["interpretability-methods"]

D, N = 16, 2048  # residual width, examples (half to fit probes on, half to test them)
D_IN = 8  # the input is embedded in the first 8 dimensions; blocks write in the other 8


def blocks(x: torch.Tensor, v: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """What blocks A and B write into the residual stream (each a (N, D) tensor)."""
    # |x0 + x1| - |x0 - x1| is positive exactly when x0 and x1 share a sign, written with
    # four ReLUs as an MLP would: a feature that is nonlinear in the input.
    s, t = x[:, 0] + x[:, 1], x[:, 0] - x[:, 1]
    feature = s.relu() + (-s).relu() - t.relu() - (-t).relu()
    return feature[:, None] * v, x[:, 2].abs()[:, None] * w


def unembed(resid: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Two logits (class 0, class 1); the answer depends on the residual along v only."""
    score = 4.0 * resid @ v
    return torch.stack([torch.zeros_like(score), score], dim=1)


def probe_accuracy(h: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Fit a linear probe (least squares on +-1 targets) on one half, score it on the other."""
    half = h.shape[0] // 2
    ones = torch.ones(h.shape[0], 1, device=h.device)
    X, target = torch.cat([h, ones], dim=1), 2.0 * labels - 1
    coef = torch.linalg.lstsq(X[:half], target[:half, None]).solution
    predicted = (X[half:] @ coef).squeeze(1) > 0
    return (predicted == labels[half:].bool()).float().mean()


def run(demo: Demo) -> None:
    # v and w live in the dimensions the input does not use, as if the model kept room for them.
    v, w = demo.randn(D, seed=0), demo.randn(D, seed=1)
    v[:D_IN], w[:D_IN] = 0.0, 0.0
    v = v / v.norm()
    w = w - (w @ v) * v  # B writes orthogonally to A, as separate features tend to be
    w = w / w.norm()

    x = torch.cat([demo.randn(N, D_IN, seed=2), torch.zeros(N, D - D_IN, device=demo.device)], 1)
    y = (x[:, 0] * x[:, 1] > 0).float()  # the planted feature: the truth we know
    out_a, out_b = blocks(x, v, w)
    resid = x + out_a + out_b  # the hidden state every method looks at
    answer = unembed(resid, v).argmax(1)
    demo.at_least("the model's answer is the planted feature", (answer == y).float().mean(), 0.99)

    # 1. Linear probe. Chance is 0.5. A probe on the residual reads y off the v direction;
    # a probe on the input cannot, since y = [x0 * x1 > 0] is no linear function of x.
    probe = demo.at_least(
        "a linear probe on the hidden state recovers the feature on held-out data",
        probe_accuracy(resid, y),
        0.9,
    )
    shuffled = y[torch.randperm(N, generator=demo.generator(3)).to(demo.device)]
    probe.broken(
        "the same probe fitted to shuffled labels stays at chance", probe_accuracy(resid, shuffled)
    )
    probe.broken("a probe on the raw input (before block A) stays at chance", probe_accuracy(x, y))

    # 2. Logit lens: apply the model's own unembedding to an earlier residual stream.
    lens = demo.at_least(
        "the logit lens on the hidden state agrees with the final answer",
        (unembed(resid, v).argmax(1) == answer).float().mean(),
        0.99,
    )
    lens.broken(
        "the logit lens on the input agrees only by chance",
        (unembed(x, v).argmax(1) == answer).float().mean(),
    )

    # 3. Activation patching. Pair each class-1 (clean) input with a class-0 (corrupted) one,
    # run the corrupted input, and overwrite one block's output with its value from the
    # clean run. The metric is the logit difference restored, as a fraction of the gap:
    # 1 means the patched block carries the whole effect, 0 means it carries none.
    clean, corrupt = x[y == 1][:256], x[y == 0][:256]
    a_clean, b_clean = blocks(clean, v, w)
    a_corrupt, b_corrupt = blocks(corrupt, v, w)

    def logit_diff(resid: torch.Tensor) -> torch.Tensor:
        logits = unembed(resid, v)
        return (logits[:, 1] - logits[:, 0]).mean()

    clean_ld = logit_diff(clean + a_clean + b_clean)
    corrupt_ld = logit_diff(corrupt + a_corrupt + b_corrupt)
    patched_a = logit_diff(corrupt + a_clean + b_corrupt)
    patched_b = logit_diff(corrupt + a_corrupt + b_clean)
    patch = demo.between(
        "patching block A's clean output restores the clean logit difference",
        (patched_a - corrupt_ld) / (clean_ld - corrupt_ld),
        0.9,
        1.1,
    )
    patch.broken(
        "patching block B's clean output restores nothing",
        (patched_b - corrupt_ld) / (clean_ld - corrupt_ld),
    )

    # 4. Steering. The steering vector is the difference of the class means of the hidden
    # state (found from data, not from v). Adding it twice over to class-0 hidden states
    # should push them across the decision boundary.
    steer = resid[y == 1].mean(0) - resid[y == 0].mean(0)
    rest = resid[y == 0]
    steered = demo.at_least(
        "adding the steering vector flips class-0 answers to class 1",
        (unembed(rest + 2 * steer, v).argmax(1) == 1).float().mean(),
        0.95,
    )
    random_dir = demo.randn(D, seed=4)
    random_dir = random_dir / random_dir.norm() * steer.norm()
    steered.broken(
        "adding a random vector of the same length does not",
        (unembed(rest + 2 * random_dir, v).argmax(1) == 1).float().mean(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("block A never writes its feature", "resid = x + out_a + out_b", "resid = x + out_b"),
    (
        "patch from the corrupted run instead of the clean one",
        "patched_a = logit_diff(corrupt + a_clean + b_corrupt)",
        "patched_a = logit_diff(corrupt + a_corrupt + b_corrupt)",
    ),
    (
        "steering vector with the wrong sign",
        "steer = resid[y == 1].mean(0) - resid[y == 0].mean(0)",
        "steer = resid[y == 0].mean(0) - resid[y == 1].mean(0)",
    ),
]
