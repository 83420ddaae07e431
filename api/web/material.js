// What a step card says to do: the material it assigns (each piece's title as a link, its
// kind and minutes, adding up to the step's time), for a paper the reading depth in words,
// what to focus on and the questions to answer, for a demo its source, the command that runs
// it and its verified claims. The Markdown and calendar exports say the same
// (planner/material.py's reading_guide and demo_guide).

import { apiUrl } from "./api.js";
import { externalLink, h, minutes } from "./dom.js";
import { claimsDisclosure, demoStatus } from "./widgets.js";

/** "reading closely": the depth a paper calls for, as a phrase. */
function calledFor(step) {
  return { close: "reading closely", selective: "reading selectively", skim: "a skim" }[
    step.called_for
  ];
}

/** What each reading depth asks: planner/material.py's READING_GUIDE, word for word. */
export const READING_GUIDE = {
  close:
    "Read closely: every section, working through the method's equations and the experiments " +
    "that support each claim.",
  selective:
    "Read selectively: the abstract, introduction, method and conclusion in full; skim the " +
    "related work and the experiments for the results the questions ask about.",
  skim:
    "Skim: the abstract, the figures and the conclusion, to know what the paper claims and " +
    "where to look later.",
};

/** planner/material.py's DEMO_COMMAND: `syllabus demos run <id>` (api/demos_cli.py). */
export function demoCommand(id) {
  return `syllabus demos run ${id}`;
}

/** planner/material.py's demo_source: the demo's module, "demos/kv_cache.py". */
export function demoFile(id) {
  return `demos/${id.replaceAll("-", "_")}.py`;
}

/**
 * The paper's reading depth in words, what to focus on and its reading questions: the top
 * of a paper step's card, before the material and the why-chain. Null for a concept.
 */
export function paperGuide(step) {
  if (step.kind !== "paper") return null;
  const guide = READING_GUIDE[step.depth];
  const [depth, ...rest] = (guide ?? "").split(": ");
  const lighter =
    step.called_for !== step.depth
      ? h(
          "span",
          { class: "hint" },
          ` (the paper calls for ${calledFor(step)}; this plan reads it more lightly)`,
        )
      : null;
  // Open where there is room; folded on a phone, where four questions fill the screen.
  const questions = step.checklist.length
    ? h(
        "details",
        { class: "reading-questions", open: window.matchMedia("(min-width: 700px)").matches },
        h(
          "summary",
          {},
          `${step.checklist.length} question${step.checklist.length === 1 ? "" : "s"} ` +
            "to answer as you read",
        ),
        h(
          "ol",
          { "aria-label": `Reading questions for ${step.title}` },
          step.checklist.map((q) => h("li", {}, q)),
        ),
      )
    : null;
  return h(
    "div",
    { class: "paper-guide" },
    guide
      ? h("p", { class: "reading" }, h("strong", {}, `${depth}: `), rest.join(": "), lighter)
      : null,
    step.advice ? h("p", { class: "advice" }, h("strong", {}, "Focus: "), step.advice) : null,
    questions,
  );
}

/**
 * What the step assigns, one piece a line: what to do, the title as a link, its kind and
 * minutes (the Markdown export's words); then the sum, so the card's minutes visibly add up to the step's time.
 */
export function materialList(step) {
  const items = step.material.map((m) => {
    const at = m.text.indexOf(m.title);
    const verb = at > 0 ? m.text.slice(0, at) : "";
    // A linked piece as the Markdown export words it: 'Watch [title] (video, 27 min)'; one
    // without an address (questions, a demo) as every face does: m.text.
    if (!m.url || at < 0) return h("li", { "data-kind": m.kind }, m.text);
    const meta = m.seen_in
      ? ` (${m.kind}): already assigned in step ${m.seen_in}`
      : ` (${m.kind}${m.minutes === null ? "" : `, ${minutes(m.minutes)}`})`;
    return h(
      "li",
      { "data-kind": m.kind },
      verb,
      externalLink(m.url, m.title),
      h("span", { class: m.seen_in ? "material-meta" : "material-meta nowrap" }, meta),
    );
  });
  const parts = step.material.filter((m) => m.minutes).map((m) => m.minutes);
  const total =
    parts.length > 1
      ? h(
          "p",
          { class: "material-total" },
          `In all: ${parts.map(minutes).join(" + ")} = ${minutes(step.minutes)}`,
        )
      : null;
  return h(
    "div",
    { class: "material" },
    h("ul", { class: "resources", "aria-label": `What ${step.title} assigns` }, items),
    total,
  );
}

/**
 * A demo step's demo: its verification, a link to its source, the command that runs it and
 * its claims as last verified. "Run the demo" where the step assigns it, "Optional" where not.
 */
export function demoGuide(step) {
  if (!step.demo) return null;
  const assigned = step.material.some((m) => m.kind === "demo");
  const source = apiUrl(`/v1/demos/${encodeURIComponent(step.demo)}/source`);
  return h(
    "div",
    { class: "demo" },
    h(
      "p",
      {},
      h("strong", {}, assigned ? "Run the demo: " : "Optional demo: "),
      "read its source, ",
      h("a", { href: source, class: "demo-source" }, demoFile(step.demo)),
      ", then run ",
      h("code", { class: "demo-command" }, demoCommand(step.demo)),
    ),
    h("p", {}, demoStatus(step.demo_status)),
    claimsDisclosure(step.demo),
  );
}

/** The budget's effect in words: whether the plan fits, and the steps left out, studied more
 * shallowly or read more lightly to make it fit, counted. */
export function fitWords(plan) {
  if (plan.budget_minutes === null) return "no budget to fit";
  if (plan.fits) return "yes";
  const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const lighter = plan.steps.filter((s) => s.depth !== s.called_for);
  const papers = lighter.filter((s) => s.kind === "paper").length;
  const concepts = lighter.length - papers;
  const said = [];
  if (plan.dropped.length) said.push(`${count(plan.dropped.length, "step", "steps")} left out`);
  if (concepts) said.push(`${count(concepts, "step", "steps")} studied more shallowly`);
  if (papers) said.push(`${count(papers, "paper", "papers")} read more lightly`);
  // A plan cut down to its budget fits it: say so, and what the cuts were.
  const verdict = plan.minutes <= plan.budget_minutes ? "yes, by cutting" : "no";
  return said.length ? `${verdict}: ${said.join(", ")}` : verdict;
}
