"""Every kind of error and warning, on small fixtures, at its exact file and line."""

from pathlib import Path

import pytest

from graph import GraphError, Severity, load_graph
from tests.helpers import concept_yaml, only, paper_yaml, run_check


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``: the test's oracle."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def at(result, code: str) -> tuple[str, int | None]:
    diagnostic = only(result, code)
    return diagnostic.location.file.name, diagnostic.location.line


def test_valid_fixture_loads_with_edges_from_prerequisite_to_dependent(data_dir):
    d = data_dir(concepts=concept_yaml("vectors") + concept_yaml("matrices", ["vectors"]))
    result = run_check(d)
    assert result.diagnostics == []
    assert list(result.graph.digraph.edges(data="kind")) == [("vectors", "matrices", "requires")]
    assert result.graph.digraph.nodes["vectors"]["kind"] == "concept"


def test_yaml_syntax_error_names_file_and_line(data_dir):
    text = concept_yaml("a") + "- id: b\n  title: [unclosed\n  summary: x\n"
    result = run_check(data_dir(concepts=text))
    file, line = at(result, "yaml-syntax")
    assert file == "concepts.yaml"
    assert line is not None and line >= line_of(text, "[unclosed")
    assert result.graph is None


def test_tab_indentation_is_a_syntax_error_not_a_traceback(data_dir):
    text = concept_yaml("a") + "\tbroken: here\n"
    result = run_check(data_dir(concepts=text))
    assert at(result, "yaml-syntax") == ("concepts.yaml", line_of(text, "broken"))


def test_non_utf8_bytes_are_reported_at_their_line(tmp_path: Path):
    text = concept_yaml("a")
    (tmp_path / "concepts.yaml").write_bytes(text.encode() + b"# caf\xe9\n")
    result = run_check(tmp_path)
    assert at(result, "yaml-encoding") == ("concepts.yaml", len(text.splitlines()) + 1)


def test_python_tags_are_refused(data_dir):
    text = concept_yaml("a", summary="!!python/object:os.system x")
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "yaml-syntax")
    assert diagnostic.location.line == line_of(text, "summary")
    assert "tag" in diagnostic.hint


def test_top_level_must_be_a_list(data_dir):
    result = run_check(data_dir(concepts="id: a\ntitle: A\n"))
    assert at(result, "not-a-list") == ("concepts.yaml", 1)


def test_repeated_key_in_a_record_is_an_error(data_dir):
    text = concept_yaml("a") + "  level: advanced\n"
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "duplicate-key")
    assert diagnostic.location.line == line_of(text, "level", occurrence=2)
    assert f"line {line_of(text, 'level')}" in diagnostic.message


def test_missing_fields_are_listed_together_at_the_record(data_dir):
    text = concept_yaml("a") + "- id: b\n  title: B\n"
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "schema")
    assert diagnostic.location.line == line_of(text, "id: b")
    for name in ("summary", "category", "level"):
        assert repr(name) in diagnostic.message


def test_a_concept_needs_depths_or_minutes(data_dir):
    text = concept_yaml("a") + concept_yaml("b").replace("  minutes: 10\n", "")
    diagnostic = only(run_check(data_dir(concepts=text)), "schema")
    assert diagnostic.location.line == line_of(text, "id: b")
    assert "give depths" in diagnostic.message and "or minutes" in diagnostic.message


def test_unknown_field_suggests_the_real_one(data_dir):
    text = concept_yaml("a") + concept_yaml("b", prequisites="[a]")
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "schema")
    assert diagnostic.location.line == line_of(text, "prequisites")
    assert "'prequisites'" in diagnostic.message
    assert "did you mean 'requires'" in diagnostic.hint


@pytest.mark.parametrize(
    ("value", "words"),
    [("0", "at least 1"), ("12.5", "whole number"), ('"20"', "whole number"), ("true", "whole")],
)
def test_minutes_must_be_a_positive_integer(data_dir, value, words):
    text = concept_yaml("a", minutes=value)
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "schema")
    assert diagnostic.location.line == line_of(text, "minutes")
    assert words in diagnostic.message


