"""The planner on the real graph: presets, two golden requests, errors, schedule, fringe, CLI."""

import itertools
import json
import re
import subprocess
from datetime import date

import networkx as nx
import pytest

from graph import load_graph
from graph.study_time import MINUTES_PER_QUESTION
from graph.taxonomy import StudyDepth, Track
from planner.checklist import checklist_markdown, markdown_link, markdown_text, plan_notes
from planner.durations import parse_minutes, parse_pace
from planner.errors import PlanError
from planner.fringe import fringe
from planner.material import describe
from planner.plan import make_plan
from planner.request import WORKDAYS, Pace, PlanRequest
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
    for step in plan.steps:
        paper = graph.papers[step.id]
        read, questions = step.material
        assert read.minutes == paper.minutes[step.depth] and read.url == step.link
        assert questions.minutes == MINUTES_PER_QUESTION * len(step.checklist)
        assert step.advice == paper.advice
    # The source states 40-60 hours; the papers at their depths with their questions:
    low, high = graph.paths["paper-path"].stated_minutes
    assert low <= plan.minutes <= high and plan.source_minutes is None


def test_a_preset_with_a_budget_is_fitted_like_any_request(graph):
    plan = make_plan(graph, PlanRequest(goals=["paper-path"], budget_minutes=30 * 60))
    assert not plan.fits and plan.minutes <= 30 * 60
    assert plan.full_minutes == make_plan(graph, PlanRequest(goals=["paper-path"])).minutes
    # Depth gives way before papers do: all 15 papers fit, some skimmed.
    assert len(plan.steps) == 15 and plan.dropped == ()
    assert any(s.depth != s.called_for for s in plan.steps)


def test_a_preset_shows_its_sources_times_beside_the_material_and_what_it_skips(graph):
    plan = make_plan(graph, PlanRequest(goals=["researcher-path"], depth=StudyDepth.OVERVIEW))
    assert [s.id for s in plan.steps] == list(graph.paths["researcher-path"].ids)
    assert (plan.source_minutes, plan.stated_minutes) == (237, (240, 300))
    assert [sec.source_minutes for sec in plan.sections] == [12, 20, 20, 20, 25] + [20] * 7
    assert all(sec.minutes == plan.steps[sec.number - 1].minutes for sec in plan.sections)
    # The source skips what a teacher would add: the RLHF pipeline's stages, for one.
    assert {"reward-model", "ppo", "instruction-tuning", "multi-head-attention"} <= set(
        plan.skipped
    )
    assert any("The source gives 3 h 57 min for its steps" in n for n in plan_notes(plan))


def test_a_complete_preset_adds_what_its_source_skips_before_the_step_that_needs_it(graph):
    plan = make_plan(graph, PlanRequest(goals=["researcher-path"], complete=True))
    ids = [s.id for s in plan.steps]
    path = graph.paths["researcher-path"]
    assert [i for i in ids if i in path.ids] == list(path.ids)  # the source's order kept
    added = [s.id for s in plan.steps if s.added]
    assert set(added) == set(plan.skipped) and set(added).isdisjoint(path.ids)
    assert ids.index("reward-model") < ids.index("ppo") < ids.index("rlhf")
    assert ids.index("multi-head-attention") < ids.index("transformer-block")
    for step in plan.steps:  # prerequisites first, everywhere
        needed = [p for p in graph.prerequisites(step.id) if p in ids]
        assert all(ids.index(p) < ids.index(step.id) for p in needed)
    # Each added step sits in the source step that first needs it.
    section = next(sec for sec in plan.sections if sec.title == "RLHF and Alignment")
    assert {ids[n - 1] for n in section.steps} >= {"reward-model", "ppo", "rlhf"}


def test_the_lightweight_path_totals_its_sources_twelve_hours_and_keeps_its_hand_over(graph):
    plan = make_plan(graph, PlanRequest(goals=["lightweight-path"]))
    assert plan.source_minutes == 12 * 60
    handover = plan.sections[-1]
    assert (handover.title, handover.path, handover.steps) == (
        "Deepen selectively",
        "paper-path",
        (),
    )
    assert "Continue with the paper-path preset." in checklist_markdown(plan)
    # Its key blog posts come before the hands-on fine-tune that RLHF builds on: said.
    assert ("reward-model", "fine-tuning") in plan.against_graph


