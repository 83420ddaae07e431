"""The harness every demo uses: its claims become checks that record what they measured.

A demo's ``run(demo)`` computes things on ``demo.device`` and states its claims
through the check methods below. Each check records the claim in words, what
it measured (at full precision), its threshold, and the dtype.

A negative control is the same check applied to a deliberately broken variant,
which must fail it. It is made from the claim it breaks, so it cannot be a
restatement of another check: same kind, same threshold, only the variant
differs. A control that passes shows the check cannot tell right from wrong.

    scaled = demo.close("XW matches the worked example", X @ W, expected)
    scaled.broken("with W transposed it does not", X @ W.T)

A check that holds by construction (a counter the demo sets itself, equality
right after ``load_state_dict``) is an ``illustration``: recorded, never
counted as a claim.
"""

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import torch

# torch.testing.assert_close's defaults, per dtype: (rtol, atol)
TOLERANCES = {
    torch.float64: (1e-7, 1e-7),
    torch.float32: (1.3e-6, 1e-5),
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
}
VALUES_KEPT = 16  # a record keeps the measured numbers themselves up to this many, else a digest

Number = int | float
Value = torch.Tensor | Number | list[Number] | tuple[Number, ...]


@dataclass(frozen=True)
class Check:
    """One comparison as the record keeps it."""

    claim: str
    kind: str  # close, equal, at_most, at_least, between, or not_claimed
    measured: float | int | None  # close, equal: the largest |difference|; else the value
    threshold: str  # in words, numbers at full precision
    limits: dict[str, float]  # the same numbers: rtol and atol, limit, or low and high
    dtype: str | None
    negative: bool  # a broken variant that must fail the same check as the claim it breaks
    holds: bool | None  # whether the comparison held; None when not claimed
    ok: bool  # a claim holds, a negative control fails, or it is not claimed here
    note: str = ""
    control_of: str | None = None  # the claim a negative control breaks
    illustration: bool = False  # holds by construction: shown, never counted as a claim
    values: list[Any] | None = None  # what was measured, when it is at most VALUES_KEPT numbers
    digest: str | None = None  # sha256 of the measured tensor's dtype, shape and bytes
    differ: int | None = None  # equal: how many elements differ
    cannot_fail: str = ""  # why this check could not have failed, when the harness can tell


Test = Callable[[Value, Value | None], Check]


class Claim:
    """A positive check as recorded; ``broken`` applies the very same test to a broken variant.

    Truthy when the check held, so ``assert demo.close(...)`` still reads naturally.
    """

    def __init__(self, demo: "Demo", check: Check, test: Test, expected: Value | None) -> None:
        self._demo, self.check, self._test, self._expected = demo, check, test, expected

    def __bool__(self) -> bool:
        return bool(self.check.holds)

    def broken(self, claim: str, actual: Value, expected: Value | None = None) -> bool:
        """Record a negative control: ``actual`` from a broken variant must fail this check.

        ``expected`` defaults to the claim's own (for close and equal); scalar checks
        keep their limits. Returns whether the broken variant (wrongly) held.
        """
        if self.check.illustration or self.check.negative:
            raise ValueError(f"{claim!r}: only a claim can have a broken variant")
        if expected is not None and self._expected is None:
            raise TypeError(f"{claim!r}: a {self.check.kind} check keeps its own limits")
        result = self._test(actual, self._expected if expected is None else expected)
        check = replace(
            result,
            claim=claim,
            negative=True,
            control_of=self.check.claim,
            ok=result.holds is False,
        )
        self._demo.checks.append(check)
        return bool(check.holds)


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

    # Checks. Each returns a Claim, whose ``broken`` records the negative control.

    def close(
        self,
        claim: str,
        actual: Value,
        expected: Value,
        *,
        rtol: float | None = None,
        atol: float | None = None,
        illustration: bool = False,
    ) -> Claim:
        """``actual`` equals ``expected`` within tolerances (torch.testing's, by default)."""
        dtype = _tensor(actual, self.device).dtype
        default_rtol, default_atol = TOLERANCES.get(dtype, (0.0, 0.0))
        r = default_rtol if rtol is None else float(rtol)
        a_tol = default_atol if atol is None else float(atol)

        def test(actual: Value, expected: Value | None) -> Check:
            a = _tensor(actual, self.device)
            # A plain number as expected takes actual's precision, not float32's on its way.
            b = _tensor(expected, self.device, a.dtype if a.is_floating_point() else None)
            shapes, error = _difference(a, b)
            holds = not shapes and bool(torch.allclose(a, b.to(a.dtype), rtol=r, atol=a_tol))
            return _check(
                claim,
                "close",
                error,
                f"|diff| <= {a_tol!r} + {r!r}*|expected|",
                {"rtol": r, "atol": a_tol},
                a,
                holds,
                shapes,
                cannot_fail=_vacuous(a_tol, r) or _same(actual, expected),
            )

        return self._claim(test, actual, expected, illustration)

    def equal(
        self, claim: str, actual: Value, expected: Value, *, illustration: bool = False
    ) -> Claim:
        """Exactly equal: only where equality holds by construction."""

        def test(actual: Value, expected: Value | None) -> Check:
            a, b = _tensor(actual, self.device), _tensor(expected, self.device)
            shapes, error = _difference(a, b)
            holds = not shapes and bool(torch.equal(a, b.to(a.dtype)))
            differ = None if shapes else int((a != b.to(a.dtype)).sum())
            check = _check(
                claim, "equal", error, "equal", {}, a, holds, shapes, _same(actual, expected)
            )
            return replace(check, differ=differ)

        return self._claim(test, actual, expected, illustration)

    def at_most(
        self, claim: str, measured: Value, limit: Number, *, illustration: bool = False
    ) -> Claim:
        limit = float(limit)
        vacuous = "its limit admits every value" if limit == math.inf else ""
        return self._scalar(
            claim, "at_most", measured, f"<= {limit!r}", {"limit": limit},
            lambda v: v <= limit, vacuous, illustration,
        )  # fmt: skip

    def at_least(
        self, claim: str, measured: Value, limit: Number, *, illustration: bool = False
    ) -> Claim:
        limit = float(limit)
        vacuous = "its limit admits every value" if limit == -math.inf else ""
        return self._scalar(
            claim, "at_least", measured, f">= {limit!r}", {"limit": limit},
            lambda v: v >= limit, vacuous, illustration,
        )  # fmt: skip

    def between(
        self,
        claim: str,
        measured: Value,
        low: Number,
        high: Number,
        *,
        illustration: bool = False,
    ) -> Claim:
        low, high = float(low), float(high)
        vacuous = "its range admits every value" if (low, high) == (-math.inf, math.inf) else ""
        return self._scalar(
            claim, "between", measured, f"in [{low!r}, {high!r}]", {"low": low, "high": high},
            lambda v: low <= v <= high, vacuous, illustration,
        )  # fmt: skip

    def not_claimed(self, claim: str, reason: str) -> None:
        """A claim this device cannot show (a GPU speed-up on a CPU): recorded, never faked."""
        self.checks.append(
            Check(claim, "not_claimed", None, "not claimed", {}, None, False, None, True, reason)
        )

    def _scalar(
        self,
        claim: str,
        kind: str,
        measured: Value,
        threshold: str,
        limits: dict[str, float],
        holds: Callable[[float], bool],
        vacuous: str,
        illustration: bool,
    ) -> Claim:
        if any(math.isnan(x) for x in limits.values()):
            vacuous = "its limit is NaN"

        def test(measured: Value, expected: Value | None) -> Check:
            value, dtype = _scalar(measured)
            check = Check(claim, kind, value, threshold, limits, dtype, False, holds(value), True)
            return replace(check, values=[value], cannot_fail=vacuous)

        return self._claim(test, measured, None, illustration)

    def _claim(
        self, test: Test, actual: Value, expected: Value | None, illustration: bool
    ) -> Claim:
        check = test(actual, expected)
        check = replace(check, illustration=illustration, ok=bool(check.holds))
        self.checks.append(check)
        return Claim(self, check, test, expected)