def test_unknown_category_and_level_suggest_close_values(data_dir):
    text = concept_yaml("a", category="deep-learnin", level="advnced")
    result = run_check(data_dir(concepts=text))
    by_line = {d.location.line: d for d in result.errors}
    assert "did you mean 'deep-learning'" in by_line[line_of(text, "category")].hint
    assert "did you mean 'advanced'" in by_line[line_of(text, "level")].hint


def test_ids_must_be_slugs(data_dir):
    text = concept_yaml("a") + concept_yaml("b", ["Linear Algebra"])
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "schema")
    assert diagnostic.location.line == line_of(text, "Linear Algebra")
    assert "'linear-algebra'" in diagnostic.hint


def test_nested_resource_errors_point_at_the_field(data_dir):
    text = concept_yaml("a") + (
        "  resources:\n"
        "    - kind: video\n"
        "      title: A talk\n"
        "      url: www.example.org/talk\n"
        "      minutes: 30\n"
        "      free: true\n"
    )
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "schema")
    assert diagnostic.location.line == line_of(text, "url:")
    assert diagnostic.message.startswith("resources[0].url:")


def test_duplicate_ids_across_files(data_dir):
    concepts = concept_yaml("attention")
    papers = paper_yaml("attention")
    result = run_check(data_dir(concepts=concepts, papers=papers))
    diagnostic = only(result, "duplicate-id")
    assert (diagnostic.location.file.name, diagnostic.location.line) == ("papers.yaml", 1)
    assert "concepts.yaml:1" in diagnostic.message


def test_unknown_reference_gets_did_you_mean_at_the_item_line(data_dir):
    text = concept_yaml("linear-algebra") + concept_yaml(
        "attention", ["probability", "linear-algebr"]
    )
    text += concept_yaml("probability")
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "unknown-id")
    assert diagnostic.location.line == line_of(text, "- linear-algebr")
    assert "'linear-algebr'" in diagnostic.message
    assert diagnostic.hint == "did you mean 'linear-algebra'?"


def test_did_you_mean_uses_titles_and_aliases(data_dir):
    text = concept_yaml("attention", aliases="[Self-Attention]") + concept_yaml(
        "transformer-block", ["self-attention"]
    )
    result = run_check(data_dir(concepts=text))
    assert only(result, "unknown-id").hint == "did you mean 'attention'?"


def test_reference_to_the_wrong_kind_says_which_field_to_use(data_dir):
    concepts = concept_yaml("attention", ["attention-paper"])
    papers = paper_yaml("attention-paper")
    result = run_check(data_dir(concepts=concepts, papers=papers))
    diagnostic = only(result, "unknown-id")
    assert "paper 'attention-paper'" in diagnostic.message
    assert "under papers" in diagnostic.hint


def test_self_reference(data_dir):
    text = concept_yaml("a", ["a"])
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "unknown-id")
    assert diagnostic.location.line == line_of(text, "    - a")
    assert "lists itself" in diagnostic.message


def test_cycle_is_named_with_its_members_and_the_entry_that_breaks_it(data_dir):
    text = concept_yaml("a", ["c"]) + concept_yaml("b", ["a"]) + concept_yaml("c", ["b"])
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "cycle")
    assert "prerequisite cycle among 3 nodes (a, b, c): a -> b -> c -> a" in diagnostic.message
    notes = [(n.location.line, n.message) for n in diagnostic.notes]
    assert notes == [(line_of(text, "    - c"), "a requires c: remove 'c' from requires")]
    assert diagnostic.location.line == line_of(text, "    - c")
    assert result.graph is None


def test_cycle_through_teaches_and_requires_across_files(data_dir):
    concepts = concept_yaml("scaling-laws")
    papers = paper_yaml("chinchilla", teaches="[scaling-laws]", requires="[scaling-laws]")
    result = run_check(data_dir(concepts=concepts, papers=papers))
    diagnostic = only(result, "cycle")
    assert "chinchilla -> scaling-laws -> chinchilla" in diagnostic.message
    assert [n.message for n in diagnostic.notes] in (
        ["chinchilla teaches scaling-laws: remove 'scaling-laws' from teaches"],
        ["chinchilla requires scaling-laws: remove 'scaling-laws' from requires"],
    )
    assert {n.location.file.name for n in diagnostic.notes} == {"papers.yaml"}


