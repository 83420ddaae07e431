// The plan view: GET /v1/plans (JSON) and its diagram for the URL's state, as a summary,
// the diagram, the steps, the checklist, what was left out, the sessions and the exports.

import { apiUrl, getJSON } from "./api.js";
import { append, day, h, minutes, section } from "./dom.js";
import { demoGuide, fitWords, materialList, paperGuide } from "./material.js";
import { isPhone } from "./layout.js";
import {
  finishedSteps,
  progressControls,
  progressSection,
  refocusTarget,
  statusBadge,
} from "./progress.js";
import { planQuery } from "./store.js";
import { checkItem, diagramFigure, nodeLink, problemBox } from "./widgets.js";

const EXPORTS = [
  { format: "markdown", label: "Markdown checklist", file: "plan.md" },
  { format: "ics", label: "Calendar (.ics)", file: "plan.ics", needsPace: true },
  { format: "case", label: "CASE 1.1 competencies (JSON)", file: "plan-case.json" },
  { format: "moodle-csv", label: "Moodle competency CSV", file: "plan-moodle.csv" },
  { format: "imscc", label: "Common Cartridge (.imscc)", file: "plan.imscc" },
  { format: "jsonld", label: "JSON-LD", file: "plan.jsonld" },
  { format: "json", label: "Plan JSON", file: "plan.json" },
];

// The plan view outlives visits to other views: coming back to the same plan shows it at
// once, with its diagram's zoom and its open disclosures as they were.
const view = { key: null, root: null, status: null, body: null, controller: null };

/** Shows the plan for `state` in `main`, fetching it only when its query changed. */
export function renderPlan(main, state, ctx) {
  if (!state.goals.length) {
    view.key = null;
    main.replaceChildren(emptyState(ctx));
    return;
  }
  if (!view.root) createRoot();
  // Re-inserting the plan that is already shown would blur whatever has focus in it.
  if (view.root.parentNode !== main) main.replaceChildren(view.root);
  const query = planQuery(state);
  const key = query.toString();
  if (key === view.key) return;
  view.key = key;
  load(query, state, ctx);
}

function createRoot() {
  view.status = h("p", { class: "plan-status" });
  view.body = h("div", { class: "plan-body" });
  view.root = h(
    "div",
    { class: "plan" },
    h("h1", { tabindex: "-1" }, "Your plan"),
    view.status,
    view.body,
  );
}

async function load(query, state, ctx) {
  view.controller?.abort();
  const controller = new AbortController();
  view.controller = controller;
  view.root.setAttribute("aria-busy", "true");
  view.root.classList.add("busy");
  view.status.replaceChildren("Planning…");
  const graphParams = new URLSearchParams(query);
  graphParams.set("format", "svg");
  const [plan, diagram] = await Promise.allSettled([
    getJSON("/v1/plans", query, controller.signal),
    diagramFigure(ctx, "/v1/plans/graph", graphParams, {
      label: "Diagram of the plan",
      focus: firstStep,
      signal: controller.signal,
    }),
  ]);
  if (controller.signal.aborted) return; // a newer request owns the view now
  view.root.removeAttribute("aria-busy");
  view.root.classList.remove("busy");
  ctx.showFieldErrors(plan.status === "rejected" ? plan.reason : null);
  if (plan.status === "rejected") {
    view.status.replaceChildren();
    if (view.body.contains(document.activeElement)) view.root.querySelector("h1").focus();
    view.body.replaceChildren(planProblem(plan.reason, state, ctx));
    ctx.announce(`The plan could not be made: ${plan.reason.message}`);
    return;
  }
  const data = plan.value;
  ctx.titles.remember([...data.steps, ...data.dropped]);
  const hadFocus = view.body.contains(document.activeElement);
  const refocus = hadFocus ? document.activeElement.dataset?.refocus : null;
  view.status.replaceChildren();
  append(view.status, headline(data, ctx));
  view.body.replaceChildren(...planSections(data, diagram.value, query, state, ctx));
  // "I know this" on a step replans; its button is gone, so keep focus in the plan.
  // A progress button replans too: focus its counterpart on the new card.
  if (hadFocus) (refocusTarget(view.body, refocus) ?? view.root.querySelector("h1")).focus();
  ctx.announce(`Plan updated: ${data.steps.length} steps, ${minutes(data.minutes)}.`);
}

