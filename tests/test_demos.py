"""The demos: every computational concept has one, each passes on the CPU, records are fresh.

Runs every demo as ``syllabus demos verify`` does (each in its own process),
and plants each way a demo could fool the runner, with small demos written for
the occasion: every one must be caught.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from api.cli import app
from demos import mutations
from demos import records as record_store
from demos.harness import Demo
from demos.records import (
    DemoSource,
    Freshness,
    discover,
    freshness,
    record_key,
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
JOBS = os.cpu_count() or 1


@pytest.fixture(scope="module")
def cpu_records() -> dict[str, dict]:
    return {r["demo"]: r for r in run_all(list(DEMOS.values()), CPU, jobs=JOBS)}


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
    checks = record["checks"]
    claims = [
        c
        for c in checks
        if not (c["negative"] or c["illustration"] or c["cannot_fail"]) and c["holds"] is not None
    ]
    assert len(claims) >= 3, f"{demo_id}: {len(claims)} claims that can fail"
    controls = [c for c in checks if c["negative"]]
    assert controls, f"{demo_id}: no negative control"
    by_claim = {c["claim"]: c for c in claims}
    for control in controls:  # each breaks a claim with the very same test, and fails it
        claim = by_claim[control["control_of"]]
        assert (control["kind"], control["limits"]) == (claim["kind"], claim["limits"])
        assert control["holds"] is False and claim["holds"] is True
    assert all(c["ok"] for c in checks)


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


# The ways a demo could fool the runner, each planted in a demo written for the occasion.


def _demo(tmp_path: Path, name: str, body: str, extra: str = "") -> DemoSource:
    source = (
        f'"""{name}: a demo written for a test."""\n'
        "from demos.harness import Demo\n"
        f"{extra}\nCONCEPTS = ['x']\n\n\n" + textwrap.dedent(body)
    )
    (tmp_path / f"{name}.py").write_text(source)
    return discover(tmp_path)[name.replace("_", "-")]


GOOD = """
def run(demo):
    sums = demo.close("one plus one", demo.tensor(1.0) + 1, 2.0)
    sums.broken("one plus two is not", demo.tensor(1.0) + 2)
    demo.equal("two times two", demo.tensor(2) * 2, 4)
    demo.at_most("a half is at most one", demo.tensor(0.5), 1.0)