def test_an_edge_written_twice_is_removed_at_both_places(data_dir):
    # The teaches edge is written on both sides; breaking the cycle there takes both lines.
    concepts = concept_yaml("scaling-laws", papers="[tangled-paper]")
    papers = paper_yaml("tangled-paper", teaches="[scaling-laws]", requires="[scaling-laws]")
    result = run_check(data_dir(concepts=concepts, papers=papers))
    diagnostic = only(result, "cycle")
    notes = [(n.location.file.name, n.location.line, n.message) for n in diagnostic.notes]
    assert notes == [
        (
            "concepts.yaml",
            line_of(concepts, "papers:"),
            "tangled-paper teaches scaling-laws: remove 'tangled-paper' from papers",
        ),
        (
            "papers.yaml",
            line_of(papers, "teaches:"),
            "tangled-paper teaches scaling-laws: remove 'scaling-laws' from teaches",
        ),
    ]
    assert "delete these 2 entries" in diagnostic.hint


@pytest.mark.parametrize(
    ("arxiv", "year", "words"),
    [
        ("1409.0470", 2014, "quoted"),
        ('"1706.3762"', 2017, "five digits"),
        ('"1713.03762"', 2017, "month 13"),
        ('"arxiv:1706.03762"', 2017, "not an arXiv id"),
        ('"1706.03762"', 2016, "disagrees"),
    ],
)
def test_malformed_arxiv_ids(data_dir, arxiv, year, words):
    papers = paper_yaml("p", arxiv=arxiv, year=year)
    result = run_check(data_dir(concepts=concept_yaml("a"), papers=papers))
    diagnostic = only(result, "schema")
    assert words in diagnostic.message
    field = "year" if words == "disagrees" else "arxiv"
    assert diagnostic.location.line == line_of(papers, f"{field}:")


def test_shallower_reading_must_be_shorter(data_dir):
    papers = paper_yaml("p", minutes="{close: 60, selective: 90}")
    result = run_check(data_dir(concepts=concept_yaml("a"), papers=papers))
    diagnostic = only(result, "schema")
    assert diagnostic.location.line == line_of(papers, "minutes:")
    assert "shorter" in diagnostic.message


def test_paper_without_arxiv_needs_a_url(data_dir):
    papers = paper_yaml("gpt-1", arxiv="null", year=2018)
    result = run_check(data_dir(concepts=concept_yaml("a"), papers=papers))
    assert "url" in only(result, "schema").message


def test_practice_concepts_carry_an_activity_not_a_demo(data_dir):
    text = concept_yaml("reading-papers", kind="practice", demo="reading-papers")
    result = run_check(data_dir(concepts=text))
    assert "activity" in only(result, "schema").message


def test_an_invalid_record_does_not_also_make_its_references_unknown(data_dir):
    text = concept_yaml("a", level="expert") + concept_yaml("b", ["a"])
    result = run_check(data_dir(concepts=text))
    assert [d.code for d in result.errors] == ["schema"]


def test_every_error_is_collected_in_one_run(data_dir):
    text = (
        concept_yaml("a", minutes=0)
        + concept_yaml("b", ["nope"])
        + concept_yaml("c", category="maths")
        + concept_yaml("b")
    )
    result = run_check(data_dir(concepts=text))
    assert sorted(d.code for d in result.errors) == [
        "duplicate-id",
        "schema",
        "schema",
        "unknown-id",
    ]


def test_ids_within_a_path_step_must_follow_their_prerequisites(data_dir):
    concepts = concept_yaml("a") + concept_yaml("b", ["a"]) + concept_yaml("c", ["b"])
    paths = "- id: route\n  title: Route\n  summary: S.\n  track: lightweight\n  steps:\n"
    paths += "    - title: One step\n      covers: [c, a]\n"
    order = only(run_check(data_dir(concepts=concepts, paths=paths)), "path-order")
    # 'c' needs 'a' through 'b', which the path skips (a complete plan adds it).
    assert "step 1 lists 'c' before its prerequisite 'a'" in order.message
    assert order.location.line == line_of(paths, "covers: [c, a]")


