"""JSON Schemas of the data files, generated from the pydantic models.

Editors validate the YAML as it is typed through the first line of each
file, ``# yaml-language-server: $schema=schema/concepts.schema.json``.
"""

import json
from pathlib import Path

from pydantic import BaseModel, TypeAdapter

from graph.models import ConceptRecord, PaperRecord, PathRecord
from graph.settings import GraphSettings

SCHEMA_DIR = "schema"

_SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "concepts.schema.json": (ConceptRecord, "Syllabus concepts (concepts.yaml)"),
    "papers.schema.json": (PaperRecord, "Syllabus papers (papers.yaml)"),
    "paths.schema.json": (PathRecord, "Syllabus curated paths (paths.yaml)"),
}


def schema_texts() -> dict[str, str]:
    """File name -> JSON Schema text, for each data file and the settings (graph.yaml)."""
    texts = {}
    for name, (model, title) in _SCHEMAS.items():
        # list[model] is built at run time from a class held in a variable, which is no static
        # type: mypy cannot check it (valid-type), and pydantic only needs it at run time.
        schema = TypeAdapter(list[model]).json_schema()  # type: ignore[valid-type]
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            "description": "A list of records; generated from graph/models.py by "
            "`syllabus schema`, do not edit by hand.",
            **schema,
        }
        texts[name] = _text(document)
    settings = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Syllabus graph settings (graph.yaml)",
        "description": "Generated from graph/settings.py by `syllabus schema`, do not edit by "
        "hand.",
        **GraphSettings.model_json_schema(),
    }
    texts["graph.schema.json"] = _text(settings)
    return texts


def _text(document: dict[str, object]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def stale_schemas(directory: Path) -> list[str]:
    """Names of the schema files in ``directory`` that are missing or differ from the models."""
    stale = []
    for name, text in schema_texts().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
