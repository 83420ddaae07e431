"""Calibration: a model's confidence should match how often it is right.

Among all predictions made with 80% confidence, about 80% should be correct. The expected
calibration error (ECE) measures the gap: sort predictions into confidence bins and average
|accuracy - confidence| over the bins, weighted by how many predictions each holds.
Modern networks are often overconfident. Temperature scaling fixes much of that with one
number fitted on held-out data: divide every logit by T. Dividing by a positive constant
never changes which class is largest, so accuracy cannot move; only confidence does.
"""

import math

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["calibration"]

D, K, N = 16, 5, 20_000  # features, classes, test examples
N_VAL = 5_000  # held-out examples for fitting the temperature
INFLATION = 3.0  # the overconfident model's logits are the true ones times this
BINS = 15


def ece(probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Expected calibration error over equal-width confidence bins (top-label confidence)."""
    confidence, predicted = probs.max(-1)
    correct = (predicted == labels).float()
    bin_of = (confidence * BINS).long().clamp(max=BINS - 1)
    total = torch.zeros((), device=probs.device)
    for b in range(BINS):
        in_bin = bin_of == b
        if in_bin.any():
            gap = (correct[in_bin].mean() - confidence[in_bin].mean()).abs()
            total = total + in_bin.float().mean() * gap  # weight: the bin's share of examples
    return total


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The T > 0 that minimises held-out negative log-likelihood: a golden-section search
    over log T (the likelihood has a single minimum in T)."""

    def nll(log_t: float) -> float:
        return F.cross_entropy(logits / math.exp(log_t), labels).item()

    golden = (5**0.5 - 1) / 2
    lo, hi = math.log(0.05), math.log(20.0)
    for _ in range(25):  # the bracket shrinks to 0.618^25 ~ 6e-6 of its width
        left, right = hi - golden * (hi - lo), lo + golden * (hi - lo)
        if nll(left) < nll(right):
            hi = right
        else:
            lo = left
    return math.exp((lo + hi) / 2)


def run(demo: Demo) -> None:
    # The world: labels are drawn from softmax(x W). A model that has learned W but reports
    # logits three times too large is right as often as the truth allows, yet overconfident.
    w_true = demo.randn(D, K, seed=0) / D**0.5
    gen = demo.generator(1)

    def split(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = demo.randn(n, D, seed=seed)
        true_logits = x @ w_true
        labels = torch.multinomial(true_logits.softmax(-1).cpu(), 1, generator=gen).squeeze(1)
        return true_logits, INFLATION * true_logits, labels.to(demo.device)

    _, val_logits, val_labels = split(N_VAL, 2)
    test_true, test_logits, test_labels = split(N, 3)

    # A worked example to do by hand: three answers at 95% confidence of which two are right,
    # one at 65% that is right. ECE = 3/4 |2/3 - 0.95| + 1/4 |1 - 0.65| = 0.2125 + 0.0875.
    probs = demo.tensor([[0.95, 0.05], [0.95, 0.05], [0.95, 0.05], [0.35, 0.65]])
    demo.close("the worked example's ECE is 0.3", ece(probs, demo.tensor([0, 0, 1, 1]).long()), 0.3)

    # An honest check of the estimator first: the true probabilities are calibrated by
    # construction, so their ECE is only sampling noise (about 0.005 with 20,000 examples).
    calibrated = demo.at_most(
        "the true probabilities have ECE <= 0.02 (sampling noise only)",
        ece(test_true.softmax(-1), test_labels),
        0.02,
    )
    before = ece(test_logits.softmax(-1), test_labels)
    calibrated.broken("the overconfident model's ECE is far above it", before)

    # Fit one temperature on the validation split, judge it on the test split.
    T = fit_temperature(val_logits, val_labels)
    demo.between("the fitted temperature recovers the inflation factor 3 within 10%", T, 2.7, 3.3)
    after = ece((test_logits / T).softmax(-1), test_labels)
    demo.at_most("temperature scaling cuts test ECE by >= 4x", after / before, 0.25)

    # Accuracy cannot change: argmax(z / T) = argmax(z) for every T > 0.
    accuracy = (test_logits.argmax(-1) == test_labels).float().mean()
    scaled_accuracy = ((test_logits / T).argmax(-1) == test_labels).float().mean()
    unchanged = demo.equal("accuracy is identical after scaling", scaled_accuracy, accuracy)
    # A recalibration map that is not one shared temperature (a bias per class) can reorder
    # the classes and so change what the model predicts.
    biases = demo.tensor([0.0, 1.0, 0.0, -1.0, 0.5])
    biased_accuracy = ((test_logits + biases).argmax(-1) == test_labels).float().mean()
    unchanged.broken("adding per-class biases changes it", biased_accuracy)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "signed gaps: over- and under-confident bins cancel",
        "gap = (correct[in_bin].mean() - confidence[in_bin].mean()).abs()",
        "gap = correct[in_bin].mean() - confidence[in_bin].mean()",
    ),
    (
        "multiply the logits by T instead of dividing",
        "F.cross_entropy(logits / math.exp(log_t), labels)",
        "F.cross_entropy(logits * math.exp(log_t), labels)",
    ),
    (
        "weigh every bin equally instead of by its share of examples",
        "total = total + in_bin.float().mean() * gap",
        "total = total + gap / BINS",
    ),
]
