"""The load cache: warm loads give the same graph, and any change rebuilds it."""

from pathlib import Path

from graph import check
from tests.helpers import concept_yaml


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("graph-*.pickle"))


def test_warm_load_returns_the_same_graph(data_dir, tmp_path):
    cache = tmp_path / "cache"
    directory = data_dir(concepts=concept_yaml("a") + concept_yaml("b", ["a"]))
    cold = check(directory, cache_dir=cache)
    warm = check(directory, cache_dir=cache)
    assert (cold.from_cache, warm.from_cache) == (False, True)
    assert warm.graph.concepts == cold.graph.concepts
    assert list(warm.graph.digraph.edges(data=True)) == list(cold.graph.digraph.edges(data=True))
    assert warm.graph.content_hash == cold.graph.content_hash
    assert [d.render() for d in warm.diagnostics] == [d.render() for d in cold.diagnostics]


def test_editing_a_file_rebuilds(data_dir, tmp_path):
    cache = tmp_path / "cache"
    directory = data_dir(concepts=concept_yaml("a"))
    check(directory, cache_dir=cache)
    data_dir(concepts=concept_yaml("a") + concept_yaml("b", ["a"]))
    result = check(directory, cache_dir=cache)
    assert not result.from_cache
    assert set(result.graph.concepts) == {"a", "b"}
    assert len(entries(cache)) == 2


def test_adding_an_optional_file_rebuilds(data_dir, tmp_path):
    cache = tmp_path / "cache"
    directory = data_dir(concepts=concept_yaml("a"))
    check(directory, cache_dir=cache)
    paths = "- id: route\n  title: R\n  summary: S.\n  track: lightweight\n  steps: [a]\n"
    data_dir(paths=paths)
    result = check(directory, cache_dir=cache)
    assert not result.from_cache and list(result.graph.paths) == ["route"]


def test_a_corrupt_entry_is_rebuilt(data_dir, tmp_path):
    cache = tmp_path / "cache"
    directory = data_dir(concepts=concept_yaml("a"))
    check(directory, cache_dir=cache)
    [entry] = entries(cache)
    entry.write_bytes(b"not a pickle")
    result = check(directory, cache_dir=cache)
    assert not result.from_cache and set(result.graph.concepts) == {"a"}
    assert check(directory, cache_dir=cache).from_cache


def test_graphs_with_errors_are_never_cached(data_dir, tmp_path):
    cache = tmp_path / "cache"
    directory = data_dir(concepts=concept_yaml("a", ["missing"]))
    assert check(directory, cache_dir=cache).errors
    assert entries(cache) == []
    assert check(directory, cache_dir=cache).errors


def test_an_unusable_cache_directory_is_skipped(data_dir, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    directory = data_dir(concepts=concept_yaml("a"))
    assert set(check(directory, cache_dir=blocker).graph.concepts) == {"a"}


def test_same_bytes_in_another_directory_is_another_entry(tmp_path):
    cache = tmp_path / "cache"
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "concepts.yaml").write_text(concept_yaml("a"))
    first = check(tmp_path / "one", cache_dir=cache)
    second = check(tmp_path / "two", cache_dir=cache)
    assert not second.from_cache
    assert second.graph.data_dir == tmp_path / "two" != first.graph.data_dir
