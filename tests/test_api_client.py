"""A client generated from the API's OpenAPI by openapi-python-client, calling a real uvicorn:
plans come back as PlanOut objects, errors as ErrorOut; exports come through its httpx client.

A team that embeds plans generates exactly this; the test catches a contract that lists
another media type first, or a schema the generator cannot read.
"""

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from api.app import create_app
from tests.helpers import live_server

PACKAGE = "syllabus_api_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    where = tmp_path_factory.mktemp("client")
    spec = where / "openapi.json"
    spec.write_text(json.dumps(create_app(processes=0).openapi()), encoding="utf-8")
    tools = str(Path(sys.executable).parent)  # the generator formats its output with ruff
    done = subprocess.run(
        [
            str(Path(tools) / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": tools + os.pathsep + os.environ["PATH"]},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout  # every operation and schema generated
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


@pytest.fixture(scope="module")
def client(generated: ModuleType) -> Iterator[object]:
    with live_server() as url:
        yield generated.Client(base_url=url)


def test_plans_come_back_as_objects(generated, client):
    post = importlib.import_module(f"{PACKAGE}.api.plans.post_plan_v1_plans_post")
    get = importlib.import_module(f"{PACKAGE}.api.plans.get_plan_v1_plans_get")
    models = importlib.import_module(f"{PACKAGE}.models")
    body = models.PlanRequest.from_dict({"goals": ["gpt"], "budget_minutes": 480})
    plan = post.sync(client=client, body=body)
    assert isinstance(plan, models.PlanOut), type(plan)
    assert plan.goals == ["gpt"] and plan.steps[-1].id == "gpt"
    assert plan.minutes <= 480
    linked = get.sync(client=client, goal=["gpt"], budget="8h")
    assert isinstance(linked, models.PlanOut) and linked.minutes == plan.minutes


def test_errors_come_back_as_objects(generated, client):
    post = importlib.import_module(f"{PACKAGE}.api.plans.post_plan_v1_plans_post")
    models = importlib.import_module(f"{PACKAGE}.models")
    error = post.sync(client=client, body=models.PlanRequest.from_dict({"goals": ["atention"]}))
    assert isinstance(error, models.ErrorOut), type(error)
    assert error.error.code == "unknown-id" and error.error.value == "atention"
    assert "attention" in error.error.suggestions


def test_exports_come_back_as_bytes(generated, client):
    """The generator reads a 200 as JSON, so an export goes through the client's own httpx
    client (configured with the base URL), as its README advises for non-JSON bodies."""
    http = client.get_httpx_client()
    response = http.post("/v1/plans", params={"format": "markdown"}, json={"goals": ["attention"]})
    assert response.status_code == 200 and response.content.startswith(b"# ")
