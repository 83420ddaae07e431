"""The demos: every computational concept has one, each passes on the CPU, records are fresh.

Runs every demo in this process, as ``syllabus demos verify`` does, and checks
the runner's own failure modes with small demos written for the occasion.
"""

import json
import textwrap
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from api.cli import app
from demos.harness import Demo
from demos.records import (
    DemoSource,
    Freshness,
    discover,
    freshness,
    source_hashes,
    status,
    write_record,
)
from demos.runner import prepare, run_all, run_demo
from graph import check, load_graph
from graph.taxonomy import ConceptKind
from tests.helpers import concept_yaml

ROOT = Path(__file__).resolve().parent.parent
DEMOS = discover()
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def cpu_records() -> dict[str, dict]:
    return {r["demo"]: r for r in run_all(list(DEMOS.values()), CPU)}


def test_every_computational_concept_has_a_demo_that_names_it():
    graph = load_graph(ROOT)
    for concept in graph.concepts.values():
        if concept.kind is ConceptKind.PRACTICE:
            assert concept.demo is None
            continue
        assert concept.demo in DEMOS, f"{concept.id}: no demos/{concept.demo}.py"
        assert concept.id in DEMOS[concept.demo].concepts
    for demo in DEMOS.values():
        assert demo.concepts, f"{demo.id} declares no CONCEPTS"
        assert set(demo.concepts) <= set(graph.concepts), demo.id


@pytest.mark.parametrize("demo_id", sorted(DEMOS))
def test_demo_passes_on_cpu_with_three_claims_and_a_negative_control(cpu_records, demo_id):
    record = cpu_records[demo_id]
    assert record["status"] == "passed", record["problems"]
    claims = [c for c in record["checks"] if not c["negative"] and c["holds"] is not None]
    assert len(claims) >= 3, f"{demo_id}: {len(claims)} claims"
    assert any(c["negative"] for c in record["checks"])
    assert all(c["ok"] for c in record["checks"])


@pytest.mark.parametrize("demo_id", sorted(DEMOS))
def test_committed_cpu_record_is_fresh_and_passing(demo_id):
    state = status(DEMOS[demo_id], "cpu")
    assert state.freshness is Freshness.FRESH, (
        f"{demo_id}: CPU record is {state.freshness}; run `syllabus demos verify --device cpu`"
    )
    assert state.passed


def test_demos_give_the_same_numbers_every_run(cpu_records):
    again = run_all([DEMOS["attention"], DEMOS["linear-algebra"]], CPU)
    for record in again:
        first = cpu_records[record["demo"]]
        assert [c["measured"] for c in record["checks"]] == [c["measured"] for c in first["checks"]]


# The runner's failure modes, with demos written for the occasion.


def _demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> DemoSource:
    source = "from demos.harness import Demo\n\nCONCEPTS = ['x']\n\n\n" + textwrap.dedent(body)
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return DemoSource(name, name, path, name, ("x",), (path,))


GOOD = """
def run(demo):
    demo.close("one plus one", demo.tensor(1.0) + 1, 2.0)
    demo.close("broken: one plus two", demo.tensor(1.0) + 2, 2.0, negative=True)
"""


@pytest.mark.parametrize(
    ("name", "body", "problem"),
    [
        ("no_checks", "def run(demo):\n    pass\n", "checks nothing"),
        (
            "no_negative",
            "def run(demo):\n    demo.at_least('positive', 1.0, 0.5)\n",
            "has no negative control",
        ),
        (
            "negative_holds",
            "def run(demo):\n    demo.at_least('a', 1.0, 0.5)\n"
            "    demo.at_least('broken', 1.0, 0.5, negative=True)\n",
            "negative control held: broken",
        ),
        (
            "failing",
            "def run(demo):\n    demo.at_most('small', 3.0, 1.0)\n"
            "    demo.at_most('broken', 3.0, 1.0, negative=True)\n",
            "check failed: small",
        ),
        ("raises", "def run(demo):\n    raise RuntimeError('boom')\n", "raised RuntimeError: boom"),
        ("slow", "def run(demo):\n    while True:\n        pass\n", "timeout"),
    ],
)
def test_runner_fails_a_demo_that_proves_nothing(tmp_path, monkeypatch, name, body, problem):
    record = run_demo(_demo(tmp_path, monkeypatch, name, body), CPU, timeout=0.5)
    assert record["status"] == "failed"
    assert any(problem in p for p in record["problems"]), record["problems"]


def test_runner_records_what_was_measured_where(tmp_path, monkeypatch):
    record = run_demo(_demo(tmp_path, monkeypatch, "good", GOOD), CPU)
    assert record["status"] == "passed", record["problems"]
    first, negative = record["checks"]
    assert first["claim"] == "one plus one" and first["measured"] == 0.0
    assert first["dtype"] == "float32" and first["ok"] and not first["negative"]
    assert negative["negative"] and negative["holds"] is False and negative["ok"]
    assert negative["measured"] == pytest.approx(1.0)
    env = record["environment"]
    assert env["torch"] == torch.__version__ and env["device_name"]
    assert record["device"] == "cpu" and record["date"].endswith("Z")
    assert list(record["sources"]) == [str(tmp_path / "good.py")]


