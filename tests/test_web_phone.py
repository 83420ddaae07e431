"""Phone first (issue 20, item 3), in real Chromium against a real uvicorn at 390 and 1440 px.

On a phone the intro, its examples and a shared plan come before the settings, which fold
away while a plan shows and open from the header's Settings link or their own toggle, by
keyboard too; diagram labels start at 12 CSS px or more; why-chains are folded; the page
never scrolls sideways (the diagram pans inside its own box). On a desktop the settings sit
open beside the plan. Screenshots of the plan at both widths go to artifacts/screenshots/.
"""

import pytest

from tests.test_web import (  # noqa: F401
    Page,
    browser,
    no_horizontal_overflow,
    open_page,
    screenshot,
    server,
    url_params,
    wait_for_plan,
)

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1440, "height": 900}}
# A shared plan: the RLHF + DPO goals, dated.
SHARED = (
    "goal=rlhf&goal=direct-preference-optimisation&known=linear-algebra"
    "&budget=20h&pace=1h%2Fday&start=2026-12-01"
)

# The rendered size of the diagram's node labels, in CSS pixels: font-size times the scale the
# SVG is drawn at; after two frames, so the box's ResizeObserver has set the first view.
LABEL_PX = """
async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const texts = [...document.querySelectorAll(".diagram-box svg g.node text")];
  return texts.map((t) => parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a);
}
"""


def top(page, selector: str) -> float:
    return page.locator(selector).first.bounding_box()["y"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_shared_plan_comes_first_with_readable_labels(open_page, width):  # noqa: F811
    page = open_page(f"?{SHARED}", viewport=WIDTHS[width]).page
    wait_for_plan(page)
    labels = page.evaluate(LABEL_PX)
    assert labels and round(min(labels), 2) >= 12, labels  # 11.9999996 is 12
    assert no_horizontal_overflow(page)
    settings = page.locator("#settings")
    first_step = page.locator("ol.steps > li").first.bounding_box()
    if width == "phone":
        # The plan, its first step included, before the settings, which are folded; the
        # steps follow the summary, before the diagram.
        assert first_step["y"] < top(page, "#settings")
        assert top(page, "#plan-summary") < first_step["y"] < top(page, "#plan-diagram")
        assert not settings.evaluate("d => d.open")
        assert page.locator("#goal-input").is_hidden()
        assert page.locator("#nav-settings").is_visible()
        # Why-chains folded, each naming the goal it leads to.
        why = page.locator("li.step details.why")
        assert why.count() > 0 and page.locator("li.step p.why", has_text="Why:").count() == 0
        assert not why.first.evaluate("d => d.open")
        assert why.first.locator("summary").inner_text().startswith("Why: leads to ")
    else:
        # Beside the plan, open, with no toggle; why-chains in full.
        assert settings.evaluate("d => d.open")
        assert page.locator("#settings-toggle").is_hidden()
        assert page.locator("#nav-settings").is_hidden()
        assert settings.bounding_box()["x"] + settings.bounding_box()["width"] <= first_step["x"]
        assert top(page, "#plan-diagram") < first_step["y"]  # the diagram leads on a desktop
        assert page.locator("li.step details.why").count() == 0
        assert page.locator("li.step p.why", has_text="Why: needed for").count() > 0
    screenshot(page, f"plan-{width}-{WIDTHS[width]['width']}")


def test_on_a_phone_the_intro_comes_first_and_the_settings_work_by_keyboard(open_page):  # noqa: F811
    page = open_page("", viewport=WIDTHS["phone"]).page
    page.wait_for_selector("text=Plan a path into AI research")
    settings = top(page, "#settings")
    assert top(page, ".empty h1") < settings and top(page, ".empty .examples") < settings
    # On the landing page the goal search, the next step, is open below the examples.
    assert page.locator("#goal-input").is_visible()
    assert no_horizontal_overflow(page)

    # A shared plan folds them; the header's Settings link opens them, from the keyboard.
    page.goto(page.url.split("?")[0] + f"?{SHARED}")
    wait_for_plan(page)
    assert page.locator("#goal-input").is_hidden()
    for _ in range(12):  # skip link, brand, the views' links, then Settings
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "nav-settings":
            break
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "goal-input"
    assert page.locator("#settings").evaluate("d => d.open")
    page.keyboard.type("kv cache")
    page.wait_for_selector("#goal-input-results [role=option], #goal-input-results [role=gridcell]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_function("new URLSearchParams(location.search).getAll('goal').length === 3")
    wait_for_plan(page)
    assert page.locator("#settings").evaluate("d => d.open")  # editing leaves them open

    # The toggle folds and opens them with the keyboard; the fields take a new budget.
    page.focus("#settings-toggle")
    page.keyboard.press("Enter")
    assert not page.locator("#settings").evaluate("d => d.open")
    page.keyboard.press("Enter")
    assert page.locator("#settings").evaluate("d => d.open")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "goal-input"
    page.focus("#budget")
    page.keyboard.press("Control+A")
    page.keyboard.type("30h")
    page.keyboard.press("Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('budget') === '30h'")
    wait_for_plan(page)
    assert url_params(page)["budget"] == ["30h"]
    assert top(page, "ol.steps > li") < top(page, "#settings")
    assert no_horizontal_overflow(page)
