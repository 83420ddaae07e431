"""The map of the field, the concept index and the search results' two actions, in real
Chromium against a real uvicorn, at desktop (1440 px) and phone (390 px) widths: reached by
keyboard, readable, leading to a concept that becomes a goal or is marked known, and inert
on the hostile graph.

Screenshots of the map, the index and a concept page at both widths go to
``$SYLLABUS_ARTIFACTS/screenshots`` (default ``artifacts/screenshots``, not committed).
"""

import urllib.parse

import pytest

from graph import load_graph
from graph.taxonomy import CATEGORY_TITLES, Category, Level
from tests import test_web
from tests.helpers import REPO
from tests.hostile import HOSTILE_TITLES
from tests.test_web import (
    CONTRAST,
    TRAP,
    injected,
    no_horizontal_overflow,
    nothing_injected,
    screenshot,
    unnamed_controls,
    url_params,
    wait_for_plan,
)

# test_web's fixtures: its server, browser and pages (which fail a test on any script error)
server = test_web.server
browser = test_web.browser
open_page = test_web.open_page
hostile_server = test_web.hostile_server

WIDTHS = {
    "desktop": {"width": 1440, "height": 900},
    "phone": {"width": 390, "height": 844},
}
GRAPH = load_graph(REPO)
MAP_LINKS = ".map-box g.node a[href]"

# The on-screen size of a map label: Graphviz's font size times the drawing's scale.
LABEL_PX = """() => {
  const svg = document.querySelector(".map-box svg");
  const text = svg.querySelector("g.node text");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return parseFloat(text.getAttribute("font-size")) * scale;
}"""
# Whether the focused element is a map node drawn inside the map's visible box.
FOCUSED_NODE_SHOWN = """() => {
  const link = document.activeElement;
  const node = link.closest(".map-box g.node");
  if (!node) return null;
  const r = link.getBoundingClientRect();
  const box = document.querySelector(".map-box").getBoundingClientRect();
  const inside = r.left >= box.left && r.right <= box.right && r.top >= box.top
    && r.bottom <= box.bottom;
  const shape = link.querySelector("path, polygon");
  return { id: node.dataset.id, inside, stroke: getComputedStyle(shape).strokeWidth };
}"""