/** The diagram's node of step 1: its label starts "1. ". */
function firstStep(svg) {
  return [...svg.querySelectorAll("g.node")].find((g) =>
    g.querySelector("text")?.textContent.startsWith("1. "),
  );
}

function planProblem(problem, state, ctx) {
  if (problem.code === "network")
    return problemBox(problem, { title: "The plan could not be loaded" });
  return problemBox(problem, {
    title: "The plan could not be made",
    onSuggestion: ctx.suggestionFix(problem),
  });
}

function headline(plan, ctx) {
  const goals = plan.preset ? [plan.preset] : plan.goals;
  return [
    "For ",
    goals.map((id, i) => [i ? ", " : "", ctx.titleOf(id)]),
    ` on the ${plan.track} track.`,
  ];
}

function planSections(plan, diagram, query, state, ctx) {
  const titles = new Map([...plan.steps, ...plan.dropped].map((s) => [s.id, s.title]));
  const parts = [
    ["Summary", summary(plan, ctx)],
    ["Progress", progressSection(plan, state, ctx)],
    ["Source", plan.sections.length ? sourceSteps(plan, ctx) : null],
    ["Left out", plan.dropped.length ? dropped(plan, ctx) : null],
    [
      "Diagram",
      section(
        "Diagram",
        h(
          "p",
          { class: "hint" },
          "Steps are numbered in study order; goals are highlighted. Drag to pan, use the " +
            "wheel or the buttons to zoom, click a box to open it.",
        ),
        diagram,
      ),
    ],
    [
      "Steps",
      section(
        "Steps",
        h(
          "ol",
          { class: "steps" },
          plan.steps.map((step) => stepItem(step, titles, ctx)),
        ),
      ),
    ],
    ["Checklist", checklist(plan)],
    ["Schedule", plan.schedule ? schedule(plan) : null],
    ["Download", exportsSection(query, state)],
  ].filter(([, part]) => part);
  // On a phone the steps are what a learner came for: they follow the summary, before the
  // progress file, the source and the diagram (about 1,500 px of screen on a 390 px phone).
  if (isPhone()) {
    const steps = parts.findIndex(([name]) => name === "Steps");
    parts.splice(1, 0, ...parts.splice(steps, 1));
  }
  for (const [name, part] of parts) part.id = `plan-${name.toLowerCase().replace(" ", "-")}`;
  // The page is long: a list of its sections, as in-page links.
  const jump = h(
    "nav",
    { "aria-label": "Parts of the plan" },
    h(
      "ul",
      { class: "jump" },
      parts.map(([name, part]) => h("li", {}, h("a", { href: `#${part.id}` }, name))),
    ),
  );
  return [jump, ...parts.map(([, part]) => part)];
}

function summary(plan, ctx) {
  const papers = plan.steps.filter((s) => s.kind === "paper").length;
  const rows = [
    [
      "Steps",
      `${plan.steps.length}${papers ? ` (${papers} paper${papers === 1 ? "" : "s"})` : ""}`,
    ],
    ["Time", minutes(plan.minutes)],
    ["Budget", plan.budget_minutes === null ? "none set" : minutes(plan.budget_minutes)],
    [
      "Fits the budget",
      fitWords(plan),
    ],
    ["Full path", minutes(plan.full_minutes)],
  ];
  if (plan.schedule) {
    const s = plan.schedule;
    rows.push(["Finishes", day(s.end)]);
    rows.push([
      "Sessions",
      `${s.sessions.length} of up to ${minutes(s.session_minutes)}, ` +
        `${studyDays(s.study_days)} from ${day(s.start)}`,
    ]);
  }
  // A long value (the sessions) gets two columns rather than a tall thin one.
  const list = h(
    "dl",
    { class: "totals" },
    rows.map(([term, value]) =>
      h("div", { class: value.length > 24 ? "wide" : null }, h("dt", {}, term), h("dd", {}, value)),
    ),
  );
  const unreached = plan.unreached_goals.length
    ? h(
        "p",
        { class: "notice warn" },
        "Not reached within the budget: ",
        plan.unreached_goals.map((id, i) => [i ? ", " : "", nodeLink(ctx, id)]),
        ". Raise the budget to reach them.",
      )
    : null;
  // What the plan assumes, a preset's own times beside the material's, what it skips.
  const notes = plan.notes.length
    ? h("ul", { class: "notes" }, plan.notes.map((note) => h("li", {}, note)))
    : null;
  return section("Summary", list, notes, unreached);
}

