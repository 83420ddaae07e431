"""The planner on the real graph: presets, two golden requests, errors, schedule, fringe, CLI."""

import itertools
import json
import subprocess
from datetime import date

import pytest

from graph import load_graph
from graph.taxonomy import ReadingDepth, Track
from planner.checklist import checklist_markdown
from planner.durations import parse_minutes, parse_pace
from planner.errors import PlanError
from planner.fringe import fringe
from planner.plan import make_plan
from planner.request import Pace, PlanRequest
from planner.schedule import schedule
from tests.helpers import REPO

SYLLABUS = REPO / ".venv" / "bin" / "syllabus"


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


@pytest.mark.parametrize("preset", ["researcher-path", "lightweight-path", "paper-path"])
def test_each_preset_reproduces_its_seed_order_exactly(graph, preset):
    plan = make_plan(graph, PlanRequest(goals=[preset]))
    path = graph.paths[preset]
    assert [s.id for s in plan.steps] == list(path.ids)
    assert plan.track is path.track and plan.preset == preset and plan.fits
    assert plan.known == path.assumes


def test_the_roadmap_preset_reproduces_its_twelve_steps_in_order(graph):
    plan = make_plan(graph, PlanRequest(goals=["llm-researcher-roadmap"]))
    assert [s.id for s in plan.steps] == list(graph.paths["llm-researcher-roadmap"].ids)


def test_the_paper_path_preset_reads_each_paper_at_its_called_for_depth(graph):
    plan = make_plan(graph, PlanRequest(goals=["paper-path"]))
    assert all(s.kind == "paper" and s.depth == s.called_for for s in plan.steps)
    assert plan.minutes == graph.path_minutes("paper-path")


def test_a_preset_with_a_budget_is_fitted_like_any_request(graph):
    plan = make_plan(graph, PlanRequest(goals=["paper-path"], budget_minutes=30 * 60))
    assert not plan.fits and plan.minutes <= 30 * 60
    assert plan.full_minutes == graph.path_minutes("paper-path")
    # Depth gives way before papers do: 15 papers skimmed need well under 30 hours.
    assert len(plan.steps) == 15 and plan.dropped == ()
    assert any(s.depth != s.called_for for s in plan.steps)


def test_golden_gpt_with_some_maths_known_three_hours_at_thirty_minutes_a_day(graph):
    request = PlanRequest(
        goals=["gpt"],
        known=["linear-algebra", "probability"],
        budget_minutes=180,
        pace=Pace(minutes_per_day=30),
        start=date(2026, 12, 1),
    )
    plan = make_plan(graph, request)
    assert [s.id for s in plan.steps] == [
        "derivatives",
        "calculus-gradients",
        "feedforward-networks",
        "attention",
        "tokenisation-bpe",
        "embeddings",
        "activation-functions",
        "loss-functions",
        "backpropagation",
        "tensors",
        "autograd",
        "training-loop",
        "multi-head-attention",
        "causal-masking",
        "positional-encoding",
    ]
    assert (plan.fits, plan.minutes, plan.full_minutes) == (False, 165, 230)
    assert [(d.id, d.reason) for d in plan.dropped] == [
        ("transformer-block", "did not fit in the budget alongside higher-priority steps"),
        ("pretraining-objectives", "needs 'transformer-block', which was left out"),
        ("gpt", "needs 'pretraining-objectives', which was left out"),
    ]
    assert plan.unreached_goals == ("gpt",)
    assert plan.steps[2].why == ("feedforward-networks", "attention", "multi-head-attention", "gpt")
    assert (plan.schedule.start, plan.schedule.end, len(plan.schedule.sessions)) == (
        date(2026, 12, 1),
        date(2026, 12, 6),
        6,
    )


