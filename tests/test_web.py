"""The web page in a real headless Chromium (Debian's, driven by Playwright) against a real
uvicorn server: the issue's scenario end to end, the concept page, the fringe, shared links,
errors, phone width, accessibility, and a hostile graph that must stay inert.

Screenshots of the plan view and the concept page (desktop and phone width) go to
``$SYLLABUS_ARTIFACTS/screenshots`` (default ``artifacts/screenshots``, not committed).
"""

import os
import re
import urllib.parse
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import icalendar
import pytest

from tests.helpers import REPO, chromium, live_server, needs_chromium
from tests.hostile import GOAL, HOSTILE_TITLES, write_hostile_graph

sync_api = pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(os.environ.get("SYLLABUS_ARTIFACTS") or REPO / "artifacts") / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
PLAN = "goal=gpt&known=linear-algebra&budget=6h&pace=30m%2Fday&start=2026-12-01"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as browser:
        yield browser


class Page:
    """A page in a fresh browser context (fresh storage), recording what went wrong in it."""

    def __init__(self, browser, base: str, viewport: dict[str, int] = DESKTOP) -> None:
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        # A 4xx answer the page shows as an error is expected; anything else (an exception,
        # a Content-Security-Policy refusal) is a bug.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def open(self, query: str = "") -> "Page":
        self.page.goto(f"{self.base}/{query}")
        return self

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser, server) -> Iterator:
    """open_page(query, viewport=...) -> Page; asserts at the end that no script failed."""
    pages: list[Page] = []

    def open_(query: str = "", viewport: dict[str, int] = DESKTOP, base: str = server) -> Page:
        page = Page(browser, base, viewport).open(query)
        pages.append(page)
        return page

    yield open_
    errors = [e for p in pages for e in p.errors]
    for p in pages:
        p.close()
    assert not errors, errors


def wait_for_plan(page) -> None:
    page.wait_for_selector(".plan:not([aria-busy]) ol.steps > li")


def step_ids(page) -> list[str]:
    return page.eval_on_selector_all("ol.steps > li", "items => items.map(i => i.dataset.id)")


def api_plan(page, base: str) -> dict:
    """The API's own plan for the page's URL (the page URL's query is the plan's query)."""
    query = urllib.parse.urlsplit(page.url).query
    params = [(k, v) for k, v in urllib.parse.parse_qsl(query) if k in PLAN_PARAMS]
    response = page.request.get(f"{base}/v1/plans?{urllib.parse.urlencode(params)}")
    assert response.ok, response.text()
    return response.json()


PLAN_PARAMS = {"goal", "known", "track", "depth", "budget", "pace", "days", "start"}


def url_params(page) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)


def pick_from_search(page, input_id: str, text: str, option_title: str) -> None:
    page.fill(f"#{input_id}", text)
    # The title: an option of a list, or the add cell of a grid's row (see search.js)
    page.locator(f"#{input_id}-results .option-title", has_text=option_title).first.click()


def viewbox(page) -> list[float]:
    return [float(v) for v in page.get_attribute(".diagram-box svg", "viewBox").split()]


def viewbox_width(page) -> float:
    return viewbox(page)[2]


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky settings panel draws where it is scrolled
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def card_line(material: dict) -> str:
    """A piece of material as a step card words it: the API's text, with a linked piece's
    kind in its parentheses ('Watch X (38 min)' -> 'Watch X (video, 38 min)')."""
    if not material["url"]:
        return material["text"]
    head, _, tail = material["text"].rpartition(" (")
    return f"{head} ({material['kind']}, {tail}"


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_every_example_on_the_landing_page_reaches_its_goals(open_page, server):
    """The examples a newcomer is offered must do what they say: every goal reached."""
    labels = open_page().page.locator(".empty button").all_inner_texts()
    assert labels  # every example the page offers, however many: a new one is tested too
    for label in labels:
        page = open_page().page
        page.get_by_role("button", name=label).click()
        wait_for_plan(page)
        plan = api_plan(page, server)
        assert plan["unreached_goals"] == [] and plan["steps"], label
        assert page.locator("text=Not reached within the budget").count() == 0, label