/** A preset's source, step by step: its stated time beside the material's, and hand-overs. */
function sourceSteps(plan, ctx) {
  const items = plan.sections.map((sec) => {
    const times = [];
    if (sec.source_minutes !== null) times.push(`the source says ${minutes(sec.source_minutes)}`);
    if (sec.steps.length) {
      const first = sec.steps[0];
      const last = sec.steps[sec.steps.length - 1];
      const span = first === last ? `step ${first}` : `steps ${first}-${last}`;
      times.push(`${span} here, ${minutes(sec.minutes)} of material`);
    }
    const handover = sec.path
      ? [
          " Continue with ",
          h("a", { href: `/?goal=${encodeURIComponent(sec.path)}` }, ctx.titleOf(sec.path)),
          ".",
        ]
      : null;
    return h(
      "li",
      { "data-section": sec.number },
      h("strong", {}, sec.title ?? `Step ${sec.number}`),
      sec.optional ? " (optional)" : null,
      times.length ? `: ${times.join("; ")}.` : null,
      handover,
    );
  });
  return section("Source", h("ol", { class: "source-steps" }, items));
}

function studyDays(days) {
  return days.length === 7 ? "every day" : `on ${days.join(", ")}`;
}

function stepItem(step, titles, ctx) {
  const badges = [
    h("span", { class: "badge" }, step.kind),
    h("span", { class: "badge" }, minutes(step.minutes)),
    step.depth ? h("span", { class: "badge" }, depthText(step)) : null,
    step.goal ? h("span", { class: "badge goal" }, "goal") : null,
    step.added ? h("span", { class: "badge" }, "added: the source skips it") : null,
    statusBadge(step),
  ];
  return h(
    "li",
    { class: "step", id: `step-${step.number}`, "data-id": step.id, "data-status": step.status },
    h(
      "div",
      { class: "step-head" },
      h("span", { class: "step-number", "aria-hidden": "true" }, step.number),
      h("h3", {}, nodeLink(ctx, step.id, step.title, step.kind)),
    ),
    h("p", { class: "badges" }, badges),
    paperGuide(step),
    why(step, titles, ctx),
    step.kind === "paper" || !step.advice
      ? null
      : h("p", { class: "advice" }, h("strong", {}, "Focus: "), step.advice),
    materialList(step),
    step.activity ? h("p", {}, h("strong", {}, "Activity: "), step.activity) : null,
    demoGuide(step),
    progressControls(step, ctx),
    // A goal cannot be known as well (the API refuses both); one removes a goal instead.
    step.goal
      ? null
      : h(
          "div",
          { class: "step-actions" },
          h(
            "button",
            {
              type: "button",
              class: "button small secondary",
              "aria-label": `I know this: ${step.title}`,
              onclick: () => ctx.addKnown(step),
            },
            "I know this",
          ),
        ),
  );
}

function depthText(step) {
  const depth =
    { close: "read closely", selective: "read selectively", skim: "skim" }[step.depth] ??
    `${step.depth} depth`;
  return step.called_for !== step.depth ? `${depth} (asked: ${step.called_for})` : depth;
}

/** "Why: needed for A → B → goal", each a link; the chain starts at the step itself. */
function why(step, titles, ctx) {
  if (step.goal) return h("p", { class: "why" }, "One of your goals.");
  const chain = step.why.slice(1);
  const title = (id) => titles.get(id) ?? ctx.titleOf(id);
  const links = chain.map((id, i) => [i ? " → " : "", nodeLink(ctx, id, title(id))]);
  if (!isPhone()) return h("p", { class: "why" }, "Why: needed for ", links, ".");
  // On a phone a chain costs lines on every step: folded, it names the goal it leads to.
  return h(
    "details",
    { class: "why" },
    h("summary", {}, `Why: leads to ${title(chain[chain.length - 1])}`),
    h("p", {}, "Needed for ", links, "."),
  );
}

