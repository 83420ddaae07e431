// The whole field at a glance: the map (GET /v1/graph?papers=false, every concept in a
// cluster per category, prerequisites left of what needs them) and the concept index (every
// concept by category and level). Both lead to a concept's page, and the index adds it as a
// goal or marks it known in place; the learner's goals and known concepts show on both.

import { getJSON, getText } from "./api.js";
import { importSvg } from "./diagram.js";
import { h, minutes } from "./dom.js";
import { problemBox } from "./widgets.js";

// Graphviz sets labels in 11 units: at this zoom (CSS pixels per unit) they are 12 px.
const READABLE = 1.1;
const MAX_ZOOM = 3;
const ZOOM_STEP = 1.25;
const LEVELS = ["beginner", "intermediate", "advanced"];
const LEVEL_TITLES = { beginner: "Beginner", intermediate: "Intermediate", advanced: "Advanced" };

// The map and the index do not change while the page is open: fetched once per visit.
let mapText = null;
let indexData = null;
let current = null; // as in concept.js: only the latest view, and only while it is shown
const stale = (main, mine) => mine !== current || main.dataset.place !== mine.description;

// --- The map ------------------------------------------------------------------------------

/** The map of the field; when it is already shown (a goal or known changed), only its marks. */
export async function renderMap(main, state, ctx) {
  const shown = main.querySelector(".field-map .map-box svg");
  if (shown) return markNodes(shown, state, ctx);
  const mine = Symbol(main.dataset.place);
  current = mine;
  const body = h("div", { class: "map-body", "aria-busy": "true" }, h("p", {}, "Loading…"));
  main.replaceChildren(
    h(
      "div",
      { class: "field-map" },
      h("h1", { tabindex: "-1" }, "Map of the field"),
      h(
        "p",
        {},
        "Every concept, each category a box, prerequisites to the left of what needs them. " +
          "Tab through the concepts or click one to open it: there you can add it as a goal " +
          "or mark it known.",
      ),
      h(
        "p",
        { class: "hint" },
        "Highlighted: your goals. Faded: what you marked as known. A list instead: ",
        h("a", { href: ctx.urlFor({ view: "index" }), "data-nav": "index" }, "the concept index"),
        ".",
      ),
      body,
    ),
  );
  try {
    mapText ??= getText("/v1/graph", { papers: "false", format: "svg" }).catch((error) => {
      mapText = null; // a failure is not kept: the next visit asks again
      throw error;
    });
    const svg = importSvg(await mapText);
    if (stale(main, mine)) return;
    if (!svg) throw new Error("the map was not an SVG");
    const nodes = linkNodes(svg, ctx);
    markNodes(svg, state, ctx);
    const map = zoomableMap(svg);
    body.removeAttribute("aria-busy");
    body.replaceChildren(map.element);
    inTabOrder(nodes);
    map.start(...startNode(nodes, state));
    ctx.announce(`Map of the field: ${nodes.length} concepts.`);
  } catch (error) {
    if (stale(main, mine)) return;
    body.removeAttribute("aria-busy");
    body.replaceChildren(problemBox(error, { title: "The map could not be drawn" }));
  }
}

/** Makes each node a link to its concept's page, named by its full title; returns the nodes. */
function linkNodes(svg, ctx) {
  const nodes = [...svg.querySelectorAll("g.node")];
  for (const node of nodes) {
    const id = node.querySelector("title")?.textContent;
    if (!id) continue;
    // Graphviz wraps a node with a tooltip in <a xlink:title>; a sanitiser may have dropped it.
    let link = node.querySelector("a");
    if (!link) {
      link = document.createElementNS("http://www.w3.org/2000/svg", "a");
      link.append(...[...node.childNodes].filter((child) => child.localName !== "title"));
      node.append(link);
    }
    // The full title is the tooltip; a label may be cut short.
    const label = [...link.querySelectorAll("text")].map((t) => t.textContent).join(" ");
    const title = link.getAttributeNS("http://www.w3.org/1999/xlink", "title") || label || id;
    node.dataset.id = id;
    node.dataset.title = title;
    link.setAttribute("href", ctx.urlFor({ view: "concept", id }));
    link.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // new tab
      event.preventDefault();
      ctx.navigate({ view: "concept", id });
    });
  }
  const records = nodes.map((n) => ({ id: n.dataset.id, title: n.dataset.title, kind: "concept" }));
  ctx.titles.remember(records);
  return nodes;
}

