"""Mutations: one-line breaks of the code that embodies a demo's concept, which it must catch.

A demo declares them beside its claims, as (why, the exact text, its replacement):

    MUTATIONS = [
        ("drop the 1/sqrt(d) scale", "scores = scores / math.sqrt(d)", "scores = scores"),
    ]

``syllabus demos mutate`` writes each mutant to a scratch file and runs it as
the demo; the mutant is caught when a check fails or a negative control holds.
A mutant that raises or times out proves nothing about the checks (the break
must leave code that runs), and one that passes survives: the demo's checks do
not pin its concept. The text must occur exactly once outside the MUTATIONS
list itself, so a mutation always means one place in the code.
"""

import ast
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from demos.records import DemoSource

NAME = "MUTATIONS"


class MutationError(ValueError):
    """A MUTATIONS list that cannot be applied as written: it names the file and line."""


@dataclass(frozen=True)
class Mutation:
    demo: str
    why: str
    find: str
    replace: str
    line: int  # where the MUTATIONS entry is, for messages


class Verdict(StrEnum):
    CAUGHT = "caught"  # a claim failed or a negative control held (not an illustration)
    SURVIVED = "survived"  # every check still came out right: the concept is not pinned
    BROKE = "broke"  # raised or timed out: the mutant was not a working variant


def declared(demo: DemoSource) -> list[Mutation]:
    """The demo's MUTATIONS, checked for shape; [] when it declares none."""
    tree = ast.parse(demo.path.read_text(encoding="utf-8"), filename=str(demo.path))
    node = _assignment(tree)
    if node is None:
        return []
    where = f"{demo.path.name}:{node.lineno}"
    try:
        entries = ast.literal_eval(node.value)
    except ValueError:
        raise MutationError(f"{where}: {NAME} must be a literal list of tuples") from None
    if not isinstance(entries, list | tuple):
        raise MutationError(f"{where}: {NAME} must be a list of (why, find, replace)")
    mutations = []
    for entry, element in zip(entries, node.value.elts, strict=True):  # type: ignore[attr-defined]
        line = f"{demo.path.name}:{element.lineno}"
        if not (
            isinstance(entry, tuple | list)
            and len(entry) == 3
            and all(isinstance(part, str) for part in entry)
        ):
            raise MutationError(f"{line}: each mutation is (why, find, replace), three strings")
        why, find, instead = entry
        if not find or find == instead:
            raise MutationError(f"{line}: {why!r} must replace some text with different text")
        mutations.append(Mutation(demo.id, why, find, instead, element.lineno))
    return mutations


def mutant(demo: DemoSource, mutation: Mutation) -> str:
    """The demo's source with ``mutation`` applied at its one place outside MUTATIONS."""
    source = demo.path.read_text(encoding="utf-8")
    node = _assignment(ast.parse(source))
    assert node is not None and node.end_lineno is not None
    lines = source.splitlines(keepends=True)
    before = "".join(lines[: node.lineno - 1])
    block = "".join(lines[node.lineno - 1 : node.end_lineno])
    after = "".join(lines[node.end_lineno :])
    count = before.count(mutation.find) + after.count(mutation.find)
    if count != 1:
        found = "does not occur" if count == 0 else f"occurs {count} times"
        raise MutationError(
            f"{demo.path.name}:{mutation.line}: {mutation.why!r}: the text {mutation.find!r} "
            f"{found} in the demo; quote one place exactly"
        )
    if mutation.find in before:
        before = before.replace(mutation.find, mutation.replace)
    else:
        after = after.replace(mutation.find, mutation.replace)
    return before + block + after


def verdict(record: dict[str, Any]) -> tuple[Verdict, str]:
    """How the mutant's run came out, and the first thing that gave it away."""
    problems = record["problems"]
    failed = [p for p in problems if p.startswith(("check failed", "negative control held"))]
    if failed:
        return Verdict.CAUGHT, failed[0]
    if problems and all(p.startswith("illustration") for p in problems):
        return Verdict.SURVIVED, f"only an illustration noticed: {problems[0]}"
    if problems:
        return Verdict.BROKE, problems[0]
    return Verdict.SURVIVED, "every check came out as on the correct demo"


def _assignment(tree: ast.Module) -> ast.Assign | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == NAME for t in node.targets
        ):
            return node
    return None


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    verdict: Verdict
    evidence: str  # the first problem that gave the mutant away, or why it proves nothing
    seconds: float


def mutate_all(
    demos: list[DemoSource],
    jobs: int = 1,
    timeout: float = 20.0,
    progress: Callable[[], None] | None = None,
) -> list[Outcome]:
    """Run every declared mutant of ``demos`` on the CPU, ``jobs`` at a time, from scratch files.

    Raises MutationError when a declaration cannot be applied, before anything runs.
    """
    import torch

    from demos.runner import run_all

    with tempfile.TemporaryDirectory(prefix="syllabus-mutants-") as scratch:
        runs: list[tuple[Mutation, DemoSource]] = []
        for demo in demos:
            for mutation in declared(demo):
                path = Path(scratch) / str(len(runs)) / demo.path.name
                path.parent.mkdir()
                path.write_text(mutant(demo, mutation), encoding="utf-8")
                runs.append((mutation, replace(demo, path=path)))  # same id and module name
        records = run_all(
            [source for _, source in runs],
            torch.device("cpu"),
            timeout,
            progress=None if progress is None else lambda _demo, _record: progress(),
            jobs=jobs,
        )
    return [
        Outcome(mutation, *verdict(record), record["seconds"])
        for (mutation, _), record in zip(runs, records, strict=True)
    ]