def step_minutes_are_its_material(plan) -> None:
    for step in plan.steps:
        assert step.minutes == sum(m.minutes for m in step.material), step.id
    assert plan.minutes == sum(s.minutes for s in plan.steps)


def test_golden_gpt_with_some_maths_known_six_hours_at_thirty_minutes_a_day(graph):
    request = PlanRequest(
        goals=["gpt"],
        known=["linear-algebra", "probability"],
        budget_minutes=360,
        pace=Pace(minutes_per_day=30),
        start=date(2026, 12, 1),
    )
    plan = make_plan(graph, request)
    assert [(s.id, s.depth, s.minutes) for s in plan.steps] == [
        ("derivatives", "overview", 17),
        ("calculus-gradients", "overview", 11),
        ("generalisation", "overview", 14),
        ("feedforward-networks", "overview", 19),
        ("activation-functions", "overview", 6),
        ("loss-functions", "overview", 9),
        ("backpropagation", "overview", 13),
        ("attention", "overview", 27),
        ("multi-head-attention", "study", 32),
        ("tensors", "overview", 8),
        ("autograd", "overview", 12),
        ("training-loop", "overview", 9),
        ("normalisation", "overview", 11),
        ("transformer-block", "overview", 27),
        ("tokenisation-bpe", "overview", 9),
        ("pretraining-objectives", "overview", 15),
        ("embeddings", "overview", 22),
        ("causal-masking", "overview", 14),
        ("positional-encoding", "overview", 10),
        ("gpt", "study", 64),
    ]
    step_minutes_are_its_material(plan)
    assert (plan.fits, plan.minutes, plan.full_minutes) == (False, 349, 955)
    assert plan.dropped == () and plan.unreached_goals == ()
    assert plan.steps[3].why[-2:] == ("causal-masking", "gpt")
    sessions = plan.schedule.sessions
    assert (plan.schedule.start, plan.schedule.end, len(sessions)) == (
        date(2026, 12, 1),
        date(2026, 12, 12),
        12,
    )
    assert all(sum(p.minutes for p in s.parts) <= 30 for s in sessions)


def test_golden_dpo_and_rag_on_the_paper_track_in_forty_hours(graph):
    request = PlanRequest(
        goals=["direct-preference-optimisation", "rag"], track=Track.PAPER, budget_minutes=2400
    )
    plan = make_plan(graph, request)
    papers = [(s.id, s.depth) for s in plan.steps if s.kind == "paper"]
    assert papers[-4:] == [
        ("hnsw", "skim"),
        ("dpr", "skim"),
        ("bart", "skim"),
        ("rag-paper", "selective"),
    ]
    assert ("dpo", "close") in papers  # a goal is read as deeply as it calls for first
    step_minutes_are_its_material(plan)
    assert (plan.fits, plan.minutes, plan.full_minutes) == (False, 2366, 4399)
    assert plan.dropped == () and plan.unreached_goals == ()
    assert plan.steps[-1].why == ("rag-paper", "rag")


def test_scenario_rlhf_and_dpo_in_ten_hours_at_an_hour_each_weekday(graph):
    """As a new learner would ask: RLHF and DPO, knowing linear algebra (Python is not a
    concept of the graph), 10 hours at 1 hour a day on weekdays."""
    request = PlanRequest(
        goals=["rlhf", "direct-preference-optimisation"],
        known=["linear-algebra"],
        budget_minutes=600,
        pace=Pace(minutes_per_day=60, study_days=WORKDAYS),
        start=date(2026, 12, 7),
    )
    plan = make_plan(graph, request)
    assert 9 * 60 <= plan.minutes <= 600 and plan.unreached_goals == ()
    assert {"instruction-tuning", "reward-model", "ppo"} <= {s.id for s in plan.steps}
    step_minutes_are_its_material(plan)
    for session in plan.schedule.sessions:
        assert sum(p.minutes for p in session.parts) <= 60
        assert session.date.weekday() < 5
    goals = {s.id: s for s in plan.steps if s.goal}
    assert {str(s.depth) for s in goals.values()} == {"study"}  # the goals keep their depth


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


