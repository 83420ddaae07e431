"""State space models: one linear recurrence that is also a convolution, and what selection adds.

A discretised linear SSM keeps a state h of N numbers and, for each input x_t,
    h_t = Abar * h_{t-1} + Bbar * x_t,        y_t = C . h_t
Unrolling the recurrence gives y_t = sum_k (C . Abar^k Bbar) x_{t-k}: a causal convolution
with the kernel K = (C.Bbar, C.Abar Bbar, C.Abar^2 Bbar, ...). S4 trains through the
convolution (parallel over the whole sequence) and generates through the recurrence, whose
memory is the N-number state however long the sequence grows (attention's KV cache grows
with every token). Mamba makes the step size depend on the input, so a token can be let in
or shut out of the state; the kernel then changes with the input, there is no convolution
any more, and the recurrence is computed as a scan.
"""

import torch
import torch.nn.functional as F

from demos.harness import Demo

CONCEPTS = ["state-space-models"]

N, T = 8, 64  # state size, sequence length


def discretise(a: torch.Tensor, b: torch.Tensor, dt: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Zero-order hold for a diagonal A: Abar = exp(dt A), Bbar = (Abar - 1) / A * B."""
    abar = torch.exp(dt * a)
    return abar, (abar - 1) / a * b


def recurrence(
    x: torch.Tensor, abar: torch.Tensor, bbar: torch.Tensor, c: torch.Tensor, h0: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the SSM token by token from state h0; abar/bbar are (N,) or per step (T, N)."""
    h, ys = h0, []
    for t in range(x.shape[0]):
        a_t = abar[t] if abar.dim() == 2 else abar
        b_t = bbar[t] if bbar.dim() == 2 else bbar
        h = a_t * h + b_t * x[t]  # the whole past lives in these N numbers
        ys.append(c @ h)
    return torch.stack(ys), h


def ssm_kernel(
    abar: torch.Tensor, bbar: torch.Tensor, c: torch.Tensor, length: int
) -> torch.Tensor:
    """K[k] = sum_n C_n Abar_n^k Bbar_n: the response of the SSM to a unit impulse."""
    powers = abar[None, :] ** torch.arange(length, device=abar.device, dtype=abar.dtype)[:, None]
    return powers @ (c * bbar)


def causal_conv(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """y_t = sum_{k<=t} K[k] x_{t-k}. conv1d computes a correlation, so the kernel is flipped."""
    padded = F.pad(x[None, None], (kernel.shape[0] - 1, 0))  # left padding only: causal
    return F.conv1d(padded, kernel.flip(0)[None, None])[0, 0]


def selective_ssm(
    x: torch.Tensor,
    gate: torch.Tensor,
    a: torch.Tensor,
    b: torch.Tensor,
    c: torch.Tensor,
    dt: torch.Tensor,
) -> torch.Tensor:
    """Mamba-style selection: each token's own gate feature sets its step size.

    Mamba computes the step from the token through a learned projection and a softplus; here a
    fixed steep sigmoid reads one feature: ~1 for gate = +1, ~2e-9 for gate = -1. A step of
    almost zero gives Abar = exp(0) = 1 (keep the state) and Bbar = 0 (let nothing in).
    """
    step = dt * torch.sigmoid(20 * gate)[:, None]  # (T, 1): input-dependent step size
    abar, bbar = discretise(a, b, step)  # (T, N) each: a different SSM at every step
    return recurrence(x, abar, bbar, c, torch.zeros_like(a))[0]


def run(demo: Demo) -> None:
    # float64 keeps the recurrence and the convolution within 1e-12 of each other; MPS has no
    # float64, so there float32 and a tolerance of 1e-5 (sums of 64 terms of size ~1).
    dtype = torch.float32 if demo.device.type == "mps" else torch.float64
    tol = 1e-5 if dtype == torch.float32 else 1e-10
    a = -torch.exp(demo.randn(N, seed=0, dtype=dtype))  # stable: every Re(A) < 0
    b, c = demo.randn(N, seed=1, dtype=dtype), demo.randn(N, seed=2, dtype=dtype)
    dt = torch.tensor(0.1, dtype=dtype, device=demo.device)
    x = demo.randn(T, seed=3, dtype=dtype)
    abar, bbar = discretise(a, b, dt)
    zero = torch.zeros(N, dtype=dtype, device=demo.device)

    # 1. Two views of one model: the recurrence (how it generates) and the convolution with
    #    its kernel (how S4 trains, all positions at once).
    y_rec, h_end = recurrence(x, abar, bbar, c, zero)
    kernel = ssm_kernel(abar, bbar, c, T)
    same = demo.close(
        "the recurrence equals a causal convolution with the kernel K[k] = C Abar^k Bbar",
        causal_conv(x, kernel),
        y_rec,
        atol=tol,
        rtol=tol,
    )
    # The classic slip: conv1d correlates, so feeding it the kernel unflipped convolves with
    # K reversed in time.
    wrong = F.conv1d(F.pad(x[None, None], (T - 1, 0)), kernel[None, None])[0, 0]
    same.broken("with the kernel not flipped for conv1d it does not", wrong)

    # 2. The state is all the model remembers: stop after 40 tokens, keep only h (N numbers),
    #    resume, and the outputs are those of one uninterrupted pass.
    split = 40
    y_first, h_mid = recurrence(x[:split], abar, bbar, c, zero)
    y_rest, _ = recurrence(x[split:], abar, bbar, c, h_mid)
    resumed = demo.close(
        f"resuming from the {N}-number state after {split} tokens reproduces the whole pass",
        torch.cat([y_first, y_rest]),
        y_rec,
        atol=tol,
        rtol=tol,
    )
    y_reset, _ = recurrence(x[split:], abar, bbar, c, zero)
    resumed.broken("restarting from a zero state loses the past", torch.cat([y_first, y_reset]))
    demo.equal(
        "the state has N numbers whatever the length (a KV cache keeps every token)",
        h_end.numel(),
        h_mid.numel(),
        illustration=True,
    )

    # 3. Selection. Half the tokens are marked as distractors (gate -1). Replacing every
    #    distractor's value leaves a selective SSM's outputs unchanged: its step size on those
    #    tokens is ~0, so they never enter the state. A time-invariant SSM (one step size for
    #    all tokens, hence one kernel) cannot tell them apart and its outputs move.
    gate = torch.where(demo.rand(T, seed=4) < 0.5, 1.0, -1.0).to(dtype)
    other = torch.where(gate < 0, demo.randn(T, seed=5, dtype=dtype), x)  # new distractors
    ignores = demo.close(
        "a selective SSM's outputs do not depend on the tokens its gate shuts out",
        selective_ssm(other, gate, a, b, c, dt),
        selective_ssm(x, gate, a, b, c, dt),
        atol=1e-6,
        rtol=1e-6,
    )
    ignores.broken(
        "a time-invariant SSM's outputs do (every token enters through the same kernel)",
        recurrence(other, abar, bbar, c, zero)[0],
        y_rec,
    )
    # With every gate open the step is dt * sigmoid(20) = dt (1 - 2e-9) at every token: the
    # selective SSM is then the time-invariant one. Selection generalises it, it does not
    # replace it.
    demo.close(
        "with every gate open the selective SSM equals the time-invariant one",
        selective_ssm(x, torch.ones_like(gate), a, b, c, dt),
        y_rec,
        atol=1e-6,
        rtol=1e-6,
    )


# One-line breaks of the concept that the checks above must catch.
MUTATIONS = [
    (
        "convolve with the kernel unflipped (a correlation, time reversed)",
        "kernel.flip(0)[None, None]",
        "kernel[None, None]",
    ),
    (
        "the recurrence forgets to decay the state",
        "h = a_t * h + b_t * x[t]",
        "h = h + b_t * x[t]",
    ),
    (
        "selection removed: every token gets the same step size",
        "step = dt * torch.sigmoid(20 * gate)[:, None]",
        "step = dt * torch.ones_like(gate)[:, None]",
    ),
]
