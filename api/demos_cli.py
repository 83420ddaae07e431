"""``syllabus demos``: list the demos, run one, verify them all, see which records are fresh,
and check that each demo catches the mutations of its concept it declares.

torch is imported only by ``run``, ``verify`` and ``mutate``, so listing and status stay fast.
"""

import json
import os
import time
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from demos import records as record_store
from demos.records import (
    DEVICES,
    DemoSource,
    DemoStatus,
    Freshness,
    discover,
    status,
    write_record,
)
from graph.suggest import did_you_mean, suggest

app = typer.Typer(
    help="List, run and verify the PyTorch demos and their verification records.",
    no_args_is_help=True,
)


class Device(StrEnum):
    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"


DeviceOption = Annotated[
    Device, typer.Option("--device", help="Where to run: auto picks CUDA, then MPS, then CPU.")
]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", min=0.1, help="Seconds each demo may take before it fails.")
]
CPUS = os.cpu_count() or 1
JobsOption = Annotated[
    int, typer.Option("--jobs", min=1, max=64, help="Demos run at once, each in its own process.")
]


@app.command("list")
def list_command(fmt: Annotated[Format, typer.Option("--format")] = Format.TEXT) -> None:
    """Every demo, the concepts it demonstrates, and its CPU record's state."""
    demos = discover()
    rows = [(d, status(d, "cpu")) for d in demos.values()]
    if fmt is Format.JSON:
        data = [
            {"id": d.id, "title": d.title, "concepts": list(d.concepts), "cpu": s.freshness.value}
            for d, s in rows
        ]
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table("demo", "concepts", "what it shows", "cpu record")
    for demo, state in rows:
        table.add_row(demo.id, ", ".join(demo.concepts), demo.title, _state(state.freshness))
    Console().print(table)
    typer.echo(f"{len(demos)} demos")


@app.command("run")
def run_command(
    demo_id: Annotated[str, typer.Argument(metavar="ID", help="A demo id, e.g. kv-cache.")],
    device: DeviceOption = Device.AUTO,
    timeout: TimeoutOption = 20.0,
    fmt: Annotated[Format, typer.Option("--format", help="text, or json (the record)")] = (
        Format.TEXT
    ),
) -> None:
    """Run one demo and print each claim with what it measured and the threshold."""
    demo = _demo_or_exit(demo_id, discover())
    runner = _runner()
    target = _device_or_exit(runner, device)
    record = runner.run_all([demo], target, timeout)[0]
    if fmt is Format.JSON:
        typer.echo(json.dumps(record))
    else:
        _print_record(record)
    if record["status"] != "passed":
        raise typer.Exit(1)


