"""The demos through the API: claims, source, records, and guarded runs."""

import sys

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import demos as demo_routes
from graph import load_graph
from tests.helpers import REPO, serving


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_graph(REPO, cache_dir=None)))


def test_demos_list_and_detail(client):
    listed = client.get("/v1/demos").json()
    concepts = load_graph(REPO, cache_dir=None).concepts
    assert len(listed) == sum(c.demo is not None for c in concepts.values())
    assert all(d["status"]["cpu"]["freshness"] == "fresh" for d in listed)
    detail = client.get("/v1/demos/kv-cache").json()
    assert detail["concepts"] == ["kv-cache"] and "def run(demo" in detail["source"]
    assert len(detail["claims"]) >= 4 and any(c["negative"] for c in detail["claims"])
    assert detail["records"]["cpu"]["status"] == "passed"
    missing = client.get("/v1/demos/kv-cahce")
    assert missing.status_code == 404 and missing.json()["error"]["suggestions"] == ["kv-cache"]


def test_a_demos_source_is_served_as_plain_text_for_a_plans_link(client):
    """A demo step links to its source: the module's own text, not JSON; an unknown id is a
    JSON 404 with did-you-mean, as every other id is."""
    source = client.get("/v1/demos/kv-cache/source")
    assert source.status_code == 200 and source.headers["content-type"].startswith("text/plain")
    assert source.text == (REPO / "demos" / "kv_cache.py").read_text(encoding="utf-8")
    missing = client.get("/v1/demos/kv-cahce/source")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown-id"
    assert missing.json()["error"]["suggestions"] == ["kv-cache"]


def test_demo_runs_are_off_unless_the_operator_allows_them(client, monkeypatch):
    monkeypatch.delenv(demo_routes.ALLOW_RUNS, raising=False)
    refused = client.post("/v1/demos/attention/runs")
    assert refused.status_code == 403
    assert "SYLLABUS_ALLOW_DEMO_RUNS=1" in refused.json()["error"]["message"]


def test_an_allowed_run_returns_a_fresh_record_and_runs_one_at_a_time(client, monkeypatch):
    monkeypatch.setenv(demo_routes.ALLOW_RUNS, "1")
    ran = client.post("/v1/demos/attention/runs", params={"device": "cpu"})
    assert ran.status_code == 200, ran.text
    record = ran.json()
    assert record["demo"] == "attention" and record["device"] == "cpu"
    assert record["status"] == "passed" and len(record["checks"]) >= 4
    assert client.post("/v1/demos/not-a-demo/runs").status_code == 404
    assert client.post("/v1/demos/attention/runs", params={"device": "tpu"}).status_code == 422
    with demo_routes._one_at_a_time:
        busy = client.post("/v1/demos/attention/runs", params={"device": "cpu"})
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "busy"


def test_a_run_past_its_timeout_is_504_and_leaves_no_process_behind():
    """Through a real server: the run's whole process group (the demo runner and the demo
    it forked) is killed, and the answer is 504 demo-timeout."""
    env = {demo_routes.ALLOW_RUNS: "1", demo_routes.RUN_TIMEOUT: "1.5"}
    with serving(env=env) as (url, pid):
        server = psutil.Process(pid)
        response = httpx.post(f"{url}/v1/demos/attention/runs?device=cpu", timeout=60)
        assert response.status_code == 504, response.text
        assert response.json()["error"]["code"] == "demo-timeout"
        left = [
            p.pid
            for p in psutil.process_iter(["cmdline"])
            if "demos" in (p.info["cmdline"] or []) and "attention" in (p.info["cmdline"] or [])
        ]
        assert left == []
        assert all("demos" not in c.cmdline() for c in server.children(recursive=True))


def test_a_timed_out_run_takes_its_grandchildren_with_it(tmp_path):
    """What a demo starts (here a ``sleep`` that outlives its parent) dies with the run."""
    marker = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "quiet = {'stdout': subprocess.DEVNULL, 'stderr': subprocess.DEVNULL}\n"
        "child = subprocess.Popen(['sleep', '600'], **quiet)\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    with pytest.raises(demo_routes.ApiError) as stopped:
        demo_routes._run_in_own_group([sys.executable, "-c", script], timeout=2.0)
    assert (stopped.value.status, stopped.value.code) == (504, "demo-timeout")
    grandchild = int(marker.read_text())
    assert not psutil.pid_exists(grandchild) or psutil.Process(grandchild).status() == "zombie"