/** Goals highlighted, known concepts faded, each said in the link's name as well. */
function markNodes(svg, state, ctx) {
  for (const node of svg.querySelectorAll("g.node[data-id]")) {
    const id = node.dataset.id;
    const goal = state.goals.includes(id);
    const known = state.known.includes(id);
    node.classList.toggle("is-goal", goal);
    node.classList.toggle("is-known", known);
    const status = goal ? ", one of your goals" : known ? ", marked as known" : "";
    node.querySelector("a")?.setAttribute("aria-label", `${node.dataset.title}${status}`);
    // Links carry the plan's state, which may have changed since they were made.
    node.querySelector("a")?.setAttribute("href", ctx.urlFor({ view: "concept", id }));
  }
}

/**
 * Puts the nodes in reading order for Tab (sorting `nodes` too): category by category, in the
 * taxonomy's order (Graphviz draws the clusters in it), and within one from prerequisites to
 * what builds on them (left to right), top to bottom within a column. Graphviz's own order
 * jumps between categories. Needs the map on the page: it measures where things are drawn.
 */
function inTabOrder(nodes) {
  if (!nodes.length) return;
  const svg = nodes[0].ownerSVGElement;
  const clusters = [...svg.querySelectorAll("g.cluster")].map((c) => c.getBBox());
  const keyOf = (node) => {
    const b = node.getBBox();
    const [x, y] = [b.x + b.width / 2, b.y + b.height / 2];
    const inside = (c) => x >= c.x && x <= c.x + c.width && y >= c.y && y <= c.y + c.height;
    const cluster = clusters.findIndex(inside);
    return [cluster < 0 ? clusters.length : cluster, Math.round(x), y];
  };
  const keys = new Map(nodes.map((node) => [node, keyOf(node)]));
  const compare = (a, b) => {
    const [ka, kb] = [keys.get(a), keys.get(b)];
    return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
  };
  nodes.sort(compare);
  // Drawn after the edges now, which end at their borders: the picture does not change.
  for (const node of nodes) node.parentNode.append(node);
}

/** Where the map opens: on the first goal, or at its left edge (where the field starts: the
 * prerequisites of everything) level with the first concept in Tab order. */
function startNode(nodes, state) {
  const goal = nodes.find((n) => state.goals.includes(n.dataset.id));
  return goal ? [goal, false] : [nodes[0] ?? null, true];
}

/**
 * The map in a box that scrolls (the browser's own scrolling, panning and focus scrolling)
 * and zooms by resizing the drawing: buttons, and + / - / 0 anywhere in the box.
 */
