"""Linear algebra: transposes, the SVD, and why the best low-rank fit keeps the top singular values.

The SVD writes any matrix as U diag(S) V^T. Keeping only the k largest singular
values gives the closest rank-k matrix there is (Eckart-Young), and the error
it leaves is exactly the size of what was dropped. Low-rank adapters and
compressed attention lean on this fact.
"""

import torch

from demos.harness import Demo

CONCEPTS = ["linear-algebra"]


def truncate(A: torch.Tensor, k: int) -> torch.Tensor:
    """The best rank-k approximation: keep the k largest singular values and their vectors."""
    U, S, Vh = torch.linalg.svd(A, full_matrices=False)  # S comes sorted, largest first
    return U[:, :k] @ torch.diag(S[:k]) @ Vh[:k]


def run(demo: Demo) -> None:
    A = demo.randn(6, 4, seed=0, dtype=torch.float64)
    B = demo.randn(4, 5, seed=1, dtype=torch.float64)

    # Transposing a product reverses the order of its factors.
    reverse = demo.close("(AB)^T equals B^T A^T", (A @ B).T, B.T @ A.T)
    # Keeping the order is wrong; with A 6x4 and B 4x5 it does not even have a shape,
    # so show it on square matrices, where it quietly gives another matrix.
    C = demo.randn(4, 4, seed=3, dtype=torch.float64)
    D = demo.randn(4, 4, seed=4, dtype=torch.float64)
    reverse.broken("(CD)^T is not C^T D^T", C.T @ D.T, expected=(C @ D).T)

    # The SVD reconstructs the matrix it came from, and its singular values are the
    # square roots of the eigenvalues of A^T A (an independent computation).
    U, S, Vh = torch.linalg.svd(A, full_matrices=False)
    rebuilt = demo.close("U diag(S) V^T reconstructs A", U @ torch.diag(S) @ Vh, A)
    rebuilt.broken("U V^T without the singular values does not", U @ Vh)
    eigenvalues = torch.linalg.eigvalsh(A.T @ A).flip(0)  # eigvalsh sorts ascending
    demo.close("S^2 equals the eigenvalues of A^T A", S**2, eigenvalues)

    # Eckart-Young: truncating to rank k leaves an error whose Frobenius norm is
    # the norm of the dropped singular values, and nothing of rank k does better.
    k = 2
    best = truncate(A, k)
    error = torch.linalg.norm(A - best)
    demo.equal("the truncation has rank 2", int(torch.linalg.matrix_rank(best)), k)
    young = demo.close(
        "rank-2 error equals the norm of the dropped singular values",
        error,
        torch.linalg.norm(S[k:]),
    )
    # Negative control: project onto a random rank-k subspace instead.
    Q, _ = torch.linalg.qr(demo.randn(4, k, seed=2, dtype=torch.float64))
    young.broken("a random rank-2 projection's error does not", torch.linalg.norm(A - A @ Q @ Q.T))

    # And nothing of rank 2 does better: 2000 random rank-2 projections all leave more.
    Q, _ = torch.linalg.qr(demo.randn(2000, 4, k, seed=5, dtype=torch.float64))
    random_errors = torch.linalg.norm(A - A @ Q @ Q.transpose(1, 2), dim=(1, 2))
    demo.at_least(
        "the best of 2000 random rank-2 projections leaves more error than the SVD",
        random_errors.min() / error,
        1.0,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "keep the smallest singular values instead of the largest",
        "return U[:, :k] @ torch.diag(S[:k]) @ Vh[:k]",
        "return U[:, -k:] @ torch.diag(S[-k:]) @ Vh[-k:]",
    ),
    (
        "truncate the singular vectors but not the values (rank-k in name only)",
        "return U[:, :k] @ torch.diag(S[:k]) @ Vh[:k]",
        "return U @ torch.diag(S) @ Vh",
    ),
]