def zoom(page) -> float:
    return float(page.get_attribute(".map-box", "data-zoom"))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_map_leads_by_keyboard_to_a_concept_that_becomes_a_goal(open_page, width):
    p = open_page("?view=map", viewport=WIDTHS[width])
    page = p.page
    page.wait_for_selector(MAP_LINKS)
    assert page.locator(MAP_LINKS).count() == len(GRAPH.concepts)
    clusters = page.eval_on_selector_all(".map-box g.cluster > title", "ts => ts.length")
    assert clusters == len({c.category for c in GRAPH.concepts.values()})
    assert page.evaluate(LABEL_PX) >= 12  # readable at the default zoom, on a phone too
    assert no_horizontal_overflow(page)
    if width == "phone":  # the map comes before the settings it does not need
        main_top = page.evaluate("document.querySelector('main').getBoundingClientRect().top")
        controls = page.evaluate("document.querySelector('.controls').getBoundingClientRect().top")
        assert main_top < controls
    if width == "desktop":
        assert unnamed_controls(page) == [] and page.evaluate(CONTRAST) == []
    screenshot(page, f"map-{width}")

    # The keyboard: the box zooms with + / - / 0; Tab walks the concepts, each shown in the
    # box with a visible focus ring; Enter opens one.
    page.focus(".map-box")
    readable = zoom(page)
    page.keyboard.press("+")
    assert zoom(page) > readable
    page.keyboard.press("0")
    assert zoom(page) == readable
    page.keyboard.press("-")
    assert zoom(page) < readable
    page.keyboard.press("0")
    for _ in range(4):
        page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED_NODE_SHOWN)
    assert focused is not None and focused["inside"], focused
    assert float(focused["stroke"].removesuffix("px")) >= 3, focused
    concept = focused["id"]
    page.keyboard.press("Enter")
    page.wait_for_selector(f".node-page[data-id='{concept}']")
    assert url_params(page)["concept"] == [concept] and "goal" not in url_params(page)
    assert page.inner_text("main h1") == GRAPH.concepts[concept].title
    category = CATEGORY_TITLES[GRAPH.concepts[concept].category]
    assert category in page.locator(".node-page .badge").all_inner_texts()  # its name, not id
    screenshot(page, f"map-concept-{width}")

    page.get_by_role("button", name="Add as goal").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.search.includes('goal={concept}')")
    page.get_by_role("link", name="Back to the plan").focus()
    page.keyboard.press("Enter")
    wait_for_plan(page)
    assert concept in page.eval_on_selector_all("ol.steps > li", "ls => ls.map(l => l.dataset.id)")

    # Back on the map, the goal is highlighted and says so to a screen reader.
    page.get_by_role("link", name="Map", exact=True).click()
    goal = page.locator(f".map-box g.node.is-goal[data-id='{concept}'] a")
    assert goal.get_attribute("aria-label").endswith(", one of your goals")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_index_lists_every_concept_by_category_and_marks_one_known(open_page, width):
    p = open_page("?view=index", viewport=WIDTHS[width])
    page = p.page
    page.wait_for_selector(".index-item")
    assert page.locator(".index-item").count() == len(GRAPH.concepts)
    used = {c.category for c in GRAPH.concepts.values()}
    headings = page.locator(".index-category h2").all_inner_texts()
    assert [h.rpartition(" (")[0] for h in headings] == [
        CATEGORY_TITLES[c] for c in Category if c in used
    ]
    levels = page.eval_on_selector_all(
        ".index-category",
        "cs => cs.map(c => [...c.querySelectorAll('h3')].map(h => h.textContent))",
    )
    order = [level.value.title() for level in Level]
    assert all(found == sorted(found, key=order.index) for found in levels)
    assert no_horizontal_overflow(page)
    screenshot(page, f"index-{width}")

    # A category from the contents, by keyboard: its heading takes focus, the URL stays.
    before = page.url
    link = page.get_by_role("navigation", name="Categories").get_by_role(
        "link", name="Neural Networks"
    )
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "index-neural-networks"
    assert page.url == before

    concept = "tokenisation-bpe"
    title = GRAPH.concepts[concept].title
    page.get_by_role("button", name=f"I know this: {title}").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.search.includes('known={concept}')")
    # The button turns into its undoing and keeps the focus; the known chip appears.
    undo = f"I don't know this yet: {title}"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == undo
    # (attached: on a phone the settings may be folded away under the view)
    page.locator("#known-chips .chip", has_text=title).wait_for(state="attached")
    if width == "desktop":
        assert page.evaluate(CONTRAST) == []
        assert unnamed_controls(page) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_search_result_opens_its_page_or_becomes_a_goal(open_page, width):
    page = open_page("", viewport=WIDTHS[width]).page
    page.wait_for_selector("#goal-input")
    page.fill("#goal-input", "transformers")
    row = page.locator("#goal-input-results [role=row]", has_text="transformer-architecture")
    row.get_by_role("gridcell", name="Open Transformer Architecture").click()
    page.wait_for_selector(".node-page[data-id='transformer-architecture']")
    assert "goal" not in url_params(page) and page.locator("#goal-chips .chip").count() == 0

    # By keyboard: Down to the first result, Right to "Open", Enter opens it.
    page.focus("#goal-input")
    page.keyboard.type("transformers")
    page.wait_for_selector("#goal-input-results [role=gridcell]")
    first = page.get_attribute("#goal-input-results [role=row]", "data-id")
    page.keyboard.press("ArrowDown")
    active = page.get_attribute("#goal-input", "aria-activedescendant")
    assert page.get_attribute(f"#{active}", "aria-selected") == "true"
    assert "Add as goal" in page.inner_text(f"#{active}")
    page.keyboard.press("ArrowRight")
    active = page.get_attribute("#goal-input", "aria-activedescendant")
    assert page.get_attribute(f"#{active}", "aria-label").startswith("Open ")
    page.keyboard.press("Enter")
    page.wait_for_selector(f".node-page[data-id='{first}']")
    assert "goal" not in url_params(page)

    # ... and Down, Enter on the first cell adds the result as a goal.
    page.focus("#goal-input")
    page.keyboard.type("transformers")
    page.wait_for_selector("#goal-input-results [role=gridcell]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_function(f"location.search.includes('goal={first}')")
    assert page.locator("#goal-chips .chip").count() == 1


def test_the_map_and_index_of_a_hostile_graph_run_nothing(open_page, hostile_server):
    p = open_page(base=hostile_server)
    page = p.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(TRAP)
    for query, ready in (("?view=map", MAP_LINKS), ("?view=index", ".index-item")):
        p.open(query)
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        assert injected(page) == nothing_injected(hostile_server), query
        # and every link stays in the app
        hrefs = page.eval_on_selector_all("main a", "as => as.map(a => a.getAttribute('href'))")
        assert [h for h in hrefs if h and not h.startswith(("/?", "#"))] == [], query
        assert no_horizontal_overflow(page)
    # The titles are there, as the literal text they are, on the map and in the index.
    names = page.eval_on_selector_all(".index-name > a", "as => as.map(a => a.textContent)")
    assert HOSTILE_TITLES["markup"] in names
    p.open("?view=map")
    page.wait_for_selector(MAP_LINKS)
    link = page.locator(".map-box g.node[data-id='hostile-markup'] a")
    assert link.get_attribute("aria-label") == HOSTILE_TITLES["markup"]
    query = urllib.parse.urlsplit(link.get_attribute("href")).query
    assert urllib.parse.parse_qs(query) == {"concept": ["hostile-markup"]}
    assert page.evaluate("window.__pwned") is None and dialogs == []