"""


def _fails(tmp_path: Path, name: str, body: str, problem: str, **kwargs: object) -> dict:
    record = run_demo(_demo(tmp_path, name, body, **kwargs), CPU, timeout=3.0)
    assert record["status"] == "failed", f"{name} fooled the runner"
    assert any(problem in p for p in record["problems"]), record["problems"]
    return record


FOOLING = [
    ("exits_zero", "import sys\ndef run(demo):\n    sys.exit(0)\n", "called sys.exit(0)"),
    (
        "exits_after_its_claims",
        GOOD + "    raise SystemExit\n",
        "called sys.exit(None) instead of returning its checks",
    ),
    ("exits_hard", "import os\ndef run(demo):\n    os._exit(0)\n", "exited 0 before returning"),
    (
        "crashes",
        # (faulthandler off: its dump of the planted crash would only clutter the test log)
        "import faulthandler, os, signal\ndef run(demo):\n    faulthandler.disable()\n"
        "    os.kill(os.getpid(), signal.SIGSEGV)\n",
        "was killed by SIGSEGV",
    ),
    ("raises", "def run(demo):\n    raise RuntimeError('boom')\n", "raised RuntimeError: boom"),
    ("does_not_parse", "def run(demo)\n    pass\n", "raised SyntaxError"),
    ("checks_nothing", "def run(demo):\n    pass\n", "has 0 positive claims that can fail"),
    ("one_claim", GOOD.split("    demo.equal")[0], "has 1 positive claims that can fail"),
    (
        "no_negative",
        "def run(demo):\n    demo.at_least('positive', 1.0, 0.5)\n",
        "has no negative control",
    ),
    (
        "only_a_negative_control",
        """
        from demos.harness import Check
        def run(demo):
            demo.checks.append(Check('broken', 'at_least', 0.1, '>= 0.5', {'limit': 0.5},
                               'float64', True, False, True, control_of='nothing'))
        """,
        "has 0 positive claims",
    ),
    (
        "only_illustrations",
        """
        def run(demo):
            demo.at_least('set by the demo itself', 1.0, 0.5, illustration=True)
            demo.close('one plus one', demo.tensor(2.0), 2.0).broken('three', demo.tensor(3.0))
            demo.checks.pop(1)
        """,
        "has 0 positive claims",
    ),
    (
        "restating_control",
        """
        from dataclasses import replace
        def run(demo):
            big = demo.at_least('the ratio is large', 3.0, 2.0)
            # The old way: "the ratio is not small", the same number against another limit.
            demo.checks.append(replace(demo.at_most('ratio is small', 3.0, 1.0).check,
                               claim='restated', negative=True, control_of='the ratio is large',
                               ok=True))
        """,
        "not the same check as its claim",
    ),
    (
        "negative_holds",
        "def run(demo):\n    demo.at_least('a', 1.0, 0.5).broken('broken', 1.0)\n",
        "negative control held: broken",
    ),
    (
        "nan_control",
        """
        def run(demo):
            small = demo.at_most('small', demo.tensor(0.5), 1.0)
            small.broken('fails only because it is NaN', demo.tensor(float('nan')))
        """,
        "negative control measured nan",
    ),
    (
        "infinite_claim",
        """
        def run(demo):
            big = demo.at_least('huge', demo.tensor(float('inf')), 1.0)
            big.broken('small', demo.tensor(0.0))
        """,
        "check measured inf",
    ),
    (
        "nan_in_a_comparison",
        """
        def run(demo):
            x = demo.tensor([1.0, float('nan')])
            same = demo.close('x is x', x, demo.tensor([1.0, float('nan')]))
            same.broken('y is not', demo.tensor([2.0, 0.0]))
        """,
        "check measured nan",
    ),
    (
        "swallows_its_exception",
        """
        def run(demo):
            try:
                value = 1.0 / 0.0
                demo.at_least('never reached', value, 0.0)
            except Exception:
                pass
            demo.close('one', demo.tensor(1.0), 1.0).broken('two', demo.tensor(2.0))
        """,
        "catches every exception at swallows_its_exception.py:",
    ),
    (
        "swallows_quietly",
        """
        import contextlib
        def run(demo):
            with contextlib.suppress(BaseException):
                raise ValueError
            demo.close('one', demo.tensor(1.0), 1.0).broken('two', demo.tensor(2.0))
        """,
        "catches every exception",
    ),
    (
        "compares_with_itself",
        """
        def run(demo):
            x = demo.randn(4, seed=0)
            same = demo.close('x equals a view of itself', x, x.view(4))
            same.broken('x plus one does not', x + 1)
        """,
        "check cannot fail (it compares a tensor with itself)",
    ),
    (
        "limit_admits_everything",
        """
        def run(demo):
            ok = demo.at_least('anything goes', demo.tensor(3.0), float('-inf'))
            demo.close('one', demo.tensor(1.0), 1.0).broken('two', demo.tensor(2.0))
        """,
        "check cannot fail (its limit admits every value)",
    ),
    (
        "tolerance_admits_everything",
        """
        def run(demo):
            near = demo.close('near', demo.tensor(1.0), 5.0, atol=float('inf'))
            demo.close('one', demo.tensor(1.0), 1.0).broken('two', demo.tensor(2.0))
        """,
        "check cannot fail (its tolerance admits every value)",
    ),
    (
        "failing_claim",
        "def run(demo):\n    demo.at_most('small', 3.0, 1.0).broken('broken', 0.5)\n",
        "check failed: small",
    ),
    ("spins", "def run(demo):\n    while True:\n        pass\n", "timeout and was killed"),
]


@pytest.mark.parametrize(("name", "body", "problem"), FOOLING, ids=[f[0] for f in FOOLING])
def test_runner_catches_each_way_a_demo_can_fool_it(tmp_path, name, body, problem):
    _fails(tmp_path, name, body, problem)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def test_a_hung_native_call_fails_that_demo_and_its_process_group_is_killed(tmp_path):
    pid_file = tmp_path / "sleeper.pid"
    body = f"""
    import subprocess
    def run(demo):
        demo.close('one', demo.tensor(1.0), 1.0).broken('two', demo.tensor(2.0))
        sleeper = subprocess.Popen(['sleep', '60'])  # stands in for a hung kernel
        open({str(pid_file)!r}, 'w').write(str(sleeper.pid))
        sleeper.wait()
    """
    hung = _demo(tmp_path, "hangs", body)
    good = _demo(tmp_path, "good", GOOD)
    records = run_all([hung, good], CPU, timeout=2.0, jobs=2)
    assert records[0]["status"] == "failed"
    assert "ran past its 2 s timeout and was killed" in records[0]["problems"][0]
    assert records[1]["status"] == "passed", "the other demos go on"
    assert not _alive(int(pid_file.read_text())), "the demo's child outlived it"


def test_a_demo_dies_with_a_runner_that_is_killed(tmp_path):
    """A caller's own timeout may SIGKILL the runner: its demo must not run on orphaned."""
    pid_file = tmp_path / "demo.pid"
    body = f"""
    import os, time
    def run(demo):
        open({str(pid_file)!r}, 'w').write(str(os.getpid()))
        time.sleep(60)
    """
    _demo(tmp_path, "orphan", body)
    script = (
        "import sys, torch, pathlib; from demos.records import discover;"
        "from demos.runner import run_all; demos = discover(pathlib.Path(sys.argv[1]));"
        "run_all([demos['orphan']], torch.device('cpu'), timeout=60)"
    )
    runner = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and runner.poll() is None, "the demo never ran"
            time.sleep(0.05)
        demo_pid = int(pid_file.read_text())
    finally:
        runner.kill()
        runner.wait()
    deadline = time.monotonic() + 5
    while _alive(demo_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(demo_pid), "the demo outlived its runner"


def test_runner_records_what_was_measured_where(tmp_path):
    record = run_demo(_demo(tmp_path, "good", GOOD), CPU)
    assert record["status"] == "passed", record["problems"]
    first, negative, _, _ = record["checks"]
    assert first["claim"] == "one plus one" and first["measured"] == 0.0
    assert first["kind"] == "close" and first["values"] == [2.0] and len(first["digest"]) == 64
    assert first["dtype"] == "float32" and first["ok"] and not first["negative"]
    assert negative["negative"] and negative["holds"] is False and negative["ok"]
    assert negative["control_of"] == "one plus one" and negative["limits"] == first["limits"]
    assert negative["measured"] == pytest.approx(1.0)
    env = record["environment"]
    assert env["torch"] == torch.__version__ and env["device_name"]
    assert record["device"] == "cpu" and record["date"].endswith("Z")
    assert record["key"]["torch"] == record_store.torch_version()
    assert str(tmp_path / "good.py") in record["key"]["sources"]
    assert "demos/runner.py" in record["key"]["sources"]


def test_a_record_goes_stale_when_anything_that_decides_it_changes(tmp_path, monkeypatch):
    """The demo, a helper it imports (relative imports too), the judging code, torch."""
    judges = tmp_path / "judges"
    judges.mkdir()
    judging = ["__init__", "harness", "records", "runner"]  # the code that decides pass or fail
    for name in judging:
        shutil.copy(ROOT / "demos" / f"{name}.py", judges / f"{name}.py")
    monkeypatch.setattr(record_store, "DEMOS_DIR", judges)
    (tmp_path / "common.py").write_text("SCALE = 2\n")
    (tmp_path / "_shared.py").write_text("from .common import SCALE\n")
    (tmp_path / "thing.py").write_text(
        '"""Thing: a demo."""\nfrom . import _shared\n\nCONCEPTS = ["thing"]\n'
    )
    demo = discover(tmp_path)["thing"]
    assert demo.title == "Thing: a demo." and demo.concepts == ("thing",)
    assert [p.name for p in demo.sources] == ["_shared.py", "common.py", "thing.py"]
    record = {"demo": "thing", "device": "cpu", "key": record_key(demo)}
    write_record(record, tmp_path / "records")
    assert freshness(demo, record) is Freshness.FRESH
    assert status(demo, "cpu", tmp_path / "records").freshness is Freshness.FRESH
    assert status(demo, "cuda", tmp_path / "records").freshness is Freshness.MISSING

    def changes(path: Path) -> None:
        text = path.read_text()
        path.write_text(text + "# patched\n")
        assert freshness(demo, record) is Freshness.STALE, f"{path.name} changed unnoticed"
        path.write_text(text)
        assert freshness(demo, record) is Freshness.FRESH

    for path in [tmp_path / "common.py", tmp_path / "_shared.py", tmp_path / "thing.py"]:
        changes(path)
    for name in judging:  # a runner patched to pass everything, say
        changes(judges / f"{name}.py")
    monkeypatch.setattr(record_store, "torch_version", lambda: "2.13.1")
    assert freshness(demo, record) is Freshness.STALE


def test_harness_checks_compare_as_they_say():
    prepare(CPU)
    demo = Demo(CPU)
    assert demo.close("near", demo.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-7])
    assert not demo.close("shape", demo.tensor([1.0, 2.0]), [1.0, 2.0, 3.0])
    assert not demo.close("python floats keep float64", 0.0034, 0.003405)
    assert demo.close("float32 tolerance for float32", demo.tensor(0.0034), 0.003405)
    assert demo.equal("exact", demo.tensor([1, 2], dtype=torch.int64), [1, 2])
    assert not demo.equal("off by one", demo.tensor([1, 5], dtype=torch.int64), [1, 3])
    assert demo.between("in range", 0.5, 0.0, 1.0) and not demo.at_least("low", 0.5, 1.0)
    demo.not_claimed("faster on a GPU", "a CPU cannot show a GPU speed-up")
    shape, off = demo.checks[1], demo.checks[5]
    assert shape.measured is None and "shapes differ" in shape.note
    assert (off.measured, off.differ, off.values) == (2.0, 1, [1, 5])
    skipped = demo.checks[-1]
    assert skipped.holds is None and skipped.ok and skipped.measured is None
    with pytest.raises(ValueError, match="one number"):
        demo.at_most("vector", demo.tensor([1.0, 2.0]), 1.0)
    with pytest.raises(TypeError, match="keeps its own limits"):
        demo.at_most("scalar", 1.0, 2.0).broken("broken", 3.0, 4.0)
    with pytest.raises(ValueError, match="only a claim"):
        demo.at_most("shown", 1.0, 2.0, illustration=True).broken("broken", 3.0)


