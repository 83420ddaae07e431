"""The graph, or one plan, as a Moodle competency framework CSV (tool_lpimportcsv).

The columns are exactly those Moodle's framework exporter writes and its importer reads
(``framework_importer::list_required_headers``, in that order): the importer reads the
columns by position, so the order is the contract. The first row is the framework
itself (Is framework = 1) and carries the rating scale; every other row is a competency
placed in the tree by its Parent ID number (empty: top level).

- The graph: a parent competency per category holding its concepts, and a "Papers"
  parent holding the papers in reading order.
- A plan: its steps, top level, in study order. Moodle orders siblings as the file lists
  them, so a flat list keeps the order a plan exists to give (papers have no category).
- A prerequisite is a cross-reference (Moodle's "related competencies", which have no
  direction): a row lists the ID numbers of what it requires, comma-separated.

Text safety:

- Control characters: NUL and every other C0 control character but tab, line feed and
  carriage return are removed from every cell. They are never meant in a title, PHP's
  reader and databases treat NUL as an end of string, and no spreadsheet shows them.
- Spreadsheet formula injection: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab,
  a carriage return, a line feed or a fullwidth equals, plus, minus or at sign (U+FF1D,
  U+FF0B, U+FF0D, U+FF20, which some spreadsheets read as the ASCII signs), or with any
  whitespace (Unicode's, as ``str.isspace`` knows it) before one of those, gets a leading
  apostrophe (OWASP's CSV injection advice), so a spreadsheet shows it as text. A tab, CR or
  LF anywhere in the leading whitespace counts too. Spreadsheets skip leading whitespace
  before a formula, so `` =1+2`` is as much a formula as ``=1+2``. Moodle keeps the
  apostrophe; that is the price of a file that is safe to open.
- Every cell is quoted (QUOTE_ALL) and newlines inside titles are kept: a quoted cell may
  span lines in CSV (RFC 4180), Moodle's reader handles it, and its own example framework
  has multi-line descriptions. Replacing them would change the titles.
- Backslashes: Moodle reads the file with PHP's ``fgetcsv``, whose default escape
  character is ``\\``. Inside a quoted cell a backslash makes PHP take the next character
  as it is, both kept: ``\\""`` (a backslash and a quote, doubled as RFC 4180 asks) is read
  by PHP as ``\\"`` and then a lone quote that ends the cell early, and a backslash right
  before the closing quote keeps the cell open into the next cells and rows. So a cell is
  read the same by PHP and by an RFC 4180 reader exactly when no odd run of backslashes
  stands right before a quote or at the end of the cell (an even run pairs up in PHP and
  leaves the quote alone). No other writing of such a cell is read alike by both: RFC 4180
  has no escape for the backslash, and PHP always takes the character after one. Such a
  run gets a WORD JOINER (U+2060, invisible and not a space) after it, before the quote or
  at the end: every character of the text is kept, in order, and it looks the same.
  Doubling or dropping the backslash, or a look-alike sign, would change what it shows.
- Descriptions are marked plain text (format 2), so Moodle prints any markup in a title
  as text. Moodle cuts short names to 100 characters and strips tags from them on import;
  a name we have to cut is cut here, and its description begins with the full title.
"""

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator

from api.exports.case import plan_key, plan_prerequisites, plan_title
from graph import KnowledgeGraph
from graph.taxonomy import CATEGORY_TITLES, Category
from planner.material import describe
from planner.plan import Plan, Step