def test_the_issue_scenario_from_search_to_calendar(open_page, server):
    """Search and pick a goal, mark a known concept, set a budget and a pace, see the steps
    and the diagram, zoom it, tick a checklist item and reload, download the .ics."""
    p = open_page()
    page = p.page
    page.wait_for_selector("text=Plan a path into AI research")

    pick_from_search(page, "goal-input", "attention", "The Attention Mechanism")
    page.wait_for_selector("#goal-chips .chip >> text=The Attention Mechanism")
    wait_for_plan(page)
    assert url_params(page)["goal"] == ["attention"]
    assert "linear-algebra" in step_ids(page)

    pick_from_search(page, "known-input", "linear alg", "Linear Algebra for AI")
    page.wait_for_selector("#known-chips .chip >> text=Linear Algebra for AI")
    assert url_params(page)["known"] == ["linear-algebra"]
    stored = page.evaluate("JSON.parse(localStorage.getItem('syllabus.known.v1'))")
    assert stored == ["linear-algebra"]

    page.fill("#budget", "3h")
    page.fill("#pace", "20m/day")
    page.fill("#start", "2026-12-01")
    page.press("#start", "Enter")  # submits the settings form
    page.wait_for_function("new URLSearchParams(location.search).get('budget') === '3h'")
    wait_for_plan(page)
    plan = api_plan(page, server)
    assert plan["budget_minutes"] == 180 and plan["minutes"] <= 180
    assert step_ids(page) == [s["id"] for s in plan["steps"]]
    assert "linear-algebra" not in step_ids(page)
    summary = page.inner_text(".totals")
    assert "3 h" in summary and plan["schedule"]["end"][:4] in summary
    # The budget is met by studying steps more shallowly, each saying so.
    shallow = [s for s in plan["steps"] if s["depth"] != s["called_for"]]
    assert shallow and page.locator("text=overview depth (asked: study)").count() == len(shallow)
    # Each step lists what it assigns with its minutes, as the API words it, a linked piece
    # with its kind too: 'Watch Essence of calculus (video, 38 min)'.
    first = plan["steps"][0]
    assigns = page.locator(f"li.step[data-id='{first['id']}'] ul.resources > li")
    assert assigns.all_inner_texts() == [card_line(m) for m in first["material"]]

    # The diagram: an inline <svg> with a node per step, zoomable by button and keyboard.
    svg_titles = page.eval_on_selector_all(
        ".diagram-box svg g.node > title", "ts => ts.map(t => t.textContent)"
    )
    assert set(step_ids(page)) <= set(svg_titles)
    width = viewbox_width(page)
    page.get_by_role("button", name="Zoom in").click()
    zoomed = viewbox_width(page)
    assert zoomed < width * 0.9
    page.focus(".diagram-box")
    page.keyboard.press("-")
    assert viewbox_width(page) > zoomed
    # The wheel zooms about the pointer; a drag pans.
    box = page.locator(".diagram-box").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = viewbox_width(page)
    page.mouse.wheel(0, -400)
    page.wait_for_function(
        "before => parseFloat(document.querySelector('.diagram-box svg')"
        ".getAttribute('viewBox').split(' ')[2]) < before",
        arg=before,
    )
    x = viewbox(page)[0]
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2, steps=6)
    page.mouse.up()
    assert viewbox(page)[0] < x  # dragged right: the view moved left over the diagram
    assert "concept=" not in page.url  # a drag that ends on a node does not open it
    page.get_by_role("button", name="Reset").click()  # back to the whole diagram
    assert page.get_attribute(".diagram-box", "data-zoom") == "1.000"
    assert page.inner_text(".zoom-level") == "100%"

    # A tick survives a reload.
    first = page.locator(".checklist input[type=checkbox]").first
    key = first.get_attribute("data-key")
    first.check()
    page.reload()
    wait_for_plan(page)
    boxes = "[...document.querySelectorAll('.checklist input')]"
    assert page.evaluate(f"key => {boxes}.find(i => i.dataset.key === key).checked", key)
    assert page.locator(".checklist input[type=checkbox]:checked").count() == 1

    # Every export is offered; the calendar downloads and parses, one event per session.
    formats = page.eval_on_selector_all("a[data-format]", "as => as.map(a => a.dataset.format)")
    assert sorted(formats) == sorted(
        ["markdown", "ics", "case", "moodle-csv", "imscc", "jsonld", "json"]
    )
    with page.expect_download() as download:
        page.click("a[data-format=ics]")
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert events and len(events) == len(plan["schedule"]["sessions"])
    screenshot(page, "plan-desktop")


