"""Pruning and sparsity: which half of a layer's weights can go, and what it takes to gain speed.

Pruning sets weights to zero. Which ones matters: the smallest-magnitude half of a layer's
weights carries little of its output, the largest half carries nearly all of it. When a few
input features are huge (the outlier features of LLMs), a weight's size says little about
its effect, and Wanda scores each weight by |W_ij| * ||X_j||, its typical contribution to
the output, measured on a few calibration inputs. SparseGPT goes further and re-fits the
weights it keeps so the layer reproduces its old outputs on those inputs. Zeros only save
time when a kernel skips them: the 2:4 pattern (two non-zeros in every group of four) is
regular enough for GPU sparse tensor cores, which store half the values plus 2-bit indices.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["pruning-sparsity"]

D_IN, D_OUT, N_CAL, N_TEST = 128, 64, 512, 512  # layer width, calibration and held-out tokens
N_OUTLIER, OUTLIER_SCALE = 4, 20.0  # a handful of feature dimensions that run 20x larger


def activations(demo: Demo, n: int, seed: int, outliers: bool) -> torch.Tensor:
    """Inputs to the layer: correlated features (32 hidden factors), optionally with outliers."""
    mixing = demo.randn(32, D_IN, seed=100) / 32**0.5  # the same feature structure every draw
    x = demo.randn(n, 32, seed=seed) @ mixing + 0.1 * demo.randn(n, D_IN, seed=seed + 1)
    if outliers:
        x[:, :N_OUTLIER] *= OUTLIER_SCALE
    return x


def keep_top(score: torch.Tensor, sparsity: float) -> torch.Tensor:
    """A mask that keeps, in every output row, the (1 - sparsity) share of highest scores."""
    k = int(score.shape[1] * (1 - sparsity))
    keep = score.topk(k, dim=1).indices
    return torch.zeros_like(score, dtype=torch.bool).scatter_(1, keep, True)


def magnitude_score(w: torch.Tensor) -> torch.Tensor:
    return w.abs()


def wanda_score(w: torch.Tensor, x_cal: torch.Tensor) -> torch.Tensor:
    # Weight j of a row meets input feature j: its typical share of the output is
    # |W_ij| times the size of feature j over the calibration tokens.
    return w.abs() * x_cal.norm(dim=0)


def n_m_mask(score: torch.Tensor, n: int = 2, m: int = 4) -> torch.Tensor:
    """Keep the n highest scores in every group of m consecutive inputs (2:4 by default)."""
    groups = score.reshape(score.shape[0], -1, m)
    keep = groups.topk(n, dim=-1).indices
    return torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, keep, True).flatten(1)


def refit(w: torch.Tensor, mask: torch.Tensor, x_cal: torch.Tensor) -> torch.Tensor:
    """Layer-wise reconstruction (what SparseGPT approximates at scale): keep the mask, and
    choose the surviving weights of each row by least squares so that x_cal @ row matches
    the dense layer's output on the calibration tokens."""
    target = x_cal @ w.T
    fitted = torch.zeros_like(w)
    for i in range(w.shape[0]):
        cols = mask[i].nonzero().squeeze(1)
        solution = torch.linalg.lstsq(x_cal[:, cols], target[:, i : i + 1]).solution
        fitted[i, cols] = solution.squeeze(1)
    return fitted


def relative_error(x: torch.Tensor, w: torch.Tensor, w_pruned: torch.Tensor) -> torch.Tensor:
    """How far the pruned layer's outputs are from the dense layer's, on held-out inputs."""
    y = x @ w.T
    return (x @ w_pruned.T - y).norm() / y.norm()


