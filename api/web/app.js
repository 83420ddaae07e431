// The page's entry point: the state (from the URL, see store.js), the settings panel, and
// which view the main area shows. Every change goes through `update`, which writes the URL
// (so Back works and a link reproduces the page) and renders again.

import { getJSON } from "./api.js";
import { renderConcept, renderPaper } from "./concept.js";
import { h, today } from "./dom.js";
import { renderIndex, renderMap } from "./field.js";
import { ONE_COLUMN, fitSettings, initLayout } from "./layout.js";
import { renderNext } from "./next.js";
import { renderPlan } from "./plan.js";
import { openWithProgress, progressFor, statusPatch, statusWords } from "./progress.js";
import { searchBox } from "./search.js";
import {
  PLAN_FIELDS,
  Titles,
  sameSet,
  saveKnown,
  stateFromUrl,
  storedKnown,
  urlFor,
} from "./store.js";
import { nodeLink } from "./widgets.js";

const VIEWS = {
  plan: renderPlan,
  next: renderNext,
  map: renderMap,
  index: renderIndex,
  concept: renderConcept,
  paper: renderPaper,
};
const byId = (id) => document.getElementById(id);
const main = byId("main");
const fields = Object.fromEntries(PLAN_FIELDS.map((name) => [name, byId(name)]));
const titles = new Titles();
const pendingTitles = new Set();
let state;
let presets = [];
let lastPlace = null;

/** What views get: the titles, links, and the actions that change the state. */
const ctx = {
  titles,
  titleOf: (id) => titles.get(id) ?? presets.find((p) => p.id === id)?.title ?? id,
  urlFor: (place) => urlFor(state, place),
  update,
  navigate,
  addGoal,
  removeGoal,
  addKnown,
  removeKnown,
  suggestionFix,
  announce,
  showFieldErrors,
  setStatus,
};

function start() {
  const fromUrl = stateFromUrl(location.href);
  const saved = storedKnown();
  // A link's known set replaces the saved one, so the link shows its sender's plan; the
  // notice offers the saved set back. A URL without `known` uses the saved set.
  if (fromUrl.hasKnown) {
    if (saved.length && !sameSet(saved, fromUrl.known)) showLinkNotice(saved, fromUrl.known);
    saveKnown(fromUrl.known);
  } else {
    fromUrl.known = saved;
  }
  state = openWithProgress(fromUrl);
  history.replaceState(null, "", urlFor(state));
  buildControls();
  initLayout(isIntro);
  addEventListener("popstate", () => {
    state = stateFromUrl(location.href); // Back restores the known set of that moment too
    saveKnown(state.known);
    state = openWithProgress(state); // and the progress of that moment
    render();
  });
  document.addEventListener("click", followLink);
  loadPresets();
  render();
}

/**
 * Applies `patch` to the state, records it in the URL (a new history entry unless `push` is
 * false) and renders.
 */
function update(patch, { push = true } = {}) {
  const next = { ...state, ...patch };
  // A dated plan names its start, so a link opened next week shows the same dates.
  if (next.pace.trim() && !next.start) next.start = today();
  if ("known" in patch) saveKnown(next.known);
  progressFor(patch, next);
  state = next;
  history[push ? "pushState" : "replaceState"](null, "", urlFor(state));
  render();
}

function navigate(place, { replace = false } = {}) {
  update({ view: place.view, id: place.id ?? null }, { push: !replace });
}

