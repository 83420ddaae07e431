// Small DOM and formatting helpers. Every string from the API reaches the page as a
// text node or an attribute value, never as markup: `h` has no way to set innerHTML.

/** An element: h("a", {href, class: "x", onclick}, "text", child, [more children]). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (typeof value === "boolean") el.toggleAttribute(name, value);
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children: nodes as they are, strings and numbers as text, nulls skipped. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An external link from the API, only when it is http(s): a title may be hostile, so may a URL. */
export function externalLink(url, ...children) {
  const safe = safeUrl(url);
  if (!safe) return h("span", {}, ...children);
  return h("a", { href: safe, rel: "noopener noreferrer", target: "_blank" }, ...children);
}

export function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** "2 h 55 min", "45 min", "3 h". */
export function minutes(total) {
  const m = Math.round(total);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** A YYYY-MM-DD date as "Tue 1 Dec 2026", read as a calendar date (no time-zone shift). */
export function day(iso, withYear = true) {
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const options = { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" };
  if (withYear) options.year = "numeric";
  return date.toLocaleDateString("en-GB", options);
}

/** Today as YYYY-MM-DD in the learner's own time zone. */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A measured value, short: 3.58e-7, 0.142, 1234. */
export function number(value) {
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(2) : value.toPrecision(3);
}

/** A section with a heading: section("Steps", ...children). */
export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