def test_thresholds_and_values_keep_full_precision(tmp_path):
    demo = Demo(CPU)
    limit, value = 0.1234567891234567, 0.12345678912345
    demo.at_most("precise", value, limit)
    big = demo.tensor(list(range(40)))
    demo.equal("many values", big, big.clone())
    precise, many = demo.checks
    assert precise.limits == {"limit": limit} and repr(limit) in precise.threshold
    assert precise.values == [value]
    assert many.values is None and len(many.digest) == 64 and many.measured == 0.0
    record = {"demo": "x", "device": "cpu", "checks": [precise.__dict__]}
    again = json.loads((write_record(record, tmp_path)).read_text())
    assert again["checks"][0]["limits"]["limit"] == limit


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

    absent = runner.invoke(app, ["demos", "status", "--device", "tpu"])
    assert absent.exit_code == 2 and "unknown device kind 'tpu'" in absent.output


def test_status_exits_non_zero_on_a_stale_failed_or_missing_record(tmp_path, monkeypatch):
    records = tmp_path / "records"
    shutil.copytree(ROOT / "demos" / "records", records)
    monkeypatch.setattr(record_store, "RECORDS_DIR", records)
    runner = CliRunner()
    clean = runner.invoke(app, ["demos", "status", "--device", "cpu"])
    assert clean.exit_code == 0, clean.output
    assert f"cpu: {len(DEMOS)} of {len(DEMOS)} fresh and passing" in clean.output
    as_json = runner.invoke(app, ["demos", "status", "--format", "json", "--device", "cpu"])
    assert json.loads(as_json.stdout)["attention"]["cpu"]["freshness"] == "fresh"

    stale = records / "cpu" / "attention.json"
    record = json.loads(stale.read_text())
    record["key"]["torch"] = "1.0.0"
    stale.write_text(json.dumps(record))
    failed = records / "cpu" / "rope.json"
    record = json.loads(failed.read_text())
    failed.write_text(json.dumps(record | {"status": "failed"}))
    (records / "cpu" / "kv-cache.json").unlink()
    planted = runner.invoke(app, ["demos", "status"])
    assert planted.exit_code == 1, planted.output
    assert "1 stale, 1 failed, 1 missing" in planted.output
    for demo_id in ("attention", "rope", "kv-cache"):
        assert demo_id in planted.output