def test_an_unknown_id_inside_a_step_is_named_and_the_order_check_goes_on(data_dir):
    concepts = concept_yaml("a") + concept_yaml("b", ["a"]) + concept_yaml("c", ["b"])
    paths = "- id: route\n  title: Route\n  summary: S.\n  track: lightweight\n  steps:\n"
    paths += "    - title: One step\n      covers: [cc, c, a, zz]\n"
    result = run_check(data_dir(concepts=concepts, paths=paths))
    unknown = sorted(d.message for d in result.errors if d.code == "unknown-id")
    assert len(unknown) == 2 and "'cc'" in unknown[0]
    assert "'zz'" in unknown[1]
    assert "lists 'c' before its prerequisite 'a'" in only(result, "path-order").message


def test_a_source_may_skip_prerequisites_and_run_against_the_graph_across_steps(data_dir):
    concepts = concept_yaml("a") + concept_yaml("b", ["a"]) + concept_yaml("c", ["b"])
    paths = "- id: route\n  title: Route\n  summary: S.\n  track: lightweight\n  steps:\n"
    paths += "    - c\n    - a\n"
    assert run_check(data_dir(concepts=concepts, paths=paths)).errors == []


def test_assumed_concepts_cover_their_own_prerequisites(data_dir):
    concepts = concept_yaml("a") + concept_yaml("b", ["a"]) + concept_yaml("c", ["b", "a"][:1])
    paths = "- id: route\n  title: Route\n  summary: S.\n  track: lightweight\n"
    paths += "  assumes: [b]\n  steps: [c]\n"
    result = run_check(data_dir(concepts=concepts, paths=paths))
    assert result.errors == []


def test_implied_edge_is_a_warning_naming_the_chain(data_dir):
    text = concept_yaml("a") + concept_yaml("b", ["a"]) + concept_yaml("c", ["b", "a"])
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "implied-edge")
    assert diagnostic.severity is Severity.WARNING
    assert diagnostic.location.line == line_of(text, "    - a", occurrence=2)
    assert "a -> b -> c" in diagnostic.message
    assert result.graph is not None


def test_longer_implied_chain_is_reconstructed(data_dir):
    text = (
        concept_yaml("a")
        + concept_yaml("b", ["a"])
        + concept_yaml("x", ["b"])
        + concept_yaml("y", ["x"])
        + concept_yaml("z", ["y", "a"])
    )
    result = run_check(data_dir(concepts=text))
    assert "a -> b -> x -> y -> z" in only(result, "implied-edge").message


def test_isolated_concept_warning_spares_leaves_and_path_steps(data_dir):
    concepts = (
        concept_yaml("a")
        + concept_yaml("leaf", ["a"])
        + concept_yaml("walker")
        + concept_yaml("lonely")
    )
    paths = "- id: route\n  title: Route\n  summary: S.\n  track: lightweight\n  steps: [walker]\n"
    result = run_check(data_dir(concepts=concepts, paths=paths))
    diagnostic = only(result, "isolated")
    assert diagnostic.severity is Severity.WARNING
    assert "'lonely'" in diagnostic.message
    assert diagnostic.location.line == line_of(concepts, "id: lonely")


def test_a_directory_with_only_concepts_loads(data_dir):
    graph = load_graph(data_dir(concepts=concept_yaml("a") + concept_yaml("b", ["a"])))
    assert set(graph.concepts) == {"a", "b"}
    assert graph.papers == {} and graph.paths == {}


def test_missing_concepts_file_and_directory(tmp_path: Path):
    (tmp_path / "papers.yaml").write_text(paper_yaml("p"))
    assert "no concepts.yaml" in only(run_check(tmp_path), "no-data").message
    assert "does not exist" in only(run_check(tmp_path / "nowhere"), "no-data").message


def test_empty_concepts_file(data_dir):
    assert only(run_check(data_dir(concepts="# nothing yet\n")), "empty").location.line == 1


def test_load_graph_raises_with_every_diagnostic(data_dir):
    directory = data_dir(concepts=concept_yaml("a", ["x"]) + concept_yaml("b", ["y"]))
    with pytest.raises(GraphError) as caught:
        load_graph(directory, cache_dir=None)
    assert [d.code for d in caught.value.errors] == ["unknown-id", "unknown-id"]


