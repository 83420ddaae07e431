// A search combobox over concepts and papers (GET /v1/search), after the WAI-ARIA
// combobox pattern: focus stays in the input, arrow keys move through the options,
// Enter picks one, Escape closes the list. A box with two actions per result (pick, and
// open the result's page) shows a grid popup instead of a list: a row per result, a cell
// per action; Up and Down move between rows, Left and Right between cells.

import { getJSON } from "./api.js";
import { debounce, h } from "./dom.js";

const DELAY_MS = 200;
const LIMIT = 8;

/**
 * A labelled search box. `onPick(hit)` gets the chosen {id, kind, title}; `exclude(id)`
 * hides ids already chosen; `announce(text)` speaks the result count. With `onOpen(hit)`,
 * each result offers two actions: `pickText` (say "Add as goal"), which calls onPick, and
 * "Open", which calls onOpen.
 */
export function searchBox({
  id,
  label,
  placeholder,
  onPick,
  onOpen,
  pickText,
  exclude,
  announce,
  onHits,
}) {
  const listId = `${id}-results`;
  const grid = Boolean(onOpen);
  const input = h("input", {
    id,
    type: "search",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    placeholder,
    "aria-autocomplete": "list",
    "aria-haspopup": grid ? "grid" : "listbox",
    "aria-expanded": "false",
    "aria-controls": listId,
  });
  const list = h("ul", {
    id: listId,
    role: grid ? "grid" : "listbox",
    class: grid ? "results results-grid" : "results",
    "aria-label": label,
    hidden: true,
  });
  const empty = h("p", { class: "results-empty hint", hidden: true });
  let hits = [];
  let active = -1;
  let column = 0; // in a grid: 0 picks, 1 opens
  let controller = null;

  function close() {
    list.hidden = true;
    empty.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  /** The id of result `index`'s option, or in a grid of its cell in `column`. */
  const itemId = (index, col = column) =>
    grid ? `${listId}-${index}-${col}` : `${listId}-${index}`;

  function setActive(index, col = column) {
    active = index;
    column = col;
    const current = index >= 0 ? itemId(index) : null;
    list.querySelectorAll("[role=option], [role=gridcell]").forEach((item) => {
      item.setAttribute("aria-selected", String(item.id === current));
      if (item.id === current) item.scrollIntoView({ block: "nearest" });
    });
    if (current) input.setAttribute("aria-activedescendant", current);
    else input.removeAttribute("aria-activedescendant");
  }

  /** Result `index`'s action in `col`: 0 picks it (the box's own action), 1 opens it. */
  function act(index, col = 0) {
    const hit = hits[index];
    if (!hit) return;
    input.value = "";
    close();
    if (col === 1) onOpen(hit);
    else onPick(hit);
  }

  function show(query, found) {
    hits = found.filter((hit) => !exclude?.(hit.id));
    list.replaceChildren(
      ...hits.map((hit, i) =>
        grid
          ? row(hit, (col) => itemId(i, col), (col) => act(i, col), pickText)
          : option(hit, itemId(i), () => act(i)),
      ),
    );
    active = -1;
    input.removeAttribute("aria-activedescendant");
    list.hidden = hits.length === 0;
    empty.hidden = hits.length > 0;
    empty.textContent = `Nothing found for “${query}”.`;
    input.setAttribute("aria-expanded", String(hits.length > 0));
    const keys = grid
      ? "up and down to choose, left and right for add or open"
      : "arrow keys to choose";
    announce?.(hits.length ? `${hits.length} results; ${keys}` : empty.textContent);
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
      setActive((active + 1) % hits.length, active < 0 ? 0 : column);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      setActive(active <= 0 ? hits.length - 1 : active - 1, active < 0 ? 0 : column);
    } else if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && grid && open) {
      if (active < 0) return; // no row chosen yet: the arrows move the caret
      event.preventDefault();
      setActive(active, column === 0 ? 1 : 0); // two cells: either arrow goes to the other
    } else if (event.key === "Enter") {
      // Enter never submits the surrounding form from here: it acts, or does nothing.
      event.preventDefault();
      if (open) act(active >= 0 ? active : 0, active >= 0 ? column : 0);
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

/** A grid row: the result with the box's own action (`pickText`), then "Open". */
function row(hit, cellId, onCell, pickText) {
  return h(
    "li",
    { role: "row", "data-id": hit.id },
    h(
      "span",
      {
        id: cellId(0),
        role: "gridcell",
        "aria-selected": "false",
        class: "result-pick",
        onclick: () => onCell(0),
      },
      h(
        "span",
        { class: "result-text" },
        h("span", { class: "option-title" }, hit.title),
        h("span", { class: "option-meta" }, `${hit.kind} · ${hit.id}`),
      ),
      h("span", { class: "result-action" }, pickText),
    ),
    h(
      "span",
      {
        id: cellId(1),
        role: "gridcell",
        "aria-selected": "false",
        "aria-label": `Open ${hit.title}`,
        class: "result-open",
        onclick: () => onCell(1),
      },
      h("span", { class: "result-action" }, "Open"),
    ),
  );
}

function option(hit, id, onClick) {
  return h(
    "li",
    { id, role: "option", "aria-selected": "false", onclick: onClick },
    h("span", { class: "option-title" }, hit.title),
    h("span", { class: "option-meta" }, `${hit.kind} · ${hit.id}`),
  );
}