# Mutations: breaking the line that embodies a concept must fail its demo.


def test_every_demo_declares_one_to_three_mutations_that_apply():
    for demo in DEMOS.values():
        declared = mutations.declared(demo)
        assert 1 <= len(declared) <= 3, f"{demo.id} declares {len(declared)} mutations"
        for mutation in declared:
            assert mutations.mutant(demo, mutation) != demo.path.read_text()


def test_every_mutant_of_every_demo_is_caught():
    outcomes = mutations.mutate_all(list(DEMOS.values()), jobs=JOBS)
    missed = [
        f"{o.mutation.demo}: {o.mutation.why}: {o.verdict.value} ({o.evidence})"
        for o in outcomes
        if o.verdict is not mutations.Verdict.CAUGHT
    ]
    assert not missed, "\n".join(missed)


def test_mutate_tells_caught_from_survived_and_broke(tmp_path):
    body = (
        GOOD.replace("demo.tensor(1.0) + 1,", "demo.tensor(1.0) + ONE,")
        + """    demo.equal("the demo's own constant", demo.tensor(SHOWN), 3, illustration=True)


ONE = 1
UNUSED = 5
SHOWN = 3
MUTATIONS = [
    ("one is two", "ONE = 1", "ONE = 2"),
    ("a line no check reads", "UNUSED = 5", "UNUSED = 6"),
    ("a typo that raises", "ONE = 1", "ONE = one"),
    ("only an illustration reads it", "SHOWN = 3", "SHOWN = 4"),
]
"""
    )
    demo = _demo(tmp_path, "mutated", body)
    verdicts = [(o.verdict, o.evidence) for o in mutations.mutate_all([demo], jobs=JOBS)]
    assert verdicts == [
        (mutations.Verdict.CAUGHT, "check failed: one plus one"),
        (mutations.Verdict.SURVIVED, "every check came out as on the correct demo"),
        (mutations.Verdict.BROKE, verdicts[2][1]),
        (
            mutations.Verdict.SURVIVED,
            "only an illustration noticed: illustration failed: the demo's own constant",
        ),
    ]
    assert "raised NameError" in verdicts[2][1]
    twice = _demo(tmp_path, "twice", GOOD + '\nMUTATIONS = [("x", "demo.tensor(1.0)", "2")]\n')
    with pytest.raises(mutations.MutationError, match="occurs 2 times in the demo"):
        mutations.mutate_all([twice])
    shapeless = _demo(tmp_path, "shapeless", GOOD + '\nMUTATIONS = [("x", "y")]\n')
    with pytest.raises(mutations.MutationError, match=r"shapeless.py:\d+: each mutation is"):
        mutations.declared(shapeless)


def test_cli_mutate_reports_each_mutant():
    result = CliRunner().invoke(app, ["demos", "mutate", "attention", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "2 mutants of 1 demos: 2 caught, 0 survived, 0 broke" in result.output
    unknown = CliRunner().invoke(app, ["demos", "mutate", "atention"])
    assert unknown.exit_code == 2 and "did you mean 'attention'" in unknown.output


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