def test_a_record_goes_stale_when_the_demo_or_a_helper_it_imports_changes(tmp_path):
    (tmp_path / "common.py").write_text("SCALE = 2\n")
    (tmp_path / "thing.py").write_text(
        '"""Thing: a demo."""\nfrom demos.common import SCALE\n\nCONCEPTS = ["thing"]\n'
    )
    demo = discover(tmp_path)["thing"]
    assert demo.title == "Thing: a demo." and demo.concepts == ("thing",)
    assert [p.name for p in demo.sources] == ["common.py", "thing.py"]
    record = {"demo": "thing", "device": "cpu", "sources": source_hashes(demo)}
    write_record(record, tmp_path / "records")
    assert freshness(demo, record) is Freshness.FRESH
    assert status(demo, "cpu", tmp_path / "records").freshness is Freshness.FRESH
    assert status(demo, "cuda", tmp_path / "records").freshness is Freshness.MISSING
    (tmp_path / "common.py").write_text("SCALE = 3\n")
    assert freshness(demo, record) is Freshness.STALE


def test_harness_checks_compare_as_they_say():
    prepare(CPU)
    demo = Demo(CPU)
    assert demo.close("near", demo.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-7])
    assert not demo.close("shape", demo.tensor([1.0, 2.0]), [1.0, 2.0, 3.0])
    assert demo.equal("exact", demo.tensor([1, 2], dtype=torch.int64), [1, 2])
    assert not demo.equal("off by one", demo.tensor([1, 2], dtype=torch.int64), [1, 3])
    assert demo.between("in range", 0.5, 0.0, 1.0) and not demo.at_least("low", 0.5, 1.0)
    demo.not_claimed("faster on a GPU", "a CPU cannot show a GPU speed-up")
    shape, exact = demo.checks[1], demo.checks[3]
    assert shape.measured == float("inf") and exact.measured == 1
    skipped = demo.checks[-1]
    assert skipped.holds is None and skipped.ok and skipped.measured is None
    with pytest.raises(ValueError, match="one number"):
        demo.at_most("vector", demo.tensor([1.0, 2.0]), 1.0)


# The command line.


def test_cli_lists_runs_and_reports_status():
    runner = CliRunner()
    listed = runner.invoke(app, ["demos", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    ids = {d["id"] for d in json.loads(listed.output)}
    assert ids == set(DEMOS)

    ran = runner.invoke(app, ["demos", "run", "attention", "--device", "cpu"])
    assert ran.exit_code == 0, ran.output
    assert "passed on cpu" in ran.output and "neg. fails" in ran.output

    unknown = runner.invoke(app, ["demos", "run", "atention"])
    assert unknown.exit_code == 2
    assert "no demo 'atention'" in unknown.output and "did you mean 'attention'" in unknown.output

    verified = runner.invoke(
        app, ["demos", "verify", "--device", "cpu", "--only", "attention", "--no-write"]
    )
    assert verified.exit_code == 0, verified.output
    assert "1 of 1 demos passed on cpu" in verified.output

    states = runner.invoke(app, ["demos", "status", "--format", "json", "--device", "cpu"])
    assert states.exit_code == 0, states.output
    data = json.loads(states.output)
    assert data["attention"]["cpu"]["freshness"] in {"fresh", "stale", "missing"}

    absent = runner.invoke(app, ["demos", "status", "--device", "tpu"])
    assert absent.exit_code == 2 and "unknown device kind 'tpu'" in absent.output


def test_check_reports_a_concept_whose_demo_module_is_missing(tmp_path):
    (tmp_path / "concepts.yaml").write_text(
        concept_yaml("kv-cache") + concept_yaml("attention", ["kv-cache"])
    )
    assert check(tmp_path).graph is not None  # no demos folder beside the data: nothing to check
    (tmp_path / "demos").mkdir()
    (tmp_path / "demos" / "kv_cache.py").write_text("CONCEPTS = ['kv-cache']\n")
    (tmp_path / "demos" / "atention.py").write_text("CONCEPTS = ['attention']\n")
    result = check(tmp_path)
    assert result.graph is None
    (problem,) = result.errors
    assert problem.code == "missing-demo" and problem.location.line is not None
    assert "demos/attention.py does not exist" in problem.message
    assert problem.hint == "did you mean 'atention'?"
    (tmp_path / "demos" / "atention.py").rename(tmp_path / "demos" / "attention.py")
    assert check(tmp_path).graph is not None


def test_cli_refuses_a_device_that_is_not_there():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = CliRunner().invoke(app, ["demos", "run", "attention", "--device", "cuda"])
    assert result.exit_code == 2 and "no CUDA device is available" in result.output
