"""Progress on the page, in real Chromium against a real uvicorn: mark steps done, in progress
or skipped; the plan keeps them, fits the budget left and dates what is left from today; the
progress survives a reload, travels in the link (a fresh browser opens the same progress,
re-dated from today), in a progress file and in the Markdown export's ticks.
"""

import json
import urllib.parse
from datetime import date

from tests.test_web import (  # noqa: F401 (fixtures, used by name)
    CONTRAST,
    UNLABELLED_FIELDS,
    browser,
    no_horizontal_overflow,
    open_page,
    server,
    unnamed_controls,
    wait_for_plan,
)

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
PLAN = urllib.parse.urlencode(
    [
        ("goal", "rlhf"),
        ("goal", "direct-preference-optimisation"),
        ("budget", "10h"),
        ("pace", "1h/day"),
    ]
)


def statuses(page) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            "ol.steps > li", "items => items.map(i => [i.dataset.id, i.dataset.status])"
        )
    )


def mark(page, step_id: str, button: str, status: str, keyboard: bool = False) -> None:
    """Press a step card's progress button (by click, or focus and Enter) and wait for the
    plan that says so."""
    control = page.locator(f"li.step[data-id='{step_id}'] .step-status button", has_text=button)
    if keyboard:
        control.focus()
        page.keyboard.press("Enter")
    else:
        control.click()
    page.wait_for_selector(
        f".plan:not([aria-busy]) li.step[data-id='{step_id}'][data-status='{status}']"
    )


def plan_json(page, base: str) -> dict:
    """The API's plan for the page's URL, progress included."""
    query = urllib.parse.urlsplit(page.url).query
    return page.request.get(f"{base}/v1/plans?{query}").json()


def first_session(page) -> str:
    return page.locator("#plan-schedule summary").inner_text()


def test_progress_survives_a_reload_and_travels_in_the_link_redated_from_today(
    open_page,  # noqa: F811
    server,  # noqa: F811
):
    p = open_page(f"?{PLAN}", viewport=DESKTOP)
    page = p.page
    wait_for_plan(page)
    ids = list(statuses(page))
    assert set(statuses(page).values()) == {"todo"}
    for step_id in ids[:2]:
        mark(page, step_id, "Done", "done")
    mark(page, ids[2], "Done", "done", keyboard=True)
    # keyboard focus stays on the button pressed, on the replanned card
    assert page.evaluate("document.activeElement.dataset.refocus") == f"status {ids[2]} done"
    mark(page, ids[4], "Skipped", "skipped")
    expected = {**dict.fromkeys(ids, "todo"), **dict.fromkeys(ids[:3], "done"), ids[4]: "skipped"}
    assert statuses(page) == expected
    params = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert params["done"] == [",".join(ids[:3])] and params["skipped"] == [ids[4]]
    assert params["start"] == [date.today().isoformat()]

    plan = plan_json(page, server)
    progress = plan["progress"]
    assert progress["steps_done"] == 3 and progress["steps_skipped"] == 1
    assert progress["minutes_done"] + progress["minutes_left"] <= 600
    summary = page.locator("#plan-progress .progress-summary").inner_text()
    assert "Done: 3 steps" in summary and "Left: " in summary
    # the schedule holds only what is left, from today; done and skipped steps are listed
    scheduled = {part["id"] for s in plan["schedule"]["sessions"] for part in s["parts"]}
    assert scheduled.isdisjoint([*ids[:3], ids[4]])
    assert plan["schedule"]["sessions"][0]["date"] == date.today().isoformat()
    assert "Done, not scheduled: 1. " in page.locator("#plan-schedule .finished").inner_text()
    # the diagram ticks a done step
    done_label = page.locator(".diagram-box g.node text", has_text="1. \u2713 ").first
    assert done_label.count() == 1

    page.reload()
    wait_for_plan(page)
    assert statuses(page) == expected
    # this browser remembers it for these goals: a link without progress gets it back
    page.goto(f"{server}/?{PLAN}")
    wait_for_plan(page)
    assert statuses(page) == expected

    # The copied link, a week old, in a fresh browser: the same progress, dated from today.
    link = dict(urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query), start=["2026-01-05"])
    fresh = open_page(f"?{urllib.parse.urlencode(link, doseq=True)}", viewport=DESKTOP).page
    wait_for_plan(fresh)
    assert statuses(fresh) == expected
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(fresh.url).query)["start"] == [
        date.today().isoformat()
    ]
    again = plan_json(fresh, server)
    assert again["progress"] == progress
    assert again["schedule"]["sessions"][0]["date"] == date.today().isoformat()

    # Markdown ticks the done steps' lines
    href = fresh.get_attribute("a[data-format='markdown']", "href")
    markdown = fresh.request.get(f"{server}{href}").text()
    assert "(done)" in markdown and "- [x] " in markdown and "Done: 3 steps" in markdown

    # A progress file taken to another browser opens the same plan with the same progress.
    with fresh.expect_download() as download:
        fresh.click("text=Download progress file")
    saved = json.loads(download.value.path().read_text())
    assert saved["version"] == 1 and saved["done"] == ids[:3]
    other = open_page("?goal=attention", viewport=DESKTOP).page
    wait_for_plan(other)
    other.set_input_files(
        "#progress-file",
        files=[{"name": "bad.json", "mimeType": "application/json", "buffer": b'{"x": 1}'}],
    )
    # The alert is filled after the file is read: wait for its words, not just the element.
    alert = other.locator("#plan-progress [role=alert]", has_text="not a Syllabus progress file")
    alert.wait_for()
    other.set_input_files("#progress-file", download.value.path())
    other.wait_for_selector(f"li.step[data-id='{ids[0]}'][data-status='done']")
    wait_for_plan(other)
    assert statuses(other) == expected


def test_progress_on_a_phone(open_page, server):  # noqa: F811
    """At 390 px: the card's buttons fit, work from the keyboard, say their state, and every
    status reads at WCAG AA contrast."""
    p = open_page(f"?{PLAN}", viewport=PHONE)
    page = p.page
    wait_for_plan(page)
    ids = list(statuses(page))
    first = ids[0]
    mark(page, first, "In progress", "doing", keyboard=True)
    button = page.locator(f"li.step[data-id='{first}'] .step-status button", has_text="In progress")
    assert button.get_attribute("aria-pressed") == "true"
    assert no_horizontal_overflow(page)
    mark(page, first, "In progress", "todo", keyboard=True)  # pressed again: not started
    assert "doing" not in urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    mark(page, ids[1], "Done", "done")
    mark(page, ids[2], "Skipped", "skipped")
    mark(page, ids[3], "In progress", "doing")
    assert page.evaluate(CONTRAST) == []
    assert unnamed_controls(page) == [] and page.evaluate(UNLABELLED_FIELDS) == []
    # "I know this" on a done step takes it out of the plan, and out of the progress
    page.locator(f"li.step[data-id='{ids[1]}'] .step-actions button").click()
    page.wait_for_selector(f"li.step[data-id='{ids[1]}']", state="detached")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert ids[1] in query["known"] and "done" not in query