function zoomableMap(svg) {
  const base = viewBoxOf(svg);
  let zoom = READABLE;
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", "Concepts by category");
  svg.querySelector(":scope > g > title")?.remove(); // Graphviz's "syllabus" tooltip
  const box = h(
    "div",
    {
      class: "map-box",
      tabindex: "0",
      role: "region",
      "aria-label": "Map of the field. Arrow keys scroll, plus and minus zoom, 0 resets.",
    },
    svg,
  );
  const level = h("output", { class: "zoom-level", "aria-live": "polite" }, "");
  const fit = () => Math.min(READABLE, box.clientWidth / base.w, box.clientHeight / base.h);

  /** Sets the zoom, keeping the point at the box's centre where it was. */
  function setZoom(next) {
    const target = Math.min(MAX_ZOOM, Math.max(fit() || 0.1, next));
    const cx = (box.scrollLeft + box.clientWidth / 2) / zoom;
    const cy = (box.scrollTop + box.clientHeight / 2) / zoom;
    zoom = target;
    size();
    box.scrollLeft = cx * zoom - box.clientWidth / 2;
    box.scrollTop = cy * zoom - box.clientHeight / 2;
  }

  function size() {
    svg.setAttribute("width", String(Math.round(base.w * zoom)));
    svg.setAttribute("height", String(Math.round(base.h * zoom)));
    level.textContent = `${Math.round((zoom / READABLE) * 100)}%`;
    box.dataset.zoom = zoom.toFixed(3);
  }

  const button = (text, name, onclick) =>
    h("button", { type: "button", class: "button small", "aria-label": name, onclick }, text);
  const tools = h(
    "div",
    { class: "diagram-tools", role: "toolbar", "aria-label": "Map: zoom" },
    button("+", "Zoom in", () => setZoom(zoom * ZOOM_STEP)),
    button("−", "Zoom out", () => setZoom(zoom / ZOOM_STEP)),
    button("Whole map", null, () => setZoom(0)),
    button("Reset", "Reset to readable size", () => setZoom(READABLE)),
    level,
  );
  box.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // the browser's own zoom
    const keys = {
      "+": () => setZoom(zoom * ZOOM_STEP),
      "=": () => setZoom(zoom * ZOOM_STEP),
      "-": () => setZoom(zoom / ZOOM_STEP),
      0: () => setZoom(READABLE),
    };
    if (!(event.key in keys)) return;
    event.preventDefault();
    keys[event.key]();
  });
  // Focus scrolls a node only until part of it shows: bring all of it in, with a margin.
  box.addEventListener("focusin", (event) => {
    const node = event.target.closest?.("g.node");
    if (!node) return;
    const margin = 16;
    const r = node.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    const right = b.left + box.clientWidth;
    const bottom = b.top + box.clientHeight;
    if (r.left < b.left + margin) box.scrollLeft -= b.left + margin - r.left;
    else if (r.right > right - margin) box.scrollLeft += r.right - (right - margin);
    if (r.top < b.top + margin) box.scrollTop -= b.top + margin - r.top;
    else if (r.bottom > bottom - margin) box.scrollTop += r.bottom - (bottom - margin);
  });
  size();

  /** Scrolls `node` to the middle of the box, or only level with it at the left edge. */
  function start(node, leftEdge) {
    if (!node) return;
    const r = node.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    if (leftEdge) box.scrollLeft = 0;
    else box.scrollLeft += r.left + r.width / 2 - (b.left + box.clientWidth / 2);
    box.scrollTop += r.top + r.height / 2 - (b.top + box.clientHeight / 2);
  }
  return { element: h("div", { class: "diagram" }, tools, box), start };
}

function viewBoxOf(svg) {
  const numbers = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
  if (numbers.length === 4 && numbers.every(Number.isFinite) && numbers[2] > 0 && numbers[3] > 0) {
    return { w: numbers[2], h: numbers[3] };
  }
  const size = (name) => parseFloat(svg.getAttribute(name)) || 100;
  return { w: size("width"), h: size("height") };
}

// --- The index ----------------------------------------------------------------------------

/** Every concept by category (the taxonomy's order) and level, with goal and known buttons. */
export async function renderIndex(main, state, ctx) {
  if (refreshIndex(main, state, ctx)) return;
  const mine = Symbol(main.dataset.place);
  current = mine;
  const body = h("div", { class: "index-body", "aria-busy": "true" }, h("p", {}, "Loading…"));
  main.replaceChildren(
    h(
      "div",
      { class: "field-index" },
      h("h1", { tabindex: "-1" }, "Concept index"),
      h(
        "p",
        {},
        "Every concept by category and level, with the time of its material at study depth. " +
          "The same field as a picture: ",
        h("a", { href: ctx.urlFor({ view: "map" }), "data-nav": "map" }, "the map"),
        ".",
      ),
      body,
    ),
  );
  try {
    indexData ??= loadIndex().catch((error) => {
      indexData = null;
      throw error;
    });
    const { categories, concepts } = await indexData;
    if (stale(main, mine)) return;
    ctx.titles.remember(concepts.map((c) => ({ id: c.id, title: c.title, kind: "concept" })));
    body.removeAttribute("aria-busy");
    body.replaceChildren(...indexBody(categories, concepts, state, ctx));
    ctx.announce(`Concept index: ${concepts.length} concepts in ${categories.length} categories.`);
  } catch (error) {
    if (stale(main, mine)) return;
    body.removeAttribute("aria-busy");
    body.replaceChildren(problemBox(error, { title: "The index could not be loaded" }));
  }
}

