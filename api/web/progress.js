// A learner's progress on a plan's steps: done, in progress or skipped, which is not "I know
// this" (a known concept leaves the plan; a done step stays in it, marked done). Progress is
// part of the plan's query (done=a,b&doing=c&skipped=d, which the API reads: it fits the
// budget left to the remaining steps and dates only them), so it travels in the link; this
// browser remembers it per set of goals (localStorage); a progress file takes it elsewhere.

import { h, minutes, section, today } from "./dom.js";
import { PROGRESS_FIELDS, planQuery, stateFromUrl } from "./store.js";

const KEY = "syllabus.progress.v1";
/** What a progress file says it is: {format, version, query, ...}. */
export const FILE_FORMAT = "syllabus-progress";
export const FILE_VERSION = 1;
const MAX_FILE_BYTES = 256 * 1024;
/** The statuses a card offers, as toggle buttons: pressing the pressed one means not started. */
const CHOICES = [
  ["doing", "In progress"],
  ["done", "Done"],
  ["skipped", "Skipped"],
];
const WORDS = { todo: "not started", doing: "in progress", done: "done", skipped: "skipped" };

const empty = () => Object.fromEntries(PROGRESS_FIELDS.map((name) => [name, []]));
const goalsKey = (goals) => [...goals].sort().join(" ");

function readAll() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY));
    return saved && typeof saved === "object" && !Array.isArray(saved) ? saved : {};
  } catch {
    return {}; // storage off, or not ours: start afresh
  }
}

/** The progress this browser saved for a plan with these goals, or null. */
export function storedProgress(goals) {
  const saved = readAll()[goalsKey(goals)];
  if (!saved || typeof saved !== "object") return null;
  return Object.fromEntries(
    PROGRESS_FIELDS.map((name) => [
      name,
      Array.isArray(saved[name]) ? saved[name].filter((id) => typeof id === "string") : [],
    ]),
  );
}

/** Remembers `state`'s progress under its goals (none marked: forgets it). */
export function saveProgress(state) {
  if (!state.goals.length) return;
  const all = readAll();
  const key = goalsKey(state.goals);
  if (PROGRESS_FIELDS.some((name) => state[name].length)) {
    all[key] = Object.fromEntries(PROGRESS_FIELDS.map((name) => [name, state[name]]));
  } else delete all[key];
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage off or full: the link still carries the progress.
  }
}

const hasProgress = (state) => PROGRESS_FIELDS.some((name) => state[name].length);

/**
 * The state a page opens with: a link's progress (remembered here), else what this browser
 * saved for these goals. A plan with progress is dated from today: what is left starts now.
 */
export function openWithProgress(state) {
  const next = { ...state };
  if (state.hasProgress) saveProgress(next);
  else if (state.goals.length) Object.assign(next, storedProgress(state.goals) ?? empty());
  if (hasProgress(next) && next.pace.trim() && next.start < today()) next.start = today();
  return next;
}

/**
 * Progress for a state `update` is about to show: a change of goals brings that plan's saved
 * progress; whatever it ends up with is saved.
 */
export function progressFor(patch, next) {
  if ("goals" in patch && !PROGRESS_FIELDS.some((name) => name in patch)) {
    Object.assign(next, storedProgress(next.goals) ?? empty());
  }
  if ("known" in patch) {
    // "I know this" takes a step out of the plan: it has no progress to keep.
    for (const name of PROGRESS_FIELDS) next[name] = next[name].filter((id) => !next.known.includes(id));
  }
  saveProgress(next);
  return next;
}

/** The state change that gives step `id` the status `status` (todo: none), dated from today. */
export function statusPatch(state, id, status) {
  const patch = Object.fromEntries(
    PROGRESS_FIELDS.map((name) => [
      name,
      [...state[name].filter((other) => other !== id), ...(name === status ? [id] : [])],
    ]),
  );
  if (state.pace.trim()) patch.start = today(); // re-date what is left from today
  return patch;
}

/** A step card's progress: toggle buttons for in progress, done and skip. */
export function progressControls(step, ctx) {
  return h(
    "div",
    { class: "step-status", role: "group", "aria-label": `Progress: ${step.title}` },
    CHOICES.map(([status, label]) => {
      const pressed = step.status === status;
      return h(
        "button",
        {
          type: "button",
          class: "button small secondary",
          "aria-pressed": String(pressed),
          "data-refocus": `status ${step.id} ${status}`,
          onclick: () => ctx.setStatus(step, pressed ? "todo" : status),
        },
        label,
      );
    }),
  );
}

/** A step's status as a badge, or null when not started. */
export function statusBadge(step) {
  if (!step.status || step.status === "todo") return null;
  return h("span", { class: `badge status-${step.status}` }, WORDS[step.status]);
}

/** Words for an announcement: "Marked done: Attention." */
export function statusWords(title, status) {
  return status === "todo" ? `Marked not started: ${title}.` : `Marked ${WORDS[status]}: ${title}.`;
}

/** The element in `root` that stands where the focused control stood before a re-render. */
export function refocusTarget(root, key) {
  if (!key) return null;
  return [...root.querySelectorAll("[data-refocus]")].find((el) => el.dataset.refocus === key);
}

