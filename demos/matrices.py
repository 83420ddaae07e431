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
    demo.close("XW = [[4, 5], [10, 11]]", X @ W, [[4.0, 5.0], [10.0, 11.0]])

    A = demo.randn(5, 7, seed=0, dtype=torch.float64)
    B = demo.randn(7, 3, seed=1, dtype=torch.float64)
    demo.close("row-by-column dot products equal A @ B", matmul_by_hand(A, B), A @ B)

    # Shapes: 16 inputs of 300 features through a 300 x 50 layer give 16 outputs of 50.
    batch, weight = demo.randn(16, 300, seed=2), demo.randn(300, 50, seed=3)
    demo.equal("(16, 300) @ (300, 50) has shape (16, 50)", list((batch @ weight).shape), [16, 50])
    # Negative control: the transposed weight's inner size (50) does not match 300.
    demo.equal("(16, 300) @ (50, 300) multiplies", multiplies(batch, weight.T), 1, negative=True)

    # Multiplying on the right by a permutation matrix swaps the columns.
    M, P = demo.tensor([[1.0, 2.0], [3.0, 4.0]]), demo.tensor([[0.0, 1.0], [1.0, 0.0]])
    demo.close("[[1, 2], [3, 4]] @ [[0, 1], [1, 0]] swaps columns", M @ P, [[2.0, 1.0], [4.0, 3.0]])
    # On the left it swaps rows instead, so the order of the factors matters.
    demo.close("P @ M equals M @ P", P @ M, M @ P, negative=True)
    demo.close("P @ M swaps rows", P @ M, [[3.0, 4.0], [1.0, 2.0]])

    # The identity changes nothing, and the transpose of a product reverses its order.
    C = demo.randn(7, 7, seed=4, dtype=torch.float64)
    demo.close("A @ I = A", A @ torch.eye(7, dtype=A.dtype, device=demo.device), A)
    demo.close("(A C)^T = C^T A^T", (A @ C).T, C.T @ A.T)

    # Two linear layers in a row are one linear layer whose matrix is their product:
    # (x A) B = x (A B), so depth without non-linearities adds nothing.
    x = demo.randn(4, 5, seed=5, dtype=torch.float64)
    demo.close("(x A) B = x (A B)", (x @ A) @ B, x @ (A @ B))