def test_teaches_is_merged_from_both_sides(data_dir):
    concepts = concept_yaml("attention", papers="[aiayn]") + concept_yaml("block")
    papers = paper_yaml("aiayn", teaches="[block]") + paper_yaml("other", teaches="[attention]")
    graph = load_graph(data_dir(concepts=concepts, papers=papers), cache_dir=None)
    assert graph.concepts["attention"].papers == ("aiayn", "other")
    assert graph.papers["aiayn"].teaches == ("block", "attention")
    assert graph.digraph.edges["aiayn", "attention"]["kind"] == "teaches"


def test_lines_are_right_when_a_record_uses_an_anchor_from_another(data_dir):
    text = concept_yaml("a", summary="&shared Shared words.") + concept_yaml(
        "b", summary="*shared", minutes=0
    )
    result = run_check(data_dir(concepts=text))
    assert only(result, "schema").location.line == line_of(text, "minutes: 0")


def test_unknown_field_in_a_resource_suggests_the_resource_field(data_dir):
    text = concept_yaml("a") + (
        "  resources:\n"
        "    - kind: video\n"
        "      titel: A talk\n"
        "      url: https://example.org/talk\n"
        "      minutes: 30\n"
        "      free: true\n"
    )
    result = run_check(data_dir(concepts=text))
    by_message = {d.message: d for d in result.errors}
    typo = by_message["resources[0].titel: unknown field 'titel'"]
    assert typo.location.line == line_of(text, "titel")
    assert typo.hint == "did you mean 'title'?"
    assert "resources[0]: missing required field 'title'" in by_message


def test_a_concept_without_a_demo_is_a_warning_in_a_graph_with_demos(data_dir):
    text = "- id: a\n  title: A\n  summary: S.\n  category: deep-learning\n"
    text += "  level: beginner\n  minutes: 5\n"
    result = run_check(data_dir(concepts=text, graph="demos: true\n"))
    assert result.graph is not None  # a maintainer can add the concept first, the demo next
    diagnostic = only(result, "no-demo")
    assert diagnostic.severity.value == "warning" and diagnostic.location.line == 1
    assert "demos/a.py" in diagnostic.hint and "kind: practice" in diagnostic.hint


def test_a_graph_without_demos_does_not_warn_about_them(data_dir):
    text = "- id: a\n  title: A\n  summary: S.\n  category: deep-learning\n"
    text += "  level: beginner\n  minutes: 5\n"
    declared = run_check(data_dir(concepts=text, graph="demos: false\n"))
    assert not [d for d in declared.diagnostics if d.code == "no-demo"]
    (declared.data_dir / "graph.yaml").unlink()  # no setting and no demos/ folder: no demos
    assert not [d for d in run_check(declared.data_dir).diagnostics if d.code == "no-demo"]
    (declared.data_dir / "demos").mkdir()  # a demos/ folder says the graph has demos
    assert [d.code for d in run_check(declared.data_dir).diagnostics].count("no-demo") == 1


def test_graph_settings_problems_name_the_line_and_the_setting(data_dir):
    text = "- id: a\n  title: A\n  summary: S.\n  category: deep-learning\n"
    text += "  level: beginner\n  minutes: 5\n"
    result = run_check(data_dir(concepts=text, graph="title: T\nnamespase: urn:x\ndemos: maybe\n"))
    rendered = [d.render() for d in result.errors]
    assert any("graph.yaml:2" in r and "'namespace'" in r for r in rendered), rendered
    assert any("graph.yaml:3" in r and "demos" in r for r in rendered), rendered


ROUTE = "- id: route\n  title: Route\n  summary: S.\n  track: lightweight\n"


def test_grouped_steps_are_checked_in_the_order_written(data_dir):
    concepts = concept_yaml("a") + concept_yaml("b", ["a"]) + concept_yaml("c", ["b"])
    paths = ROUTE + "  steps:\n    - title: One\n      covers:\n        - c\n        - b\n"
    paths += "    - title: Two\n      covers: [a]\n"
    result = run_check(data_dir(concepts=concepts, paths=paths))
    order = only(result, "path-order")
    assert "step 1 lists 'c' before its prerequisite 'b'" in order.message
    assert order.location.line == line_of(paths, "- c")


