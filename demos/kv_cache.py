"""KV cache: decoding with stored keys and values gives the same logits as recomputing everything.

A token's keys and values depend only on the tokens up to it, so once computed they
never change. Keeping them per layer lets each decoding step run the model on the
newest token alone. The price is memory: 2 (K and V) x layers x batch x KV heads x
tokens x head size x bytes per number, which is what an LLM server spends its memory on.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["kv-cache"]

V, D, H, L, T_MAX = 50, 32, 4, 2, 16  # vocab, width, heads, layers, longest sequence


def make_weights(demo: Demo) -> dict[str, torch.Tensor]:
    names = ["q", "k", "v", "o", "up", "down"]
    shapes = [(D, D)] * 4 + [(D, 4 * D), (4 * D, D)]
    w = {"emb": demo.randn(V, D, seed=0), "pos": demo.randn(T_MAX, D, seed=1)}
    w["out"] = demo.randn(D, V, seed=2) / D**0.5
    for layer in range(L):
        for i, (name, shape) in enumerate(zip(names, shapes, strict=True)):
            w[f"{layer}{name}"] = demo.randn(*shape, seed=10 + 10 * layer + i) / shape[0] ** 0.5
    return w


def heads(x: torch.Tensor) -> torch.Tensor:  # (B, T, D) -> (B, H, T, D/H)
    return x.unflatten(-1, (H, D // H)).transpose(1, 2)


def forward(
    w: dict[str, torch.Tensor],
    tokens: torch.Tensor,
    start: int = 0,
    cache: list[tuple[torch.Tensor, torch.Tensor]] | None = None,
    causal_step: bool = False,
) -> torch.Tensor:
    """Logits for `tokens` at positions start...; with a cache, append to it and attend to it."""
    x = w["emb"][tokens] + w["pos"][start : start + tokens.shape[1]]
    for layer in range(L):
        h = F.layer_norm(x, (D,))
        q, k, v = (heads(h @ w[f"{layer}{n}"]) for n in "qkv")
        if cache is None:
            att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            if len(cache) <= layer:
                cache.append((k[:, :, :0], v[:, :, :0]))
            k = torch.cat([cache[layer][0], k], dim=2)  # the past never changes: just append
            v = torch.cat([cache[layer][1], v], dim=2)
            cache[layer] = (k, v)
            # The prompt (cache empty) needs the usual causal mask. A single new query may see
            # every cached key; is_causal=True there is the classic bug: the mask is aligned
            # top-left, so the lone query would see key 0 only.
            is_causal = causal_step or q.shape[2] > 1
            att = F.scaled_dot_product_attention(q, k, v, is_causal=is_causal)
        x = x + att.transpose(1, 2).flatten(-2) @ w[f"{layer}o"]
        x = x + F.gelu(F.layer_norm(x, (D,)) @ w[f"{layer}up"]) @ w[f"{layer}down"]
    return F.layer_norm(x, (D,)) @ w["out"]


def generate(
    w: dict[str, torch.Tensor], prompt: torch.Tensor, steps: int, cached: bool, causal_step: bool
) -> tuple[torch.Tensor, torch.Tensor, list[tuple[torch.Tensor, torch.Tensor]], int]:
    """Greedy decoding; also returns how many token positions went through the model."""
    tokens, cache, step_logits, fed = prompt, [], [], prompt.shape[1]
    logits = forward(w, prompt, 0, cache, causal_step) if cached else forward(w, prompt)
    for i in range(steps):
        step_logits.append(logits[:, -1])
        nxt = logits[:, -1].argmax(-1, keepdim=True)  # greedy
        tokens = torch.cat([tokens, nxt], dim=1)
        if i == steps - 1:
            break
        if cached:  # only the newest token goes through the model
            logits = forward(w, nxt, tokens.shape[1] - 1, cache, causal_step)
            fed += 1
        else:  # recompute the whole prefix from scratch
            logits = forward(w, tokens)
            fed += tokens.shape[1]
    return tokens, torch.stack(step_logits, 1), cache, fed


def run(demo: Demo) -> None:
    w = make_weights(demo)
    B, prompt_len, steps = 3, 4, 10
    prompt = demo.randint(V, B, prompt_len, seed=5)

    full_tokens, full_logits, _, full_fed = generate(
        w, prompt, steps, cached=False, causal_step=False
    )
    cached_tokens, cached_logits, cache, cached_fed = generate(
        w, prompt, steps, cached=True, causal_step=False
    )
    # Both paths do the same float32 arithmetic on different shapes: a one-row matmul may
    # sum its 32- and 128-long dot products in another order than a many-row one, errors of
    # a few ulps on logits of size ~3 (1e-6); 1e-5 leaves room. On a GPU the kernels differ
    # per shape too (split-K, fused softmax in SDPA): ~sqrt(128) * 1.2e-7 * |x| per layer,
    # compounded over 2 layers and 10 fed-back steps to ~1e-4; 1e-3 there leaves 10x.
    tol = 1e-3 if demo.on_gpu else 1e-5
    recompute = demo.close(
        "every step's logits with the KV cache equal a full recompute",
        cached_logits,
        full_logits,
        atol=tol,
        rtol=tol,
    )
    # The classic bug: is_causal=True on a single new query. SDPA aligns the mask top-left,
    # so the lone query (row 0) may see key 0 only, not the cached past.
    _, top_left, _, _ = generate(w, prompt, steps, cached=True, causal_step=True)
    recompute.broken("with is_causal=True on the one-token steps it does not", top_left)
    demo.equal("greedy decoding picks identical tokens", cached_tokens, full_tokens)

    # The cache holds K and V for every layer, sequence, head and token seen so far
    # (the last sampled token has not been fed in yet).
    T = prompt_len + steps - 1
    cache_bytes = sum(t.numel() * t.element_size() for kv in cache for t in kv)
    demo.equal(
        "cache bytes = 2 * L * B * H * T * d_head * 4 (float32)",
        cache_bytes,
        2 * L * B * H * T * (D // H) * 4,
    )

    # Work saved: with a cache each token passes through the model once; recomputing
    # runs the prompt plus 1, 2, ... generated tokens again at every step. Both are counts
    # the loop keeps itself, shown for scale.
    demo.equal(
        "cached decoding feeds each token through the model once",
        cached_fed,
        T,
        illustration=True,
    )
    demo.equal(
        "recomputing feeds sum_i (prompt + i) positions, quadratic in length",
        full_fed,
        sum(prompt_len + i for i in range(steps)),
        illustration=True,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    ("skip the cache write", "cache[layer] = (k, v)", "pass"),
    (
        "stale cache: write it for the prompt only, so later steps miss the generated tokens",
        "cache[layer] = (k, v)",
        "cache[layer] = (k, v) if q.shape[2] > 1 else cache[layer]",
    ),
    (
        "the new token's position is off by one",
        "forward(w, nxt, tokens.shape[1] - 1, cache, causal_step)",
        "forward(w, nxt, tokens.shape[1], cache, causal_step)",
    ),
]