@app.command("verify")
def verify_command(
    device: DeviceOption = Device.AUTO,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Verify just these demo ids.")
    ] = None,
    timeout: TimeoutOption = 20.0,
    jobs: JobsOption = 1,
    write: Annotated[
        bool, typer.Option("--write/--no-write", help="Save records under demos/records/.")
    ] = True,
) -> None:
    """Run every demo (or --only some), each in its own process, and save their records."""
    demos = discover()
    chosen = [_demo_or_exit(d, demos) for d in only] if only else list(demos.values())
    runner = _runner()
    target = _device_or_exit(runner, device)
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"verifying on {target.type}", total=len(chosen))

        def step(demo: DemoSource, record: dict[str, Any]) -> None:
            progress.update(task, advance=1, description=f"{demo.id}: {record['status']}")

        records = runner.run_all(chosen, target, timeout, progress=step, jobs=jobs)
    if write:
        for record in records:
            write_record(record)
    table = Table("demo", "status", "claims", "negative", "seconds", "problem")
    for r in records:
        negatives = sum(c["negative"] for c in r["checks"])
        claims = sum(not (c["negative"] or c["illustration"]) for c in r["checks"])
        table.add_row(
            r["demo"],
            _passed(r["status"] == "passed"),
            str(claims),
            str(negatives),
            f"{r['seconds']:.2f}",
            r["problems"][0] if r["problems"] else "",
        )
    Console().print(table)
    failed = [r["demo"] for r in records if r["status"] != "passed"]
    total = sum(r["seconds"] for r in records)
    typer.echo(
        f"{len(records) - len(failed)} of {len(records)} demos passed on {target.type} "
        f"in {total:.1f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    if failed:
        raise typer.Exit(1)


@app.command("status")
def status_command(
    devices: Annotated[
        list[str] | None,
        typer.Option(
            "--device", help="Device kinds to check (default: cpu and any kind with records)."
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format")] = Format.TEXT,
) -> None:
    """Each demo's record per device kind: fresh, stale or missing, and whether it passed.

    Exits 1 when any record for a device checked is stale, failed or missing.
    """
    kinds = devices or [k for k in DEVICES if k == "cpu" or (record_store.RECORDS_DIR / k).is_dir()]
    for kind in kinds:
        if kind not in DEVICES:
            _fail(
                f"error: --device: unknown device kind {kind!r}; choose from {', '.join(DEVICES)}"
            )
    demos = discover()
    states = {d.id: [status(d, kind) for kind in kinds] for d in demos.values()}
    if fmt is Format.JSON:
        data = {
            demo_id: {
                s.device: {
                    "freshness": s.freshness.value,
                    "passed": s.passed,
                    "date": s.date,
                    "claims_passed": s.claims_passed,
                    "claims": s.claims,
                }
                for s in row
            }
            for demo_id, row in states.items()
        }
        typer.echo(json.dumps(data, indent=2))
    else:
        table = Table("demo", *kinds, title="records that are not fresh and passing")
        for demo_id, row in states.items():
            if not all(_good(s) for s in row):
                table.add_row(demo_id, *(_cell(s.freshness, s.passed, s.date) for s in row))
        if table.row_count:
            Console().print(table)
    columns = zip(*states.values(), strict=True) if states else ([] for _ in kinds)
    bad = False
    for kind, column in zip(kinds, columns, strict=True):
        good = sum(_good(s) for s in column)
        stale = sum(s.freshness is Freshness.STALE for s in column)
        missing = sum(s.freshness is Freshness.MISSING for s in column)
        failed = sum(s.freshness is Freshness.FRESH and not s.passed for s in column)
        bad = bad or good < len(column)
        line = (
            f"{kind}: {good} of {len(column)} fresh and passing, "
            f"{stale} stale, {failed} failed, {missing} missing"
        )
        typer.echo(line, err=fmt is Format.JSON)
    if bad:
        raise typer.Exit(1)


@app.command("mutate")
def mutate_command(
    ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="Demo ids (default: all).")
    ] = None,
    jobs: JobsOption = CPUS,
    timeout: TimeoutOption = 20.0,
    fmt: Annotated[Format, typer.Option("--format")] = Format.TEXT,
) -> None:
    """Run each demo's declared mutations on the CPU: every one must be caught.

    A mutant is caught when a check fails or a negative control holds; it
    survives when every check still comes out right, and it breaks when it
    raises or times out (a mutation must leave code that runs). Exits 1 unless
    every mutant is caught and every demo declares at least one.
    """
    from demos import mutations  # imports torch

    demos = discover()
    chosen = [_demo_or_exit(d, demos) for d in ids] if ids else list(demos.values())
    try:
        total = sum(len(mutations.declared(d)) for d in chosen)
    except mutations.MutationError as exc:
        _fail(f"error: {exc}")
    undeclared = [d.id for d in chosen if not mutations.declared(d)]
    start = time.perf_counter()
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("running mutants", total=total)
        try:
            outcomes = mutations.mutate_all(
                chosen, jobs, timeout, progress=lambda: progress.advance(task)
            )
        except mutations.MutationError as exc:
            _fail(f"error: {exc}")
    seconds = time.perf_counter() - start
    counts = {v: sum(o.verdict is v for o in outcomes) for v in mutations.Verdict}
    if fmt is Format.JSON:
        rows = [
            {
                "demo": o.mutation.demo,
                "mutation": o.mutation.why,
                "verdict": o.verdict.value,
                "evidence": o.evidence,
                "seconds": round(o.seconds, 3),
            }
            for o in outcomes
        ]
        typer.echo(json.dumps({"mutants": rows, "undeclared": undeclared}, indent=2))
    else:
        table = Table("demo", "mutation", "verdict", "evidence")
        for o in outcomes:
            colour = "green" if o.verdict is mutations.Verdict.CAUGHT else "red"
            table.add_row(
                o.mutation.demo, o.mutation.why, f"[{colour}]{o.verdict.value}[/]", o.evidence
            )
        Console().print(table)
        for demo_id in undeclared:
            typer.echo(f"{demo_id}: declares no MUTATIONS", err=True)
    typer.echo(
        f"{len(outcomes)} mutants of {len(chosen)} demos: "
        + ", ".join(f"{n} {v.value}" for v, n in counts.items())
        + f"; {len(undeclared)} demos declare none; {seconds:.1f} s with {jobs} jobs",
        err=fmt is Format.JSON,
    )
    if undeclared or counts[mutations.Verdict.CAUGHT] < len(outcomes):
        raise typer.Exit(1)


def _runner() -> Any:
    from demos import runner  # imports torch: only for the commands that run demos

    return runner


def _device_or_exit(runner: Any, device: Device) -> Any:
    try:
        return runner.pick_device(device.value)
    except ValueError as exc:
        _fail(f"error: {exc}")


def _demo_or_exit(demo_id: str, demos: dict[str, DemoSource]) -> DemoSource:
    if demo_id in demos:
        return demos[demo_id]
    hint = did_you_mean(suggest(demo_id, list(demos)))
    _fail(f"error: ID: no demo {demo_id!r}" + (f" ({hint})" if hint else ""))


def _print_record(record: dict[str, Any]) -> None:
    table = Table("claim", "measured", "threshold", "dtype", "result", title=record["demo"])
    table.caption = "neg.: a negative control, a broken variant that must fail its check"
    for check in record["checks"]:
        measured = check["measured"]
        shown = "-" if measured is None else f"{measured:.4g}"
        if check["holds"] is None:
            result = f"not claimed: {check['note']}"
        elif check["illustration"]:
            result = "illustration" if check["ok"] else "ILLUSTRATION FAILS"
        elif check["negative"]:
            result = "neg. fails" if check["ok"] else "NEG. HOLDS"
        else:
            result = "holds" if check["ok"] else "FAILS"
        table.add_row(check["claim"], shown, check["threshold"], check["dtype"] or "-", result)
    Console().print(table)
    for problem in record["problems"]:
        typer.echo(f"problem: {problem}", err=True)
    env = record["environment"]
    typer.echo(
        f"{record['status']} on {record['device']} ({env['device_name']}), "
        f"torch {env['torch']}, {record['seconds']:.2f} s"
    )


def _state(freshness: Freshness) -> str:
    colour = {Freshness.FRESH: "green", Freshness.STALE: "yellow", Freshness.MISSING: "dim"}
    return f"[{colour[freshness]}]{freshness.value}[/]"


def _good(state: DemoStatus) -> bool:
    return state.freshness is Freshness.FRESH and bool(state.passed)


def _passed(ok: bool) -> str:
    return "[green]passed[/]" if ok else "[red]failed[/]"


def _cell(freshness: Freshness, passed: bool | None, date: str | None) -> str:
    if freshness is Freshness.MISSING:
        return _state(freshness)
    outcome = "passed" if passed else "FAILED"
    return f"{_state(freshness)} {outcome} {(date or '')[:10]}"


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)
