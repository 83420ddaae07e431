"""End to end: a real uvicorn server on a free 127.0.0.1 port, fetched over HTTP.

A plan, its SVG, its .ics, its CASE package, its Common Cartridge and its Moodle
CSV, each parsed back with a real parser.
"""

import csv
import io
import json
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

import icalendar
import pytest

from tests.helpers import live_server

PLAN = "goal=gpt&budget=8h&pace=30m/day&start=2026-12-01"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server() as url:
        yield url


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_plan_and_every_export_over_http(server):
    status, headers, body = fetch(f"{server}/v1/plans?{PLAN}")
    assert status == 200 and headers["content-type"] == "application/json"
    plan = json.loads(body)
    steps = [s["id"] for s in plan["steps"]]
    assert plan["minutes"] <= 480 and steps

    status, headers, svg = fetch(f"{server}/v1/plans/graph?{PLAN}&format=svg")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    status, _, _ = fetch_with_etag(f"{server}/v1/plans/graph?{PLAN}&format=svg", headers["etag"])
    assert status == 304

    status, _, ics = fetch(f"{server}/v1/plans?{PLAN}&format=ics")
    calendar = icalendar.Calendar.from_ical(ics)
    events = [c for c in calendar.walk("VEVENT")]
    assert status == 200 and len(events) == len(plan["schedule"]["sessions"])

    status, _, case = fetch(f"{server}/v1/plans?{PLAN}&format=case")
    package = json.loads(case)
    known = {item["identifier"] for item in package["CFItems"]}
    known.add(package["CFDocument"]["identifier"])
    for association in package["CFAssociations"]:
        assert association["originNodeURI"]["identifier"] in known
        assert association["destinationNodeURI"]["identifier"] in known

    status, _, cartridge = fetch(f"{server}/v1/plans?{PLAN}&format=imscc")
    with zipfile.ZipFile(io.BytesIO(cartridge)) as archive:
        names = set(archive.namelist())
        manifest = ElementTree.fromstring(archive.read("imsmanifest.xml"))
        hrefs = [e.get("href") for e in manifest.iter() if e.tag.endswith("file")]
        assert hrefs and all(h in names for h in hrefs)

    status, _, moodle = fetch(f"{server}/v1/plans?{PLAN}&format=moodle-csv")
    rows = list(csv.reader(io.StringIO(moodle.decode())))
    assert status == 200 and len(rows) > len(steps)


def test_errors_over_http_are_json(server):
    status, headers, body = fetch(f"{server}/v1/plans?goal=atention")
    assert status == 422 and headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["suggestions"][0] == "attention"


def fetch_with_etag(url: str, etag: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
