"""The published JSON Schemas: in step with the models, and true to the real data."""

import json

import jsonschema
import pytest
import yaml

from graph.schema import SCHEMA_DIR, schema_texts
from tests.helpers import REPO, concept_yaml

FILES = {
    "concepts.yaml": "concepts.schema.json",
    "papers.yaml": "papers.schema.json",
    "paths.yaml": "paths.schema.json",
}


def test_committed_schemas_match_the_models():
    for name, text in schema_texts().items():
        committed = (REPO / SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} drifted: run `syllabus schema`"


@pytest.mark.parametrize(("data", "schema"), FILES.items())
def test_each_data_file_names_its_schema_for_editors(data, schema):
    first = (REPO / data).read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_DIR}/{schema}"
    assert (REPO / SCHEMA_DIR / schema).exists()


@pytest.mark.parametrize(("data", "schema"), FILES.items())
def test_real_data_validates_against_its_schema(data, schema):
    document = json.loads((REPO / SCHEMA_DIR / schema).read_text())
    jsonschema.Draft202012Validator.check_schema(document)
    records = yaml.safe_load((REPO / data).read_text())
    jsonschema.validate(records, document, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(
    "bad",
    [
        {"category": "maths"},
        {"minutes": 0},
        {"requires": ["Not A Slug"]},
        {"prerequisites": ["a"]},
    ],
)
def test_schema_rejects_what_the_loader_rejects(bad):
    document = json.loads((REPO / SCHEMA_DIR / "concepts.schema.json").read_text())
    record = yaml.safe_load(concept_yaml("a"))[0]
    jsonschema.validate([record], document)  # the good record passes
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**record, **bad}], document)