def test_checklist_has_questions_demo_runs_and_the_papers_own_questions(graph):
    plan = make_plan(graph, PlanRequest(goals=["lora"], track=Track.PAPER))
    markdown = checklist_markdown(plan)
    assert markdown.startswith("# Study plan: lora\n")
    lora = plan.steps[-1]
    # The paper's own questions, then those of the concept the plan studies through it.
    own = list(graph.papers["lora"].questions)
    taught = list(graph.concepts["low-rank-adaptation"].checklist)
    assert list(lora.checklist) == own + taught and lora.covers == ("low-rank-adaptation",)
    # The reading advice sits on the step, not in the checklist.
    assert lora.advice == graph.papers["lora"].advice
    assert f"Focus: {markdown_text(lora.advice)}" in markdown
    deep = make_plan(graph, PlanRequest(goals=["attention"], depth=StudyDepth.DEEP))
    assert "Run the attention demo and see its claims pass" in deep.steps[-1].checklist
    assert "- [ ] Run the attention demo and see its claims pass" in checklist_markdown(deep)
    assert "- [ ] Read and run the attention demo (20 min)" in checklist_markdown(deep)
    overview = make_plan(graph, PlanRequest(goals=["attention"], depth=StudyDepth.OVERVIEW))
    assert overview.steps[-1].checklist == () and len(overview.steps[-1].material) == 1
    for step in plan.steps:  # a paper's title links to its page (tests/test_markdown_export.py)
        assert f"### {step.number}. {markdown_link(step.title, step.link)} (" in markdown


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
    found = fringe(graph, ["linear-algebra", "generalisation", "calculus-gradients"])
    ids = [f.id for f in found]
    assert ids[0] == "feedforward-networks"
    assert all(f.unlocks >= g.unlocks for f, g in itertools.pairwise(found))
    known = {"linear-algebra", "probability", "calculus-gradients", "matrices", "functions"}
    known |= {"generalisation", "vectors-dot-products", "derivatives"}
    for f in found:
        assert f.id not in known
        assert set(graph.concepts[f.id].requires) <= known


def syllabus(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SYLLABUS), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )


def test_cli_plan_text_json_and_markdown():
    text = syllabus("plan", "gpt", "--known", "linear-algebra", "--budget", "8h")
    assert text.returncode == 0, text.stderr
    assert "Plan for gpt (lightweight track)" in text.stdout
    assert "the full path needs" in text.stdout and "overview" in text.stdout
    data = json.loads(syllabus("plan", "--preset", "researcher-path", "--format", "json").stdout)
    assert [s["id"] for s in data["steps"]][:2] == ["reasoning-models", "linear-algebra"]
    assert data["source_minutes"] == 237 and data["fits"] is True
    assert data["minutes"] == sum(m["minutes"] for s in data["steps"] for m in s["material"])
    markdown = syllabus("plan", "attention", "--format", "markdown").stdout
    assert markdown.startswith("# Study plan: attention") and "- [ ] " in markdown


def test_cli_plan_with_a_pace_prints_the_schedule():
    result = syllabus("plan", "attention", "--pace", "5h/week", "--start", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert "Schedule: " in result.stdout and "mon, tue, wed, thu, fri" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["plan", "gtp"], "error: GOAL: unknown concept, paper or preset id 'gtp'"),
        (
            ["plan", "--preset", "researcher-pth"],
            "error: --preset: unknown curated path 'researcher-pth' (did you mean "
            "'researcher-path'",
        ),
        (["plan", "gpt", "--budget", "0"], "error: --budget: '0' must be more than zero"),
        (["plan", "gpt", "--pace", "often"], "error: --pace: 'often' is not a pace"),
        (["plan", "gpt", "--start", "2026-02-30"], "error: --start: '2026-02-30' is not a date"),
        (["plan", "gpt", "--days", "mon"], "error: --days: study days need a pace"),
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
    result = syllabus(
        "next",
        "--known",
        "linear-algebra",
        "--known",
        "calculus-gradients",
        "--known",
        "generalisation",
    )
    assert result.returncode == 0
    assert "What you can learn next" in result.stdout and "Feedforward" in result.stdout


