"""The transformer: a bidirectional encoder, a causal decoder, and cross-attention between them.

The encoder lets every source token see every other, all in one parallel pass. The decoder
adds a causal mask to its self-attention, so target position t sees only targets up to t,
plus a cross-attention sublayer that reads the encoder's output. That is why one parallel
pass over a whole target sequence gives the same result as generating it token by token.
"""

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["transformer-architecture"]


def run(demo: Demo) -> None:
    E, H, S, T = 16, 2, 7, 6
    torch.manual_seed(0)
    model = nn.Transformer(E, H, 1, 1, 4 * E, dropout=0.0, batch_first=True).to(demo.device)
    model.eval()
    src, tgt = demo.randn(2, S, E, seed=0), demo.randn(2, T, E, seed=1)
    mask = nn.Transformer.generate_square_subsequent_mask(T, device=demo.device)
    # On a GPU the prefix-by-prefix passes run GEMMs of other shapes than the full pass,
    # so cuBLAS may sum the 16- and 64-long dot products in another order; through two
    # LayerNorms float32 rounding of ~1e-7 grows to ~1e-6 on outputs of size ~1: 1e-4.
    tol = 1e-4 if demo.on_gpu else 1e-5

    with torch.no_grad():
        memory = model.encoder(src)
        out = model.decoder(tgt, memory, tgt_mask=mask)

        # Encoder: bidirectional. Editing the last source token moves the first output.
        src2 = src.clone()
        src2[:, -1] = demo.randn(2, E, seed=2)
        moved = (model.encoder(src2)[:, 0] - memory[:, 0]).abs().max()
        sees = demo.at_least(
            "the encoder's first output depends on the last source token", moved, 1e-2
        )
        # An encoder given a causal mask (as if it were a decoder) cannot see it.
        causal = nn.Transformer.generate_square_subsequent_mask(S, device=demo.device)
        blind = model.encoder(src2, mask=causal)[:, 0] - model.encoder(src, mask=causal)[:, 0]
        sees.broken("a causally masked encoder's does not", blind.abs().max())

        # Cross-attention: every target position reads the source.
        seen = (model.decoder(tgt, model.encoder(src2), tgt_mask=mask) - out).abs().amax((0, 2))
        demo.at_least("changing the source changes every decoder position", seen.min(), 1e-2)

        # Decoder: causal. Editing target token 4 leaves positions 0-3 alone...
        tgt2 = tgt.clone()
        tgt2[:, 4] = demo.randn(2, E, seed=3)
        edited = model.decoder(tgt2, memory, tgt_mask=mask)
        causal_decoder = demo.close(
            "the decoder's outputs before position 4 ignore it", edited[:, :4], out[:, :4], atol=tol
        )
        # Negative control: drop the causal mask and the future leaks backwards.
        causal_decoder.broken(
            "without the mask they do not",
            model.decoder(tgt2, memory)[:, :4],
            expected=model.decoder(tgt, memory)[:, :4],
        )

        # ...so one parallel pass equals T separate passes over growing prefixes.
        steps = torch.cat([model.decoder(tgt[:, : t + 1], memory)[:, -1:] for t in range(T)], 1)
        demo.close("one masked pass equals decoding prefix by prefix", out, steps, atol=tol)

    # A decoder layer is an encoder layer plus a cross-attention sublayer and its LayerNorm.
    def count(module: nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    enc, dec = count(model.encoder.layers[0]), count(model.decoder.layers[0])
    demo.equal(
        "decoder layer = encoder layer + (4E^2 + 4E) + 2E parameters", dec - enc, 4 * E * E + 6 * E
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "forget the decoder's causal mask",
        "out = model.decoder(tgt, memory, tgt_mask=mask)",
        "out = model.decoder(tgt, memory)",
    ),
    (
        "mask the past instead of the future (transposed mask)",
        "mask = nn.Transformer.generate_square_subsequent_mask(T, device=demo.device)",
        "mask = nn.Transformer.generate_square_subsequent_mask(T, device=demo.device).T",
    ),
]
