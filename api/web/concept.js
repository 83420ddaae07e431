// A concept's page (GET /v1/concepts/{id}) and a paper's (GET /v1/papers/{id}): what it is,
// what it needs and unlocks, its neighbourhood diagram, and buttons to plan for it.

import { getJSON } from "./api.js";
import { externalLink, h, minutes, section } from "./dom.js";
import {
  checkItem,
  demoClaims,
  demoStatus,
  diagramFigure,
  nodeById,
  nodeLink,
  problemBox,
} from "./widgets.js";

// The latest page asked for: an answer for any other (or arriving after the reader moved to
// another view) is dropped rather than shown over what they are looking at now.
let current = null;
const stale = (main, mine) => mine !== current || main.dataset.place !== mine.description;

/**
 * Shows concept `id`'s page; falls back to the paper page when the id is a paper's.
 * When the page shown is already this one (a goal or known toggled), only its buttons change.
 */
export async function renderConcept(main, state, ctx) {
  const id = state.id;
  if (refreshButtons(main, "concept", state, ctx)) return;
  const mine = loading(main);
  try {
    const diagram = neighbourhood(id, ctx); // drawn while the concept loads
    const concept = await getJSON(`/v1/concepts/${encodeURIComponent(id)}`);
    if (stale(main, mine)) return;
    ctx.titles.remember([
      { ...concept, kind: "concept" },
      ...concept.prerequisites,
      ...concept.dependents,
      ...concept.recommended,
      ...concept.papers,
    ]);
    const page = await conceptPage(concept, await diagram, state, ctx);
    if (stale(main, mine)) return;
    main.replaceChildren(page);
    document.title = `${concept.title} · Syllabus`;
    ctx.announce(`${concept.title}: concept page.`);
  } catch (error) {
    if (stale(main, mine)) return;
    if (error.status === 404 && (await isPaper(id)))
      return ctx.navigate({ view: "paper", id }, { replace: true });
    showProblem(main, error, "concept", ctx);
  }
}

export async function renderPaper(main, state, ctx) {
  const id = state.id;
  if (refreshButtons(main, "paper", state, ctx)) return;
  const mine = loading(main);
  try {
    const diagram = neighbourhood(id, ctx);
    const paper = await getJSON(`/v1/papers/${encodeURIComponent(id)}`);
    if (stale(main, mine)) return;
    ctx.titles.remember([{ ...paper, kind: "paper" }, ...paper.teaches, ...paper.prerequisites]);
    const page = paperPage(paper, await diagram, state, ctx);
    if (stale(main, mine)) return;
    main.replaceChildren(page);
    document.title = `${paper.title} · Syllabus`;
    ctx.announce(`${paper.title}: paper page.`);
  } catch (error) {
    if (stale(main, mine)) return;
    showProblem(main, error, "paper", ctx);
  }
}

function loading(main) {
  current = Symbol(main.dataset.place);
  const placeholder = h("h1", { tabindex: "-1" }, "Loading…");
  main.replaceChildren(h("div", { "aria-busy": "true" }, placeholder));
  return current;
}

async function isPaper(id) {
  try {
    await getJSON(`/v1/papers/${encodeURIComponent(id)}`);
    return true;
  } catch {
    return false;
  }
}

function showProblem(main, error, kind, ctx) {
  main.replaceChildren(
    h("h1", { tabindex: "-1" }, `No such ${kind}`),
    problemBox(error, {
      title: `The ${kind} could not be shown`,
      onSuggestion: (id) => ctx.navigate({ view: kind, id }),
    }),
  );
}

async function conceptPage(c, diagram, state, ctx) {
  const demo = c.demo ? await demoSection(c) : null;
  const meta = [
    c.category_title ?? c.category,
    c.level,
    `${minutes(c.minutes)} at study depth`,
  ];
  return h(
    "article",
    { class: "node-page", "data-view": "concept", "data-id": c.id },
    h("p", { class: "kicker" }, "Concept"),
    h("h1", { tabindex: "-1" }, c.title),
    h(
      "p",
      { class: "badges" },
      meta.map((m) => h("span", { class: "badge" }, m)),
    ),
    h("p", { class: "summary" }, c.summary),
    c.aliases.length ? h("p", { class: "hint" }, "Also called: ", c.aliases.join("; ")) : null,
    planButtons(c, state, ctx),
    h(
      "div",
      { class: "columns" },
      refs("Prerequisites", c.prerequisites, ctx, "None: a place to start."),
      refs("Needed by", c.dependents, ctx, "Nothing in the graph requires it yet."),
      c.recommended.length ? refs("Recommended first", c.recommended, ctx) : null,
    ),
    section(
      "Neighbourhood",
      h(
        "p",
        { class: "hint" },
        "Its direct prerequisites above it, what needs it below. Click a box to open it.",
      ),
      diagram,
    ),
    refs("Papers", c.papers, ctx, "No papers listed."),
    depthsSection(c.depths),
    resourcesSection(c.resources),
    c.checklist.length
      ? section(
          "Checklist",
          h(
            "p",
            { class: "hint" },
            "Ticks are remembered in this browser, here and in any plan with this step.",
          ),
          h(
            "ul",
            { class: "checklist-items" },
            c.checklist.map((q) => checkItem(c.id, q)),
          ),
        )
      : null,
    c.activity ? section("Activity", h("p", {}, c.activity)) : null,
    demo,
  );
}

