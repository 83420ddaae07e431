"""``syllabus import``: bring your own graph, from a CASE package or two CSV files.

Each command reads its input (api/imports), writes concepts.yaml, papers.yaml (when
there are papers) and graph.yaml into ``--out DIR``, then loads DIR as ``syllabus
check --data DIR`` would and prints the verdict. Bad input writes nothing and exits 1
with one line per problem: the file, the line or the field, what is wrong and how to
fix it. Existing graph files in DIR are only replaced with ``--force``.
"""

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from api.imports import Imported, OutputExists, left_over, write_graph
from api.imports.case import read_case
from api.imports.csv import read_csv
from graph import check

app = typer.Typer(
    help="Bring your own graph: write our YAML from a CASE package or a nodes and edges CSV.",
    no_args_is_help=True,
)

OutOption = Annotated[
    Path,
    typer.Option(
        "--out",
        help="Directory to write concepts.yaml, papers.yaml and graph.yaml into.",
        file_okay=False,
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace graph files that DIR already holds.")
]


@app.command("case")
def case_command(
    package: Annotated[
        Path, typer.Argument(metavar="PACKAGE.json", help="A CASE 1.1 CFPackage, as JSON.")
    ],
    out: OutOption,
    force: ForceOption = False,
) -> None:
    """A CASE 1.1 framework (CFPackage JSON) as a graph: items become concepts and papers,
    groupings categories, precedes prerequisites."""
    _finish(read_case(package), out, force)


@app.command("csv")
def csv_command(
    nodes: Annotated[
        Path,
        typer.Argument(
            metavar="NODES.csv",
            help="One concept per row; header: id and/or title, and optionally summary, "
            "category, level, minutes, url.",
        ),
    ],
    edges: Annotated[
        Path,
        typer.Argument(
            metavar="EDGES.csv",
            help="One prerequisite per row; header: source,target (the target requires "
            "the source), or prerequisite,concept.",
        ),
    ],
    out: OutOption,
    force: ForceOption = False,
) -> None:
    """A graph from a nodes CSV and an edges CSV (the target of an edge requires its source)."""
    _finish(read_csv(nodes, edges), out, force)


def _finish(imported: Imported, out: Path, force: bool) -> None:
    """Report, write and check; exit 1 when nothing usable was written."""
    base = Path.cwd()
    for diagnostic in imported.diagnostics:
        typer.echo(diagnostic.render(base), err=True)
    if imported.errors:
        _fail(f"error: nothing written: {len(imported.errors)} problem(s) in the input")
    try:
        written = write_graph(imported, out, force)
    except OutputExists as exc:
        names = ", ".join(str(p) for p in exc.files)
        _fail(f"error: {names} already exist(s); pass --force to replace, or choose another --out")
    except OSError as exc:
        _fail(f"error: cannot write into {out}: {exc.strerror or exc}")
    papers = f", {len(imported.papers)} papers" if imported.papers else ""
    typer.echo(f"wrote {', '.join(map(str, written))} ({len(imported.concepts)} concepts{papers})")
    for path in left_over(out, written):
        typer.echo(f"warning: {path} was already there and is part of the graph now", err=True)
    result = check(out, cache_dir=None)
    for diagnostic in result.errors:
        typer.echo(diagnostic.render(base), err=True)
    warnings = len(result.warnings)
    if result.errors:
        _fail(
            f"error: {out} has {len(result.errors)} error(s) as imported; fix the input "
            f"(or the YAML) and run `syllabus check --data {out}`"
        )
    typer.echo(
        f"checked: 0 errors, {warnings} warning(s); `syllabus check --data {out}` lists them"
    )


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(1)
