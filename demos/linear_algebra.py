"""Linear algebra: transposes, the SVD, and why the best low-rank fit keeps the top singular values.

The SVD writes any matrix as U diag(S) V^T. Keeping only the k largest singular
values gives the closest rank-k matrix there is (Eckart-Young), and the error
it leaves is exactly the size of what was dropped. Low-rank adapters and
compressed attention lean on this fact.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["linear-algebra"]


def run(demo: Demo) -> None:
    A = demo.randn(6, 4, seed=0, dtype=torch.float64)
    B = demo.randn(4, 5, seed=1, dtype=torch.float64)

    # Transposing a product reverses the order of its factors.
    demo.close("(AB)^T equals B^T A^T", (A @ B).T, B.T @ A.T)
    # Negative control: keeping the order (A^T B^T) is wrong, even for square matrices.
    C, D = (
        demo.randn(4, 4, seed=3, dtype=torch.float64),
        demo.randn(4, 4, seed=4, dtype=torch.float64),
    )
    demo.close("(CD)^T equals C^T D^T", (C @ D).T, C.T @ D.T, negative=True)

    # The SVD reconstructs the matrix it came from.
    U, S, Vh = torch.linalg.svd(A, full_matrices=False)
    demo.close("U diag(S) V^T reconstructs A", U @ torch.diag(S) @ Vh, A)

    # Eckart-Young: truncating to rank k leaves an error whose Frobenius norm is
    # the norm of the dropped singular values, and nothing of rank k does better.
    k = 2
    best = U[:, :k] @ torch.diag(S[:k]) @ Vh[:k]
    error = torch.linalg.norm(A - best)
    demo.close(
        "rank-2 error equals the norm of the dropped singular values",
        error,
        torch.linalg.norm(S[k:]),
    )

    # Negative control: project onto a random rank-k subspace instead.
    Q, _ = torch.linalg.qr(demo.randn(4, k, seed=2, dtype=torch.float64))
    random_fit = A @ Q @ Q.T
    demo.at_most(
        "a random rank-2 projection does as well as the SVD's",
        torch.linalg.norm(A - random_fit) - error,
        1e-9,
        negative=True,
    )