def compress_2_4(w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The 2:4 storage format: the two kept values of each group of four, and their positions."""
    groups = w.reshape(w.shape[0], -1, 4)
    positions = (groups != 0).float().topk(2, dim=-1).indices.sort(dim=-1).values
    return groups.gather(-1, positions), positions  # (rows, groups, 2) each


def sparse_matmul_2_4(
    x: torch.Tensor, values: torch.Tensor, positions: torch.Tensor
) -> torch.Tensor:
    """y = x @ W.T from the compressed form: each output sums 2 products per group of 4 inputs,
    half the multiply-adds of the dense product. Sparse tensor cores do this in hardware."""
    x_groups = x.reshape(x.shape[0], 1, -1, 4).expand(-1, values.shape[0], -1, -1)
    picked = x_groups.gather(-1, positions.unsqueeze(0).expand(x.shape[0], -1, -1, -1))
    return (picked * values).sum(dim=(-1, -2))


def run(demo: Demo) -> None:
    w = demo.randn(D_OUT, D_IN, seed=0) / D_IN**0.5

    # 1. Without outliers, magnitude is a fair guide. Half the weights of a Gaussian layer,
    # the smallest half, hold only ~7% of its squared weight: the output moves by ~sqrt(7%).
    x_test = activations(demo, N_TEST, seed=3, outliers=False)
    magnitude = relative_error(x_test, w, w * keep_top(magnitude_score(w), 0.5))
    kept = demo.at_most(
        "pruning the smallest 50% of weights moves the output by at most 35% (relative)",
        magnitude,
        0.35,
    )
    random_mask = keep_top(demo.rand(D_OUT, D_IN, seed=7), 0.5)  # a random half of each row
    kept.broken(
        "pruning a random 50% does not keep it (about sqrt(1/2) of the output is lost)",
        relative_error(x_test, w, w * random_mask),
    )
    kept.broken(
        "pruning the largest 50% destroys the output",
        relative_error(x_test, w, w * keep_top(-magnitude_score(w), 0.5)),
    )

    # 2. With outlier features, the 4 large inputs dominate the output, and half of their
    # weights (the small ones) go under magnitude pruning. Wanda's score keeps them.
    x_cal = activations(demo, N_CAL, seed=1, outliers=True)
    x_test = activations(demo, N_TEST, seed=3, outliers=True)
    w_magnitude = w * keep_top(magnitude_score(w), 0.5)
    w_wanda = w * keep_top(wanda_score(w, x_cal), 0.5)
    magnitude_err = relative_error(x_test, w, w_magnitude)
    wanda_err = relative_error(x_test, w, w_wanda)
    better = demo.at_most(
        "with outlier features, Wanda's |W|*||X_j|| at most halves magnitude pruning's error",
        wanda_err / magnitude_err,
        0.5,
    )
    # The activation norms must come from inputs like the real ones: calibrating on data
    # without the outlier features leaves a score no better than magnitude.
    x_plain = activations(demo, N_CAL, seed=1, outliers=False)
    w_miscalibrated = w * keep_top(wanda_score(w, x_plain), 0.5)
    better.broken(
        "Wanda calibrated on inputs without the outliers does not",
        relative_error(x_test, w, w_miscalibrated) / magnitude_err,
    )

    # 3. SparseGPT's idea: after choosing what to drop, re-fit the kept weights so the layer
    # reproduces its dense outputs on the calibration tokens. Correlated inputs let the
    # survivors stand in for the pruned ones. Measured on held-out tokens, not the fitted ones.
    demo.at_most(
        "re-fitting the kept weights on calibration data cuts the held-out error at least 2x",
        relative_error(x_test, w, refit(w, w_wanda != 0, x_cal)) / wanda_err,
        0.5,
    )

    # 4. 2:4 semi-structured sparsity: the same 50%, but two survivors in every group of four
    # consecutive inputs. Our 4 outlier features sit in one group, so 2:4 would have to drop
    # half of them. Permuting the inputs (W's columns and X's features in the same order,
    # which leaves x @ W.T unchanged) spreads them over four groups first.
    # Outputs reach ~20; float32 sums in another order differ by a few ulps there (~1e-5).
    # A GPU may split the 128-long sums differently again: 1e-3 leaves room.
    tol = 1e-3 if demo.on_gpu else 1e-4
    spread = torch.arange(D_IN, device=demo.device).reshape(4, -1).T.flatten()
    w_p, x_cal_p, x_test_p = w[:, spread], x_cal[:, spread], x_test[:, spread]
    demo.close(
        "permuting W's columns and X's features together leaves the layer's output unchanged",
        x_test_p @ w_p.T,
        x_test @ w.T,
        atol=tol,
        rtol=1e-5,
    )
    mask_2_4 = n_m_mask(wanda_score(w_p, x_cal_p))
    per_group = demo.equal(
        "a 2:4 mask keeps exactly 2 weights in every group of 4 inputs",
        mask_2_4.reshape(D_OUT, -1, 4).sum(-1),
        torch.full((D_OUT, D_IN // 4), 2, device=demo.device),
    )
    per_group.broken(
        "an unstructured 50% mask does not: its groups hold 0 to 4",
        (w_wanda != 0).reshape(D_OUT, -1, 4).sum(-1),
    )
    w_2_4 = w_p * mask_2_4
    cost = demo.at_most(
        "with the outliers spread, 2:4 costs at most 2.5x unstructured Wanda's error",
        relative_error(x_test_p, w_p, w_2_4) / wanda_err,
        2.5,
    )
    cost.broken(
        "without the permutation 2:4 drops half the outlier weights and does not",
        relative_error(x_test, w, w * n_m_mask(wanda_score(w, x_cal))) / wanda_err,
    )

    # Stored compressed, a 2:4 matrix is its kept values plus a 2-bit position for each.
    values, positions = compress_2_4(w_2_4)
    dense_bytes = w.numel() * w.element_size()
    stored_bytes = values.numel() * values.element_size() + positions.numel() * 2 / 8
    demo.equal(
        "2:4 storage: half the values plus 2 bits each, 0.5 + 1/32 of float32's bytes",
        stored_bytes / dense_bytes,
        0.5 + 1 / 32,
        illustration=True,
    )
    demo.close(
        "the compressed 2:4 product, 2 multiplies per group of 4, equals the dense masked one",
        sparse_matmul_2_4(x_test_p, values, positions),
        x_test_p @ w_2_4.T,
        atol=tol,
        rtol=1e-5,
    )
    demo.not_claimed(
        "a 2:4 sparse layer runs up to ~2x faster than the dense one",
        "needs sparse tensor cores (NVIDIA Ampere or later) and a sparse kernel such as "
        "cuSPARSELt; a dense matmul over a matrix full of zeros does all the work anyway",
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "Wanda without the activation norm is plain magnitude pruning",
        "return w.abs() * x_cal.norm(dim=0)",
        "return w.abs()",
    ),
    (
        "the pruning mask keeps the lowest scores instead of the highest",
        "keep = score.topk(k, dim=1).indices",
        "keep = score.topk(k, dim=1, largest=False).indices",
    ),
    (
        "the N:M mask keeps 3 of every 4 instead of 2",
        "keep = groups.topk(n, dim=-1).indices",
        "keep = groups.topk(n + 1, dim=-1).indices",
    ),
]
