// The page's state. The URL holds everything a plan depends on (goals, known, track, depth,
// budget, pace, study days, start) and the view, so a link reproduces what its sender saw; this
// browser's localStorage remembers the known set, checklist ticks and titles.

const KNOWN_KEY = "syllabus.known.v1";
const CHECKS_KEY = "syllabus.checks.v1";
const TITLES_KEY = "syllabus.titles.v1";
const MAX_TITLES = 2000;
export const PLAN_FIELDS = ["track", "depth", "budget", "pace", "days", "start"];
/** The learner's progress: step ids done, in progress, skipped (progress.js). */
export const PROGRESS_FIELDS = ["done", "doing", "skipped"];

/** Views named by `view=` in the URL: the fringe, the map of the field, the concept index. */
const PAGE_VIEWS = ["next", "map", "index"];

/** The state a URL describes. `hasKnown`: whether it names known ids at all. */
export function stateFromUrl(url) {
  const params = new URL(url).searchParams;
  let view = "plan";
  let id = null;
  if (params.get("concept")) [view, id] = ["concept", params.get("concept")];
  else if (params.get("paper")) [view, id] = ["paper", params.get("paper")];
  else if (PAGE_VIEWS.includes(params.get("view"))) view = params.get("view");
  const state = {
    view,
    id,
    goals: unique(params.getAll("goal")),
    known: unique(params.getAll("known")),
    hasKnown: params.has("known"),
  };
  // Progress ids are comma-separated in a link (done=a,b,c), to keep it short.
  for (const name of PROGRESS_FIELDS) state[name] = unique(params.getAll(name).join(",").split(","));
  state.hasProgress = PROGRESS_FIELDS.some((name) => params.has(name));
  for (const name of PLAN_FIELDS) state[name] = params.get(name) ?? "";
  return state;
}

/** The query the API gets for this state's plan (and the fringe, for `known`). */
export function planQuery(state) {
  const params = new URLSearchParams();
  for (const goal of state.goals) params.append("goal", goal);
  for (const id of state.known) params.append("known", id);
  for (const name of PROGRESS_FIELDS) {
    if (state[name]?.length) params.set(name, state[name].join(","));
  }
  for (const name of PLAN_FIELDS) {
    const value = state[name].trim();
    if (value) params.set(name, value);
  }
  return params;
}

/** The page URL for `state`, or for `state` showing another view: urlFor(state, {view, id}). */
export function urlFor(state, place = {}) {
  const view = place.view ?? state.view;
  const id = place.id ?? state.id;
  const params = planQuery(state);
  if (PAGE_VIEWS.includes(view)) params.set("view", view);
  else if (view === "concept" || view === "paper") params.set(view, id);
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

export function unique(ids) {
  return [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
}

export function sameSet(a, b) {
  return a.length === b.length && a.every((id) => b.includes(id));
}

// localStorage can be off or full (private windows, quotas): the page then works
// for this visit and forgets, rather than failing.
function read(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // See above: nothing to do but carry on.
  }
}

export function storedKnown() {
  const value = read(KNOWN_KEY, []);
  return Array.isArray(value) ? unique(value.filter((id) => typeof id === "string")) : [];
}

export function saveKnown(ids) {
  write(KNOWN_KEY, ids);
}

/** A checklist item's key: the step's id and the question's text, so a reload, another plan
 * with the same step, or the concept's own page all find the same tick. */
export function checkKey(nodeId, question) {
  return `${nodeId}\n${question}`;
}

export function isTicked(key) {
  return read(CHECKS_KEY, {})[key] === true;
}

export function setTicked(key, ticked) {
  const checks = read(CHECKS_KEY, {});
  if (ticked) checks[key] = true;
  else delete checks[key];
  write(CHECKS_KEY, checks);
}

/** Titles of ids seen so far, so chips for ids from a link can show names without a fetch. */
export class Titles {
  constructor() {
    const saved = read(TITLES_KEY, {});
    this.map = new Map(typeof saved === "object" && saved ? Object.entries(saved) : []);
  }

  get(id) {
    return this.map.get(id)?.title ?? null;
  }

  kind(id) {
    return this.map.get(id)?.kind ?? null;
  }

  /** Remembers {id, title, kind} records (search hits, steps, refs). */
  remember(records) {
    let changed = false;
    for (const { id, title, kind } of records) {
      if (!id || typeof title !== "string") continue;
      const old = this.map.get(id);
      if (old?.title === title && old?.kind === kind) continue;
      this.map.delete(id);
      this.map.set(id, { title, kind });
      changed = true;
    }
    while (this.map.size > MAX_TITLES) this.map.delete(this.map.keys().next().value);
    if (changed) write(TITLES_KEY, Object.fromEntries(this.map));
  }
}
