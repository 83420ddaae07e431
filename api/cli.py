"""The ``syllabus`` command line: a thin face over ``graph`` (and later the planner)."""

import functools
import inspect
import json
import operator
import shlex
import sys
import types
import typing
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from api.demos_cli import app as demos_app
from api.errors import ApiError
from api.exports.formats import GraphFormat, render_graph, render_plan
from api.exports.formats import PlanFormat as ExportFormat
from api.import_cli import app as import_app
from api.plan_output import next_table, plan_data, plan_table, to_data
from graph import KnowledgeGraph, LoadResult, check
from graph.cache import default_cache_dir
from graph.diagnostics import Diagnostic
from graph.loader import REPO_ROOT
from graph.schema import SCHEMA_DIR, stale_schemas, write_schemas
from graph.search import search
from graph.suggest import suggest
from graph.taxonomy import EdgeKind
from planner.checklist import checklist_markdown
from planner.durations import format_minutes as hours
from planner.errors import PlanError, Setting, shown
from planner.fringe import fringe
from planner.plan import Plan, make_plan
from planner.query import FROM_REQUEST, PlanQuery
from planner.request import PlanRequest
from planner.resolve import check_id

app = typer.Typer(
    name="syllabus",
    help="Knowledge graph and prerequisite planner for learning AI research.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(demos_app, name="demos")
app.add_typer(import_app, name="import")

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


class PlanFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


class WarningsShown(StrEnum):
    SUMMARY = "summary"
    ALL = "all"
    NONE = "none"


WARNINGS_SHOWN = 20
"""How many warnings ``syllabus check`` prints by default, in all."""
PER_KIND_SHOWN = 3
"""How many warnings of one kind (code) the summary prints."""


@app.command("check")
def check_command(
    data: DataOption = None,
    strict: Annotated[bool, typer.Option(help="Fail on warnings too.")] = False,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="text for people, json for tools (json has every problem)."),
    ] = OutputFormat.TEXT,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Parse and validate the YAML even if cached.")
    ] = False,
    warnings_shown: Annotated[
        WarningsShown,
        typer.Option(
            "--warnings",
            help=f"summary: the first {PER_KIND_SHOWN} warnings of each kind; all: every "
            "warning; none: only the counts of each kind. Errors are always printed in full.",
        ),
    ] = WarningsShown.SUMMARY,
    max_warnings: Annotated[
        int | None,
        typer.Option(
            "--max-warnings",
            min=0,
            help=f"Print at most this many warnings in all (default: {WARNINGS_SHOWN} with "
            "--warnings summary, no limit with --warnings all).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Validate the graph: every error as FILE:LINE: error: message, then the warnings by
    kind, and last the graph's summary and the verdict."""
    result = check(data, cache_dir=None if no_cache else default_cache_dir())
    failed = bool(result.errors) or (strict and bool(result.warnings))
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(_report_json(result, failed), indent=2))
    else:
        if max_warnings is None:
            max_warnings = WARNINGS_SHOWN if warnings_shown is WarningsShown.SUMMARY else None
        _print_report(result, failed, warnings_shown, max_warnings)
    raise typer.Exit(1 if failed else 0)


def _by_code(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """The diagnostics grouped by kind (code), the most frequent kind first."""
    groups: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        groups.setdefault(diagnostic.code, []).append(diagnostic)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _shown_warnings(
    groups: dict[str, list[Diagnostic]], how: WarningsShown, limit: int | None
) -> dict[str, list[Diagnostic]]:
    """Which warnings of each kind to print: none, the first few of each, or all; then
    at most ``limit`` in all, taken kind by kind in turn so that every kind shows some."""
    if how is WarningsShown.NONE:
        return {code: [] for code in groups}
    wanted = {
        code: found if how is WarningsShown.ALL else found[:PER_KIND_SHOWN]
        for code, found in groups.items()
    }
    if limit is None:
        return wanted
    shown_: dict[str, list[Diagnostic]] = {code: [] for code in groups}
    room, turn = limit, 0
    while room > 0 and any(len(shown_[c]) < len(wanted[c]) for c in wanted):
        for code, found in wanted.items():
            if room > 0 and turn < len(found):
                shown_[code].append(found[turn])
                room -= 1
        turn += 1
    return shown_


def _print_report(result: LoadResult, failed: bool, how: WarningsShown, limit: int | None) -> None:
    """Errors in full, then the warnings chosen, then the graph's summary, the counts of
    each kind and the verdict: what is left on screen is the state of the graph."""
    base = Path.cwd()
    for diagnostic in result.errors:
        typer.echo(diagnostic.render(base))
    groups = _by_code(result.warnings)
    chosen = _shown_warnings(groups, how, limit)
    for code, found in chosen.items():
        if found:
            typer.echo(f"-- {code}: {_plural(len(groups[code]), 'warning')} --")
        for diagnostic in found:
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
        depths = summary.concept_minutes
        table.add_row(
            "minutes",
            str(depths.get("study", sum(c.minutes for c in result.graph.concepts.values()))),
            "concepts "
            + (", ".join(f"{hours(m)} at {d}" for d, m in depths.items()) or "at study depth")
            + f"; papers {hours(summary.paper_minutes)} at the depth each calls for",
        )
        console.print(table)
        if result.graph.paths:
            console.print(_paths_table(result.graph))
    for severity, by_kind in (("Errors", _by_code(result.errors)), ("Warnings", groups)):
        if by_kind:
            console.print(f"{severity} by kind:", markup=False)
        for code, found in by_kind.items():
            left = len(found) - len(chosen[code]) if severity == "Warnings" else 0
            note = f"  ({left:,} not shown)" if left else ""
            console.print(f"  {code:<24} {len(found):>6,}{note}", markup=False)
    hidden = sum(len(found) - len(chosen[code]) for code, found in groups.items())
    if hidden:
        console.print(
            f"{_plural(hidden, 'warning')} not shown: --warnings all prints every one, "
            "--format json gives them all to tools",
            markup=False,
        )
    errors, warnings = len(result.errors), len(result.warnings)
    verdict = "FAILED" if failed else "OK"
    console.print(f"{verdict}: {_plural(errors, 'error')}, {_plural(warnings, 'warning')}")


def _paths_table(graph: KnowledgeGraph) -> Table:
    """Each curated path's step times and total as its source states them (facts about the
    source's own material; a plan of the path shows the time of the material it assigns)."""
    table = Table(title="Curated paths", title_justify="left")
    table.add_column("path", style="bold")
    table.add_column("track")
    table.add_column("steps", justify="right")
    table.add_column("source's step times", justify="right")
    table.add_column("source says", justify="right")
    for pid, path in graph.paths.items():
        stated = path.stated_minutes
        source = graph.path_source_minutes(pid)
        table.add_row(
            pid,
            str(path.track),
            str(len(path.steps)),
            hours(source) if source is not None else "",
            f"{hours(stated[0])} to {hours(stated[1])}" if stated else "",
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
        "counts": {
            "errors": {code: len(found) for code, found in _by_code(result.errors).items()},
            "warnings": {code: len(found) for code, found in _by_code(result.warnings).items()},
        },
    }


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, envvar="SYLLABUS_WORKERS", help="Server processes ($SYLLABUS_WORKERS)."
        ),
    ] = 1,
    log_level: Annotated[
        str, typer.Option(help="info logs every request; warning only problems.")
    ] = "info",
    data: DataOption = None,
) -> None:
    """Serve the HTTP API and the web page (open /docs for the API's reference)."""
    from api.server import serve

    _load_or_exit(data)  # fail here, with the diagnostics, not in every worker
    typer.echo(f"Syllabus: http://{host}:{port}/ for the web page, /docs for the API", err=True)
    from api.routes.web import missing_page_files

    if missing := missing_page_files():
        typer.echo(f"warning: {missing}", err=True)  # the API serves; / says the same
    serve(host, port, workers, None if data is None else str(data), log_level)


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
        default = out == REPO_ROOT / SCHEMA_DIR
        again = _command("schema", *([] if default else ["--out", str(out)]))
        for name in stale:
            typer.echo(f"{out / name}: out of date; run {again} to regenerate it")
        raise typer.Exit(1 if stale else 0)
    for path in write_schemas(out):
        typer.echo(f"wrote {path}")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


