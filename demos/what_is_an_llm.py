"""What an LLM computes: a probability for each next token, learned from text, sampled one by one.

Strip away the scale and a language model is a function from the tokens so far to a
distribution over the next token, trained to lower the cross-entropy on real text.
This demo trains the smallest such model, a character bigram table, and shows the
three facts that carry over to billions of parameters: training pushes the loss from
ln V towards the text's own entropy, the next-token probabilities chain into a
distribution over whole continuations, and temperature decides how text is drawn.
"""

import math

import torch
import torch.nn.functional as F

from demos._training import adam
from demos.harness import Demo

CONCEPTS = ["what-is-an-llm"]

TEXT = "the cat sat on the mat. the dog sat on the log. the cat saw the dog. " * 4


def sample(logits: torch.Tensor, temperature: float, uniforms: torch.Tensor) -> torch.Tensor:
    """Draw from softmax(logits / T) by the Gumbel-max trick: argmax(logits / T + Gumbel noise)."""
    gumbel = -torch.log(-torch.log(uniforms.clamp(1e-300, 1.0)))
    return (logits / temperature + gumbel).argmax(-1)


def run(demo: Demo) -> None:
    vocab = sorted(set(TEXT))
    V = len(vocab)
    ids = torch.tensor([vocab.index(c) for c in TEXT], device=demo.device)
    inputs, targets = ids[:-1], ids[1:]  # every position predicts the character after it

    # The model: one row of V logits per previous character. Before training it knows
    # nothing, so every next character gets 1/V and the loss is ln V.
    W = torch.zeros(V, V, dtype=torch.float64, device=demo.device, requires_grad=True)
    demo.close(
        "the untrained loss is ln V",
        F.cross_entropy(W[inputs], targets),
        demo.tensor(math.log(V), dtype=torch.float64),
    )

    # Train with Adam, as LLMs are, on the next-character cross-entropy.
    adam([W], lambda _: F.cross_entropy(W[inputs], targets), 200, lr=0.3)
    W = W.detach()
    loss = F.cross_entropy(W[inputs], targets)

    # No bigram model can do better than the text's conditional entropy, reached by the
    # counted frequencies; training gets close to that floor.
    counts = torch.zeros(V, V, dtype=torch.float64, device=demo.device)
    counts.index_put_(
        (inputs, targets), torch.ones_like(inputs, dtype=torch.float64), accumulate=True
    )
    freq = counts / counts.sum(1, keepdim=True).clamp_min(1)
    floor = -(counts * freq.clamp_min(1e-300).log()).sum() / len(targets)
    demo.between(
        "training brings the loss to within 0.01 nats of the floor", loss - floor, 0.0, 0.01
    )
    demo.at_most("the floor is far below ln V", floor / math.log(V), 0.5)

    # Next-token probabilities chain: P(a b c | x) = P(a | x) P(b | a) P(c | b). Summed over
    # all V^3 continuations they give 1, so the model defines a distribution over texts.
    P = torch.softmax(W, -1)
    start = vocab.index("t")
    three = P[start][:, None, None] * P[:, :, None] * P[None, :, :]
    demo.close("all V^3 three-character continuations sum to probability 1", three.sum(), 1.0)
    # The chain is what the training loss scores: a text's probability is exp(-the sum of
    # its next-token cross-entropies), here for "the" continued by "he ".
    a, b, c = (vocab.index(ch) for ch in "he ")
    nll = F.cross_entropy(
        W[[start, a, b]], demo.tensor([a, b, c], dtype=torch.long), reduction="sum"
    )
    demo.close(
        "P('he ' after 't') from the chain equals exp(-summed next-token loss)",
        three[a, b, c],
        torch.exp(-nll),
    )

    # Generating means sampling one token at a time. Temperature T divides the logits:
    # as T -> 0 every sample is the most likely token (greedy decoding).
    context = W[vocab.index(" ")]  # what follows a space: c, d, l, m, o, s, t
    uniforms = demo.rand(20_000, V, seed=0, dtype=torch.float64)
    cold = sample(context.expand(20_000, V), 1e-3, uniforms)
    greedy = demo.equal(
        "at T = 0.001 all 20,000 samples are the argmax", cold, context.argmax().expand(20_000)
    )
    # At T = 1 the same draws spread over every likely letter.
    greedy.broken("at T = 1 they are not", sample(context.expand(20_000, V), 1.0, uniforms))

    # At T = 1 the samples follow softmax(logits): a chi-square test against it, pooling
    # the tokens expected fewer than 5 times each (never seen after a space) into one bin.
    def chi_square(draws: torch.Tensor) -> tuple[torch.Tensor, int]:
        expected = 20_000 * torch.softmax(context, -1)
        observed = torch.bincount(draws, minlength=V).double()
        big = expected >= 5
        obs = torch.cat([observed[big], observed[~big].sum()[None]])
        exp = torch.cat([expected[big], expected[~big].sum()[None]])
        return ((obs - exp) ** 2 / exp).sum(), int(big.sum())  # statistic, degrees of freedom

    statistic, dof = chi_square(sample(context.expand(20_000, V), 1.0, uniforms))
    limit = dof + 5 * math.sqrt(2 * dof)  # about 5 standard deviations above df
    follows = demo.at_most(
        "at T = 1 the samples pass a chi-square test against softmax", statistic, limit
    )
    # At T = 2 the distribution is flatter, and the same test tells it apart.
    hot, _ = chi_square(sample(context.expand(20_000, V), 2.0, uniforms))
    follows.broken("at T = 2 they do not", hot)


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "sample without dividing by the temperature",
        "(logits / temperature + gumbel).argmax(-1)",
        "(logits + gumbel).argmax(-1)",
    ),
    (
        "Gumbel noise with the wrong sign",
        "gumbel = -torch.log(-torch.log(uniforms.clamp(1e-300, 1.0)))",
        "gumbel = torch.log(-torch.log(uniforms.clamp(1e-300, 1.0)))",
    ),
    (
        "chain the continuation from the wrong rows: P(b | x) for every step",
        "three = P[start][:, None, None] * P[:, :, None] * P[None, :, :]",
        "three = P[start][:, None, None] * P[start][None, :, None] * P[None, :, :]",
    ),
]