function render() {
  syncControls();
  const place = `${state.view}:${state.id ?? ""}`;
  const moved = lastPlace !== null && place !== lastPlace;
  const first = lastPlace === null;
  lastPlace = place;
  document.body.dataset.view = state.view;
  main.dataset.place = place; // views that load check it before they show a late answer
  for (const view of ["plan", "next", "map", "index"]) {
    const link = byId(`nav-${view}`);
    link.href = urlFor(state, { view });
    if (state.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = pageTitle();
  VIEWS[state.view](main, state, ctx);
  // On a phone a shared link shows its page, settings folded; once the reader is using the
  // settings, moving to another place leaves them as they are.
  if (first) fitSettings({ intro: isIntro() });
  if (moved) {
    // A new place: start at its top, and put keyboard and screen-reader focus there.
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
}

/** The landing page: the plan view without goals, its intro and examples. */
function isIntro() {
  return state.view === "plan" && !state.goals.length;
}

function pageTitle() {
  if (state.view === "next") return "What can I learn next? · Syllabus";
  if (state.view === "map") return "Map of the field · Syllabus";
  if (state.view === "index") return "Concept index · Syllabus";
  if (state.view !== "plan") return `${ctx.titleOf(state.id)} · Syllabus`;
  if (!state.goals.length) return "Syllabus";
  return `Plan for ${state.goals.map(ctx.titleOf).join(", ")} · Syllabus`;
}

/** In-page links (data-nav) change the state instead of loading the page again. */
function followLink(event) {
  const link = event.target.closest?.("a[data-nav]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // new tab or window
  event.preventDefault();
  const target = stateFromUrl(link.href);
  navigate({ view: target.view, id: target.id });
}

// --- The settings panel -------------------------------------------------------------------

function buildControls() {
  const remember = (hits) => titles.remember(hits);
  byId("goal-search").append(
    searchBox({
      id: "goal-input",
      label: "Search concepts and papers",
      placeholder: "e.g. attention, GPT, LoRA",
      onPick: addGoal,
      pickText: "Add as goal",
      onOpen: (hit) => {
        titles.remember([hit]);
        navigate({ view: hit.kind === "paper" ? "paper" : "concept", id: hit.id });
      },
      exclude: (id) => state.goals.includes(id),
      announce,
      onHits: remember,
    }),
  );
  byId("known-search").append(
    searchBox({
      id: "known-input",
      label: "Add something you know",
      placeholder: "e.g. linear algebra",
      onPick: addKnown,
      exclude: (id) => state.known.includes(id),
      announce,
      onHits: remember,
    }),
  );
  for (const input of Object.values(fields)) input.addEventListener("change", fieldsChanged);
  byId("plan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    update({ ...readFields(), view: "plan", id: null });
    // In one column the plan is above the settings: take the reader up to it.
    if (matchMedia(ONE_COLUMN).matches) main.scrollIntoView({ block: "start" });
  });
  byId("known-clear").addEventListener("click", () => {
    update({ known: [] });
    announce("Forgot everything marked as known.");
    byId("known-input").focus();
  });
}

function readFields() {
  return Object.fromEntries(PLAN_FIELDS.map((name) => [name, fields[name].value.trim()]));
}

function fieldsChanged() {
  const values = readFields();
  if (PLAN_FIELDS.every((name) => values[name] === state[name])) return;
  update(values);
}

/** Brings the panel in line with the state: chips, preset toggles and the fields. */
function syncControls() {
  const goalChips = byId("goal-chips");
  goalChips.replaceChildren(...state.goals.map((id) => chip(id, "goal", () => removeGoal(id))));
  byId("goal-empty").hidden = state.goals.length > 0;
  byId("known-chips").replaceChildren(
    ...state.known.map((id) => chip(id, "known", () => removeKnown(id))),
  );
  byId("known-clear").hidden = state.known.length === 0;
  for (const button of byId("presets").querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(state.goals.includes(button.dataset.id)));
  }
  for (const [name, input] of Object.entries(fields)) {
    if (document.activeElement !== input && input.value !== state[name]) input.value = state[name];
  }
  fetchMissingTitles([...state.goals, ...state.known]);
}

function chip(id, role, onRemove) {
  const title = ctx.titleOf(id);
  const isPreset = presets.some((p) => p.id === id);
  return h(
    "li",
    { class: "chip" },
    isPreset ? h("span", {}, title) : nodeLink(ctx, id, title),
    h(
      "button",
      {
        type: "button",
        class: "chip-remove",
        "aria-label": `Remove ${role}: ${title}`,
        onclick: onRemove,
      },
      "×",
    ),
  );
}

function loadPresets() {
  getJSON("/v1/presets").then(
    (found) => {
      presets = found;
      byId("presets").replaceChildren(...found.map(presetItem));
      syncControls();
    },
    (error) =>
      byId("presets").replaceChildren(
        h("li", { class: "hint" }, `Curated paths unavailable: ${error.message}`),
      ),
  );
}

function presetItem(preset) {
  const button = h(
    "button",
    {
      type: "button",
      class: "preset",
      "data-id": preset.id,
      "aria-pressed": String(state.goals.includes(preset.id)),
      onclick: () => (state.goals.includes(preset.id) ? removeGoal(preset.id) : addGoal(preset)),
    },
    h("span", { class: "preset-title" }, preset.title),
    h(
      "span",
      {
        class: "preset-meta",
        title: "The time of the material it assigns at study depth, and the track",
      },
      `${Math.round(preset.minutes / 60)} h · ${preset.track}`,
    ),
  );
  return h("li", {}, button);
}

/** Titles for ids that came from a link: one search each, by exact id. */
function fetchMissingTitles(ids) {
  const presetIds = new Set(presets.map((p) => p.id));
  for (const id of ids) {
    if (titles.get(id) || presetIds.has(id) || pendingTitles.has(id)) continue;
    pendingTitles.add(id);
    getJSON("/v1/search", { q: id, limit: 5 })
      .then((hits) => {
        const hit = hits.find((found) => found.id === id);
        if (hit) {
          titles.remember([hit]);
          syncControls();
        }
      })
      .catch(() => {}); // the chip keeps showing the id, which is a fine name too
  }
}

function showLinkNotice(saved, fromLink) {
  const notice = byId("known-notice");
  const restore = h(
    "button",
    { type: "button", class: "button small" },
    `Use my ${saved.length} saved instead`,
  );
  const dismiss = h(
    "button",
    { type: "button", class: "button small secondary" },
    "Keep the link's",
  );
  restore.addEventListener("click", () => {
    notice.hidden = true;
    update({ known: saved });
    announce("Restored the concepts saved in this browser.");
  });
  dismiss.addEventListener("click", () => {
    notice.hidden = true;
  });
  notice.replaceChildren(
    h(
      "p",
      {},
      `This link says you know ${plural(fromLink.length, "concept")}; ` +
        `they replaced the ${saved.length} saved in this browser.`,
    ),
    h("div", { class: "actions" }, restore, dismiss),
  );
  notice.hidden = false;
}

// --- Actions ------------------------------------------------------------------------------

/** Marks a step of the plan in progress, done, skipped or not started (todo): it replans. */
function setStatus(step, status) {
  update(statusPatch(state, step.id, status));
  announce(statusWords(step.title, status));
}

function addGoal(node) {
  titles.remember([node]);
  if (state.goals.includes(node.id)) return;
  update({ goals: [...state.goals, node.id] });
  announce(`Added goal: ${ctx.titleOf(node.id)}.`);
}

function removeGoal(id) {
  const index = state.goals.indexOf(id);
  update({ goals: state.goals.filter((g) => g !== id) });
  announce(`Removed goal: ${ctx.titleOf(id)}.`);
  refocusChips("goal-chips", index, "goal-input");
}

function addKnown(node) {
  titles.remember([node]);
  if (state.known.includes(node.id)) return;
  // Knowing a goal makes it no goal any more: the API would refuse an id that is both.
  update({ known: [...state.known, node.id], goals: state.goals.filter((g) => g !== node.id) });
  announce(`Marked as known: ${ctx.titleOf(node.id)}.`);
}

function removeKnown(id) {
  const index = state.known.indexOf(id);
  update({ known: state.known.filter((k) => k !== id) });
  announce(`No longer marked as known: ${ctx.titleOf(id)}.`);
  refocusChips("known-chips", index, "known-input");
}

/** After a chip goes, focus the next chip's remove button, or the search box when none is left. */
function refocusChips(listId, index, fallbackId) {
  // Only when the removed chip had focus: its button is gone, so focus fell to the body.
  if (index < 0 || document.activeElement !== document.body) return;
  const buttons = byId(listId).querySelectorAll("button");
  (buttons[Math.min(index, buttons.length - 1)] ?? byId(fallbackId)).focus();
}

/**
 * What a did-you-mean button does for `problem`, an error from a plan or the fringe: a function
 * of the suggestion, or null when the error does not say what to replace. The error's `field`
 * names the setting and its `value` the id at fault; a goals or known error without a value
 * (an older server), or with one the state does not hold (cut to 100 characters), gets no
 * buttons, and its message is simply shown.
 */
function suggestionFix(problem) {
  // The plan's URL names its goals `goal` (one per id); the page's state calls them goals.
  const field = problem?.field === "goal" ? "goals" : problem?.field;
  if (field === "goals" || field === "known") {
    const wrong = problem.value;
    if (wrong === null || !state[field].includes(wrong)) return null;
    return (suggestion) => {
      const ids = state[field];
      const next = ids.includes(wrong)
        ? ids.map((id) => (id === wrong ? suggestion : id))
        : [...ids, suggestion];
      update({ [field]: [...new Set(next)] });
      announce(`Using ${suggestion}.`);
    };
  }
  if (PLAN_FIELDS.includes(field)) {
    // A setting holds one value (a depth, say): the suggestion replaces it.
    return (suggestion) => {
      update({ [field]: suggestion });
      announce(`Using ${suggestion}.`);
    };
  }
  return null;
}

/** Marks the budget, pace, days or start field the API found fault with; clears the others. */
function showFieldErrors(problem) {
  for (const name of ["budget", "pace", "days", "start"]) {
    const message = byId(`${name}-error`);
    const bad = problem?.field === name;
    message.hidden = !bad;
    message.textContent = bad ? problem.message : "";
    if (bad) fields[name].setAttribute("aria-invalid", "true");
    else fields[name].removeAttribute("aria-invalid");
  }
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function announce(text) {
  const region = byId("announcer");
  region.textContent = "";
  // A fresh text node in a later task, so the same message twice is spoken twice.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

start();