def test_golden_dpo_and_rag_on_the_paper_track_in_twenty_hours(graph):
    request = PlanRequest(
        goals=["direct-preference-optimisation", "rag"], track=Track.PAPER, budget_minutes=1200
    )
    plan = make_plan(graph, request)
    assert [(s.id, s.depth) for s in plan.steps] == [
        ("seq2seq", ReadingDepth.SELECTIVE),
        ("bahdanau-attention", ReadingDepth.SELECTIVE),
        ("attention-is-all-you-need", ReadingDepth.SELECTIVE),
        ("gpt-1", ReadingDepth.SELECTIVE),
        ("gpt-2", ReadingDepth.SKIM),
        ("scaling-laws-neural-lm", ReadingDepth.SKIM),
        ("gpt-3", ReadingDepth.SELECTIVE),
        ("instructgpt", ReadingDepth.SKIM),
        ("dpo", ReadingDepth.SKIM),
        ("bert", ReadingDepth.SELECTIVE),
        ("dpr", ReadingDepth.SKIM),
        ("rag-paper", ReadingDepth.SELECTIVE),
    ]
    assert (plan.fits, plan.minutes, plan.full_minutes) == (False, 1195, 2125)
    assert plan.dropped == () and plan.unreached_goals == ()
    assert plan.steps[-1].why == ("rag-paper", "rag")
    assert plan.steps[-4].why == ("dpo", "direct-preference-optimisation")


def test_the_paper_track_keeps_concepts_no_paper_covers_as_concept_steps(graph):
    plan = make_plan(graph, PlanRequest(goals=["kv-cache"], track=Track.PAPER))
    kinds = {s.id: s.kind for s in plan.steps}
    assert kinds["kv-cache"] == "concept"  # no paper teaches it
    assert kinds["training-loop"] == "concept"
    assert kinds["attention-is-all-you-need"] == "paper"
    assert kinds["gpt-1"] == "paper"
    # Concepts a paper teaches are read in it, not studied on their own.
    assert not {"attention", "transformer-block", "gpt", "pretraining-objectives"} & set(kinds)
    assert "bert" not in kinds  # gpt-1 already covers pre-training objectives


def test_soft_prerequisites_only_when_asked(graph):
    plain = make_plan(graph, PlanRequest(goals=["attention"]))
    soft = make_plan(graph, PlanRequest(goals=["attention"], include_recommended=True))
    assert "additive-attention" not in {s.id for s in plain.steps}
    assert "additive-attention" in {s.id for s in soft.steps}


def test_known_implies_prerequisites_unless_told_otherwise(graph):
    implied = make_plan(graph, PlanRequest(goals=["gpt"], known=["attention"]))
    literal = make_plan(
        graph,
        PlanRequest(goals=["gpt"], known=["attention"], known_implies_prerequisites=False),
    )
    assert "linear-algebra" not in {s.id for s in implied.steps}
    assert "linear-algebra" in {s.id for s in literal.steps}
    assert "attention" not in {s.id for s in literal.steps}


def test_checklist_has_questions_demo_runs_and_reading_items(graph):
    plan = make_plan(graph, PlanRequest(goals=["lora"], track=Track.PAPER))
    markdown = checklist_markdown(plan)
    assert markdown.startswith("# Study plan: lora\n")
    lora = plan.steps[-1]
    assert lora.id == "lora" and lora.checklist[0].startswith("Read LoRA: Low-Rank Adaptation")
    # The concept the paper teaches is studied through it, so its questions come along.
    assert set(graph.concepts["low-rank-adaptation"].checklist) <= set(lora.checklist)
    concept_plan = make_plan(graph, PlanRequest(goals=["attention"]))
    assert "Run the attention demo and see its claims pass" in concept_plan.steps[-1].checklist
    assert "- [ ] Run the attention demo and see its claims pass" in checklist_markdown(
        concept_plan
    )
    for step in plan.steps:
        assert f"## {step.number}. {step.title}" in markdown


@pytest.mark.parametrize(
    ("request_fields", "field", "words"),
    [
        ({"goals": ["gtp"]}, "goals", "did you mean 'gpt'"),
        ({"goals": ["gpt"], "known": ["atention"]}, "known", "did you mean 'attention'"),
        ({"goals": ["gpt"], "known": ["gpt"]}, "known", "both a goal and known"),
        ({"goals": ["attention"], "known": ["gpt"]}, "goals", "already known"),
        ({"goals": ["paper-path", "researcher-path"]}, "goals", "one preset at a time"),
        ({"goals": ["gpt"], "known": ["paper-path"]}, "known", "is a curated path"),
        ({"goals": ["gpt"], "pace": {"minutes_per_day": 30}}, "start", "start date"),
    ],
)
def test_bad_requests_name_the_field(graph, request_fields, field, words):
    with pytest.raises(PlanError) as caught:
        make_plan(graph, PlanRequest(**request_fields))
    assert caught.value.field == field
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("text", "minutes"), [("6h", 360), ("90m", 90), ("1h30m", 90), ("1.5h", 90), ("45", 45)]
)
def test_durations(text, minutes):
    assert parse_minutes(text, "--budget") == minutes


