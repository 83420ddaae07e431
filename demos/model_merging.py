"""Model merging: fine-tunes of one shared base can be averaged into one model that does both.

Fine-tuning moves a pre-trained model a short way in weight space. Two fine-tunes of the same
base stay close enough that the straight line between them is still a good model, so their
average keeps much of each skill. A task vector, fine-tuned weights minus base weights, is
that move written down; adding several task vectors to the base (task arithmetic) combines
skills. TIES-merging trims each task vector to its largest entries, elects one sign per
parameter and averages only the kept entries that agree with it, so a task's change is not
diluted by the other tasks' zeros and small, conflicting moves.
Nothing of this holds for two networks trained from different random starts: their hidden
units play the same roles in a different order, and averaging them mixes unrelated features.

The toy: a one-hidden-layer network is pre-trained to tell the sign of x_i * x_j for five
pairs of inputs, then fine-tuned on one of two new pairs each (task A: x0 * x1, task B:
x2 * x3), with one output per task; two more fine-tunes (x0 * x4, x2 * x5) join them when four
task vectors are merged at once.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["model-merging"]

D, H, N = 6, 64, 256  # inputs, hidden units, examples per split
PAIRS = [(0, 1), (2, 3), (0, 2), (1, 3), (0, 3), (1, 2), (4, 5), (0, 4), (2, 5)]  # one output each
TASK_A, TASK_B, PRETRAIN = [0], [1], [2, 3, 4, 5, 6]
TASK_C, TASK_D = [7], [8]  # used only by the four-task merge

Params = dict[str, torch.Tensor]


def init(demo: Demo, seed: int) -> Params:
    return {
        "w1": demo.randn(D, H, seed=seed) * (2 / D) ** 0.5,
        "b1": torch.zeros(H, device=demo.device),
        # Tasks C and D's outputs draw from their own seed, so every other weight starts
        # exactly as it would without them and the two-task results do not depend on them.
        "w2": torch.cat(
            [demo.randn(H, len(PAIRS) - 2, seed=seed + 1), demo.randn(H, 2, seed=seed + 2)], dim=1
        )
        / H**0.5,
        "b2": torch.zeros(len(PAIRS), device=demo.device),
    }


def forward(p: Params, x: torch.Tensor) -> torch.Tensor:
    return F.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]


def train(
    p: Params, x: torch.Tensor, y: torch.Tensor, outputs: list[int], steps: int, lr: float
) -> Params:
    """Full-batch gradient descent on the chosen outputs' cross-entropy; returns new weights.

    The backward pass is written out (it is four matrix products) rather than left to
    autograd, which keeps the demo's few hundred steps fast on one CPU thread.
    """
    w1, b1, w2, b2 = (p[k].clone() for k in ("w1", "b1", "w2", "b2"))
    mask = torch.zeros(len(PAIRS), device=x.device)
    mask[outputs] = 1.0 / (x.shape[0] * len(outputs))  # mean over examples and chosen outputs
    for _ in range(steps):
        z = x @ w1 + b1
        h = F.relu(z)
        d_out = (torch.sigmoid(h @ w2 + b2) - y) * mask  # d(BCE)/d(logit); other outputs: 0
        d_z = (d_out @ w2.T) * (z > 0)
        w2 -= lr * h.T @ d_out
        b2 -= lr * d_out.sum(0)
        w1 -= lr * x.T @ d_z
        b1 -= lr * d_z.sum(0)
    return {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


def accuracy(p: Params, x: torch.Tensor, y: torch.Tensor, task: list[int]) -> float:
    return ((forward(p, x)[:, task] > 0).float() == y[:, task]).float().mean().item()


def average(p: Params, q: Params) -> Params:
    return {k: (p[k] + q[k]) / 2 for k in p}


def task_arithmetic(base: Params, tuned: list[Params], scale: float) -> Params:
    """base + scale * sum of task vectors, each task vector being fine-tuned minus base."""
    return {k: base[k] + scale * sum(t[k] - base[k] for t in tuned) for k in base}


def ties_merge(base: Params, tuned: list[Params], keep: float, scale: float) -> Params:
    """TIES-merging: trim each task vector, elect a sign per entry, average the agreeing ones."""
    merged = {}
    for k in base:
        tv = torch.stack([t[k] - base[k] for t in tuned]).flatten(1)  # one row per task
        # Trim: each task keeps its `keep` fraction of largest-magnitude changes; the many
        # small ones are mostly noise from fine-tuning and only blur the other tasks.
        cutoff = tv.abs().topk(max(1, int(keep * tv.shape[1])), dim=1).values[:, -1:]
        tv = tv * (tv.abs() >= cutoff)
        # Elect: each entry moves in the direction with the larger total change over tasks.
        sign = torch.sign(tv.sum(0))
        # Disjoint mean: average only the kept changes that agree with that sign, so a change
        # made by one task alone is applied at full size instead of divided by the task count.
        agree = (torch.sign(tv) == sign) & (tv != 0)
        mean = (tv * agree).sum(0) / agree.sum(0).clamp(min=1)
        merged[k] = base[k] + scale * mean.view_as(base[k])
    return merged


def run(demo: Demo) -> None:
    x = demo.randn(2 * N, D, seed=0)
    y = torch.stack([(x[:, i] * x[:, j] > 0).float() for i, j in PAIRS], dim=1)
    x_train, y_train, x_test, y_test = x[:N], y[:N], x[N:], y[N:]

    def both(p: Params) -> tuple[float, float]:
        return accuracy(p, x_test, y_test, TASK_A), accuracy(p, x_test, y_test, TASK_B)

    # Pre-train two bases from different random starts; both learn the same five pairs.
    base = train(init(demo, 10), x_train, y_train, PRETRAIN, steps=60, lr=4.0)
    stranger = train(init(demo, 20), x_train, y_train, PRETRAIN, steps=60, lr=4.0)
    # Fine-tune: A and B from the shared base, and B once more from the other base.
    tuned_a = train(base, x_train, y_train, TASK_A, steps=25, lr=1.0)
    tuned_b = train(base, x_train, y_train, TASK_B, steps=25, lr=1.0)
    tuned_b_elsewhere = train(stranger, x_train, y_train, TASK_B, steps=25, lr=1.0)

    merged = average(tuned_a, tuned_b)
    merged_a, merged_b = both(merged)
    a_on_a, a_on_b = both(tuned_a)
    b_on_a, b_on_b = both(tuned_b)

    # 0. Each fine-tune learns its own task (~0.84 on the weaker of the two, chance is 0.5).
    demo.at_least(
        "each fine-tune learns its own task (accuracy of the weaker one)",
        min(a_on_a, b_on_b),
        0.8,
    )

    # 1. The average of two fine-tunes of one base does both tasks well above chance;
    #    measured ~0.78 on the weaker task. Averaging with a fine-tune of another base, which
    #    does its own task just as well, mixes unrelated hidden units: ~0.62.
    keeps = demo.at_least(
        "the average of two fine-tunes of one base does both tasks (worse task's accuracy)",
        min(merged_a, merged_b),
        0.72,
    )
    keeps.broken(
        "the average of fine-tunes of two differently initialised bases does not",
        min(both(average(tuned_a, tuned_b_elsewhere))),
    )

    # 2. Better than either fine-tune on the task it was not tuned for (each is at chance
    #    there, ~0.5): the merge gains ~0.3 on both.
    demo.at_least(
        "the merge beats each fine-tune on the other task by at least 0.15",
        min(merged_a - b_on_a, merged_b - a_on_b),
        0.15,
    )

    # 3. Task arithmetic: add both task vectors to the base at full strength (~0.82 on the
    #    weaker task: each skill is no longer halved). Averaging is
    #    the special case scale = 1/2 (an identity, shown for the record).
    added = task_arithmetic(base, [tuned_a, tuned_b], scale=1.0)
    demo.at_least(
        "base + task vector A + task vector B does both tasks (worse task's accuracy)",
        min(both(added)),
        0.72,
    )
    demo.close(
        "the average is base + (task vector A + task vector B) / 2",
        task_arithmetic(base, [tuned_a, tuned_b], scale=0.5)["w1"],
        merged["w1"],
        illustration=True,
    )

    # 4. Four task vectors at once. Plain averaging (task arithmetic at scale 1/4) shrinks each
    #    task's change to a quarter and the merge falls to ~0.57 on its worst task. TIES, keeping
    #    each task's top 20% of changes at full size, holds every task at ~0.76 (the fine-tunes
    #    themselves reach 0.84-0.88). In this toy few kept entries conflict in sign, so the
    #    election step itself moves little (~0.75 without it); the trim and the disjoint mean
    #    do the work.
    tuned_c = train(base, x_train, y_train, TASK_C, steps=25, lr=1.0)
    tuned_d = train(base, x_train, y_train, TASK_D, steps=25, lr=1.0)
    four, tasks = [tuned_a, tuned_b, tuned_c, tuned_d], [TASK_A, TASK_B, TASK_C, TASK_D]

    def worst(p: Params) -> float:
        return min(accuracy(p, x_test, y_test, t) for t in tasks)

    ties = demo.at_least(
        "TIES-merging four task vectors keeps every task well above chance (worst task)",
        worst(ties_merge(base, four, keep=0.2, scale=1.0)),
        0.7,
    )
    ties.broken(
        "plain averaging of the same four task vectors does not",
        worst(task_arithmetic(base, four, scale=0.25)),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "task vectors taken without subtracting the base (the base is added twice)",
        "scale * sum(t[k] - base[k] for t in tuned)",
        "scale * sum(t[k] for t in tuned)",
    ),
    (
        "TIES divides each kept change by the number of tasks, not of agreeing tasks",
        "agree.sum(0).clamp(min=1)",
        "len(tuned)",
    ),
    (
        "TIES trims the wrong end: keeps the small changes",
        "(tv.abs() >= cutoff)",
        "(tv.abs() < cutoff)",
    ),
]