function paperPage(p, diagram, state, ctx) {
  const depths = Object.entries(p.minutes)
    .map(([depth, m]) => `${depth}: ${minutes(m)}`)
    .join(", ");
  return h(
    "article",
    { class: "node-page", "data-view": "paper", "data-id": p.id },
    h("p", { class: "kicker" }, "Paper"),
    h("h1", { tabindex: "-1" }, p.title),
    h("p", {}, `${p.authors}, ${p.year}. ${p.venue}.`),
    h(
      "p",
      { class: "badges" },
      [`priority: ${p.priority}`, `phase: ${p.phase}`, `read: ${p.depth}`].map((m) =>
        h("span", { class: "badge" }, m),
      ),
    ),
    p.link ? h("p", {}, externalLink(p.link, p.arxiv ? `arXiv ${p.arxiv}` : "The paper")) : null,
    section(
      "How to read it",
      h("p", {}, p.advice),
      h("p", { class: "hint" }, `Time by depth: ${depths}.`),
    ),
    planButtons({ ...p, kind: "paper" }, state, ctx),
    h(
      "div",
      { class: "columns" },
      refs("Teaches", p.teaches, ctx, "Nothing listed."),
      refs("Builds on", p.prerequisites, ctx, "No prerequisites listed."),
    ),
    section("Neighbourhood", diagram),
  );
}

function refreshButtons(main, view, state, ctx) {
  const page = main.querySelector(".node-page");
  if (!page || page.dataset.view !== view || page.dataset.id !== state.id) return false;
  const old = page.querySelector(".actions");
  const focused = [...old.querySelectorAll("button")].indexOf(document.activeElement);
  const node = { id: state.id, title: ctx.titleOf(state.id), kind: view };
  const fresh = planButtons(node, state, ctx);
  old.replaceWith(fresh);
  if (focused >= 0) fresh.querySelectorAll("button")[focused].focus();
  return true;
}

/** "Add as goal" and "I know this", or their undoing when already done. */
function planButtons(node, state, ctx) {
  const isGoal = state.goals.includes(node.id);
  const isKnown = state.known.includes(node.id);
  const status = [isGoal ? "One of your goals." : "", isKnown ? "Marked as known." : ""]
    .join(" ")
    .trim();
  return h(
    "div",
    { class: "actions" },
    h(
      "button",
      {
        type: "button",
        class: "button",
        onclick: () => (isGoal ? ctx.removeGoal(node.id) : ctx.addGoal(node)),
      },
      isGoal ? "Remove from goals" : "Add as goal",
    ),
    h(
      "button",
      {
        type: "button",
        class: "button secondary",
        onclick: () => (isKnown ? ctx.removeKnown(node.id) : ctx.addKnown(node)),
      },
      isKnown ? "I don't know this yet" : "I know this",
    ),
    status ? h("span", { class: "hint" }, status) : null,
    state.goals.length
      ? h("a", { href: ctx.urlFor({ view: "plan" }), "data-nav": "plan" }, "Back to the plan")
      : null,
  );
}

function refs(title, items, ctx, empty) {
  const body = items.length
    ? h(
        "ul",
        { class: "refs" },
        items.map((r) => h("li", {}, nodeLink(ctx, r.id, r.title, r.kind))),
      )
    : h("p", { class: "hint" }, empty);
  return section(title, body);
}

/** What each study depth assigns, deepest first, each line with its minutes. */
function depthsSection(depths) {
  if (!depths.length) return null;
  return section(
    "Study depths",
    h(
      "dl",
      { class: "depths" },
      depths.map((d) =>
        h(
          "div",
          {},
          h("dt", {}, `${d.depth} (${minutes(d.minutes)})`),
          h(
            "dd",
            {},
            h(
              "ul",
              {},
              d.material.map((m) => h("li", {}, m.url ? externalLink(m.url, m.text) : m.text)),
            ),
          ),
        ),
      ),
    ),
  );
}

function resourcesSection(resources) {
  if (!resources.length) return null;
  return section(
    "Resources",
    h(
      "ul",
      { class: "resources" },
      resources.map((r) =>
        h(
          "li",
          {},
          externalLink(r.url, r.title),
          ` (${r.kind}, ${minutes(r.minutes)}${r.length ? `: ${r.length}` : ""}${r.free ? ", free" : ", paid"})`,
        ),
      ),
    ),
  );
}

async function demoSection(c) {
  let claims;
  try {
    claims = await demoClaims(c.demo);
  } catch (error) {
    claims = h("p", { class: "hint" }, `No demo details: ${error.message}`);
  }
  return section(
    "Demo",
    h("p", {}, h("code", {}, c.demo), ": ", demoStatus(c.demo_status)),
    claims,
  );
}

function neighbourhood(id, ctx) {
  const params = { focus: id, depth: 1, direction: "both", format: "svg" };
  return diagramFigure(ctx, "/v1/graph", params, {
    label: "Neighbourhood diagram",
    focus: nodeById(id),
  });
}
