// A search combobox over concepts and papers (GET /v1/search), after the WAI-ARIA
// combobox pattern: focus stays in the input, arrow keys move through the options,
// Enter picks one, Escape closes the list.

import { getJSON } from "./api.js";
import { debounce, h } from "./dom.js";

const DELAY_MS = 200;
const LIMIT = 8;

/**
 * A labelled search box. `onPick(hit)` gets the chosen {id, kind, title}; `exclude(id)`
 * hides ids already chosen; `announce(text)` speaks the result count.
 */
export function searchBox({ id, label, placeholder, onPick, exclude, announce, onHits }) {
  const listId = `${id}-results`;
  const input = h("input", {
    id,
    type: "search",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    placeholder,
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
  });
  const list = h("ul", {
    id: listId,
    role: "listbox",
    class: "results",
    "aria-label": label,
    hidden: true,
  });
  const empty = h("p", { class: "results-empty hint", hidden: true });
  let hits = [];
  let active = -1;
  let controller = null;

  function close() {
    list.hidden = true;
    empty.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
      if (i === index) option.scrollIntoView({ block: "nearest" });
    });
    if (index >= 0) input.setAttribute("aria-activedescendant", `${listId}-${index}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(index) {
    const hit = hits[index];
    if (!hit) return;
    input.value = "";
    close();
    onPick(hit);
  }

  function show(query, found) {
    hits = found.filter((hit) => !exclude?.(hit.id));
    list.replaceChildren(...hits.map((hit, i) => option(hit, `${listId}-${i}`, () => pick(i))));
    active = -1;
    input.removeAttribute("aria-activedescendant");
    list.hidden = hits.length === 0;
    empty.hidden = hits.length > 0;
    empty.textContent = `Nothing found for “${query}”.`;
    input.setAttribute("aria-expanded", String(hits.length > 0));
    announce?.(hits.length ? `${hits.length} results; arrow keys to choose` : empty.textContent);
  }

  const lookup = debounce(async (query) => {
    controller?.abort();
    controller = new AbortController();
    try {
      const found = await getJSON("/v1/search", { q: query, limit: LIMIT }, controller.signal);
      onHits?.(found);
      if (input.value.trim() === query) show(query, found);
    } catch (error) {
      if (error.name === "AbortError") return;
      close();
      empty.hidden = false;
      empty.textContent = `Search failed: ${error.message}`;
    }
  }, DELAY_MS);

  input.addEventListener("input", () => {
    const query = input.value.trim();
    if (query) lookup(query);
    else close();
  });

  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && hits.length > 0;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      setActive((active + 1) % hits.length);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      setActive(active <= 0 ? hits.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      // Enter never submits the surrounding form from here: it picks, or does nothing.
      event.preventDefault();
      if (open) pick(active >= 0 ? active : 0);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  // A click elsewhere closes the list; a press on an option must not blur the input first.
  input.addEventListener("blur", () => setTimeout(close, 150));
  list.addEventListener("mousedown", (event) => event.preventDefault());

  return h("div", { class: "search" }, h("label", { for: id }, label), input, list, empty);
}

function option(hit, id, onClick) {
  return h(
    "li",
    { id, role: "option", "aria-selected": "false", onclick: onClick },
    h("span", { class: "option-title" }, hit.title),
    h("span", { class: "option-meta" }, `${hit.kind} · ${hit.id}`),
  );
}