PresetOption = Annotated[str | None, typer.Option(help="A curated path id, e.g. researcher-path.")]
CLI_SPELLING = {
    "goal": "GOAL",
    "known_implies_prerequisites": "--implied-known/--no-implied-known",
}
"""How the command line spells PlanQuery's fields, where it is not --field-name."""


def _spelling(field: str) -> str:
    return CLI_SPELLING.get(field) or "--" + field.replace("_", "-")


def _flag(field: str) -> str:
    """The name an error gives ``field`` (a PlanQuery or PlanRequest field): --budget, GOAL."""
    field = FROM_REQUEST.get(field, field)
    return _spelling(field).split("/")[0] if field in PlanQuery.model_fields else field


def _setting_words(setting: Setting) -> str:
    """A setting a message advises, as the command line gives it: 'pass --no-implied-known'."""
    flag = _flag(setting.field)
    if isinstance(setting.value, bool):
        on, _, off = _spelling(FROM_REQUEST.get(setting.field, setting.field)).partition("/")
        return f"pass {on if setting.value else off or '--no-' + on.removeprefix('--')}"
    return f"pass {flag} {setting.value}"


def _plain(annotation: Any) -> Any:
    """``annotation`` without pydantic's constraints, which typer cannot read:
    ``Annotated[str, MaxLen(100)] | None`` -> ``str | None``."""
    if typing.get_origin(annotation) is Annotated:
        return typing.get_args(annotation)[0]
    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, (_plain(a) for a in args))
    return annotation


