"""The YAML reader builds exactly what PyYAML's safe loader builds, only faster."""

import json
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


def _field_lines(text: str) -> dict[tuple[int, str], int]:
    """Where each record's fields are written, by composing the whole file (the reference)."""
    root = yaml.compose(text)
    return {
        (i, key.value): value.start_mark.line + 1
        for i, record in enumerate(root.value)
        for key, value in record.value
    }


RECORDS = [
    {"id": "ä-first", "title": "Naïve — ünïcode before", "requires": []},
    {"id": "b", "title": "B", "requires": ["ä-first"]},
    {"id": "c", "title": "C", "requires": ["b", "ä-first"]},
]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(RECORDS, indent=2, ensure_ascii=False),  # JSON as converters write it
        json.dumps(RECORDS, ensure_ascii=False),  # one line
        "[" + ",\n ".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "]",
        "- " + "\n- ".join(json.dumps(r, ensure_ascii=False) for r in RECORDS),  # flow records
    ],
)
def test_json_and_flow_records_find_the_line_of_every_field(text):
    source, problems = parse_file(Path("x.json"), text.encode(), "thing")
    assert problems == [] and source.records == RECORDS
    for (index, key), line in _field_lines(text).items():
        assert source.line_of(index, (key,)) == line, (index, key)
    last = len(RECORDS) - 1
    requires = yaml.compose(text).value[last].value[2][1].value
    assert source.line_of(last, ("requires", 1)) == requires[1].start_mark.line + 1


def test_a_json_record_is_found_without_composing_the_whole_file(monkeypatch):
    """Each record of a JSON file is composed from its own characters; none needs the whole
    file again (composing it per record made checking 4,000 records take 64 s)."""
    text = json.dumps([{"id": f"n{i}", "title": "T"} for i in range(200)], indent=2)
    source, _ = parse_file(Path("x.json"), text.encode(), "thing")
    composed: list[int] = []
    real = yaml.compose
    monkeypatch.setattr(yaml, "compose", lambda s, **kw: composed.append(len(s)) or real(s, **kw))
    for index in range(200):
        source.line_of(index, ("title",))
    assert len(composed) <= 2 * 200 and max(composed) < len(text) / 50
