// Pieces more than one view shows: links to nodes, errors with suggestions, demo status and
// claims, checklist items, diagrams loaded from the API.

import { getJSON, getText } from "./api.js";
import { importSvg, zoomable } from "./diagram.js";
import { day, h, number } from "./dom.js";
import { checkKey, isTicked, setTicked } from "./store.js";

/** A link to a concept's or paper's page, handled in the page (see app.js's click handler). */
export function nodeLink(ctx, id, title, kind) {
  const view = (kind ?? ctx.titles.kind(id)) === "paper" ? "paper" : "concept";
  return h("a", { href: ctx.urlFor({ view, id }), "data-nav": view }, title ?? ctx.titleOf(id));
}

/** An API error in words, with its did-you-mean suggestions as buttons that apply them. */
export function problemBox(problem, { title, onSuggestion }) {
  const box = h(
    "div",
    { class: "problem", role: "alert" },
    h("p", { class: "problem-title" }, title),
    h("p", {}, sentence(problem.message)),
  );
  if (problem.field) box.append(h("p", { class: "hint" }, `Field: ${problem.field}`));
  if (problem.suggestions?.length && onSuggestion) {
    box.append(
      h(
        "div",
        { class: "suggestions" },
        h("span", {}, "Did you mean "),
        problem.suggestions.map((id) =>
          h(
            "button",
            { type: "button", class: "button small", onclick: () => onSuggestion(id) },
            id,
          ),
        ),
      ),
    );
  }
  return box;
}

function sentence(text) {
  const trimmed = String(text ?? "Something went wrong").trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** A demo's verification per device kind, as badges: "cpu: 11/11 claims pass, fresh". */
export function demoStatus(status) {
  const devices = Object.entries(status ?? {}).filter(([, s]) => s.freshness !== "missing");
  if (!devices.length) return h("span", { class: "badge" }, "not verified yet");
  return devices.map(([device, s]) => {
    const good = s.passed && s.freshness === "fresh";
    const verdict = s.passed ? "pass" : "fail";
    const text = `${device}: ${s.claims_passed}/${s.claims} claims ${verdict}`;
    const when = s.date ? `, ${day(s.date)}` : "";
    const note = s.freshness === "stale" ? " (stale: the demo changed since)" : "";
    return h(
      "span",
      { class: `badge ${good ? "ok" : "warn"}` },
      `${good ? "✓" : "!"} ${text}${note}${when}`,
    );
  });
}

/** The demo's claims with the values measured in each device's record (GET /v1/demos/{id}). */
export async function demoClaims(demoId) {
  const demo = await getJSON(`/v1/demos/${encodeURIComponent(demoId)}`);
  const records = Object.entries(demo.records ?? {});
  if (!records.length) {
    return h(
      "p",
      { class: "hint" },
      "No verification record yet: run the demo to measure its claims.",
    );
  }
  return h(
    "div",
    { class: "claims" },
    h("p", {}, demo.title),
    records.map(([device, record]) => [
      h(
        "h4",
        {},
        `Measured on ${device}`,
        record.date ? `, ${day(record.date)}` : "",
        record.environment?.torch ? ` (torch ${record.environment.torch})` : "",
      ),
      h("ul", { class: "claim-list" }, (record.checks ?? []).map(claim)),
    ]),
  );
}

function claim(check) {
  const verdict = check.illustration
    ? check.ok
      ? "illustration: holds by construction, not counted as a claim"
      : "✗ illustration does not hold"
    : check.negative
      ? check.ok
        ? "✓ negative control: the broken variant fails this check, as it must"
        : "✗ negative control passed"
      : check.ok
        ? "✓ holds"
        : "✗ does not hold";
  return h(
    "li",
    { class: check.ok ? "claim ok" : "claim bad" },
    h("span", { class: "claim-text" }, check.claim),
    h(
      "span",
      { class: "claim-meta" },
      [
        verdict,
        `measured ${number(check.measured)}`,
        `threshold ${check.threshold}`,
        check.dtype,
      ].join(" · "),
    ),
    check.note ? h("span", { class: "hint" }, check.note) : null,
  );
}

/** A "Claims and measured values" disclosure that loads the demo the first time it opens. */
export function claimsDisclosure(demoId) {
  const body = h("div", { class: "claims-body" }, h("p", { class: "hint" }, "Loading…"));
  const details = h(
    "details",
    { class: "claims-details" },
    h("summary", {}, "Claims and measured values"),
    body,
  );
  details.addEventListener("toggle", () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "yes";
    demoClaims(demoId).then(
      (content) => body.replaceChildren(content),
      (error) =>
        body.replaceChildren(
          h("p", { class: "problem" }, `Could not load the demo: ${error.message}`),
        ),
    );
  });
  return details;
}

/** One checklist question with a checkbox whose tick this browser remembers. */
export function checkItem(nodeId, question, onChange) {
  const key = checkKey(nodeId, question);
  const box = h("input", { type: "checkbox", class: "check", "data-key": key });
  box.checked = isTicked(key);
  box.addEventListener("change", () => {
    setTicked(key, box.checked);
    onChange?.();
  });
  return h("li", {}, h("label", { class: "check-label" }, box, h("span", {}, question)));
}

/**
 * A diagram from the API as a zoomable figure, or why it could not be drawn. `focus(svg)`
 * picks the node a small screen starts on.
 */
export async function diagramFigure(ctx, path, params, { label, focus, signal }) {
  const onNode = (id) =>
    ctx.navigate({ view: ctx.titles.kind(id) === "paper" ? "paper" : "concept", id });
  try {
    const svg = importSvg(await getText(path, params, signal));
    if (!svg) throw new Error("the diagram was not an SVG");
    return zoomable(svg, { label, onNode, focus });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    return h("p", { class: "problem" }, `The diagram could not be drawn: ${error.message}`);
  }
}

/** The diagram node of `id` (Graphviz titles each node's group with its id). */
export function nodeById(id) {
  return (svg) =>
    [...svg.querySelectorAll("g.node")].find((g) => g.querySelector("title")?.textContent === id);
}
