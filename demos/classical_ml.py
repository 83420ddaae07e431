"""Classical ML: least squares, logistic regression, k-means and a decision stump, from scratch.

Before deep learning, these were the workhorses, and they still are strong
baselines on tables of features. Each is a small optimisation problem: least
squares has a closed form that gradient descent also reaches, logistic regression
draws one straight boundary, k-means alternates two steps that never raise its
objective, and a tree picks the split that leaves its leaves purest.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["classical-ml"]


def logistic_accuracy(X: torch.Tensor, y: torch.Tensor, steps: int = 300) -> torch.Tensor:
    """Fit p(y = 1 | x) = sigmoid(x . w + b) by gradient descent; return training accuracy."""
    X1 = torch.cat([X, torch.ones_like(X[:, :1])], 1)  # a column of ones carries the bias
    w = torch.zeros(X1.shape[1], dtype=X.dtype, device=X.device)
    for _ in range(steps):
        # The gradient of the mean log loss is X^T (p - y) / n: prediction minus label.
        w = w - 1.0 * X1.T @ (torch.sigmoid(X1 @ w) - y) / len(y)
    return ((X1 @ w > 0).to(y.dtype) == y).double().mean()


def gini(share: torch.Tensor) -> torch.Tensor:
    """Two-class Gini impurity 1 - p^2 - (1 - p)^2, from the share p of class 1."""
    return 2 * share * (1 - share)


def best_split(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Try every midpoint; return the threshold with the lowest size-weighted Gini impurity."""
    xs = x.sort().values
    thresholds = (xs[1:] + xs[:-1]) / 2
    left = (x[None, :] <= thresholds[:, None]).double()  # one row per candidate threshold
    y = y.double()
    n_left, n_right = left.sum(1), (1 - left).sum(1)
    share_left = left @ y / n_left.clamp_min(1)
    share_right = (1 - left) @ y / n_right.clamp_min(1)
    scores = (n_left * gini(share_left) + n_right * gini(share_right)) / len(y)
    return thresholds[scores.argmin()], scores.min()