def test_a_curated_path_as_goal_then_steps_marked_known(open_page, server):
    p = open_page()
    page = p.page
    preset = page.locator("button.preset[data-id=researcher-path]")
    preset.click()
    wait_for_plan(page)
    assert preset.get_attribute("aria-pressed") == "true"
    assert url_params(page)["goal"] == ["researcher-path"]
    steps = api_plan(page, server)["steps"]
    assert step_ids(page) == [s["id"] for s in steps]
    # Without a pace there is no calendar to download, and the page says why.
    assert page.locator("a[data-format=ics]").count() == 0
    assert page.inner_text(".exports a[aria-disabled=true]") == "Calendar (.ics)"
    assert "needs a pace" in page.inner_text(".exports")

    # "I know this" on a step (not on a goal, which cannot be known too) replans without it.
    p.open("?goal=attention")
    wait_for_plan(page)
    steps = api_plan(page, server)["steps"]
    know = page.get_by_role("button", name=re.compile("^I know this: "))
    assert know.count() == sum(not s["goal"] for s in steps) > 1
    first, second = step_ids(page)[:2]
    know.first.click()
    page.wait_for_selector(f"ol.steps > li[data-id={first}]", state="detached")
    wait_for_plan(page)
    assert url_params(page)["known"] == [first] and second in step_ids(page)
    assert page.locator("#known-chips .chip").count() == 1
    assert page.evaluate("document.activeElement.tagName") == "H1"  # focus stays in the plan