def test_step_path_and_later_must_name_known_ids_of_the_right_kind(data_dir):
    concepts = concept_yaml("a") + concept_yaml("b", ["a"])
    paths = ROUTE + "  steps:\n    - a\n    - title: Next\n      path: routr\n"
    paths += "  later: [b, nowhere]\n"
    result = run_check(data_dir(concepts=concepts, paths=paths))
    problems = sorted((d.location.line, d.message) for d in result.errors)
    assert problems == [
        (line_of(paths, "path: routr"), "step path names unknown path 'routr'"),
        (line_of(paths, "later:"), "later names unknown concept or paper or path 'nowhere'"),
    ]
    assert "did you mean 'route'?" in result.errors[0].hint or "route" in str(
        [d.hint for d in result.errors]
    )


def test_a_step_without_covers_or_path_is_a_schema_error(data_dir):
    paths = ROUTE + "  steps:\n    - title: Empty\n      minutes: 60\n"
    result = run_check(data_dir(concepts=concept_yaml("a"), paths=paths))
    assert "needs covers" in only(result, "schema").message


def test_an_id_may_appear_once_across_steps_and_not_also_in_later(data_dir):
    concepts = concept_yaml("a") + concept_yaml("b", ["a"])
    paths = ROUTE + "  steps:\n    - a\n    - title: Again\n      covers: [b, a]\n"
    assert (
        "lists 'a' twice"
        in only(run_check(data_dir(concepts=concepts, paths=paths)), "schema").message
    )
    paths = ROUTE + "  steps: [a, b]\n  later: [b]\n"
    assert (
        "both a step and in later"
        in only(run_check(data_dir(concepts=concepts, paths=paths)), "schema").message
    )


def test_stated_minutes_must_be_an_ordered_range(data_dir):
    paths = ROUTE + "  steps: [a]\n  stated_minutes: {min: 900, max: 600}\n"
    result = run_check(data_dir(concepts=concept_yaml("a"), paths=paths))
    assert "min (900) is larger than max (600)" in only(result, "schema").message


def test_two_concepts_may_not_share_a_title_or_alias(data_dir):
    text = concept_yaml("attention", aliases="[Self-Attention]")
    text += concept_yaml("other", title="Other", aliases="['self attention']")
    result = run_check(data_dir(concepts=text))
    diagnostic = only(result, "shared-name")
    assert diagnostic.message == (
        "concept 'other': alias 'self attention' is also a name of concept 'attention'"
    )
    assert diagnostic.location.line == line_of(text, "self attention")


def test_a_concept_and_a_paper_may_share_a_name_and_lookup_finds_both(data_dir):
    concepts = concept_yaml("low-rank-adaptation", aliases="[LoRA]")
    papers = paper_yaml("lora", aliases="[LoRA]", teaches="[low-rank-adaptation]")
    graph = load_graph(data_dir(concepts=concepts, papers=papers), cache_dir=None)
    assert graph.lookup("lora") == ("low-rank-adaptation", "lora")
    assert graph.lookup("Low Rank Adaptation") == ("low-rank-adaptation",)
    assert graph.lookup("Paper lora") == ("lora",)
    assert graph.lookup("nothing like it") == ()


def test_an_id_or_a_reference_over_100_characters_is_an_error_at_its_line(data_dir):
    long_id, long_ref = "a" * 10_000, "-".join(["word"] * 30)  # 149 characters
    text = concept_yaml("b") + concept_yaml(long_id, demo="b") + concept_yaml("c", ["b", long_ref])
    result = run_check(data_dir(concepts=text))
    errors = [(d.location.line, d.message) for d in result.errors]
    assert errors == [
        (line_of(text, f"- id: {long_id}"), "id: id is 10000 characters; ids are at most 100"),
        (
            line_of(text, f"    - {long_ref}"),
            "requires[1]: the id is 149 characters; ids are at most 100",
        ),
    ]
    assert all(len(d.render()) < 300 for d in result.errors)  # the id is not echoed back


def test_an_id_of_exactly_100_characters_is_fine(data_dir):
    text = concept_yaml("b") + concept_yaml("c" * 100, ["b"])
    assert run_check(data_dir(concepts=text)).errors == []
