"""Circuits and superposition: more features than dimensions when features are sparse, and an
induction head built by hand.

Superposition (the toy model of Elhage et al.). Squeeze N = 5 features through M = 2
dimensions and back: h = W x, x_hat = ReLU(W^T W x + b), one column W_i per feature. Two
dimensions hold at most 2 orthogonal columns, so storing a third feature costs interference:
reading feature i also picks up (W_i . W_j) x_j from every other present feature. We
compare the two candidate solutions a trained model chooses between:

  orthogonal pair   keep 2 features on the axes, drop the other 3 (no interference);
  pentagon          all 5 columns at 72 degrees (interference, filtered by a negative bias),

each with its length and bias set to their best by a grid search. When features are sparse
(each present 5% of the time) other features are almost always zero, the ReLU cuts the
small interference away, and the pentagon loses far less. When they are dense (all present
at once) interference is always there and the pair wins. Without the ReLU (a linear model)
nothing filters the interference, and the pentagon stops paying even for sparse features:
superposition needs both sparsity and a nonlinearity.

Induction head. On a repeated sequence [A][B] ... [A] -> [B], a two-head circuit predicts B:
a previous-token head copies each token's predecessor into its position, and an induction
head at the second A attends to the position whose predecessor is A (that is, to B) and
copies what is there. We build both heads from one-hot embeddings, with no training.
"""

import math

import torch

from demos.harness import Demo

CONCEPTS = ["circuits-superposition"]

N_FEAT = 5


def best_fit(W: torch.Tensor, x: torch.Tensor, relu: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """The lowest reconstruction loss of x through columns r * W and bias b over a grid, and
    the bias that gives it."""
    r2 = torch.linspace(0.8, 1.3, 6, device=x.device) ** 2  # column length r, squared
    b = torch.linspace(-1.0, 0.2, 13, device=x.device)  # one shared bias
    xg = x @ W.T @ W  # (samples, N): what each output reads before scale and bias
    pre = r2[:, None, None, None] * xg + b[None, :, None, None]
    x_hat = pre.relu() if relu else pre
    loss = ((x_hat - x) ** 2).sum(-1).mean(-1)  # (lengths, biases)
    return loss.min(), b[loss.min(0).values.argmin()]


def best_loss(W: torch.Tensor, x: torch.Tensor, relu: bool) -> torch.Tensor:
    return best_fit(W, x, relu)[0]


def interference(W: torch.Tensor) -> torch.Tensor:
    """Sum over pairs i != j of (W_i . W_j)^2: how much the stored features overlap."""
    overlap = (W.T @ W) ** 2
    return overlap.sum() - overlap.diagonal().sum()


def induction_predictions(demo: Demo, tokens: torch.Tensor, shift: int) -> torch.Tensor:
    """Next-token predictions of a hand-built previous-token head plus induction head.

    `shift` = 1 is a real previous-token head; 0 makes it attend to the token itself.
    """
    V, T = 20, tokens.shape[0]
    cur = torch.nn.functional.one_hot(tokens, V).float()  # what each position holds
    # Head 1 (previous-token head): position t attends to t - shift and copies its token.
    # Written as an attention pattern, a one-hot matrix.
    src = torch.arange(T, device=demo.device) - shift
    prev = cur[src.clamp_min(0)] * (src >= 0)[:, None]  # each position knows its predecessor
    # Head 2 (induction head): query = current token, key = the stored predecessor. A large
    # score picks the earlier position whose predecessor equals the current token; causal.
    scores = 10.0 * cur @ prev.T
    causal = torch.ones(T, T, device=demo.device).tril(-1).bool()  # strictly earlier only
    scores = scores.masked_fill(~causal, float("-inf"))
    attn = torch.softmax(scores, dim=1).nan_to_num(0.0)
    logits = attn @ cur  # copy the attended position's own token (OV circuit = identity)
    return logits.argmax(1)


def run(demo: Demo) -> None:
    angles = torch.arange(N_FEAT, device=demo.device) * 2 * math.pi / N_FEAT
    pentagon = torch.stack([angles.cos(), angles.sin()])  # (2, 5): 5 features in 2 dimensions
    pair = torch.zeros(2, N_FEAT, device=demo.device)
    pair[0, 0], pair[1, 1] = 1.0, 1.0  # 2 features on the axes, 3 dropped

    def data(p_present: float, seed: int) -> torch.Tensor:
        present = demo.rand(1024, N_FEAT, seed=seed) < p_present
        return present * demo.rand(1024, N_FEAT, seed=seed + 1)  # strengths in [0, 1)

    sparse, dense = data(0.05, 0), data(1.0, 2)
    demo.at_least(
        "the pentagon stores more features than dimensions, with interference",
        interference(pentagon),
        1.0,
        illustration=True,
    )
    ratio = demo.at_most(
        "sparse features: the pentagon's loss is at most half the orthogonal pair's",
        best_loss(pentagon, sparse, relu=True) / best_loss(pair, sparse, relu=True),
        0.5,
    )
    ratio.broken(
        "dense features: it is not (the pair wins)",
        best_loss(pentagon, dense, relu=True) / best_loss(pair, dense, relu=True),
    )
    ratio.broken(
        "sparse features without the ReLU: it is not (nothing filters interference)",
        best_loss(pentagon, sparse, relu=False) / best_loss(pair, sparse, relu=False),
    )

    # How the ReLU filters: the pentagon's best bias is clearly negative, so the small
    # interference terms (W_i . W_j) x_j fall below zero and are cut. The pair has no
    # interference to filter, and its best bias is zero.
    bias = demo.at_most(
        "sparse features: the pentagon's best bias is negative (it filters interference)",
        best_fit(pentagon, sparse, relu=True)[1],
        -0.05,
    )
    bias.broken("the orthogonal pair's best bias is not", best_fit(pair, sparse, relu=True)[1])

    # The induction head: a random sequence of 16 tokens, then the same 16 again. Every token
    # in the second half is predictable from the first half; the first half is not.
    first = torch.randperm(20, generator=demo.generator(7))[:16]
    tokens = torch.cat([first, first]).to(demo.device)
    pred = induction_predictions(demo, tokens, shift=1)
    second_half = (pred[16:-1] == tokens[17:]).float().mean()
    induction = demo.at_least(
        "the hand-built induction head predicts every repeated token", second_half, 0.99
    )
    broken = induction_predictions(demo, tokens, shift=0)
    induction.broken(
        "with the previous-token head attending to the token itself, it does not",
        (broken[16:-1] == tokens[17:]).float().mean(),
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("the toy model loses its ReLU", "x_hat = pre.relu() if relu else pre", "x_hat = pre"),
    (
        "the induction head copies the current token instead of the attended one",
        "logits = attn @ cur  # copy",
        "logits = cur  # copy",
    ),
    (
        "the induction head's keys are the current tokens, not their predecessors",
        "scores = 10.0 * cur @ prev.T",
        "scores = 10.0 * cur @ cur.T",
    ),
]