@pytest.mark.parametrize("track", list(Track))
@pytest.mark.parametrize("depth", list(StudyDepth))
def test_every_goal_is_planned_with_honest_minutes_and_nothing_dropped(graph, track, depth):
    """For every concept as a goal: each step's minutes are the material it names; every
    concept the goal needs is studied (as a step, or in a paper that teaches it); and no
    paper step carries a question of a concept it does not teach."""
    requires = nx.DiGraph(
        [(u, v) for u, v, kind in graph.digraph.edges(data="kind") if kind == "requires"]
    )
    for cid in graph.concepts:
        plan = make_plan(graph, PlanRequest(goals=[cid], track=track, depth=depth))
        step_minutes_are_its_material(plan)
        needed = (nx.ancestors(requires, cid) if cid in requires else set()) | {cid}
        studied = {c for step in plan.steps for c in step.covers}
        assert needed <= studied, (cid, needed - studied)
        for step in plan.steps:
            if step.kind != "paper":
                continue
            paper = graph.papers[step.id]
            allowed = set(paper.questions).union(
                *(graph.concepts[c].checklist for c in paper.teaches)
            )
            assert set(step.checklist) <= allowed, (cid, step.id)
            assert set(step.covers) <= set(paper.teaches) and step.advice == paper.advice


def test_a_resource_two_steps_assign_is_studied_and_counted_once(graph):
    # 3Blue1Brown's attention chapter is the overview of attention and of multi-head
    # attention: a learner watches it once, and the plan counts it once.
    plan = make_plan(graph, PlanRequest(goals=["multi-head-attention"], depth=StudyDepth.OVERVIEW))
    video = graph.concepts["attention"].depths[StudyDepth.OVERVIEW].material[0]
    first, again = (s for s in plan.steps if s.id in ("attention", "multi-head-attention"))
    assert first.material[0] == video and first.minutes == video.minutes
    assert again.material[0].url == video.url and again.material[0].seen_in == first.number
    assert again.minutes == 0 and "already assigned in step" in describe(again.material[0])
    step_minutes_are_its_material(plan)


def test_every_record_plans_as_a_goal_on_every_track_that_can_take_it(graph):
    """A paper goal is read on the paper track (its default); every concept plans on both
    tracks; a paper goal on the lightweight track is a conflict that names what the paper
    teaches, never a crash."""
    for paper in graph.papers.values():
        plan = make_plan(graph, PlanRequest(goals=[paper.id]))
        assert plan.track is Track.PAPER and plan.steps[-1].id == paper.id
        with pytest.raises(PlanError) as refused:
            make_plan(graph, PlanRequest(goals=[paper.id], track=Track.LIGHTWEIGHT))
        assert refused.value.field == "goals" and refused.value.value == paper.id
        assert refused.value.suggestions == paper.teaches
    for concept in graph.concepts:
        for track in Track:
            plan = make_plan(graph, PlanRequest(goals=[concept], track=track))
            assert plan.steps and any(concept in (s.id, *s.covers) for s in plan.steps)


def test_a_budget_that_fits_no_goal_says_the_least_budget_that_does(graph):
    with pytest.raises(PlanError) as caught:
        make_plan(graph, PlanRequest(goals=["transformer-architecture", "gpt"], budget_minutes=60))
    error = caught.value
    assert error.field == "budget" and "nothing fits in 1 h" in error.message
    assert "higher-priority" not in error.message
    least = re.search(r"ask for at least (\d+ h)? ?(\d+ min)?$", error.message)
    assert least is not None, error.message
    minutes = parse_minutes(least[0].removeprefix("ask for at least "), "--budget")
    fitted = make_plan(
        graph, PlanRequest(goals=["transformer-architecture"], budget_minutes=minutes)
    )
    assert fitted.steps[-1].goal  # that budget reaches the goal
    with pytest.raises(PlanError, match="nothing fits"):
        make_plan(
            graph, PlanRequest(goals=["transformer-architecture"], budget_minutes=minutes - 1)
        )


def test_a_goal_larger_than_the_whole_budget_is_not_blamed_on_other_steps(graph):
    plan = make_plan(
        graph, PlanRequest(goals=["matrices", "transformer-architecture"], budget_minutes=60)
    )
    [dropped] = [d for d in plan.dropped if d.id == "transformer-architecture"]
    assert re.fullmatch(
        r"needs (\d+ h )?\d+ min with what it needs, each at its shallowest depth: "
        r"more than the whole budget of 1 h",
        dropped.reason,
    )
