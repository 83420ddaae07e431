"""HELM: scoring models on several metrics at once, where the accuracy leader need not win.

Holistic evaluation reports calibration, robustness and cost next to accuracy. A model can
top the accuracy column while its confidences are badly off (high expected calibration
error), and aggregating metrics by mean win rate, as HELM does, can reorder a leaderboard
that accuracy alone would settle, without depending on each metric's units.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["helm"]


def ece(confidence: torch.Tensor, correct: torch.Tensor, bins: int = 10) -> torch.Tensor:
    # Expected calibration error: bin by confidence, then weight |accuracy - confidence|
    # in each bin by the share of predictions that fall in it.
    which = (confidence * bins).long().clamp(max=bins - 1)
    total = torch.zeros((), dtype=confidence.dtype, device=confidence.device)
    for b in range(bins):
        inside = which == b
        if inside.any():
            gap = (correct[inside].to(total.dtype).mean() - confidence[inside].mean()).abs()
            total = total + inside.to(total.dtype).mean() * gap
    return total


def mean_win_rate(scores: torch.Tensor) -> torch.Tensor:
    """scores[m, j]: model m on metric j, higher is better. Share of rivals beaten, averaged."""
    M = scores.shape[0]
    beats = (scores[:, None, :] > scores[None, :, :]).float().sum(1)  # (models, metrics)
    return (beats / (M - 1)).mean(1)


def run(demo: Demo) -> None:
    # ECE by hand: four answers at confidence 0.95 with three right (accuracy 0.75, gap 0.2)
    # and two at 0.65 with one right (gap 0.15) give 4/6 * 0.2 + 2/6 * 0.15 = 0.18333.
    worked = demo.close(
        "ECE of the six-answer worked example is 0.18333",
        ece(
            demo.tensor([0.95, 0.95, 0.95, 0.95, 0.65, 0.65], dtype=torch.float64),
            demo.tensor([1, 1, 1, 0, 1, 0], dtype=torch.bool),
        ),
        0.55 / 3,
    )
    # The common slip: averaging the bins' gaps without weighting them by their share.
    worked.broken("the unweighted mean of the two bins' gaps is 0.175", (0.2 + 0.15) / 2)

    # A binary task whose labels follow sigmoid(x . w). Model A has the right direction
    # but is 4x overconfident; model B has a noisier direction, at its best temperature.
    x = demo.randn(4000, 8, seed=0, dtype=torch.float64)
    w = demo.randn(8, seed=1, dtype=torch.float64)
    y = demo.rand(4000, seed=2, dtype=torch.float64) < torch.sigmoid(x @ w)
    w_b = w + 0.8 * demo.randn(8, seed=3, dtype=torch.float64)

    def evaluate(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        prob = torch.sigmoid(logits)
        correct = (prob > 0.5) == y
        return correct.double().mean(), ece(torch.maximum(prob, 1 - prob), correct)

    acc_a, ece_a = evaluate(4 * (x @ w))
    # B's temperature is the one with the lowest log loss on a grid: it is well calibrated.
    scales = torch.linspace(0.05, 2.0, 40, dtype=torch.float64, device=demo.device)
    logloss = torch.stack(
        [F.binary_cross_entropy_with_logits(s * (x @ w_b), y.double()) for s in scales]
    )
    acc_b, ece_b = evaluate(scales[logloss.argmin()] * (x @ w_b))
    demo.at_least("model A is more accurate than model B", acc_a - acc_b, 0.01)
    demo.at_least("yet A's calibration error is far worse (ECE ratio)", ece_a / ece_b, 3.0)
    # Dividing A's logits by its overconfidence (temperature 4) keeps every prediction,
    # so accuracy is unchanged, and removes most of the calibration error.
    acc_t, ece_t = evaluate(x @ w)
    demo.close("temperature scaling leaves accuracy unchanged", acc_t, acc_a)
    calibrated = demo.at_most("and brings ECE near zero", ece_t, 0.04)
    calibrated.broken("the overconfident model's ECE is far from zero", ece_a)

    # A four-model leaderboard: accuracy, calibration (1 - ECE), robustness (accuracy
    # under perturbation) and efficiency (negative latency in seconds), higher is better.
    board = demo.tensor(
        [
            [0.82, 0.80, 0.60, -0.20],  # most accurate, but poorly calibrated, brittle, slow
            [0.80, 0.95, 0.75, -0.05],
            [0.78, 0.93, 0.72, -0.04],
            [0.70, 0.90, 0.65, -0.01],
        ]
    )
    win = mean_win_rate(board)
    # By hand, rivals beaten per metric: model 0 beats 3, 0, 0, 0; model 1 2, 3, 3, 1;
    # model 2 1, 2, 2, 2; model 3 0, 1, 1, 3. Out of 3 rivals on 4 metrics: [3, 9, 7, 5] / 12.
    demo.close("mean win rates are [3, 9, 7, 5] / 12", win, [0.25, 0.75, 7 / 12, 5 / 12])
    demo.equal(
        "accuracy alone crowns model 0, mean win rate crowns model 1",
        torch.stack([board[:, 0].argmax(), win.argmax()]),
        [0, 1],
    )
    # Win rates only use orderings, so reporting latency in milliseconds changes
    # nothing; averaging the raw numbers instead lets the units pick the winner.
    in_ms = board * demo.tensor([1.0, 1.0, 1.0, 1000.0])
    unit_free = demo.equal(
        "with latency in ms the mean-win-rate leader is the same", mean_win_rate(in_ms).argmax(), 1
    )
    unit_free.broken(
        "the leader by raw-metric average changes with the units", in_ms.mean(1).argmax()
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "ECE without weighting each bin by its share",
        "total = total + inside.to(total.dtype).mean() * gap",
        "total = total + gap / bins",
    ),
    (
        "ECE with signed gaps, so over- and under-confidence cancel",
        "gap = (correct[inside].to(total.dtype).mean() - confidence[inside].mean()).abs()",
        "gap = correct[inside].to(total.dtype).mean() - confidence[inside].mean()",
    ),
    (
        "a model counted as its own rival (divide by M, not M - 1)",
        "return (beats / (M - 1)).mean(1)",
        "return (beats / M).mean(1)",
    ),
]
