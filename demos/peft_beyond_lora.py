"""PEFT beyond LoRA: where adapters, prefix and prompt tuning, IA3 and DoRA add their parameters.

All of them freeze the pre-trained weights and train something small beside them:
- a bottleneck adapter is a little MLP (d -> m -> d) with a residual, added after a sublayer;
- prefix tuning prepends p trained key and value vectors to every layer's attention;
- prompt tuning prepends p trained vectors to the input embeddings only;
- IA3 multiplies keys, values and the feed-forward hidden units by trained vectors;
- DoRA splits each weight into a per-column magnitude and a direction and updates the
  direction with LoRA.
Each is set up so that training starts exactly at the frozen model.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["peft-beyond-lora"]

L, D, D_FF, T, P, M, R = 2, 16, 64, 6, 3, 4, 2  # layers, width, FF width, tokens, prefix, ...


def frozen_weights(demo: Demo) -> dict[str, torch.Tensor]:
    w = {}
    for layer in range(L):
        for i, (name, shape) in enumerate(
            [*[(n, (D, D)) for n in "qkvo"], ("up", (D, D_FF)), ("down", (D_FF, D))]
        ):
            w[f"{layer}{name}"] = demo.randn(*shape, seed=10 * layer + i) / shape[0] ** 0.5
    return w


def peft_parameters(demo: Demo) -> dict[str, torch.Tensor]:
    """The trainable extras of every method, each at its identity initialisation."""
    z = {}
    for layer in range(L):
        # IA3: vectors of ones rescale keys, values and FF hidden units (1 x = x).
        z[f"{layer}l_k"], z[f"{layer}l_v"] = torch.ones(D), torch.ones(D)
        z[f"{layer}l_ff"] = torch.ones(D_FF)
        # Adapter: down-projection random, up-projection zero, so it adds nothing at first.
        z[f"{layer}ad_down"], z[f"{layer}ad_b1"] = (
            demo.randn(D, M, seed=100 + layer),
            torch.zeros(M),
        )
        z[f"{layer}ad_up"], z[f"{layer}ad_b2"] = torch.zeros(M, D), torch.zeros(D)
        # Prefix tuning: p key and value vectors per layer.
        z[f"{layer}prefix_k"] = demo.randn(P, D, seed=200 + layer)
        z[f"{layer}prefix_v"] = demo.randn(P, D, seed=300 + layer)
    z["prompt"] = demo.randn(P, D, seed=400)  # prompt tuning: p input vectors, first layer only
    return {k: v.to(demo.device) for k, v in z.items()}


def adapter(x: torch.Tensor, z: dict[str, torch.Tensor], layer: int) -> torch.Tensor:
    h = F.relu(x @ z[f"{layer}ad_down"] + z[f"{layer}ad_b1"])
    return x + h @ z[f"{layer}ad_up"] + z[f"{layer}ad_b2"]  # residual: zero up = identity


def forward(
    w: dict[str, torch.Tensor],
    x: torch.Tensor,
    z: dict[str, torch.Tensor] | None = None,
    methods: tuple[str, ...] = (),
    hide_prompt: bool = False,
) -> torch.Tensor:
    """A small pre-norm transformer; `methods` switches PEFT pieces on. Returns (T, D)."""
    if "prompt" in methods:
        x = torch.cat([z["prompt"], x])  # the prompt is just more input positions
    n = x.shape[0]
    mask = torch.ones(n, n, dtype=torch.bool, device=x.device).tril()
    if hide_prompt:  # real tokens may not look at the prompt positions
        mask[P:, :P] = False
    for layer in range(L):
        h = F.layer_norm(x, (D,))
        q, k, v = (h @ w[f"{layer}{name}"] for name in "qkv")
        if "ia3" in methods:
            k, v = k * z[f"{layer}l_k"], v * z[f"{layer}l_v"]
        layer_mask = mask
        if "prefix" in methods:  # extra keys and values every query may attend to
            k, v = torch.cat([z[f"{layer}prefix_k"], k]), torch.cat([z[f"{layer}prefix_v"], v])
            layer_mask = torch.cat([torch.ones(n, P, dtype=torch.bool, device=x.device), mask], 1)
        att = F.scaled_dot_product_attention(q[None], k[None], v[None], attn_mask=layer_mask)[0]
        x = x + att @ w[f"{layer}o"]
        hidden = F.gelu(F.layer_norm(x, (D,)) @ w[f"{layer}up"])
        if "ia3" in methods:
            hidden = hidden * z[f"{layer}l_ff"]
        out = hidden @ w[f"{layer}down"]
        x = x + (adapter(out, z, layer) if "adapter" in methods else out)
    return x[P:] if "prompt" in methods else x


def dora(
    weight: torch.Tensor, magnitude: torch.Tensor, b: torch.Tensor, a: torch.Tensor
) -> torch.Tensor:
    """DoRA: W' = m * (W + B A) / ||W + B A|| with column norms (one per output unit)."""
    direction = weight + b @ a
    return magnitude * direction / direction.norm(dim=0, keepdim=True)