/** The schedule's note on what it leaves out: the steps done and skipped. */
export function finishedSteps(plan) {
  const listed = (status) =>
    plan.steps
      .filter((s) => s.status === status)
      .map((s) => `${s.number}. ${s.title}`)
      .join("; ");
  const done = listed("done");
  const skipped = listed("skipped");
  if (!done && !skipped) return null;
  return h(
    "ul",
    { class: "finished" },
    done ? h("li", {}, h("strong", {}, "Done, not scheduled: "), done) : null,
    skipped ? h("li", {}, h("strong", {}, "Skipped, not scheduled: "), skipped) : null,
  );
}

/** The plan's progress: time done and left, and the progress file to take it elsewhere. */
export function progressSection(plan, state, ctx) {
  const p = plan.progress;
  const parts = [];
  if (p) {
    const doneAndLeft = p.minutes_done + p.minutes_left;
    parts.push(
      h(
        "p",
        { class: "progress-summary" },
        h("strong", {}, "Done: "),
        `${count(p.steps_done)}, ${minutes(p.minutes_done)}. `,
        h("strong", {}, "Left: "),
        `${count(p.steps_left)}, ${minutes(p.minutes_left)}.`,
        p.steps_skipped ? ` Skipped: ${count(p.steps_skipped)}, ${minutes(p.minutes_skipped)}.` : "",
      ),
      h("progress", {
        max: String(doneAndLeft || 1),
        value: String(p.minutes_done),
        "aria-label": "Time done",
      }),
    );
    if (p.ignored.length) {
      parts.push(
        h("p", { class: "hint" }, `Not steps of this plan, so not counted: ${p.ignored.join(", ")}.`),
      );
    }
    if (plan.schedule) {
      parts.push(
        h("p", { class: "hint" }, "The schedule dates only what is left, from today."),
      );
    }
  } else {
    parts.push(
      h(
        "p",
        { class: "hint" },
        "Mark steps in progress, done or skipped on their cards: the plan keeps them, fits " +
          "the budget left to the rest and dates what is left from today.",
      ),
    );
  }
  parts.push(fileControls(state, ctx));
  return section("Progress", ...parts);
}

function count(steps) {
  return `${steps} step${steps === 1 ? "" : "s"}`;
}

/** A progress file: what the plan is (its query, with the progress) and when it was saved. */
export function progressFile(state) {
  const query = planQuery(state);
  return {
    format: FILE_FORMAT,
    version: FILE_VERSION,
    saved: new Date().toISOString(),
    query: query.toString(),
    ...Object.fromEntries(PROGRESS_FIELDS.map((name) => [name, state[name]])),
  };
}

/**
 * The state patch a progress file's text asks for, or a sentence saying what is wrong with it.
 * Returns {patch} or {error}.
 */
export function readProgressFile(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: "This is not a progress file: it is not JSON." };
  }
  if (!data || typeof data !== "object" || data.format !== FILE_FORMAT) {
    return { error: "This is not a Syllabus progress file." };
  }
  if (data.version !== FILE_VERSION) {
    return { error: `This progress file is version ${data.version}; this page reads version 1.` };
  }
  if (typeof data.query !== "string") return { error: "This progress file names no plan." };
  const found = stateFromUrl(`${location.origin}/?${data.query}`);
  if (!found.goals.length) return { error: "This progress file names no goals." };
  const patch = { goals: found.goals, known: found.known, view: "plan", id: null };
  for (const name of ["track", "depth", "budget", "pace", "days", "start"]) patch[name] = found[name];
  for (const name of PROGRESS_FIELDS) patch[name] = found[name];
  return { patch };
}

function fileControls(state, ctx) {
  const file = progressFile(state);
  const download = h(
    "a",
    {
      class: "button small secondary",
      href: `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(file, null, 2))}`,
      download: "syllabus-progress.json",
    },
    "Download progress file",
  );
  const error = h("p", { class: "field-error", role: "alert", hidden: true });
  const input = h("input", {
    type: "file",
    id: "progress-file",
    accept: "application/json,.json",
    "aria-describedby": "progress-file-hint",
  });
  input.addEventListener("change", async () => {
    const chosen = input.files?.[0];
    if (!chosen) return;
    const shown = (message) => {
      error.textContent = message;
      error.hidden = false;
    };
    if (chosen.size > MAX_FILE_BYTES) return shown("This file is too large to be a progress file.");
    const { patch, error: problem } = readProgressFile(await chosen.text());
    if (problem) return shown(problem);
    error.hidden = true;
    ctx.update(patch);
    ctx.announce("Progress imported from the file.");
  });
  const clear = hasProgress(state)
    ? h(
        "button",
        {
          type: "button",
          class: "button small secondary",
          onclick: () => {
            ctx.update({ ...empty() });
            ctx.announce("Progress cleared.");
          },
        },
        "Clear progress",
      )
    : null;
  return h(
    "div",
    { class: "progress-file" },
    h("div", { class: "actions" }, download, clear),
    h("label", { for: "progress-file" }, "Import a progress file"),
    input,
    h(
      "p",
      { class: "hint", id: "progress-file-hint" },
      "A progress file holds this plan and what you have marked; import it in another browser.",
    ),
    error,
  );
}