def test_concept_page(open_page, server):
    p = open_page("?concept=attention")
    page = p.page
    page.wait_for_selector("h1:has-text('The Attention Mechanism')")
    concept = page.request.get(f"{server}/v1/concepts/attention").json()
    assert concept["summary"] in page.inner_text(".summary")
    for ref in concept["prerequisites"] + concept["dependents"] + concept["papers"]:
        assert page.locator(f"a[href*='{ref['kind']}={ref['id']}']").count() >= 1
    titles = page.eval_on_selector_all(
        ".diagram-box svg g.node > title", "ts => ts.map(t => t.textContent)"
    )
    assert "attention" in titles and {r["id"] for r in concept["prerequisites"]} <= set(titles)
    # Demo claims with their measured values, from the CPU record.
    demo = page.request.get(f"{server}/v1/demos/attention").json()
    claims = page.locator(".claim")
    assert claims.count() == len(demo["records"]["cpu"]["checks"])
    assert "measured" in claims.first.inner_text()
    assert page.locator(".node-page .checklist-items input[type=checkbox]").count() == len(
        concept["checklist"]
    )
    # What each study depth assigns, with its minutes, as the API words it.
    depths = page.locator("dl.depths > div")
    assert depths.count() == 3
    for n, depth in enumerate(concept["depths"]):
        shown = depths.nth(n)
        assert shown.locator("dt").inner_text().startswith(depth["depth"])
        assert shown.locator("li").all_inner_texts() == [m["text"] for m in depth["material"]]
    screenshot(page, "concept-desktop")

    page.get_by_role("button", name="Add as goal").click()
    page.wait_for_selector("#goal-chips >> text=The Attention Mechanism")
    assert url_params(page)["goal"] == ["attention"]
    assert page.evaluate("document.activeElement.textContent") == "Remove from goals"
    page.get_by_role("button", name="I know this").click()
    page.wait_for_selector("#known-chips >> text=The Attention Mechanism")
    assert "goal" not in url_params(page)  # knowing a goal makes it no goal (the API refuses both)

    # Links between pages are in-page navigations, and Back returns.
    page.click(".node-page a[href*='concept=backpropagation']")
    page.wait_for_selector("h1:has-text('Backpropagation and Automatic Differentiation')")
    page.go_back()
    page.wait_for_selector("h1:has-text('The Attention Mechanism')")
    page.click(".node-page a[href*='paper=attention-is-all-you-need']")
    page.wait_for_selector("h1:has-text('Attention Is All You Need')")
    assert "Ashish Vaswani" in page.inner_text("main")
    # Leaving a page while it loads: its late answer must not replace the plan.
    held = []
    page.route("**/v1/concepts/positional-encoding", lambda route: held.append(route))  # late
    page.click(".node-page a[href*='concept=positional-encoding']")
    page.wait_for_function("() => document.querySelector('main h1').textContent === 'Loading…'")
    page.click("#nav-plan")
    page.wait_for_selector("text=Plan a path into AI research")
    held[0].continue_()
    page.wait_for_load_state("networkidle")
    assert page.locator(".node-page").count() == 0 and "concept=" not in page.url
    assert page.inner_text("main h1") == "Plan a path into AI research"  # no goals left


def test_what_can_i_learn_next(open_page, server):
    p = open_page("?view=next&known=linear-algebra")
    page = p.page
    page.wait_for_selector("ol.fringe > li")
    expected = page.request.get(f"{server}/v1/next?known=linear-algebra&limit=20").json()
    shown = page.eval_on_selector_all("ol.fringe > li", "items => items.map(i => i.dataset.id)")
    assert shown == [n["id"] for n in expected]
    first = expected[0]
    page.get_by_role("button", name=f"I know this: {first['title']}").click()
    page.wait_for_function(
        "id => ![...document.querySelectorAll('ol.fringe > li')].some(i => i.dataset.id === id)",
        arg=first["id"],
    )
    assert url_params(page)["known"] == ["linear-algebra", first["id"]]
    page.get_by_role("button", name=f"Add as goal: {expected[1]['title']}").click()
    page.wait_for_selector(f"#goal-chips >> text={expected[1]['title']}")
    page.click(f"ol.fringe a[href*='concept={expected[2]['id']}']")
    page.wait_for_selector(f"h1:has-text('{expected[2]['title']}')")


def test_a_shared_url_reproduces_the_plan_in_a_fresh_browser(open_page, server):
    sender = open_page(f"?{PLAN}").page
    wait_for_plan(sender)
    steps = step_ids(sender)
    assert steps == [s["id"] for s in api_plan(sender, server)["steps"]]
    summary = sender.inner_text(".totals")

    receiver = open_page("?" + urllib.parse.urlsplit(sender.url).query).page
    wait_for_plan(receiver)
    assert step_ids(receiver) == steps
    assert receiver.inner_text(".totals") == summary
    assert receiver.locator("#known-chips .chip").count() == 1

    # Someone with their own known set: the link's set replaces it, and the page says so.
    other = open_page("?view=next")
    other.page.evaluate(
        "ids => localStorage.setItem('syllabus.known.v1', JSON.stringify(ids))",
        ["calculus-gradients", "tensors"],
    )
    other.open(f"?{PLAN}")
    wait_for_plan(other.page)
    assert step_ids(other.page) == steps
    notice = other.page.locator("#known-notice")
    assert "replaced the 2 saved" in notice.inner_text()
    other.page.get_by_role("button", name="Use my 2 saved instead").click()
    other.page.wait_for_function(
        "new URLSearchParams(location.search).getAll('known').length === 2"
    )
    assert url_params(other.page)["known"] == ["calculus-gradients", "tensors"]


