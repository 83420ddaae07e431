"""The ``syllabus`` command line: a thin face over ``graph`` (and later the planner)."""

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph import KnowledgeGraph, LoadResult, check
from graph.cache import default_cache_dir
from graph.loader import REPO_ROOT
from graph.schema import SCHEMA_DIR, stale_schemas, write_schemas
from graph.taxonomy import EdgeKind

app = typer.Typer(
    name="syllabus",
    help="Knowledge graph and prerequisite planner for learning AI research.",
    no_args_is_help=True,
    add_completion=False,
)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Directory holding concepts.yaml (and optionally papers.yaml, paths.yaml). "
        "Default: $SYLLABUS_DATA, else the repository.",
        file_okay=False,
    ),
]


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command("check")
def check_command(
    data: DataOption = None,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for tools.")
    ] = OutputFormat.TEXT,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Parse and validate the YAML even if cached.")
    ] = False,
) -> None:
    """Validate the graph: print a summary, or every problem as FILE:LINE: error: message."""
    result = check(data, cache_dir=None if no_cache else default_cache_dir())
    failed = bool(result.errors) or (strict and bool(result.warnings))
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(_report_json(result, failed), indent=2))
    else:
        _print_report(result, failed)
    raise typer.Exit(1 if failed else 0)


def _print_report(result: LoadResult, failed: bool) -> None:
    base = Path.cwd()
    for diagnostic in result.diagnostics:
        typer.echo(diagnostic.render(base))
    console = Console(highlight=False)
    if result.graph is not None:
        summary = result.graph.summary()
        table = Table(title=f"Syllabus graph: {result.data_dir}", title_justify="left")
        table.add_column("", style="bold")
        table.add_column("count", justify="right")
        table.add_column("detail")
        kinds = ", ".join(f"{kind} {summary.edges_by_kind[kind]}" for kind in EdgeKind)
        table.add_row("concepts", str(summary.concepts), "")
        table.add_row("papers", str(summary.papers), "")
        table.add_row("paths", str(summary.paths), "curated paths")
        table.add_row("edges", str(summary.edges), kinds)
        table.add_row("categories", str(summary.categories), "used by concepts")
        table.add_row(
            "minutes",
            str(summary.concept_minutes),
            f"{_hours(summary.concept_minutes)} of concepts; "
            f"papers {_hours(summary.paper_minutes)} at recommended depth",
        )
        console.print(table)
        if result.graph.paths:
            console.print(_paths_table(result.graph))
    errors, warnings = len(result.errors), len(result.warnings)
    verdict = "FAILED" if failed else "OK"
    console.print(f"{verdict}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}")


def _paths_table(graph: KnowledgeGraph) -> Table:
    """Each curated path's total beside the total its source states."""
    table = Table(title="Curated paths", title_justify="left")
    table.add_column("path", style="bold")
    table.add_column("track")
    table.add_column("steps", justify="right")
    table.add_column("total", justify="right")
    table.add_column("source says", justify="right")
    for pid, path in graph.paths.items():
        stated = path.stated_minutes
        table.add_row(
            pid,
            str(path.track),
            str(len(path.steps)),
            _hours(graph.path_minutes(pid)),
            f"{_hours(stated[0])} to {_hours(stated[1])}" if stated else "",
        )
    return table


def _report_json(result: LoadResult, failed: bool) -> dict[str, object]:
    base = Path.cwd()
    summary = result.graph.summary()._asdict() if result.graph is not None else None
    return {
        "ok": not failed,
        "data_dir": str(result.data_dir),
        "content_hash": result.graph.content_hash if result.graph is not None else None,
        "summary": summary,
        "errors": [d.to_json(base) for d in result.errors],
        "warnings": [d.to_json(base) for d in result.warnings],
    }


@app.command("schema")
def schema_command(
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write the JSON Schemas into.")
    ] = REPO_ROOT / SCHEMA_DIR,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only report schemas that differ from the models.")
    ] = False,
) -> None:
    """Write JSON Schemas of concepts.yaml, papers.yaml and paths.yaml, for editors."""
    if check_only:
        stale = stale_schemas(out)
        for name in stale:
            typer.echo(f"{out / name}: out of date; run `syllabus schema` to regenerate it")
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas(out):
        typer.echo(f"wrote {path}")


def _hours(minutes: int) -> str:
    """90 -> '1 h 30 min', 120 -> '2 h', 45 -> '45 min'."""
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h" + (f" {minutes % 60:02d} min" if minutes % 60 else "")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="syllabus")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
