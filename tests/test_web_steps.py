"""Step cards that say what to do, in real Chromium against a real uvicorn, at desktop and
phone width: each piece of material linked with its kind and minutes, adding up to the
step's time; a paper's reading depth in words, its focus and its questions before the
material; a demo's source, its command and its verified claims; the budget's effect worded
as it is (steps left out, or studied more shallowly).

Element screenshots of a paper step and a demo step go to ``artifacts/screenshots``.
"""

import urllib.parse

import pytest

from graph.taxonomy import ReadingDepth
from planner.material import READING_GUIDE, demo_command, demo_source
from tests.helpers import REPO
from tests.test_web import (  # noqa: F401 (fixtures, used by name)
    ARTIFACTS,
    api_plan,
    browser,
    card_line,
    no_horizontal_overflow,
    open_page,
    server,
    wait_for_plan,
)

# DPO on the paper track, deep, in 60 hours: papers at several depths, some read more
# lightly than they call for, concept steps studied more shallowly, and demos assigned.
QUERY = urllib.parse.urlencode(
    {
        "goal": "direct-preference-optimisation",
        "track": "paper",
        "depth": "deep",
        "budget": "60h",
    }
)
WIDTHS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def card(page, step: dict):
    return page.locator(f"li.step[data-id='{step['id']}']")


def fit_words(plan: dict) -> str:
    """What the summary must say about the fit, counted from the plan itself."""
    lighter = [s for s in plan["steps"] if s["depth"] != s["called_for"]]
    papers = sum(s["kind"] == "paper" for s in lighter)
    said = [f"{len(plan['dropped'])} steps left out"] if plan["dropped"] else []
    said += (
        [f"{len(lighter) - papers} steps studied more shallowly"] if len(lighter) > papers else []
    )
    said += [f"{papers} papers read more lightly"] if papers else []
    verdict = "yes, by cutting" if plan["minutes"] <= plan["budget_minutes"] else "no"
    return f"{verdict}: " + ", ".join(said)


@pytest.mark.parametrize("width", WIDTHS)
def test_each_step_says_what_to_do_and_how_long_it_takes(open_page, server, width):  # noqa: F811
    p = open_page(f"?{QUERY}", viewport=WIDTHS[width])
    page = p.page
    wait_for_plan(page)
    plan = api_plan(page, server)
    steps = plan["steps"]

    # The fit, worded as it is: nothing was left out here, depths were reduced.
    assert not plan["dropped"] and not plan["fits"]
    fit = page.locator(".totals div", has_text="Fits the budget").locator("dd")
    assert fit.inner_text() == fit_words(plan)
    assert "left out" not in fit.inner_text()

    # A concept step: each piece linked, with its kind and minutes, and the sum shown.
    concept = next(s for s in steps if s["kind"] == "concept" and len(s["material"]) > 1)
    lines = card(page, concept).locator("ul.resources > li")
    assert lines.all_inner_texts() == [card_line(m) for m in concept["material"]]
    for piece in (m for m in concept["material"] if m["url"]):
        link = card(page, concept).get_by_role("link", name=piece["title"], exact=True)
        assert link.get_attribute("href") == piece["url"]
    total = card(page, concept).locator(".material-total").inner_text()
    assert total.endswith(f"= {card_minutes(concept['minutes'])}")
    assert sum(m["minutes"] for m in concept["material"]) == concept["minutes"]

    # Paper steps: the depth in words, the focus and the questions before the material.
    papers = [s for s in steps if s["kind"] == "paper"]
    assert {s["depth"] for s in papers} == {"close", "selective", "skim"}
    for paper in (next(s for s in papers if s["depth"] == d) for d in ReadingDepth):
        box = card(page, paper)
        reading = box.locator(".paper-guide .reading").inner_text()
        assert reading.startswith(READING_GUIDE[ReadingDepth(paper["depth"])])
        assert ("calls for" in reading) == (paper["depth"] != paper["called_for"])
        assert box.locator(".paper-guide .advice").inner_text() == f"Focus: {paper['advice']}"
        questions = box.locator(".reading-questions")
        if width == "phone":  # folded on a phone, opened from the keyboard
            assert questions.get_attribute("open") is None
            questions.locator("summary").focus()
            page.keyboard.press("Enter")
        assert questions.locator("li").all_inner_texts() == paper["checklist"]
        above = questions.bounding_box()["y"] < box.locator("ul.resources").bounding_box()["y"]
        assert above, paper["id"]
        title = paper["material"][0]["title"]
        assert (
            box.get_by_role("link", name=title, exact=True).get_attribute("href") == (paper["link"])
        )
    shot(card(page, papers[0]), f"steps-paper-{width}")
    # No raw address as a link's text anywhere in the steps.
    texts = page.locator("ol.steps a").all_inner_texts()
    assert not [t for t in texts if t.startswith(("http://", "https://"))]

    # A demo step: its source (served as text), the command, its verified claims.
    demo = next(s for s in steps if any(m["kind"] == "demo" for m in s["material"]))
    box = card(page, demo)
    assert box.locator("code.demo-command").inner_text() == demo_command(demo["demo"])
    source = box.locator("a.demo-source")
    assert source.inner_text() == demo_source(demo["demo"])
    served = page.request.get(urllib.parse.urljoin(server, source.get_attribute("href")))
    assert served.ok and served.headers["content-type"].startswith("text/plain")
    assert served.text() == (REPO / demo_source(demo["demo"])).read_text(encoding="utf-8")
    box.locator(".claims-details summary").click()
    record = page.request.get(f"{server}/v1/demos/{demo['demo']}").json()
    claims = box.locator(".claim-list .claim-text")
    claims.first.wait_for()
    assert claims.all_inner_texts() == [c["claim"] for c in record["records"]["cpu"]["checks"]]
    shot(box, f"steps-demo-{width}")

    assert no_horizontal_overflow(page)


def card_minutes(total: int) -> str:
    """Minutes as the page words them: '45 min', '3 h', '2 h 55 min'."""
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def shot(locator, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(ARTIFACTS / f"{name}.png"))