def run(demo: Demo) -> None:
    # Least squares: the normal equations' answer is where gradient descent ends up.
    X = demo.randn(200, 3, seed=0, dtype=torch.float64)
    w_true = demo.tensor([1.5, -2.0, 0.5], dtype=torch.float64)
    y = X @ w_true + 0.1 * demo.randn(200, seed=1, dtype=torch.float64)
    closed = torch.linalg.solve(X.T @ X, X.T @ y)
    w = torch.zeros(3, dtype=torch.float64, device=demo.device)
    for _ in range(200):
        w = w - 0.2 * 2 * X.T @ (X @ w - y) / len(y)  # gradient of the mean squared error
    demo.close("gradient descent reaches the closed-form least-squares fit", w, closed, atol=1e-9)

    # Logistic regression separates two well-separated blobs perfectly ...
    blobs = torch.cat(
        [
            demo.randn(50, 2, seed=2, dtype=torch.float64) * 0.5 + 2,
            demo.randn(50, 2, seed=3, dtype=torch.float64) * 0.5 - 2,
        ]
    )
    labels = torch.cat([torch.ones(50), torch.zeros(50)]).to(demo.device, torch.float64)
    separable = demo.equal(
        "logistic regression classifies separable blobs perfectly",
        logistic_accuracy(blobs, labels),
        1.0,
    )
    # ... but one straight line cannot get all four XOR points right (at most 3 of 4).
    xor = demo.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    separable.broken(
        "on XOR, which no line separates, it cannot",
        logistic_accuracy(xor, demo.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)),
    )

    # k-means alternates two steps, assigning each point to its nearest centre and moving each
    # centre to the mean of its points; neither step can raise the total squared distance.
    centres_true = demo.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]], dtype=torch.float64)
    noise = demo.randn(3, 40, 2, seed=4, dtype=torch.float64)
    points = (centres_true[:, None] + 0.7 * noise).reshape(-1, 2)

    def kmeans(centres: torch.Tensor, steps: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
        objective = []
        for _ in range(steps):
            assign = torch.cdist(points, centres).argmin(1)
            objective.append(((points - centres[assign]) ** 2).sum())
            centres = torch.stack([points[assign == c].mean(0) for c in range(3)])
        return centres, torch.stack(objective)

    # From 10 random starts (three data points each), record every change in the objective.
    def random_start(seed: int) -> torch.Tensor:
        return points[torch.randperm(120, generator=demo.generator(seed))[:3].to(demo.device)]

    changes = torch.cat([kmeans(random_start(s))[1].diff() for s in range(10)])
    demo.at_most("over 10 random starts the k-means objective never increases", changes.max(), 1e-9)
    demo.at_most("and it does fall (total change below -100)", changes.sum(), -100.0)
    # Seeding with mutually distant points (the idea behind k-means++) finds the true clusters.
    seeds = points[:1]
    for _ in range(2):
        far = torch.cdist(points, seeds).min(1).values.argmax()
        seeds = torch.cat([seeds, points[far][None]])
    demo.at_most(
        "from far-apart seeds the centres land within 0.5 of the true ones",
        torch.cdist(centres_true, kmeans(seeds)[0]).min(1).values.max(),
        0.5,
    )

    # A decision stump tries every threshold and keeps the purest split. By hand: Gini of
    # [0, 0, 1] is 1 - (2/3)^2 - (1/3)^2 = 4/9. On x = 1..6 with labels [0, 0, 0, 1, 1, 0]
    # the split at 3.5 leaves [0, 0, 0] (Gini 0) and [1, 1, 0] (4/9), weighted 3/6 * 4/9 = 2/9;
    # the other cuts score 0.4, 1/3, 0.417 and 0.4.
    demo.close("Gini of [0, 0, 1] is 4/9", gini(demo.tensor(1 / 3, dtype=torch.float64)), 4 / 9)
    toy_x = demo.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=torch.float64)
    toy_split = best_split(toy_x, demo.tensor([0, 0, 0, 1, 1, 0]))
    demo.close("the toy set splits at 3.5 with impurity 2/9", torch.stack(toy_split), [3.5, 2 / 9])

    # On 200 points where only feature 0 matters, the stump finds it and its threshold.
    feats = demo.rand(200, 2, seed=6, dtype=torch.float64)
    target = (feats[:, 0] > 0.3).long()  # only feature 0 matters
    (threshold, impurity), (_, impurity_other) = (best_split(feats[:, f], target) for f in (0, 1))
    demo.equal("the stump splits on feature 0", torch.stack([impurity, impurity_other]).argmin(), 0)
    demo.close("at a threshold near 0.3", threshold, 0.3, atol=0.02)
    pure = demo.at_most("and that split leaves both sides pure (Gini 0)", impurity, 1e-12)
    pure.broken("the best split of the irrelevant feature 1 stays impure", impurity_other)

    # Evaluation: 8 true positives, 2 false positives, 4 false negatives.
    predicted = demo.tensor([1] * 8 + [1] * 2 + [0] * 4 + [0] * 6)
    actual = demo.tensor([1] * 8 + [0] * 2 + [1] * 4 + [0] * 6)
    tp = (predicted * actual).sum()
    demo.close("precision = 8 / (8 + 2) = 0.8", tp / predicted.sum(), 0.8)
    demo.close("recall = 8 / (8 + 4) = 2/3", tp / actual.sum(), 2 / 3)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "sign flip: step up the least-squares gradient",
        "w = w - 0.2 * 2 * X.T @ (X @ w - y) / len(y)",
        "w = w + 0.2 * 2 * X.T @ (X @ w - y) / len(y)",
    ),
    (
        "k-means forgets to move the centres",
        "centres = torch.stack([points[assign == c].mean(0) for c in range(3)])",
        "centres = centres",
    ),
    (
        "Gini as p(1 - p), half its value",
        "return 2 * share * (1 - share)",
        "return share * (1 - share)",
    ),
]
