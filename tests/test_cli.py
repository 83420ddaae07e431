"""The real `syllabus` command, run as a subprocess on real and broken copies of the data."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner.checklist import markdown_link, markdown_text
from tests.helpers import REPO, concept_yaml

SYLLABUS = Path(sys.executable).parent / "syllabus"


def syllabus(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SYLLABUS_CACHE_DIR": str(cache) if cache else ""}
    env.pop("SYLLABUS_DATA", None)
    return subprocess.run(
        [str(SYLLABUS), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the repository's data files."""
    for name in ("concepts.yaml", "papers.yaml", "paths.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def record_line(text: str, record_id: str, needle: str) -> int:
    """Line of the first line containing ``needle`` inside the record ``record_id``."""
    lines = text.splitlines()
    start = lines.index(f"- id: {record_id}")
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return number + 1
    raise AssertionError(f"{needle!r} not in {record_id}")


def test_check_on_the_repository_prints_the_summary():
    result = syllabus("check", "--data", str(REPO))
    assert result.returncode == 0, result.stdout + result.stderr
    for word in ("concepts", "papers", "edges", "categories", "minutes"):
        assert word in result.stdout
    assert re.search(r"researcher-path\s.*\s3 h 57 min\s.*4 h to 5 h", result.stdout)
    assert re.search(r"paper-path\s.*\s40 h to 60 h", result.stdout)
    assert "OK: 0 errors" in result.stdout


def test_check_json_matches_the_graph():
    result = syllabus("check", "--data", str(REPO), "--format", "json")
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["errors"] == []
    summary = report["summary"]
    assert summary["concepts"] >= 100
    assert sum(summary["minutes_by_category"].values()) == summary["concept_minutes"]["study"]
    assert summary["path_source_minutes"]["researcher-path"] == 237
    assert re.fullmatch(r"[0-9a-f]{64}", report["content_hash"])


def test_injected_cycle_is_named_with_the_file_and_line_that_breaks_it(copy: Path):
    concepts = copy / "concepts.yaml"
    text = concepts.read_text()
    start = text.index("- id: vectors-dot-products")
    text = text[:start] + text[start:].replace("requires: []", "requires: [linear-algebra]", 1)
    concepts.write_text(text)

    result = syllabus("check", "--data", str(copy))

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert (
        "prerequisite cycle among 3 nodes (linear-algebra, matrices, vectors-dot-products): "
        "linear-algebra -> vectors-dot-products -> matrices -> linear-algebra"
    ) in out
    edges = [
        (
            record_line(text, "vectors-dot-products", "requires: [linear-algebra]"),
            "vectors-dot-products requires linear-algebra: remove 'linear-algebra' from requires",
        ),
        (
            record_line(text, "matrices", "requires: [vectors-dot-products]"),
            "matrices requires vectors-dot-products: remove 'vectors-dot-products' from requires",
        ),
        (
            record_line(text, "linear-algebra", "requires: [matrices]"),
            "linear-algebra requires matrices: remove 'matrices' from requires",
        ),
    ]
    notes = [f"    {concepts}:{line}: {words}" for line, words in edges]
    assert sum(note in out.splitlines() for note in notes) == 1  # one entry breaks it


def test_misspelled_id_gets_did_you_mean(copy: Path):
    concepts = copy / "concepts.yaml"
    text = concepts.read_text().replace(
        "  requires: [linear-algebra, calculus-gradients, generalisation]\n",
        "  requires: [linear-algebra, calculus-gradient, generalisation]\n",
        1,
    )
    concepts.write_text(text)
    result = syllabus("check", "--data", str(copy))
    assert result.returncode == 1
    line = record_line(text, "feedforward-networks", "calculus-gradient,")
    assert (
        f"{concepts}:{line}: error: requires names unknown concept 'calculus-gradient' "
        "(did you mean 'calculus-gradients'"
    ) in result.stdout


def test_broken_yaml_is_reported_not_raised(copy: Path):
    (copy / "papers.yaml").write_text("- id: x\n  title: [broken\n")
    result = syllabus("check", "--data", str(copy), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["errors"][0]["code"] == "yaml-syntax"
    assert report["errors"][0]["file"].endswith("papers.yaml")
    assert "Traceback" not in result.stderr


def test_strict_fails_on_warnings(tmp_path: Path):
    text = concept_yaml("a") + concept_yaml("b", ["a"]) + concept_yaml("c")
    (tmp_path / "concepts.yaml").write_text(text)
    relaxed = syllabus("check", "--data", str(tmp_path))
    strict = syllabus("check", "--data", str(tmp_path), "--strict")
    assert relaxed.returncode == 0
    assert "warning: concept 'c' has no prerequisites, nothing requires it" in relaxed.stdout
    assert strict.returncode == 1 and "FAILED: 0 errors, 1 warning" in strict.stdout


def _many_warnings(directory: Path) -> Path:
    """30 isolated concepts and 6 implied edges: 36 warnings of two kinds, no error."""
    text = concept_yaml("root") + "".join(concept_yaml(f"lonely-{i:02d}") for i in range(30))
    for i in range(6):
        text += concept_yaml(f"mid-{i}", ["root"]) + concept_yaml(f"top-{i}", [f"mid-{i}", "root"])
    (directory / "concepts.yaml").write_text(text)
    return directory


def test_check_groups_warnings_by_kind_and_ends_with_the_counts_and_verdict(tmp_path: Path):
    data = str(_many_warnings(tmp_path))
    result = syllabus("check", "--data", data)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[-1] == "OK: 0 errors, 36 warnings"
    assert "-- isolated: 30 warnings --" in lines and "-- implied-edge: 6 warnings --" in lines
    assert sum(": warning: " in line for line in lines) == 6  # the first 3 of each kind
    assert re.search(r"^  isolated +30  \(27 not shown\)$", result.stdout, re.M)
    assert re.search(r"^  implied-edge +6  \(3 not shown\)$", result.stdout, re.M)
    assert "30 warnings not shown" in result.stdout
    summary = lines.index("Warnings by kind:")
    assert all(": warning: " not in line for line in lines[summary:])  # the counts come last

    capped = syllabus("check", "--data", data, "--warnings", "all", "--max-warnings", "5")
    assert sum(": warning: " in line for line in capped.stdout.splitlines()) == 5
    assert "31 warnings not shown" in capped.stdout

    every = syllabus("check", "--data", data, "--warnings", "all")
    assert sum(": warning: " in line for line in every.stdout.splitlines()) == 36
    assert "not shown" not in every.stdout

    counts = syllabus("check", "--data", data, "--warnings", "none", "--strict")
    assert counts.returncode == 1 and ": warning: " not in counts.stdout
    assert counts.stdout.splitlines()[-1] == "FAILED: 0 errors, 36 warnings"

    report = json.loads(syllabus("check", "--data", data, "--format", "json").stdout)
    assert len(report["warnings"]) == 36 and report["errors"] == []
    assert report["counts"] == {"errors": {}, "warnings": {"isolated": 30, "implied-edge": 6}}


def test_check_prints_every_error_before_the_warnings(tmp_path: Path):
    data = _many_warnings(tmp_path)
    text = (data / "concepts.yaml").read_text()
    bad = "".join(concept_yaml(f"broken-{i:02d}", [f"missing-{i:02d}"]) for i in range(25))
    (data / "concepts.yaml").write_text(text + bad)
    result = syllabus("check", "--data", str(data))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    errors = [n for n, line in enumerate(lines) if ": error: " in line]
    warnings = [n for n, line in enumerate(lines) if ": warning: " in line]
    assert len(errors) == 25 and max(errors) < min(warnings)
    assert re.search(r"^  unknown-id +25$", result.stdout, re.M)
    assert lines[-1].startswith("FAILED: 25 errors, ")


def test_data_directory_from_the_environment(tmp_path: Path):
    (tmp_path / "concepts.yaml").write_text(concept_yaml("only"))
    env = {**os.environ, "SYLLABUS_DATA": str(tmp_path), "SYLLABUS_CACHE_DIR": ""}
    result = subprocess.run(
        [str(SYLLABUS), "check", "--format", "json"], capture_output=True, text=True, env=env
    )
    assert json.loads(result.stdout)["data_dir"] == str(tmp_path)


def test_second_run_is_served_from_the_cache_with_the_same_report(tmp_path: Path):
    cache = tmp_path / "cache"
    first = syllabus("check", "--data", str(REPO), "--format", "json", cache=cache)
    assert len(list(cache.glob("graph-*.pickle"))) == 1
    second = syllabus("check", "--data", str(REPO), "--format", "json", cache=cache)
    assert json.loads(first.stdout) == json.loads(second.stdout)


def test_schema_check_passes_on_the_repository_and_fails_on_drift(tmp_path: Path):
    assert syllabus("schema", "--check").returncode == 0
    assert syllabus("schema", "--out", str(tmp_path)).returncode == 0
    (tmp_path / "papers.schema.json").write_text("{}\n")
    drift = syllabus("schema", "--check", "--out", str(tmp_path))
    assert drift.returncode == 1 and "papers.schema.json: out of date" in drift.stdout


def test_export_writes_a_plan_or_the_graph_for_other_platforms(tmp_path):
    import icalendar

    ics = tmp_path / "gpt.ics"
    args = ["gpt", "--budget", "8h", "--pace", "30m/day", "--start", "2026-12-01"]
    result = syllabus("export", "ics", *args, "-o", str(ics))
    assert result.returncode == 0, result.stderr
    events = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert events and str(events[0]["DTSTART"].dt) == "2026-12-01"

    case = tmp_path / "graph.json"
    result = syllabus("export", "case", "--graph", "-o", str(case))
    assert result.returncode == 0, result.stderr
    package = json.loads(case.read_text())
    assert [
        i["fullStatement"] for i in package["CFItems"] if i.get("humanCodingScheme") == "attention"
    ]

    needs_pace = syllabus("export", "ics", "gpt")
    assert needs_pace.returncode == 2 and "error: pace:" in needs_pace.stderr
    wrong = syllabus("export", "ics", "--graph")
    assert wrong.returncode == 2 and "case or moodle-csv" in wrong.stderr


def test_every_face_words_what_a_step_assigns_the_same_way():
    args = ["plan", "attention", "--known", "linear-algebra", "--depth", "deep"]
    data = json.loads(syllabus(*args, "--format", "json").stdout)
    markdown = syllabus(*args, "--format", "markdown").stdout
    wide = subprocess.run(
        [str(SYLLABUS), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "400"},  # no wrapping inside the table's cells
    ).stdout
    for step in data["steps"]:
        assert step["minutes"] == sum(m["minutes"] for m in step["material"])
        for material in step["material"]:
            text, title, url = material["text"], material["title"], material["url"]
            # Markdown says the same, with the title linked to the material's address.
            verb = text[: text.index(title)]
            linked = f"{verb}{markdown_link(title, url)} ({material['kind']}"
            assert f"- [ ] {markdown_text(text) if url is None else linked}" in markdown
            assert text in wide


def test_an_error_that_advises_a_setting_names_the_flag():
    result = syllabus("plan", "attention", "--known", "transformer-block")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: GOAL: 'attention' is already known: something in known requires it; "
        "pass --no-implied-known to plan it anyway"
    )


def test_hints_name_the_data_and_out_directories_they_were_given(tmp_path: Path):
    data = tmp_path / "my data"
    data.mkdir()
    (data / "concepts.yaml").write_text("- id: a\n  title: [broken\n")
    for command in (["plan", "a"], ["next"], ["search", "a"]):
        result = syllabus(*command, "--data", str(data))
        assert result.returncode == 2
        assert result.stderr.splitlines()[-1] == (
            f"error: the graph has errors; run `syllabus check --data '{data}'` for details"
        )
    (tmp_path / "papers.schema.json").write_text("{}\n")
    drift = syllabus("schema", "--check", "--out", str(tmp_path))
    assert f"run `syllabus schema --out {tmp_path}` to regenerate it" in drift.stdout
