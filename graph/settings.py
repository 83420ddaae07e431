"""What a data directory says about its graph as a whole: ``graph.yaml``, optional.

    title: Syllabus: AI research          # the framework's name in exports
    namespace: https://syllabus.dev/ai-research   # a URI or a UUID; fixes every export id
    demos: true                           # concepts are expected to have demos

The namespace is the graph's identity. Exports derive every identifier from it
(CASE framework, item and association ids are UUIDv5 names under it), so the same
graph gives the same ids on every run and two graphs never share one. A graph that
declares none gets a namespace derived from its content (the ids of its concepts
and papers), which is stable until a node is added, renamed or removed; declare one
to keep ids across such edits.

``demos`` says whether the graph's concepts come with demos. When it is absent, a
data directory with a ``demos/`` folder has demos and one without has none; only a
graph with demos warns about concepts that lack one.
"""

import hashlib
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator
from yaml.nodes import MappingNode, ScalarNode

from graph.diagnostics import Diagnostic, Location, error
from graph.suggest import did_you_mean, suggest

SETTINGS_FILE = "graph.yaml"

DEFAULT_TITLE = "Syllabus"

SYLLABUS_NAMESPACE = uuid.UUID("5b0e2a57-1d0c-5c3e-9a4f-8f1f6c2d9e10")
"""The root every derived namespace is named under (uuid5): fixed once, never changed."""


class GraphSettings(BaseModel):
    """The settings a data directory may declare in graph.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The framework's name in exports; default 'Syllabus'."
    )
    namespace: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        default=None,
        description="A URI or a UUID naming this graph; every export id is derived from it. "
        "Default: derived from the ids of the graph's concepts and papers.",
    )
    demos: StrictBool | None = Field(
        default=None,
        description="Whether concepts are expected to have demos (and warn when one has "
        "none). Default: whether the data directory has a demos/ folder.",
    )

    @field_validator("namespace")
    @classmethod
    def _uri_or_uuid(cls, value: str | None) -> str | None:
        if value is None or _as_uuid(value) is not None or ":" in value:
            return value
        raise ValueError("namespace must be a URI (https://...) or a UUID")

    def namespace_uuid(self, node_ids: Iterable[str]) -> uuid.UUID:
        """The UUID every export id of this graph is named under.

        >>> GraphSettings(namespace="urn:example:g").namespace_uuid([]) == GraphSettings(
        ...     namespace="urn:example:g").namespace_uuid(["other"])
        True
        """
        if self.namespace is not None:
            return _as_uuid(self.namespace) or uuid.uuid5(uuid.NAMESPACE_URL, self.namespace)
        digest = hashlib.sha256("\n".join(sorted(node_ids)).encode()).hexdigest()
        return uuid.uuid5(SYLLABUS_NAMESPACE, digest)

    def framework_title(self) -> str:
        return self.title or DEFAULT_TITLE


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def read_settings(path: Path, raw: bytes | None) -> tuple[GraphSettings, list[Diagnostic]]:
    """The settings in ``raw`` (the bytes of ``path``; None when there is no file).

    Never raises: a problem is a diagnostic at the file and line, and the
    defaults stand in for a file that cannot be read.
    """
    if raw is None:
        return GraphSettings(), []
    try:
        text = raw.decode("utf-8-sig")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        return GraphSettings(), [
            error(Location(path, 1), "yaml-encoding", "graph.yaml is not UTF-8", "save as UTF-8")
        ]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return GraphSettings(), [
            error(Location(path, line), "yaml-syntax", f"invalid YAML: {exc}", None)
        ]
    if data is None:
        return GraphSettings(), []
    if not isinstance(data, dict) or not isinstance(node, MappingNode):
        return GraphSettings(), [
            error(
                Location(path, 1),
                "not-a-mapping",
                "graph.yaml must be a mapping of settings",
                "write 'namespace: https://...' and 'demos: true' at the left margin",
            )
        ]
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, ScalarNode)}
    try:
        return GraphSettings.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for problem in exc.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            line = lines.get(name, 1)
            hint: str | None
            if problem["type"] == "extra_forbidden":
                known = list(GraphSettings.model_fields)
                hint = did_you_mean(suggest(name, known)) or f"known settings: {', '.join(known)}"
                message = f"unknown setting {name!r}"
            else:
                hint = GraphSettings.model_fields[name].description if name else None
                message = f"{name}: {problem['msg']}"
            problems.append(error(Location(path, line), "invalid-setting", message, hint))
        return GraphSettings(), problems