function checklist(plan) {
  const boxes = () => [...list.querySelectorAll("input[type=checkbox]")];
  const progress = h("p", { class: "hint", "aria-live": "polite" });
  const update = () => {
    const all = boxes();
    const ticked = all.filter((b) => b.checked).length;
    progress.textContent = `${ticked} of ${all.length} ticked (remembered in this browser).`;
  };
  const list = h(
    "div",
    { class: "checklist" },
    plan.steps
      .filter((step) => step.checklist.length)
      .map((step) =>
        h(
          "fieldset",
          {},
          h("legend", {}, `${step.number}. ${step.title}`),
          h(
            "ul",
            {},
            step.checklist.map((q) => checkItem(step.id, q, update)),
          ),
        ),
      ),
  );
  update();
  return section("Checklist", progress, list);
}

function dropped(plan, ctx) {
  return section(
    "Left out",
    h(
      "ul",
      { class: "dropped" },
      plan.dropped.map((d) =>
        h("li", {}, nodeLink(ctx, d.id, d.title, d.kind), ` (${minutes(d.minutes)}): ${d.reason}`),
      ),
    ),
  );
}

function schedule(plan) {
  const stepTitle = new Map(plan.steps.map((s) => [s.number, s.title]));
  const sessions = plan.schedule.sessions.map((session) =>
    h(
      "li",
      {},
      h("strong", {}, day(session.date)),
      ` (${minutes(session.minutes)}): `,
      session.parts.map((part, i) => [
        i ? "; " : "",
        `${part.step}. ${stepTitle.get(part.step) ?? part.id} (${minutes(part.minutes)})`,
      ]),
    ),
  );
  return section(
    "Schedule",
    h(
      "details",
      {},
      h(
        "summary",
        {},
        `${sessions.length} study sessions, ` +
          `${day(plan.schedule.start)} to ${day(plan.schedule.end)}`,
      ),
      h("ol", { class: "sessions" }, sessions),
    ),
    finishedSteps(plan),
  );
}

function exportsSection(query, state) {
  const hasPace = Boolean(state.pace.trim());
  const items = EXPORTS.map(({ format, label, file, needsPace }) => {
    if (needsPace && !hasPace) {
      return h(
        "li",
        {},
        h(
          "a",
          { "aria-disabled": "true", class: "disabled", "aria-describedby": "ics-why" },
          label,
        ),
        " ",
        h(
          "span",
          { class: "hint", id: "ics-why" },
          "needs a pace (e.g. 30m/day) to date the sessions",
        ),
      );
    }
    const params = new URLSearchParams(query);
    params.set("format", format);
    return h(
      "li",
      {},
      h("a", { href: apiUrl("/v1/plans", params), download: file, "data-format": format }, label),
    );
  });
  return section("Download", h("ul", { class: "exports" }, items));
}

function emptyState(ctx) {
  const fresh = { track: "", depth: "", budget: "", pace: "", days: "", start: "" }; // an example starts afresh
  const examples = [
    {
      label: "GPT in 8 hours at an hour a day",
      state: { goals: ["gpt"], budget: "8h", pace: "1h/day" },
    },
    {
      label: "The papers behind DPO and RAG",
      state: { goals: ["direct-preference-optimisation", "rag"], track: "paper" },
    },
    { label: "The researcher path", state: { goals: ["researcher-path"] } },
  ];
  return h(
    "div",
    { class: "empty" },
    h("h1", { tabindex: "-1" }, "Plan a path into AI research"),
    h(
      "p",
      {},
      "Choose what you want to learn, say what you know already, and get an ordered path " +
        "with the prerequisites first, fitted to your time, with a diagram, a checklist " +
        "and a calendar.",
    ),
    h("p", {}, "Start by searching for a goal, or try one of these:"),
    h(
      "ul",
      { class: "examples" },
      examples.map((ex) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "button",
              onclick: () => ctx.update({ ...fresh, ...ex.state }),
            },
            ex.label,
          ),
        ),
      ),
    ),
  );
}