def test_unknown_goal_shows_the_error_and_clickable_suggestions(open_page):
    page = open_page("?goal=atention").page
    alert = page.locator(".plan-body [role=alert]")
    alert.wait_for()
    assert "atention" in alert.inner_text() and "goal" in alert.inner_text()
    page.locator(".suggestions").get_by_role("button", name="attention", exact=True).click()
    wait_for_plan(page)
    assert url_params(page)["goal"] == ["attention"]
    assert page.locator("#goal-chips >> text=The Attention Mechanism").count() == 1

    page.fill("#budget", "lots")
    page.press("#budget", "Enter")
    page.wait_for_selector("#budget-error:not([hidden])")
    assert "not a duration" in page.inner_text("#budget-error")
    assert page.get_attribute("#budget", "aria-invalid") == "true"


@pytest.mark.parametrize(
    "viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}], ids=["1440", "390"]
)
def test_study_days_date_the_sessions_and_a_bad_day_is_named(open_page, server, viewport):
    page = open_page("?goal=attention&pace=1h/week&start=2026-12-01", viewport=viewport).page
    wait_for_plan(page)
    assert api_plan(page, server)["schedule"]["study_days"] == ["mon", "tue", "wed", "thu", "fri"]
    if page.locator("#nav-settings").is_visible():  # a phone folds the settings under the plan
        page.click("#nav-settings")

    # A range and a spaced list mean the days they name (mon-fri was once Mondays only).
    for typed, days in (("tue-thu", ["tue", "wed", "thu"]), ("tue sat", ["tue", "sat"])):
        page.fill("#days", typed)
        page.press("#days", "Enter")
        page.wait_for_function(f"new URLSearchParams(location.search).get('days') === {typed!r}")
        wait_for_plan(page)
        schedule = api_plan(page, server)["schedule"]
        assert schedule["study_days"] == days
        weekdays = {date.fromisoformat(s["date"]).strftime("%a") for s in schedule["sessions"]}
        assert weekdays == {d.title() for d in days}
    # The page lists the same sessions, on the same days ("Tue, 1 Dec 2026").
    shown = page.locator("ol.sessions > li strong").all_text_contents()
    dates = [date.fromisoformat(s["date"]) for s in schedule["sessions"]]
    assert shown == [f"{d:%a}, {d.day} {d:%b %Y}" for d in dates]

    page.fill("#days", "mon-funday")
    page.press("#days", "Enter")
    page.wait_for_selector("#days-error:not([hidden])")
    error = page.inner_text("#days-error")
    assert "funday" in error and "mon-fri" in error and "weekends" in error  # the accepted forms
    assert page.get_attribute("#days", "aria-invalid") == "true"


def test_phone_width_has_no_horizontal_scrolling(open_page):
    p = open_page(f"?{PLAN}", viewport=PHONE)
    wait_for_plan(p.page)
    assert no_horizontal_overflow(p.page)
    screenshot(p.page, "plan-phone")
    p.open("?concept=attention")
    p.page.wait_for_selector(".node-page .diagram-box svg")
    assert no_horizontal_overflow(p.page)
    screenshot(p.page, "concept-phone")
    p.open("?view=next")
    p.page.wait_for_selector("ol.fringe > li")
    assert no_horizontal_overflow(p.page)


# The roles of interactive controls; each needs a name a screen reader can say.
CONTROL_ROLES = {
    "button",
    "textbox",
    "searchbox",
    "combobox",
    "checkbox",
    "link",
    "listbox",
    "option",
    "spinbutton",
}


