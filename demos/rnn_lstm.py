"""Recurrent networks: an LSTM cell by hand, state carried across chunks, gradients over 60 steps.

A recurrent network applies one cell at every step, passing a hidden state along.
Backpropagating through T steps multiplies T Jacobians, so a contractive
recurrence loses the past exponentially fast. The LSTM adds a cell state updated
by c = f * c + i * g: while the forget gate f stays near 1, that path keeps the
gradient alive across the whole sequence.
"""

import torch
from torch import nn

from demos.harness import Demo

CONCEPTS = ["rnn-lstm"]


def lstm_by_hand(
    lstm: nn.LSTM, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, order: str = "ifgo"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One layer, the same weights at every step; PyTorch's gate order is i, f, g, o."""
    outputs = []
    for x_t in x:  # x is (time, batch, features)
        gates = (
            x_t @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0
        )
        gate = dict(zip(order, gates.chunk(4, dim=-1), strict=True))
        i, f, g, o = gate["i"], gate["f"], gate["g"], gate["o"]
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # forget some, write some
        h = torch.sigmoid(o) * torch.tanh(c)  # emit a gated view of the cell
        outputs.append(h)
    return torch.stack(outputs), h, c


def run(demo: Demo) -> None:
    H = 8
    torch.manual_seed(0)
    lstm = nn.LSTM(3, H).to(demo.device, torch.float64)
    x = demo.randn(60, 2, 3, seed=0, dtype=torch.float64)
    zeros = torch.zeros(1, 2, H, device=demo.device, dtype=torch.float64)

    with torch.no_grad():
        out, (h, c) = lstm(x, (zeros, zeros))
        mine, my_h, my_c = lstm_by_hand(lstm, x, zeros[0], zeros[0])
        cell = demo.close("a hand-written LSTM cell equals nn.LSTM over 60 steps", mine, out)
        # Other libraries lay the gates out as i, f, o, g; reading PyTorch's that way is wrong.
        wrong_order, _, _ = lstm_by_hand(lstm, x, zeros[0], zeros[0], order="ifog")
        cell.broken("reading the gates in i, f, o, g order does not", wrong_order)
        demo.close(
            "and ends in the same hidden and cell state",
            torch.cat([my_h, my_c]),
            torch.cat([h[0], c[0]]),
        )

        # Streaming: feed the sequence in two chunks, carrying (h, c) across the cut.
        _, state = lstm(x[:25], (zeros, zeros))
        rest, _ = lstm(x[25:], state)
        carried = demo.close(
            "two chunks with the state carried over equal one pass", rest, out[25:]
        )
        # Reset the state at the cut and the second chunk forgets the first.
        restarted, _ = lstm(x[25:], (zeros, zeros))
        carried.broken("with the state reset at the cut they do not", restarted)

    # Vanilla RNN h_t = tanh(W h_{t-1} + U x_t) with ||W|| = 0.5: each step's Jacobian has
    # norm <= 0.5 (tanh' <= 1), so after 60 steps the gradient to h_0 is <= 0.5^60 of the top.
    W = torch.linalg.qr(demo.randn(H, H, seed=1, dtype=torch.float64))[0] * 0.5
    U = demo.randn(H, 3, seed=2, dtype=torch.float64)
    upstream = demo.randn(2, H, seed=3, dtype=torch.float64)

    def rnn_kept() -> torch.Tensor:
        h0 = torch.zeros(2, H, device=demo.device, dtype=torch.float64, requires_grad=True)
        h = h0
        for x_t in x:
            h = torch.tanh(h @ W.T + x_t @ U.T)
        h.backward(upstream)
        return h0.grad.norm() / upstream.norm()

    def lstm_kept(forget_bias: float) -> torch.Tensor:
        with torch.no_grad():
            lstm.bias_ih_l0.zero_()
            lstm.bias_hh_l0.zero_()
            lstm.bias_ih_l0[H : 2 * H] = forget_bias  # the forget gate's slice
        c0 = zeros.clone().requires_grad_()
        _, (_, c) = lstm(x, (zeros, c0))
        c[0].backward(upstream)
        return c0.grad.norm() / upstream.norm()

    demo.at_most(
        "a contractive RNN keeps <= 0.5^60 of the gradient after 60 steps", rnn_kept(), 0.5**60
    )
    kept = demo.at_least(
        "an LSTM with its forget gate open (bias +4) keeps > 10% of it", lstm_kept(4.0), 0.1
    )
    kept.broken("the contractive RNN does not", rnn_kept())
    # With the forget gate at sigmoid(0) = 1/2 the cell path halves the gradient every step.
    kept.broken("nor does an LSTM with forget bias 0", lstm_kept(0.0))


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "drop the forget gate from the cell update",
        "c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)",
        "c = c + torch.sigmoid(i) * torch.tanh(g)",
    ),
    (
        "open the candidate gate g instead of the forget gate",
        "lstm.bias_ih_l0[H : 2 * H] = forget_bias",
        "lstm.bias_ih_l0[2 * H : 3 * H] = forget_bias",
    ),
    (
        "reset the state between chunks",
        "rest, _ = lstm(x[25:], state)",
        "rest, _ = lstm(x[25:], (zeros, zeros))",
    ),
]