def with_plan_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with an option for every PlanQuery field, declared by the model alone.

    The options reach ``command`` as one dict, ``plan_options``: build the query with
    ``_plan_or_exit``. Help comes from the fields' descriptions.
    """
    own = inspect.signature(command)
    params = [p for p in own.parameters.values() if p.name != "plan_options"]
    added = []
    for name, info in PlanQuery.model_fields.items():
        spelling, help_text = _spelling(name), info.description or ""
        default: object
        if name == "goal":
            annotation: object = list[str] | None
            default = typer.Argument(None, metavar="GOAL...", help=help_text, show_default=False)
        elif typing.get_origin(info.annotation) is list:
            annotation, default = list[str] | None, typer.Option(None, spelling, help=help_text)
        else:
            annotation = _plain(info.annotation)
            default = typer.Option(info.get_default(), spelling, help=help_text)
        added.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        options = {name: kwargs.pop(name) for name in PlanQuery.model_fields}
        command(**kwargs, plan_options=options)

    wrapper.__signature__ = own.replace(parameters=[*keyword, *added])  # type: ignore[attr-defined]
    return wrapper


@app.command("plan")
@with_plan_options
def plan_command(
    plan_options: dict[str, Any],
    preset: PresetOption = None,
    output: Annotated[PlanFormat, typer.Option("--format", help="text, json or markdown.")] = (
        PlanFormat.TEXT
    ),
    data: DataOption = None,
) -> None:
    """Plan a path: prerequisites first, fitted to a budget, dated at a pace."""
    graph = _load_or_exit(data)
    plan = _plan_or_exit(graph, plan_options, preset)
    if output is PlanFormat.JSON:
        typer.echo(json.dumps(plan_data(plan), indent=2))
    elif output is PlanFormat.MARKDOWN:
        typer.echo(checklist_markdown(plan), nl=False)
    else:
        Console(highlight=False).print(plan_table(plan))


@app.command("export")
@with_plan_options
def export_command(
    plan_options: dict[str, Any],
    fmt: Annotated[
        ExportFormat,
        typer.Argument(
            metavar="FORMAT",
            help="ics, case, moodle-csv, imscc, jsonld, markdown or json.",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    whole_graph: Annotated[
        bool, typer.Option("--graph", help="Export the whole graph (case or moodle-csv).")
    ] = False,
    preset: PresetOption = None,
    base_url: Annotated[
        str, typer.Option(help="Where the service runs, for the links inside exports.")
    ] = "http://127.0.0.1:8000",
    data: DataOption = None,
) -> None:
    """Export a plan (or, with --graph, the whole graph) for a calendar or learning platform."""
    graph = _load_or_exit(data)
    try:
        if whole_graph:
            if fmt.value not in {f.value for f in GraphFormat}:
                _fail("error: FORMAT: the whole graph exports as case or moodle-csv")
            rendered = render_graph(graph, GraphFormat(fmt.value), base_url.rstrip("/"))
        else:
            request, plan = _planned_or_exit(graph, plan_options, preset)
            rendered = render_plan(plan, graph, fmt, base_url.rstrip("/"), request)
    except ApiError as exc:
        _fail(f"error: {exc.field or 'FORMAT'}: {exc.message}")
    if output is None:
        sys.stdout.buffer.write(rendered.content)
    else:
        output.write_bytes(rendered.content)
        typer.echo(f"wrote {output} ({len(rendered.content):,} bytes)", err=True)


def _plan_or_exit(graph: KnowledgeGraph, options: dict[str, Any], preset: str | None) -> Plan:
    """The plan the command line asks for (a preset named by --preset joins the goals)."""
    return _planned_or_exit(graph, options, preset)[1]


def _planned_or_exit(
    graph: KnowledgeGraph, options: dict[str, Any], preset: str | None
) -> tuple[PlanRequest, Plan]:
    """The request the command line makes, and its plan."""
    try:
        if preset and preset not in graph.paths:
            if preset in graph.concepts or preset in graph.papers:
                raise PlanError("--preset", f"{preset!r} is not a curated path; give it as a goal")
            options_ = tuple(suggest(preset, graph.spellings("preset")))
            raise PlanError("--preset", f"unknown curated path {shown(preset)}", options_)
        goals = [*(options["goal"] or []), *([preset] if preset else [])]
        if not goals:
            raise PlanError("goal", "give at least one goal id, or --preset NAME")
        try:
            lists = {  # a repeatable option not given reaches here as None
                name: options[name] or []
                for name, info in PlanQuery.model_fields.items()
                if typing.get_origin(info.annotation) is list
            }
            query = PlanQuery.model_validate({**options, **lists, "goal": goals})
        except ValidationError as exc:
            problem = exc.errors()[0]
            raise PlanError(str(problem["loc"][0]), problem["msg"]) from None
        request = query.to_request()
        return request, make_plan(graph, request)
    except PlanError as exc:
        rendered = PlanError(_flag(exc.field), exc.worded(_setting_words), exc.suggestions)
        _fail(f"error: {rendered}")


@app.command("next")
def next_command(
    known: Annotated[
        list[str] | None, typer.Option("--known", help="An id you already know (repeat it).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many to show.")] = 10,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for tools.")
    ] = OutputFormat.TEXT,
    data: DataOption = None,
) -> None:
    """What can I learn next? Concepts whose prerequisites you know, by what they unlock."""
    graph = _load_or_exit(data)
    try:
        for node in known or []:
            check_id(graph, node, "known", presets=False)
    except PlanError as exc:
        _fail(f"error: {exc}")
    found = fringe(graph, known or [], limit=limit)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(to_data(found), indent=2))
    else:
        Console(highlight=False).print(next_table(found))


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="An id, title, alias, word or author to look for.")],
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many to show.")] = 20,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for tools.")
    ] = OutputFormat.TEXT,
    data: DataOption = None,
) -> None:
    """Find concepts and papers: exact names first, then names containing the query, then
    near spellings, then summaries and authors."""
    if not query:
        _fail("error: QUERY: give something to look for")
    graph = _load_or_exit(data)
    hits = search(graph, query, limit)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps([hit._asdict() for hit in hits], indent=2))
        return
    table = Table(title=f"Search for {query!r}", title_justify="left")
    for column in ("title", "id", "kind", "match"):
        table.add_column(column)
    for hit in hits:
        table.add_row(hit.title, hit.id, hit.kind, hit.match)
    # markup off: a query or a title in [brackets] is shown as typed
    Console(highlight=False, markup=False).print(table if hits else f"nothing matches {query!r}")


def _load_or_exit(data: Path | None) -> KnowledgeGraph:
    """The graph, or the loader's diagnostics and exit status 1."""
    result = check(data, cache_dir=default_cache_dir())
    if result.graph is None:
        for diagnostic in result.errors:
            typer.echo(diagnostic.render(Path.cwd()), err=True)
        again = _command("check", *(["--data", str(data)] if data is not None else []))
        _fail(f"error: the graph has errors; run {again} for details")
    return result.graph


def _command(*args: str) -> str:
    """A command a hint tells the user to run, quoted for a shell: `syllabus check --data X`."""
    return "`" + shlex.join(["syllabus", *args]) + "`"


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="syllabus")


if __name__ == "__main__":  # pragma: no cover
    main()
