"""Fixtures shared by the tests."""

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def data_dir(tmp_path: Path):
    """Write data files into a fresh directory: ``data_dir(concepts=..., papers=...)``;
    ``graph=`` is the settings file, graph.yaml."""

    def write(
        concepts: str | None = None,
        papers: str | None = None,
        paths: str | None = None,
        graph: str | None = None,
    ):
        files = (("concepts", concepts), ("papers", papers), ("paths", paths), ("graph", graph))
        for name, text in files:
            if text is not None:
                (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path

    return write
