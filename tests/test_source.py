"""The YAML reader builds exactly what PyYAML's safe loader builds, only faster."""

from pathlib import Path

import pytest
import yaml

from graph.source import parse_file

DOCUMENTS = [
    "- {id: a, minutes: 10, free: true, url: null}",
    "- id: a\n  minutes: 010\n  year: 0x1F\n  ratio: 1.5\n  big: 1_000\n  neg: -3\n  zero: 0",
    "- when: 2024-01-02\n  yes_word: yes\n  off_word: Off\n  tilde: ~\n  empty:",
    "- &base {id: a, level: beginner}\n- <<: *base\n  id: b",
    "- id: a\n  tags: &t [x, y]\n- id: b\n  tags: *t",
    "- id: a\n  nested: {inner: [1, {deep: 'quoted: yes'}]}\n  text: |\n    two\n    lines\n",
    "- id: a\n  list:\n  - 1\n  - two\n  - [3]\n",
    "- !!str 123\n- !!int '7'\n- 'true'\n- \"null\"",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_records_equal_the_safe_loader(text):
    source, problems = parse_file(Path("x.yaml"), text.encode(), "thing")
    assert problems == []
    assert source.records == yaml.safe_load(text)


def test_aliases_share_one_object():
    source, _ = parse_file(Path("x.yaml"), DOCUMENTS[4].encode(), "thing")
    assert source.records[0]["tags"] is source.records[1]["tags"]


def test_a_self_referencing_alias_does_not_recurse_forever():
    source, problems = parse_file(Path("x.yaml"), b"- &a [1, *a]\n", "thing")
    assert problems == []
    assert source.records[0][1] is source.records[0]


def test_unhashable_key_is_a_reported_error():
    _, problems = parse_file(Path("x.yaml"), b"- {[1, 2]: x}\n", "thing")
    assert [p.code for p in problems] == ["yaml-syntax"]
    assert problems[0].location.line == 1


def test_record_lines_are_where_each_record_starts():
    text = "# comment\n\n- id: a\n  title: A\n\n- id: b\n  title: B\n"
    source, _ = parse_file(Path("x.yaml"), text.encode(), "thing")
    assert source.record_lines == [3, 6]
    assert source.line_of(1, ("title",)) == 7
    assert source.line_of(0, ("missing", "deeper")) == 3
