"""The harness every demo uses: its claims become checks that record what they measured.

A demo's ``run(demo)`` computes things on ``demo.device`` and states its claims
through the check methods below. Each check records the claim in words, the
value measured, the threshold, the dtype, and whether it is a negative
control: a deliberately broken variant that must fail the same check. A
negative control whose check holds is a failure, since it shows the check
cannot tell right from wrong.

    demo.close("XW matches the worked example", X @ W, expected)
    demo.close("without the 1/sqrt(d) scale it does not", broken, reference, negative=True)
"""

import math
from dataclasses import dataclass

import torch

# torch.testing.assert_close's defaults, per dtype: (rtol, atol)
TOLERANCES = {
    torch.float64: (1e-7, 1e-7),
    torch.float32: (1.3e-6, 1e-5),
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
}

Number = int | float
Value = torch.Tensor | Number | list[Number] | tuple[Number, ...]


@dataclass(frozen=True)
class Check:
    claim: str
    measured: float | int | None  # None when not claimed on this device
    threshold: str
    dtype: str | None
    negative: bool  # a broken variant that must fail the same check
    holds: bool | None  # whether the comparison held; None when not claimed
    ok: bool  # a claim holds, a negative control fails, or it is not claimed here
    note: str = ""


class Demo:
    """What a demo's ``run`` receives: the device, seeded data, and the checks it records."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.checks: list[Check] = []

    @property
    def on_gpu(self) -> bool:
        return self.device.type in ("cuda", "mps")

    # Seeded data, drawn on the CPU so every device sees the same numbers.

    def generator(self, seed: int) -> torch.Generator:
        return torch.Generator().manual_seed(seed)

    def randn(self, *shape: int, seed: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        data = torch.randn(*shape, generator=self.generator(seed), dtype=dtype)
        return data.to(self.device)

    def rand(self, *shape: int, seed: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        data = torch.rand(*shape, generator=self.generator(seed), dtype=dtype)
        return data.to(self.device)

    def randint(self, high: int, *shape: int, seed: int) -> torch.Tensor:
        return torch.randint(high, shape, generator=self.generator(seed)).to(self.device)

    def tensor(self, data: object, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return torch.tensor(data, dtype=dtype, device=self.device)

    # Checks.

    def close(
        self,
        claim: str,
        actual: Value,
        expected: Value,
        *,
        rtol: float | None = None,
        atol: float | None = None,
        negative: bool = False,
    ) -> bool:
        """``actual`` equals ``expected`` within tolerances (torch.testing's, by default)."""
        a = _tensor(actual, self.device)
        # A plain number as expected takes actual's precision, not float32's on its way.
        b = _tensor(expected, self.device, a.dtype if a.is_floating_point() else None)
        default_rtol, default_atol = TOLERANCES.get(a.dtype, (0.0, 0.0))
        rtol = default_rtol if rtol is None else rtol
        atol = default_atol if atol is None else atol
        if a.shape != b.shape:
            holds, error = False, math.inf
        else:
            holds = bool(torch.allclose(a, b, rtol=rtol, atol=atol))
            error = float((a.double() - b.double()).abs().max()) if a.numel() else 0.0
        threshold = f"|diff| <= {atol:g} + {rtol:g}*|expected|"
        return self._record(claim, error, threshold, _dtype(a), negative, holds)

    def equal(self, claim: str, actual: Value, expected: Value, *, negative: bool = False) -> bool:
        """Exactly equal: only where equality holds by construction."""
        a, b = _tensor(actual, self.device), _tensor(expected, self.device)
        same_shape = a.shape == b.shape
        holds = same_shape and bool(torch.equal(a, b.to(a.dtype)))
        differ = int((a != b.to(a.dtype)).sum()) if same_shape else max(a.numel(), b.numel())
        return self._record(claim, differ, "0 elements differ", _dtype(a), negative, holds)

    def at_most(
        self, claim: str, measured: Value, limit: Number, *, negative: bool = False
    ) -> bool:
        value, dtype = _scalar(measured)
        return self._record(claim, value, f"<= {limit:g}", dtype, negative, value <= limit)

    def at_least(
        self, claim: str, measured: Value, limit: Number, *, negative: bool = False
    ) -> bool:
        value, dtype = _scalar(measured)
        return self._record(claim, value, f">= {limit:g}", dtype, negative, value >= limit)

    def between(
        self, claim: str, measured: Value, low: Number, high: Number, *, negative: bool = False
    ) -> bool:
        value, dtype = _scalar(measured)
        holds = low <= value <= high
        return self._record(claim, value, f"in [{low:g}, {high:g}]", dtype, negative, holds)

    def not_claimed(self, claim: str, reason: str) -> None:
        """A claim this device cannot show (a GPU speed-up on a CPU): recorded, never faked."""
        self.checks.append(Check(claim, None, "not claimed", None, False, None, True, reason))

    def _record(
        self,
        claim: str,
        measured: float | int,
        threshold: str,
        dtype: str | None,
        negative: bool,
        holds: bool,
    ) -> bool:
        measured = float(measured) if isinstance(measured, float) else measured
        ok = holds != negative
        self.checks.append(Check(claim, measured, threshold, dtype, negative, holds, ok))
        return holds


def _tensor(value: Value, device: torch.device, dtype: torch.dtype | None = None) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        value = value.detach().to(device)
        return value if dtype is None else value.to(dtype)
    return torch.tensor(value, device=device, dtype=dtype)


def _scalar(value: Value) -> tuple[float | int, str | None]:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"expected one number, got a tensor of shape {tuple(value.shape)}")
        return value.item(), _dtype(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return value, "float64" if isinstance(value, float) else "int64"


def _dtype(tensor: torch.Tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")