def counted(z: dict[str, torch.Tensor], key: str) -> int:
    return sum(t.numel() for name, t in z.items() if name.lstrip("0123456789").startswith(key))


def run(demo: Demo) -> None:
    w, z = frozen_weights(demo), peft_parameters(demo)
    x = demo.randn(T, D, seed=500)
    base = forward(w, x)

    # Parameter counts read off the tensors against each method's formula.
    demo.equal(
        "counts: adapter L(2dm+m+d), prefix 2Lpd, prompt pd, IA3 L(2d+d_ff)",
        [counted(z, "ad_"), counted(z, "prefix"), counted(z, "prompt"), counted(z, "l_")],
        [L * (2 * D * M + M + D), 2 * L * P * D, P * D, L * (2 * D + D_FF)],
    )

    # IA3 at ones and an adapter at zero up-projection are the frozen model, bit for bit.
    ia3 = demo.equal(
        "IA3 with all vectors at 1 equals the frozen model", forward(w, x, z, ("ia3",)), base
    )
    shifted = dict(z) | {f"{i}l_v": torch.full((D,), 1.1, device=demo.device) for i in range(L)}
    ia3.broken("with the value vectors at 1.1 it does not", forward(w, x, shifted, ("ia3",)))
    demo.equal(
        "an adapter with a zero up-projection equals the frozen model",
        forward(w, x, z, ("adapter",)),
        base,
    )

    # Prompt tuning: the frozen network is untouched, so the prompt can act only through
    # attention. Hide the prompt positions from the real tokens and the output is the
    # frozen model's; let them attend, and it changes.
    hidden = demo.close(
        "a soft prompt the tokens cannot attend to leaves their outputs unchanged",
        forward(w, x, z, ("prompt",), hide_prompt=True),
        base,
    )
    hidden.broken("a soft prompt they attend to changes them", forward(w, x, z, ("prompt",)))

    # Only the prompt is trained: a loss on the real tokens' outputs reaches it through attention.
    z["prompt"].requires_grad_(True)
    forward(w, x, z, ("prompt",)).pow(2).mean().backward()
    grad = demo.at_least("the prompt receives gradient", float(z["prompt"].grad.abs().sum()), 1e-6)
    z["prompt"].grad = None
    forward(w, x, z, ("prompt",), hide_prompt=True).pow(2).mean().backward()
    grad.broken("hidden from attention it receives none", float(z["prompt"].grad.abs().sum()))

    # DoRA: magnitude initialised to the column norms of W and B = 0 gives W back; its
    # extra parameters are LoRA's r(d_in + d_out) plus one magnitude per column.
    wq = w["0q"]
    m = wq.norm(dim=0, keepdim=True)
    b, a = torch.zeros(D, R, device=demo.device), demo.randn(R, D, seed=600)
    start = demo.close("DoRA at initialisation reproduces W", dora(wq, m, b, a), wq)
    start.broken("with the magnitude set to 1 it does not", dora(wq, torch.ones_like(m), b, a))
    demo.equal(
        "DoRA trains r(d_in + d_out) + d_out numbers per matrix",
        b.numel() + a.numel() + m.numel(),
        R * (D + D) + D,
        illustration=True,
    )


# One-line breaks of the concepts that the checks above must catch.
MUTATIONS = [
    (
        "the adapter forgets its residual connection",
        'return x + h @ z[f"{layer}ad_up"] + z[f"{layer}ad_b2"]  # residual: zero up = identity',
        'return h @ z[f"{layer}ad_up"] + z[f"{layer}ad_b2"]',
    ),
    (
        "IA3 adds its vectors instead of multiplying",
        'k, v = k * z[f"{layer}l_k"], v * z[f"{layer}l_v"]',
        'k, v = k + z[f"{layer}l_k"], v + z[f"{layer}l_v"]',
    ),
    (
        "DoRA drops the normalisation of the direction",
        "return magnitude * direction / direction.norm(dim=0, keepdim=True)",
        "return magnitude * direction",
    ),
]
