// "What can I learn next?": the fringe of the known set (GET /v1/next), concepts whose
// prerequisites are all known, by how much they unlock.

import { getJSON } from "./api.js";
import { h, minutes } from "./dom.js";
import { nodeLink, problemBox } from "./widgets.js";

const LIMIT = 20;
let current = null; // as in concept.js: only the latest list, and only while it is shown
const stale = (main, mine) => mine !== current || main.dataset.place !== mine.description;

export async function renderNext(main, state, ctx) {
  const mine = Symbol(main.dataset.place);
  current = mine;
  const heading = h("h1", { tabindex: "-1" }, "What can I learn next?");
  const intro = h(
    "p",
    {},
    state.known.length
      ? `Concepts whose prerequisites you know (${state.known.length} marked as known, with ` +
          "what they imply), the ones that unlock the most first."
      : "You have not marked anything as known yet, so these are the places to start: " +
          "concepts with no prerequisites, the ones that unlock the most first.",
  );
  const body = h("div", { "aria-busy": "true" }, h("p", {}, "Loading…"));
  main.replaceChildren(heading, intro, body);
  const params = new URLSearchParams();
  for (const id of state.known) params.append("known", id);
  params.set("limit", LIMIT);
  try {
    const found = await getJSON("/v1/next", params);
    if (stale(main, mine)) return;
    ctx.titles.remember(found.map((n) => ({ ...n, kind: "concept" })));
    body.removeAttribute("aria-busy");
    body.replaceChildren(
      found.length
        ? fringeList(found, state, ctx)
        : h("p", {}, "Nothing left: you know every concept's prerequisites."),
    );
    ctx.announce(`${found.length} concepts you can learn next.`);
  } catch (error) {
    if (stale(main, mine)) return;
    body.removeAttribute("aria-busy");
    body.replaceChildren(
      problemBox(error, {
        title: "The list could not be made",
        onSuggestion: ctx.suggestionFix(error),
      }),
    );
  }
}

function fringeList(found, state, ctx) {
  return h(
    "ol",
    { class: "fringe" },
    found.map((n) => {
      const isGoal = state.goals.includes(n.id);
      return h(
        "li",
        { class: "card fringe-item", "data-id": n.id },
        h("h2", {}, nodeLink(ctx, n.id, n.title, "concept")),
        h(
          "p",
          { class: "hint" },
          `${minutes(n.minutes)} · unlocks ${n.unlocks} concept${n.unlocks === 1 ? "" : "s"}`,
        ),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            {
              type: "button",
              class: "button small",
              disabled: isGoal,
              "aria-label": isGoal ? `${n.title} is a goal` : `Add as goal: ${n.title}`,
              onclick: () => ctx.addGoal({ ...n, kind: "concept" }),
            },
            isGoal ? "Goal ✓" : "Add as goal",
          ),
          h(
            "button",
            {
              type: "button",
              class: "button small secondary",
              "aria-label": `I know this: ${n.title}`,
              onclick: () => ctx.addKnown({ ...n, kind: "concept" }),
            },
            "I know this",
          ),
        ),
      );
    }),
  );
}