HEADER = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
"""Moodle's own header (lang strings of tool_lpimportcsv), in the importer's column order."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters (after any whitespace) that make a spreadsheet read a cell as a formula:
OWASP's, a line feed, and the fullwidth equals, plus, minus and at signs."""

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""The C0 control characters a cell drops: all but tab, line feed and carriage return."""

WORD_JOINER = "\u2060"
"""Set after an odd run of backslashes before a quote or at the end of a cell (PHP's escape)."""

_PHP_ESCAPE = re.compile(r'(?<!\\)(?:\\\\)*\\(?="|\Z)')
"""An odd run of backslashes right before a quote or at the end of a cell."""

FORMAT_PLAIN = "2"
"""Moodle's FORMAT_PLAIN: the description is shown as text, markup and all."""

SHORT_NAME_CHARS = 100
"""Moodle keeps at most 100 characters of a short name (shorten_text on import)."""

SCALE_VALUES = "Not yet competent,Competent"
"""Moodle's default competency scale, so the import reuses it rather than adding a scale."""

SCALE_CONFIGURATION = json.dumps(
    [
        {"scaleid": "0"},  # the importer puts the id of the scale it finds or makes here
        {"id": 1, "scaledefault": 1, "proficient": 0},
        {"id": 2, "scaledefault": 0, "proficient": 1},
    ],
    separators=(",", ":"),
)
"""New ratings start at "Not yet competent"; "Competent" is proficient."""

PAPERS_GROUP = "group:papers"
"""ID number of the graph's parent of the papers; ids are slugs, so no id has a colon."""

Row = list[str]


def graph_moodle_csv(graph: KnowledgeGraph) -> str:
    """The whole graph as one framework: categories holding concepts, then the papers."""
    categories = _categories(graph)
    framework = _framework_row(
        f"syllabus-{graph.content_hash[:12]}",
        "Syllabus knowledge graph",
        f"{len(graph.concepts)} concepts in {len(categories)} categories and "
        f"{len(graph.papers)} papers, with the prerequisites between them.",
        "domain,concept",
    )
    return write_csv([framework, *_graph_rows(graph, categories)])


def plan_moodle_csv(plan: Plan, graph: KnowledgeGraph) -> str:
    """One plan as a framework: its steps in study order, cross-referenced to what they need."""
    digest = hashlib.sha256(plan_key(plan).encode()).hexdigest()[:12]
    framework = _framework_row(
        f"syllabus-plan-{digest}",
        plan_title(plan, graph),
        f"A study plan of {len(plan.steps)} steps, {plan.minutes} minutes in all, "
        f"on the {plan.track} track, in study order.",
        "concept",
    )
    needs = plan_prerequisites(plan, graph)
    total = len(plan.steps)
    rows = [
        _competency_row("", s.id, s.title, _step_text(graph, s, total), needs[s.id])
        for s in plan.steps
    ]
    return write_csv([framework, *rows])


def neutralise(cell: str) -> str:
    """``cell`` as it is written: control characters gone, an apostrophe before a formula,
    and a word joiner after a backslash that PHP would read as an escape (module docstring).
    """
    cell = CONTROL.sub("", cell)
    if is_formula(cell):
        cell = "'" + cell
    return _PHP_ESCAPE.sub(lambda run: run[0] + WORD_JOINER, cell)


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet may read ``cell`` as a formula: a trigger after any whitespace
    (a tab, carriage return or line feed is one even inside the leading whitespace)."""
    lead = cell[: len(cell) - len(cell.lstrip()) + 1]  # the whitespace and the next character
    return any(char in FORMULA_TRIGGERS for char in lead)


def _graph_rows(graph: KnowledgeGraph, categories: list[Category]) -> Iterator[Row]:
    for category in categories:
        ids = sorted(cid for cid, c in graph.concepts.items() if c.category == category)
        minutes = sum(graph.concepts[cid].minutes for cid in ids)
        yield _competency_row(
            "",
            f"category:{category}",  # a category slug can also be a concept's id
            CATEGORY_TITLES[category],
            f"{_count(len(ids), 'concept')}, {minutes} minutes of study.",
        )
        for cid in ids:
            concept = graph.concepts[cid]
            parent = f"category:{category}"
            yield _competency_row(parent, cid, concept.title, concept.summary, concept.requires)
    if graph.papers:
        yield _competency_row("", PAPERS_GROUP, "Papers", "The papers, in reading order.")
        for pid in sorted(graph.papers, key=graph.reading_order.__getitem__):
            paper = graph.papers[pid]
            yield _competency_row(
                PAPERS_GROUP, pid, paper.title, _paper_text(graph, pid), paper.requires
            )


def _step_text(graph: KnowledgeGraph, step: Step, total: int) -> str:
    """What a step is: its place and time, then the concept's summary or the paper's advice."""
    head = f"Step {step.number} of {total}, {step.minutes} minutes, {step.depth} depth."
    assigns = "\n".join(f"- {describe(m)}" for m in step.material)
    if step.kind == "concept":
        return f"{head}\n\n{graph.concepts[step.id].summary}\n\n{assigns}"
    return f"{head}\n\n{_paper_text(graph, step.id)}\n\n{assigns}"


def _paper_text(graph: KnowledgeGraph, pid: str) -> str:
    paper = graph.papers[pid]
    link = paper.link
    where = f"\n\nRead it at {link}" if link else ""
    return f"{paper.authors} ({paper.year}). {paper.advice}{where}"


def _framework_row(idnumber: str, name: str, description: str, taxonomy: str) -> Row:
    short, description = _name_and_description(name, description)
    return [
        "",
        idnumber,
        short,
        description,
        FORMAT_PLAIN,
        SCALE_VALUES,
        SCALE_CONFIGURATION,
        "",
        "",
        "",
        "",
        "",
        "1",
        taxonomy,  # one taxonomy per level of the tree, comma-separated
    ]


def _competency_row(
    parent: str, idnumber: str, name: str, description: str, related: Iterable[str] = ()
) -> Row:
    short, description = _name_and_description(name, description)
    return [
        parent,
        idnumber,
        short,
        description,
        FORMAT_PLAIN,
        "",  # no scale of its own: the framework's applies
        "",
        "",  # no completion rule; outcome 0 and config "null" as Moodle's exporter writes them
        "0",
        "null",
        ",".join(related),  # ids are slugs: no comma to encode as %2C
        "",
        "0",
        "",
    ]


def _name_and_description(name: str, description: str) -> tuple[str, str]:
    """The short name Moodle will keep, and the description, led by the full name if cut."""
    if len(neutralise(name)) <= SHORT_NAME_CHARS:  # as written: apostrophe, word joiners
        return name, description
    cut = SHORT_NAME_CHARS
    while len(neutralise(short := name[: cut - 1] + "…")) > SHORT_NAME_CHARS:
        cut -= 1
    return short, f"{name}\n\n{description}"


def write_csv(rows: list[Row]) -> str:
    """Moodle's header, then ``rows``: every cell neutralised and quoted, in CRLF lines."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")  # RFC 4180 lines
    writer.writerow(HEADER)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return out.getvalue()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _categories(graph: KnowledgeGraph) -> list[Category]:
    """The categories that hold concepts, in the taxonomy's order."""
    used = {c.category for c in graph.concepts.values()}
    return [c for c in Category if c in used]