def _check(
    claim: str,
    kind: str,
    error: float | None,
    threshold: str,
    limits: dict[str, float],
    actual: torch.Tensor,
    holds: bool,
    shapes: str,
    cannot_fail: str,
) -> Check:
    values, digest = _fingerprint(actual)
    return Check(
        claim,
        kind,
        error,
        threshold,
        limits,
        _dtype(actual),
        negative=False,
        holds=holds,
        ok=holds,
        note=shapes,
        values=values,
        digest=digest,
        cannot_fail=cannot_fail,
    )


def _difference(a: torch.Tensor, b: torch.Tensor) -> tuple[str, float | None]:
    """('', the largest |a - b|), or (why the shapes differ, None). Equal infinities differ by 0."""
    if a.shape != b.shape:
        return f"shapes differ: {tuple(a.shape)} against {tuple(b.shape)}", None
    if not a.numel():
        return "", 0.0
    a64, b64 = a.detach().double(), b.detach().double()
    diff = torch.where(a64 == b64, torch.zeros_like(a64), (a64 - b64).abs())
    return "", float(diff.max())


def _fingerprint(tensor: torch.Tensor) -> tuple[list[Any] | None, str]:
    """The values themselves when there are few, and always a digest of dtype, shape and bytes."""
    data = tensor.detach().cpu().contiguous()
    digest = hashlib.sha256(f"{data.dtype}{tuple(data.shape)}".encode())
    digest.update(data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    values = data.flatten().tolist() if data.numel() <= VALUES_KEPT else None
    return values, digest.hexdigest()


def _vacuous(atol: float, rtol: float) -> str:
    if math.isnan(atol) or math.isnan(rtol):
        return "a tolerance is NaN"
    return "its tolerance admits every value" if math.inf in (atol, rtol) else ""


def _same(actual: object, expected: object) -> str:
    """Comparing a tensor with itself (the same memory, read the same way) cannot fail."""
    if actual is expected and not isinstance(actual, int | float):
        return "it compares a value with itself"
    if isinstance(actual, torch.Tensor) and isinstance(expected, torch.Tensor):
        same = (
            actual.device == expected.device
            and actual.dtype == expected.dtype
            and actual.shape == expected.shape
            and actual.stride() == expected.stride()
            and actual.numel() > 0
            and actual.data_ptr() == expected.data_ptr()
        )
        return "it compares a tensor with itself" if same else ""
    return ""


def _tensor(value: Value, device: torch.device, dtype: torch.dtype | None = None) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        value = value.detach().to(device)
        return value if dtype is None else value.to(dtype)
    tensor = torch.tensor(value, device=device, dtype=dtype)
    if dtype is None and tensor.is_floating_point() and device.type != "mps":
        # Python floats are float64: kept so, a value like 0.0034 is judged at float64's
        # tolerance rather than float32's 1e-5, which would let 0.003405 pass for it.
        # (MPS has no float64.)
        tensor = torch.tensor(value, device=device, dtype=torch.float64)
    return tensor


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