def unnamed_controls(page) -> list[str]:
    """Controls without an accessible name, by Chromium's own accessibility tree."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    cdp.detach()
    bad = []
    for node in nodes:
        role = node.get("role", {}).get("value")
        if node.get("ignored") or role not in CONTROL_ROLES:
            continue
        if not str(node.get("name", {}).get("value", "")).strip():
            bad.append(f"{role} {node.get('backendDOMNodeId')}")
    return bad


# Fields labelled by a <label> or ARIA, not only by a placeholder (which Chromium accepts as a
# last-resort name, but which disappears as soon as one types).
UNLABELLED_FIELDS = """
() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => !el.labels?.length)
  .filter((el) => !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map((el) => el.id || el.outerHTML.slice(0, 80))
"""


def test_every_control_has_an_accessible_name(open_page):
    page = open_page(f"?{PLAN}").page
    wait_for_plan(page)
    page.locator(".claims-details summary").first.click()
    page.wait_for_selector(".claims-details .claim")
    assert unnamed_controls(page) == []
    assert page.evaluate(UNLABELLED_FIELDS) == []
    controls = page.locator("input, select, button").count()
    assert controls > 30  # the check above saw the whole page, not an empty shell
    page.goto(page.url.split("?")[0] + "?concept=attention")
    page.wait_for_selector(".node-page .diagram-box svg")
    assert unnamed_controls(page) == []
    assert page.evaluate(UNLABELLED_FIELDS) == []


def test_keyboard_only_picks_and_removes_a_goal(open_page):
    page = open_page().page
    page.wait_for_selector("text=Plan a path into AI research")
    for _ in range(10):  # from the top of the page: skip link, brand, nav links, then search
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "goal-input":
            break
    assert page.evaluate("document.activeElement.id") == "goal-input"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # a visible focus ring
    page.keyboard.type("kv cache")
    page.wait_for_selector("#goal-input-results [role=gridcell]")
    page.keyboard.press("ArrowDown")
    active = page.get_attribute("#goal-input", "aria-activedescendant")
    assert page.get_attribute(f"#{active}", "aria-selected") == "true"
    title = page.inner_text(f"#{active} .option-title")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#goal-chips >> text={title}")
    wait_for_plan(page)
    assert page.evaluate("document.activeElement.id") == "goal-input"
    page.keyboard.press("Tab")  # to the chip's link, then its remove button
    page.keyboard.press("Tab")
    assert (
        page.evaluate("document.activeElement.getAttribute('aria-label')")
        == f"Remove goal: {title}"
    )
    page.keyboard.press("Space")
    page.wait_for_selector("#goal-chips .chip", state="detached")
    assert "goal" not in url_params(page)
    assert page.evaluate("document.activeElement.id") == "goal-input"


CONTRAST = """
() => {
  const luminance = (rgb) => {
    const linear = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const [r, g, b] = rgb.map((c) => linear(c / 255));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (color) => color.match(/[\\d.]+/g).map(Number);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0.5) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *:not(svg *)")) {
    const texts = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent);
    const text = texts.join("").trim();
    if (!text || !el.getClientRects().length) continue;
    if (el.closest("[hidden], .visually-hidden, .disabled")) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const [fg, bg] = [luminance(parse(style.color).slice(0, 3)), luminance(background(el))];
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && style.fontWeight >= 700);
    if (ratio >= (large ? 3 : 4.5)) continue;
    failures.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${text.slice(0, 30)}"`);
  }
  return failures;
}
"""


def test_text_contrast_meets_wcag_aa(open_page):
    page = open_page(f"?{PLAN}").page
    wait_for_plan(page)
    page.locator(".claims-details summary").first.click()
    page.wait_for_selector(".claims-details .claim")
    assert page.evaluate(CONTRAST) == []
    page.fill("#goal-input", "attention")
    page.wait_for_selector("#goal-input-results [role=gridcell]")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(CONTRAST) == []  # the highlighted option too


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory) -> Iterator[str]:
    directory = write_hostile_graph(tmp_path_factory.mktemp("hostile"))
    with live_server("--data", str(directory), env={"SYLLABUS_CACHE_DIR": ""}) as url:
        yield url


# Any script that ran from a title would call alert() (the titles' payloads) or set __pwned.
TRAP = "window.__pwned = undefined; window.alert = () => { window.__pwned = 'alert'; };"
# What hostile titles could have planted on a page: scripts, markup from the data, event
# handlers, and whether the trap above was sprung.
INJECTED = """() => ({
    scripts: [...document.querySelectorAll('script')].map(s => s.src),
    markup: document.querySelectorAll(
        'main b, main i, main em, main img, main iframe, main script, main title:not(svg title)'
    ).length,
    onAttributes: [...document.querySelectorAll('*')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    pwned: window.__pwned,
})"""


def injected(page) -> dict:
    """What ``INJECTED`` finds on ``page``; compare it with ``nothing_injected``."""
    return page.evaluate(INJECTED)


def nothing_injected(base: str) -> dict:
    """``injected`` on a clean page served from ``base``: the app's own script, nothing else."""
    return {"scripts": [f"{base}/static/app.js"], "markup": 0, "onAttributes": 0, "pwned": None}


def test_a_hostile_graph_renders_as_text_and_runs_nothing(open_page, hostile_server):
    p = open_page(base=hostile_server)
    page = p.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(TRAP)
    for query in (
        # the lightweight track passes every hostile concept, the 5,000-character title too
        f"?goal={GOAL}&pace=30m%2Fday&start=2026-12-01",
        f"?goal={GOAL}&track=paper&pace=30m%2Fday&start=2026-12-01",
        "?concept=hostile-markup",
        "?paper=hostile-paper",
    ):
        p.open(query)
        if "goal" in query:
            wait_for_plan(page)
            page.locator(".claims-details summary").first.click()
        else:
            page.wait_for_selector(".node-page")
        page.wait_for_load_state("networkidle")
        assert injected(page) == nothing_injected(hostile_server), query
        assert page.locator(".diagram-box svg g.node").count() > 0
        assert no_horizontal_overflow(page)
    # The titles are there, as the literal text they are.
    p.open("?concept=hostile-markup")
    page.wait_for_selector(".node-page")
    assert page.inner_text("main h1") == HOSTILE_TITLES["markup"]
    page.fill("#goal-input", "script")
    page.wait_for_selector("#goal-input-results [role=gridcell]")
    options = page.eval_on_selector_all(
        "#goal-input-results .option-title", "os => os.map(o => o.textContent)"
    )
    assert HOSTILE_TITLES["markup"] in options
    assert page.evaluate("window.__pwned") is None and dialogs == []
    assert page.evaluate("document.querySelectorAll('script').length") == 1

    phone = open_page(f"?goal={GOAL}", viewport=PHONE, base=hostile_server).page
    wait_for_plan(phone)
    assert HOSTILE_TITLES["long"] in phone.inner_text("ol.steps")
    assert no_horizontal_overflow(phone)


def test_a_preset_shows_its_sources_times_beside_the_materials_and_its_hand_over(open_page, server):
    page = open_page("?goal=lightweight-path").page
    wait_for_plan(page)
    plan = api_plan(page, server)
    notes = page.locator(".notes li").all_inner_texts()
    assert notes == plan["notes"] and any("12 h for its steps" in n for n in notes)
    sections = page.locator(".source-steps > li")
    assert sections.count() == len(plan["sections"]) == 5
    assert "the source says 2 h" in sections.first.inner_text()
    handover = sections.last.locator("a")
    assert handover.get_attribute("href") == "/?goal=paper-path"
    handover.click()
    page.wait_for_function("new URLSearchParams(location.search).get('goal') === 'paper-path'")
    wait_for_plan(page)
    assert step_ids(page)[:3] == ["seq2seq", "bahdanau-attention", "attention-is-all-you-need"]