/** The categories and every concept, a page of 100 at a time, the pages fetched together. */
async function loadIndex() {
  const perPage = 100;
  const categories = getJSON("/v1/categories");
  const first = await getJSON("/v1/concepts", { per_page: perPage, page: 1 });
  const pages = Math.ceil(first.total / perPage);
  const rest = await Promise.all(
    Array.from({ length: pages - 1 }, (_, i) =>
      getJSON("/v1/concepts", { per_page: perPage, page: i + 2 }),
    ),
  );
  return { categories: await categories, concepts: [first, ...rest].flatMap((p) => p.items) };
}

function indexBody(categories, concepts, state, ctx) {
  const sections = categories.map((category) => {
    const members = concepts.filter((c) => c.category === category.id);
    const levels = LEVELS.map((level) => [
      level,
      members
        .filter((c) => c.level === level)
        .sort((a, b) => a.title.localeCompare(b.title, "en")),
    ]).filter(([, items]) => items.length);
    const headingId = `index-${category.id}`;
    return h(
      "section",
      { class: "card index-category", "aria-labelledby": headingId },
      h("h2", { id: headingId, tabindex: "-1" }, `${category.title} (${members.length})`),
      levels.map(([level, items]) => [
        h("h3", {}, LEVEL_TITLES[level]),
        h(
          "ul",
          { class: "index-list" },
          items.map((c) => indexItem(c, state, ctx)),
        ),
      ]),
    );
  });
  const contents = h(
    "nav",
    { class: "index-contents", "aria-label": "Categories" },
    h(
      "ul",
      {},
      categories.map((category) =>
        h(
          "li",
          {},
          h(
            "a",
            {
              href: `#index-${category.id}`,
              onclick: (event) => {
                // To the category without a new URL: the page's URL is its state.
                event.preventDefault();
                const heading = document.getElementById(`index-${category.id}`);
                heading.scrollIntoView({ block: "start" });
                heading.focus({ preventScroll: true });
              },
            },
            category.title,
          ),
        ),
      ),
    ),
  );
  return [contents, ...sections];
}

function indexItem(concept, state, ctx) {
  return h(
    "li",
    { class: "index-item", "data-id": concept.id, "data-title": concept.title },
    h(
      "span",
      { class: "index-name" },
      h(
        "a",
        { href: ctx.urlFor({ view: "concept", id: concept.id }), "data-nav": "concept" },
        concept.title,
      ),
      h("span", { class: "hint" }, ` ${minutes(concept.minutes)}`),
    ),
    itemActions(concept.id, concept.title, state, ctx),
  );
}

/** "Add as goal" and "I know this" for one concept, or their undoing, named with its title. */
function itemActions(id, title, state, ctx) {
  const isGoal = state.goals.includes(id);
  const isKnown = state.known.includes(id);
  const node = { id, title, kind: "concept" };
  const goalText = isGoal ? "Remove from goals" : "Add as goal";
  const knownText = isKnown ? "I don't know this yet" : "I know this";
  return h(
    "span",
    { class: "index-actions" },
    isGoal ? h("span", { class: "badge goal" }, "Goal") : null,
    isKnown ? h("span", { class: "badge ok" }, "Known") : null,
    h(
      "button",
      {
        type: "button",
        class: "button small",
        "aria-label": `${goalText}: ${title}`,
        onclick: () => (isGoal ? ctx.removeGoal(id) : ctx.addGoal(node)),
      },
      goalText,
    ),
    h(
      "button",
      {
        type: "button",
        class: "button small secondary",
        "aria-label": `${knownText}: ${title}`,
        onclick: () => (isKnown ? ctx.removeKnown(id) : ctx.addKnown(node)),
      },
      knownText,
    ),
  );
}

/** When the index is shown already, only the buttons change; focus stays on the one pressed. */
function refreshIndex(main, state, ctx) {
  const items = main.querySelectorAll(".field-index .index-item");
  if (!items.length) return false;
  for (const item of items) {
    const old = item.querySelector(".index-actions");
    const focused = [...old.querySelectorAll("button")].indexOf(document.activeElement);
    const fresh = itemActions(item.dataset.id, item.dataset.title, state, ctx);
    old.replaceWith(fresh);
    if (focused >= 0) fresh.querySelectorAll("button")[focused].focus();
  }
  return true;
}
