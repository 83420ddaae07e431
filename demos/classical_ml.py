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
    w = torch.zeros(X.shape[1] + 1, dtype=X.dtype, device=X.device, requires_grad=True)
    X1 = torch.cat([X, torch.ones_like(X[:, :1])], 1)
    for _ in range(steps):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(X1 @ w, y)
        (g,) = torch.autograd.grad(loss, w)
        w = (w - 1.0 * g).detach().requires_grad_()
    return ((X1 @ w > 0).to(y.dtype) == y).double().mean()


def gini(y: torch.Tensor) -> torch.Tensor:
    p = y.double().mean() if len(y) else torch.zeros((), dtype=torch.float64, device=y.device)
    return 2 * p * (1 - p)  # 1 - p^2 - (1 - p)^2 for two classes


def best_split(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Try every midpoint; return the threshold with the lowest size-weighted Gini impurity."""
    xs = x.sort().values
    thresholds = (xs[1:] + xs[:-1]) / 2
    scores = torch.stack(
        [
            (len(y[x <= t]) * gini(y[x <= t]) + len(y[x > t]) * gini(y[x > t])) / len(y)
            for t in thresholds
        ]
    )
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
    demo.equal(
        "logistic regression classifies separable blobs perfectly",
        logistic_accuracy(blobs, labels),
        1.0,
    )
    # ... but one straight line cannot get all four XOR points right (at most 3 of 4).
    xor = demo.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    demo.equal(
        "logistic regression classifies XOR perfectly",
        logistic_accuracy(xor, demo.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)),
        1.0,
        negative=True,
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

    # A decision stump tries every threshold on every feature and keeps the purest split.
    feats = demo.rand(200, 2, seed=6, dtype=torch.float64)
    target = (feats[:, 0] > 0.3).long()  # only feature 0 matters
    (threshold, impurity), (_, impurity_other) = (best_split(feats[:, f], target) for f in (0, 1))
    demo.equal("the stump splits on feature 0", torch.stack([impurity, impurity_other]).argmin(), 0)
    demo.close("at a threshold near 0.3", threshold, 0.3, atol=0.02)
    demo.at_most("and that split leaves both sides pure (Gini 0)", impurity, 1e-12)
    # Negative control: the best split of the irrelevant feature stays impure.
    demo.at_most(
        "the best split of feature 1 is just as pure", impurity_other, 1e-12, negative=True
    )

    # Evaluation: 8 true positives, 2 false positives, 4 false negatives.
    predicted = demo.tensor([1] * 8 + [1] * 2 + [0] * 4 + [0] * 6)
    actual = demo.tensor([1] * 8 + [0] * 2 + [1] * 4 + [0] * 6)
    tp = (predicted * actual).sum()
    demo.close("precision = 8 / (8 + 2) = 0.8", tp / predicted.sum(), 0.8)
    demo.close("recall = 8 / (8 + 4) = 2/3", tp / actual.sum(), 2 / 3)
