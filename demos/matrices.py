"""Matrices: entry (i, j) of XW is row i of X dotted with column j of W, and shapes must agree.

A layer's weights are a matrix and a batch of inputs is a matrix, so a forward pass
is mostly matrix multiplication. An (m, n) by (n, p) product is (m, p); the inner sizes
must match, the order of the factors matters, and a chain of linear layers multiplies
out to a single matrix.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["matrices"]


def matmul_by_hand(X: torch.Tensor, W: torch.Tensor) -> torch.Tensor:
    """Every entry is a dot product of a row of X with a column of W."""
    out = torch.zeros(X.shape[0], W.shape[1], dtype=X.dtype, device=X.device)
    for i in range(X.shape[0]):
        for j in range(W.shape[1]):
            out[i, j] = (X[i] * W[:, j]).sum()
    return out


def multiplies(a: torch.Tensor, b: torch.Tensor) -> int:
    try:
        a @ b
    except RuntimeError:
        return 0
    return 1


def run(demo: Demo) -> None:
    # The worked example: the third column of W adds the third feature to both outputs.
    X = demo.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    W = demo.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    worked = demo.close(
        "by hand, XW = [[4, 5], [10, 11]]", matmul_by_hand(X, W), [[4.0, 5.0], [10.0, 11.0]]
    )
    # Reading the example the wrong way round, W^T X^T, gives the transpose (XW)^T instead.
    worked.broken("W^T X^T = [[4, 10], [5, 11]] is not XW", W.T @ X.T)

    A = demo.randn(5, 7, seed=0, dtype=torch.float64)
    B = demo.randn(7, 3, seed=1, dtype=torch.float64)
    demo.close("row-by-column dot products equal A @ B", matmul_by_hand(A, B), A @ B)

    # Shapes: 16 inputs of 300 features through a 300 x 50 layer give 16 outputs of 50.
    batch, weight = demo.randn(16, 300, seed=2), demo.randn(300, 50, seed=3)
    demo.equal("(16, 300) @ (300, 50) has shape (16, 50)", list((batch @ weight).shape), [16, 50])
    fits = demo.equal("(16, 300) @ (300, 50) multiplies", multiplies(batch, weight), 1)
    # The transposed weight's inner size (50) does not match 300.
    fits.broken("(16, 300) @ (50, 300) does not", multiplies(batch, weight.T))

    # Multiplying on the right by a permutation matrix swaps the columns; on the left it
    # swaps the rows instead, so the order of the factors matters.
    M, P = demo.tensor([[1.0, 2.0], [3.0, 4.0]]), demo.tensor([[0.0, 1.0], [1.0, 0.0]])
    columns = demo.close("M @ P swaps the columns of M", M @ P, [[2.0, 1.0], [4.0, 3.0]])
    columns.broken("P @ M swaps its rows instead", P @ M)

    # The identity changes nothing, and the transpose of a product reverses its order.
    C = demo.randn(7, 7, seed=4, dtype=torch.float64)
    D = demo.randn(7, 7, seed=6, dtype=torch.float64)
    demo.close("A @ I = A", A @ torch.eye(7, dtype=A.dtype, device=demo.device), A)
    reverse = demo.close("(C D)^T = D^T C^T", (C @ D).T, D.T @ C.T)
    reverse.broken("C^T D^T, the order kept, is not", C.T @ D.T)

    # Two linear layers in a row are one linear layer whose matrix is their product:
    # (x A) B = x (A B), so depth without non-linearities adds nothing.
    x = demo.randn(4, 5, seed=5, dtype=torch.float64)
    demo.close("(x A) B = x (A B)", (x @ A) @ B, x @ (A @ B))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "an off-by-one loop misses the last column",
        "for j in range(W.shape[1]):",
        "for j in range(W.shape[1] - 1):",
    ),
    (
        "dot row i of X with column i of W instead of column j",
        "(X[i] * W[:, j]).sum()",
        "(X[i] * W[:, i % W.shape[1]]).sum()",
    ),
]
