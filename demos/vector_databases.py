"""Vector databases: an IVF index buys speed by scanning only the lists nearest the query.

An inverted-file (IVF) index clusters the stored vectors with k-means and, at
query time, scans only the nprobe lists whose centroids lie nearest the query.
Fewer probes mean less work and some missed neighbours; probing every list is
exact search again. This recall-versus-work dial is what vector databases tune.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["vector-databases"]

N, D, NLIST, K = 4000, 16, 32, 10


def sq_dist(q: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    # Elementwise then summed per pair, so a pair's distance never depends on
    # which other vectors are in the batch: exact search and IVF agree bit for bit.
    return ((q[:, None, :] - x[None, :, :]) ** 2).sum(-1)


def kmeans(x: torch.Tensor, k: int, steps: int = 10) -> tuple[torch.Tensor, torch.Tensor]:
    centroids = x[:k].clone()
    for _ in range(steps):
        assign = sq_dist(x, centroids).argmin(1)
        sums = torch.zeros_like(centroids).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).clamp_min(1).unsqueeze(1)
        centroids = sums / counts
    return centroids, sq_dist(x, centroids).argmin(1)


def ivf_search(
    q: torch.Tensor, x: torch.Tensor, centroids: torch.Tensor, assign: torch.Tensor, nprobe: int
) -> tuple[torch.Tensor, float]:
    """Top-K ids per query, and the mean fraction of stored vectors scanned."""
    probes = sq_dist(q, centroids).topk(nprobe, largest=False).indices
    results, scanned = [], 0
    for i in range(len(q)):
        ids = torch.isin(assign, probes[i]).nonzero().squeeze(1)
        scanned += len(ids)
        best = sq_dist(q[i : i + 1], x[ids])[0].topk(K, largest=False).indices
        results.append(ids[best].sort().values)
    return torch.stack(results), scanned / (len(q) * len(x))


def recall(found: torch.Tensor, truth: torch.Tensor) -> float:
    hits = sum(int(torch.isin(f, t).sum()) for f, t in zip(found, truth, strict=True))
    return hits / found.numel()


def run(demo: Demo) -> None:
    # Stored vectors cluster loosely around 64 topics, as real embeddings do.
    topics = demo.randn(64, D, seed=0)
    x = topics[demo.randint(64, N, seed=1)] + demo.randn(N, D, seed=2)
    q = topics[demo.randint(64, 50, seed=3)] + demo.randn(50, D, seed=4)
    exact = sq_dist(q, x).topk(K, largest=False).indices.sort(1).values

    centroids, assign = kmeans(x, NLIST)
    results = {p: ivf_search(q, x, centroids, assign, p) for p in (1, 4, NLIST)}

    demo.equal("probing all 32 lists returns exactly the true top 10", results[NLIST][0], exact)
    demo.close("probing all lists scans every vector", results[NLIST][1], 1.0, illustration=True)

    # Fewer probes: far less work, and some true neighbours sit in lists never opened.
    recalls = {p: recall(results[p][0], exact) for p in results}
    for p in (1, 4):
        share = p / NLIST  # the work a balanced index would do
        demo.at_most(f"{p} probe(s) scan under 2.5x their {p}/32 share", results[p][1], 2.5 * share)
    demo.at_most("one probe misses neighbours: recall@10", recalls[1], 0.8)
    demo.at_least("four probes raise recall@10 over one probe by", recalls[4] - recalls[1], 0.14)
    four = demo.at_least(
        "four probes of the k-means lists find >= 0.75 of the top 10", recalls[4], 0.75
    )

    # Lists made by random assignment instead of k-means: the nearest centroids then say
    # nothing about where a query's neighbours live, and 4 of 32 lists find about 4/32 of them.
    random_assign = demo.randint(NLIST, N, seed=5)
    random_centroids = torch.stack([x[random_assign == c].mean(0) for c in range(NLIST)])
    found, _ = ivf_search(q, x, random_centroids, random_assign, 4)
    four.broken("four probes of randomly assigned lists do not", recall(found, exact))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "probe the farthest lists instead of the nearest",
        "probes = sq_dist(q, centroids).topk(nprobe, largest=False).indices",
        "probes = sq_dist(q, centroids).topk(nprobe, largest=True).indices",
    ),
    (
        "keep the farthest candidates within the scanned lists",
        "best = sq_dist(q[i : i + 1], x[ids])[0].topk(K, largest=False).indices",
        "best = sq_dist(q[i : i + 1], x[ids])[0].topk(K, largest=True).indices",
    ),
]
