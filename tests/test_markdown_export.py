"""The Markdown checklist read back with a real CommonMark renderer (markdown-it-py): no
title reaches the HTML as markup, every title comes back as exactly its text on one line,
and every resource and paper links where the data says. The hostile graph on both tracks,
and the built-in graph on each track."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt

from graph import load_graph
from graph.material import Material
from graph.taxonomy import Track
from planner.checklist import (
    checklist_markdown,
    fold_lines,
    markdown_link,
    markdown_text,
    material_markdown,
)
from planner.material import action
from planner.plan import Plan, make_plan
from planner.request import PlanRequest
from tests.helpers import REPO
from tests.hostile import HOSTILE_TITLES, hostile_graph, hostile_plan

RENDER = MarkdownIt("commonmark")
"""CommonMark as the spec has it: raw HTML on, as most renderers have it."""
ALLOWED_TAGS = {"h1", "h2", "h3", "p", "ul", "li", "a"}
"""Every element the checklist's own Markdown makes: anything else came from the data."""


class Page(HTMLParser):
    """The rendered HTML as blocks: each heading, paragraph and list item with its text and
    links, and every tag met."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.blocks: list[tuple[str, str, list[tuple[str, str]]]] = []  # (tag, text, links)
        self._open: list[tuple[str, list[str], list[tuple[str, str]]]] = []
        self._href: str | None = None
        self._label: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in {"h1", "h2", "h3", "p", "li"}:
            self._open.append((tag, [], []))
        if tag == "a":
            self._href, self._label = dict(attrs).get("href") or "", []

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self._open[-1][2].append(("".join(self._label), self._href or ""))
            self._href = None
        if self._open and self._open[-1][0] == tag:
            name, text, links = self._open.pop()
            # CommonMark has no task lists: a checklist item's box is text before the item.
            self.blocks.append((name, "".join(text).removeprefix("[ ] "), links))

    def handle_data(self, data):
        for _, text, _ in self._open:
            text.append(data)
        if self._href is not None:
            self._label.append(data)

    def headings(self) -> list[str]:
        return [text for tag, text, _ in self.blocks if tag == "h3"]

    def links(self) -> list[tuple[str, str]]:
        return [link for _, _, links in self.blocks for link in links]


def rendered(plan: Plan) -> tuple[str, str, Page]:
    markdown = checklist_markdown(plan)
    html = RENDER.render(markdown)
    page = Page()
    page.feed(html)
    return markdown, html, page


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_graph(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module", params=list(Track))
def hostile_rendered(request, hostile):
    plan = hostile_plan(hostile, request.param)
    return hostile, plan, *rendered(plan)


@pytest.fixture(scope="module")
def graph():
    return load_graph(REPO, cache_dir=None)


def expected_href(url: str) -> str:
    """What a link to ``url`` must lead to, compared as decoded text."""
    return unquote(url)


def assert_faithful(graph, plan: Plan, markdown: str, page: Page) -> None:
    """The invariants every export must keep, whatever the titles say."""
    assert set(page.tags) <= ALLOWED_TAGS, set(page.tags) - ALLOWED_TAGS
    # One heading per step, each on one line of the Markdown and with the exact title.
    heading_lines = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert len(heading_lines) == len(plan.steps) == len(page.headings())
    for step, heading in zip(plan.steps, page.headings(), strict=True):
        assert heading.startswith(f"{step.number}. {fold_lines(step.title)} (")
    texts = [text for _, text, _ in page.blocks]
    links = page.links()
    for step in plan.steps:
        for item in step.checklist:
            assert fold_lines(item) in texts
        if step.advice:
            assert f"Focus: {fold_lines(step.advice)}" in texts
        for piece in step.material:
            if piece.url is None:
                continue  # questions, a demo, a concept's given minutes: no address
            # The piece's title, linked to its address, in its own list item.
            link = (fold_lines(piece.title), expected_href(piece.url))
            assert link in [(label, unquote(href)) for label, href in links], link
            more = ")" if piece.minutes is None or piece.seen_in is not None else ", "
            line = f"{action(piece)} {fold_lines(piece.title)} ({piece.kind}{more}"
            assert any(text.startswith(line) for text in texts), line
        if step.kind == "paper":
            paper = graph.papers[step.id]
            page_url = (
                f"https://arxiv.org/abs/{paper.arxiv}" if paper.arxiv is not None else paper.url
            )
            # The heading links the title to the paper's page, as its reading line does.
            assert (fold_lines(step.title), page_url) in links
            assert step.material[0].url == page_url


def test_hostile_titles_render_as_text_never_as_markup(hostile_rendered):
    graph, plan, markdown, html, page = hostile_rendered
    for needle in ("<script", "<b>", "<img", "<i>", "<em>", "</title>", "<2>", "<this>"):
        assert needle not in html, needle
    assert_faithful(graph, plan, markdown, page)
    texts = [text for _, text, _ in page.blocks]
    for title in HOSTILE_TITLES.values():  # every hostile title, exactly, in its heading
        assert any(f". {fold_lines(title)} (" in text for text in page.headings()), title
        assert f"Study {fold_lines(title)} (20 min)" in texts
    resource = '"><img src=x onerror=alert(1)>'
    assert (resource, "https://example.com/a?b=1&c=<2>") in [
        (label, unquote(href)) for label, href in page.links()
    ]
    # A title with a newline stays on its heading's line.
    assert "### 4. First line Second line (20 min, study depth)" in markdown.splitlines()


def test_hostile_paper_links_to_its_arxiv_page(hostile_rendered):
    graph, plan, _, html, page = hostile_rendered
    papers = [s for s in plan.steps if s.kind == "paper"]
    assert papers if plan.track is Track.PAPER else not papers
    for step in papers:
        title = graph.papers[step.id].title
        assert (title, "https://arxiv.org/abs/1706.03762") in page.links()
        assert 'href="https://arxiv.org/abs/1706.03762"' in html


@pytest.mark.parametrize("track", list(Track))
def test_built_in_graph_checklist_on_each_track(graph, track):
    goals = ["gpt"] if track is Track.LIGHTWEIGHT else ["direct-preference-optimisation"]
    plan = make_plan(graph, PlanRequest(goals=goals, track=track))
    markdown, _, page = rendered(plan)
    assert_faithful(graph, plan, markdown, page)
    linked = [m for s in plan.steps for m in s.material if m.url is not None]
    assert linked and all(unquote(href).startswith("https://") for _, href in page.links())
    if track is Track.PAPER:
        assert any(s.kind == "paper" for s in plan.steps)


def test_a_preset_with_its_sections(graph):
    plan = make_plan(graph, PlanRequest(goals=["researcher-path"], budget_minutes=180))
    markdown, _, page = rendered(plan)
    assert_faithful(graph, plan, markdown, page)
    assert plan.sections
    h2 = [text for tag, text, _ in page.blocks if tag == "h2"]
    for section in plan.sections:
        if section.steps:
            assert any(f": {fold_lines(section.title or 'Untitled')} (" in t for t in h2)


def test_steps_left_out_by_a_budget(graph):
    plan = make_plan(graph, PlanRequest(goals=["attention", "gpt"], budget_minutes=200))
    markdown, _, page = rendered(plan)
    assert_faithful(graph, plan, markdown, page)
    assert plan.dropped
    items = [text for tag, text, _ in page.blocks if tag == "li"]
    for dropped in plan.dropped:
        assert any(text.startswith(f"{fold_lines(dropped.title)} (") for text in items)


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "*emphasis* _too_ `code` [link](x) ![img](y) <b>tag</b> &amp; &copy; \\*",
        "# heading?",
        "- a list",
        "+ a list",
        "> a quote",
        "1. ordered",
        "12) ordered",
        "    indented code",
        "\tindented",
        "=== underline",
        "ends with a backslash \\",
        "closing hashes ##",
        "a | table | row",
        "~~struck~~ $math$",
        "line\nbreak\r\nand\rmore\u2028here",
        "<!-- comment --> <?pi?> <![CDATA[x]]> <https://autolink.example>",
    ],
)
def test_any_text_renders_as_exactly_itself_even_at_a_line_start(text):
    escaped = markdown_text(text)
    assert "\n" not in escaped
    for line in (escaped, f"- {escaped}", f"### {escaped} (1 min)"):
        page = Page()
        page.feed(RENDER.render(line))
        assert len(page.blocks) == 1, (line, page.blocks)  # one block: nothing opened another
        _, shown, links = page.blocks[0]
        assert set(page.tags) <= ALLOWED_TAGS and not links, page.tags
        assert shown.removesuffix(" (1 min)") == fold_lines(text), (line, shown)


def test_control_characters_never_reach_the_markdown():
    assert markdown_text("a\x00b\x1bc\x7fd\x9ff\tg") == "abcdf\tg"
    assert markdown_text("a\x85b") == "a b"  # NEL is a line break: it folds


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a?b=1&c=<2>",
        "https://en.wikipedia.org/wiki/Transformer_(machine_learning_model)",
        "https://example.com/a b)c(d",
        "https://example.com/x\\y&amp;z>w",
        "HTTP://EXAMPLE.COM/upper",
    ],
)
def test_links_lead_exactly_where_the_url_says(url):
    page = Page()
    page.feed(RENDER.render(f"- {markdown_link('a [title]', url)} (blog)"))
    assert page.links() == [("a [title]", page.links()[0][1])]
    assert unquote(page.links()[0][1]) == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.com", " https://x"]
)
def test_only_http_links(url):
    assert markdown_link("t", url) == "t"
    material = Material("blog", "t", url, 5)
    assert material_markdown(material) == "Read t (5 min)"
    assert re.search(r"\]\(", material_markdown(material)) is None