@pytest.mark.parametrize("text", ["0", "0h", "5x", "h", "", "-3h"])
def test_bad_durations_name_the_argument(text):
    with pytest.raises(PlanError, match="--budget"):
        parse_minutes(text, "--budget")


def test_paces():
    assert parse_pace("30m/day") == (30, "day")
    assert parse_pace("5h/week") == (300, "week")
    assert parse_pace("1h per day") == (60, "day")
    with pytest.raises(PlanError, match="not a pace"):
        parse_pace("30m")


def test_schedule_splits_long_steps_and_keeps_to_study_days():
    pace = Pace(hours_per_week=3, study_days=["mon", "wed", "fri"])  # 60 minutes a session
    start = date(2026, 11, 24)  # a Tuesday
    result = schedule([("a", 90), ("b", 20), ("c", 10)], pace, start)
    assert [(s.date, s.minutes) for s in result.sessions] == [
        (date(2026, 11, 25), 60),
        (date(2026, 11, 27), 60),
    ]
    assert [(p.step, p.id, p.minutes) for p in result.sessions[0].parts] == [(1, "a", 60)]
    assert [(p.step, p.id, p.minutes) for p in result.sessions[1].parts] == [
        (1, "a", 30),
        (2, "b", 20),
        (3, "c", 10),
    ]
    assert result.end == date(2026, 11, 27)
    assert sum(p.minutes for s in result.sessions for p in s.parts) == 120


def test_a_weekly_pace_defaults_to_weekdays():
    pace = Pace(hours_per_week=5)
    assert pace.session_minutes() == 60 and [str(d) for d in pace.days()] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]


def test_fringe_lists_ready_concepts_by_what_they_unlock(graph):
    found = fringe(graph, ["linear-algebra", "probability", "calculus-gradients"])
    ids = [f.id for f in found]
    assert ids[0] == "feedforward-networks"
    assert all(f.unlocks >= g.unlocks for f, g in itertools.pairwise(found))
    known = {"linear-algebra", "probability", "calculus-gradients", "matrices", "functions"}
    for f in found:
        assert f.id not in known
        assert set(graph.concepts[f.id].requires) <= known | {"vectors-dot-products", "derivatives"}


def syllabus(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SYLLABUS), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def test_cli_plan_text_json_and_markdown():
    text = syllabus("plan", "gpt", "--known", "linear-algebra", "--budget", "3h")
    assert text.returncode == 0, text.stderr
    assert "Plan for gpt (lightweight track)" in text.stdout
    assert "Left out:" in text.stdout and "the full path needs" in text.stdout
    data = json.loads(syllabus("plan", "--preset", "researcher-path", "--format", "json").stdout)
    assert [s["id"] for s in data["steps"]][:2] == ["reasoning-models", "linear-algebra"]
    assert data["minutes"] == 237 and data["fits"] is True
    markdown = syllabus("plan", "attention", "--format", "markdown").stdout
    assert markdown.startswith("# Study plan: attention") and "- [ ] " in markdown


def test_cli_plan_with_a_pace_prints_the_schedule():
    result = syllabus("plan", "attention", "--pace", "5h/week", "--start", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert "Schedule: " in result.stdout and "mon, tue, wed, thu, fri" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["plan", "gtp"], "error: goals: unknown concept, paper or preset id 'gtp'"),
        (
            ["plan", "--preset", "researcher-pth"],
            "error: --preset: unknown curated path 'researcher-pth' (did you mean "
            "'researcher-path'",
        ),
        (["plan", "gpt", "--budget", "0"], "error: --budget: '0' must be more than zero"),
        (["plan", "gpt", "--pace", "often"], "error: --pace: 'often' is not a pace"),
        (["plan", "gpt", "--start", "2026-02-30"], "error: --start: '2026-02-30' is not a date"),
        (["plan", "gpt", "--days", "mon"], "error: --days: study days need a --pace"),
        (["plan"], "error: GOAL: give at least one goal id"),
        (["next", "--known", "atention"], "did you mean 'attention'"),
    ],
)
def test_cli_bad_input_is_a_clear_error_not_a_traceback(args, words):
    result = syllabus(*args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_next():
    result = syllabus("next", "--known", "linear-algebra", "--known", "calculus-gradients")
    assert result.returncode == 0
    assert "What you can learn next" in result.stdout and "Feedforward" in result.stdout
