// Diagrams: the API's Graphviz SVG, imported as a node (never as markup), made zoomable
// and pannable by changing its viewBox: buttons, the wheel, dragging and the keyboard.

import { h } from "./dom.js";
// DOMPurify's ES module, from package.json's pinned dependency, served by api/routes/web.py.
import DOMPurify from "./vendor/dompurify/purify.es.mjs";

const ZOOM_STEP = 1.25;
// The smallest label the first view shows, in CSS pixels: a diagram that only fits its box
// with its smallest labels smaller than this (Graphviz's 11pt node labels below 1.09 screen
// pixels per SVG unit: most plans on a phone) starts zoomed in on its `focus` node instead.
const READABLE_PX = 12;
// ...and above which a small diagram would be blown up: it shows at this size, centred.
const LARGEST = 1.5;
const MIN_ZOOM = 0.5; // of the whole diagram as Reset shows it
const MAX_ZOOM = 16;
const SVG_NS = "http://www.w3.org/2000/svg";

// What a Graphviz diagram may keep: DOMPurify's SVG profile (shapes, text, titles, <a> links
// with safe URLs; never <script>, <foreignObject>, <use>, <animate> or <set>, on* handlers or
// javascript: URLs, however split or encoded), less what could load or style anything: <image>
// (external or data: pictures), <style> and style attributes (url(...) in CSS). Graphviz emits
// none of these. No filters (svgFilters would bring <feImage>, which loads).
const SVG_ONLY = Object.freeze({
  USE_PROFILES: { svg: true },
  FORBID_TAGS: ["style", "image"],
  FORBID_ATTR: ["style"],
  RETURN_DOM_FRAGMENT: true,
});

/**
 * The <svg> element of an SVG document's text, cleaned by DOMPurify, as a node of this page
 * (never parsed as HTML), or null when the text is not an SVG document.
 */
export function importSvg(text) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const parsed = doc.documentElement;
  if (parsed.namespaceURI !== SVG_NS || parsed.localName !== "svg") return null;
  // Our SVG is Graphviz's, escaped by the API; DOMPurify is a second line of defence (with
  // the page's Content-Security-Policy) in case a title ever got through as markup.
  const svg = DOMPurify.sanitize(parsed, SVG_ONLY).firstElementChild;
  if (svg?.namespaceURI !== SVG_NS || svg.localName !== "svg") return null;
  return document.importNode(svg, true);
}

/**
 * A zoomable, pannable view of `svg` with its toolbar. `label` names it for screen readers;
 * `onNode(id)` runs when a node is clicked (not dragged); `focus(svg)` picks the node to
 * start on when the whole diagram would be too small to read (on a phone, say).
 */
export function zoomable(svg, { label, onNode, focus }) {
  const base = viewBoxOf(svg);
  const readable = READABLE_PX / smallestFont(svg); // screen pixels per SVG unit
  let view = { ...base };
  let touched = false; // once the reader zooms or pans, a resize leaves their view alone
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.querySelector(":scope > g > title")?.remove(); // Graphviz's "syllabus" tooltip

  const box = h("div", {
    class: "diagram-box",
    tabindex: "0",
    role: "group",
    "aria-label": `${label}. Arrow keys pan, plus and minus zoom, 0 resets.`,
  });
  // The box takes the diagram's shape, no taller than it looks at LARGEST (CSS clamps it too).
  box.style.aspectRatio = `${base.w} / ${base.h}`;
  box.style.setProperty("--natural-height", `${Math.round(base.h * LARGEST)}px`);
  box.append(svg);
  const level = h("output", { class: "zoom-level", "aria-live": "off" }, "100%");
  let home = { ...base }; // the whole diagram as Reset shows it: 100%

  function show(next) {
    view = clampZoom(next, home);
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
    const zoom = home.w / view.w;
    level.textContent = `${Math.round(zoom * 100)}%`;
    box.dataset.zoom = zoom.toFixed(3);
  }

  function change(next) {
    touched = true;
    show(next);
  }

  /** Zooms by `factor` about a point in SVG units (default: the middle of the view). */
  function zoomBy(factor, cx = view.x + view.w / 2, cy = view.y + view.h / 2) {
    const w = view.w / factor;
    const hgt = view.h / factor;
    change({ x: cx - (cx - view.x) / factor, y: cy - (cy - view.y) / factor, w, h: hgt });
  }

  function panBy(dxPixels, dyPixels) {
    const scale = unitsPerPixel(svg, view);
    change({ ...view, x: view.x - dxPixels * scale, y: view.y - dyPixels * scale });
  }

  /** The whole diagram, at most LARGEST times its size, or (when that is too small to read) a
   * readable part of it around the focus node. Sets `home`, the view Reset returns to. */
  function initialView() {
    const rect = svg.getBoundingClientRect(); // the box's inside, less its border
    if (!rect.width || !rect.height) return { ...base };
    const fit = Math.min(rect.width / base.w, rect.height / base.h);
    home = fit > LARGEST ? around(centreOfBase(), rect, LARGEST) : { ...base };
    const node = fit < readable ? focus?.(svg) : null;
    if (!node) return { ...home };
    // The focus near the top: what follows it in study order lies below.
    const view = around(centreOf(svg, node), rect, readable);
    return within({ ...view, y: view.y + view.h / 3 }, base);
  }

  /** A view centred on `centre` showing `scale` screen pixels per SVG unit in a box of `rect`. */
  function around(centre, rect, scale) {
    const w = rect.width / scale;
    const hgt = rect.height / scale;
    return { x: centre.x - w / 2, y: centre.y - hgt / 2, w, h: hgt };
  }

  const centreOfBase = () => ({ x: base.x + base.w / 2, y: base.y + base.h / 2 });

  const reset = () => change({ ...home });
  const tools = h(
    "div",
    { class: "diagram-tools", role: "toolbar", "aria-label": `${label}: zoom` },
    h(
      "button",
      {
        type: "button",
        class: "button small",
        "aria-label": "Zoom in",
        onclick: () => zoomBy(ZOOM_STEP),
      },
      "+",
    ),
    h(
      "button",
      {
        type: "button",
        class: "button small",
        "aria-label": "Zoom out",
        onclick: () => zoomBy(1 / ZOOM_STEP),
      },
      "−",
    ),
    h("button", { type: "button", class: "button small", onclick: reset }, "Reset"),
    level,
  );

  box.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault(); // the wheel zooms the diagram, not the page, while over it
      const point = toSvg(svg, event.clientX, event.clientY);
      zoomBy(Math.exp(-event.deltaY * 0.0015), point.x, point.y);
    },
    { passive: false },
  );

  box.addEventListener("keydown", (event) => {
    const step = 40;
    const keys = {
      ArrowLeft: () => panBy(step, 0),
      ArrowRight: () => panBy(-step, 0),
      ArrowUp: () => panBy(0, step),
      ArrowDown: () => panBy(0, -step),
      "+": () => zoomBy(ZOOM_STEP),
      "=": () => zoomBy(ZOOM_STEP),
      "-": () => zoomBy(1 / ZOOM_STEP),
      0: reset,
    };
    if (event.target !== box || !(event.key in keys)) return;
    event.preventDefault();
    keys[event.key]();
  });

  dragToPan(box, panBy, onNode);
  show(view);
  // The box has a size only once it is on the page, and a new one when the window turns.
  new ResizeObserver(() => touched || show(initialView())).observe(box);
  return h("div", { class: "diagram" }, tools, box);
}

/** Pointer drags pan; a press and release without movement on a node opens it. */
function dragToPan(box, panBy, onNode) {
  let drag = null;
  box.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, moved: 0, id: event.pointerId };
  });
  box.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    drag.moved += Math.abs(dx) + Math.abs(dy);
    if (drag.moved > 4 && !box.hasPointerCapture(event.pointerId)) {
      box.setPointerCapture(event.pointerId); // keep panning when the pointer leaves the box
      box.classList.add("dragging");
    }
    drag.x = event.clientX;
    drag.y = event.clientY;
    if (drag.moved > 4) panBy(dx, dy);
  });
  const end = (event) => {
    if (!drag) return;
    const clicked = drag.moved <= 4 && event.type === "pointerup";
    drag = null;
    box.classList.remove("dragging");
    if (!clicked || !onNode) return;
    const id = event.target.closest?.("g.node")?.querySelector("title")?.textContent;
    if (id) onNode(id);
  };
  box.addEventListener("pointerup", end);
  box.addEventListener("pointercancel", end);
}

/** The smallest font-size of the diagram's text, in SVG units (Graphviz sets it on each). */
function smallestFont(svg) {
  const sizes = [...svg.querySelectorAll("text")]
    .map((text) => parseFloat(text.getAttribute("font-size")))
    .filter((size) => size > 0);
  return sizes.length ? Math.min(...sizes) : 14; // Graphviz's default
}

function viewBoxOf(svg) {
  const numbers = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
  if (numbers.length === 4 && numbers.every(Number.isFinite) && numbers[2] > 0 && numbers[3] > 0) {
    return { x: numbers[0], y: numbers[1], w: numbers[2], h: numbers[3] };
  }
  const w = parseFloat(svg.getAttribute("width")) || 100;
  const hgt = parseFloat(svg.getAttribute("height")) || 100;
  return { x: 0, y: 0, w, h: hgt };
}

/** `view` moved (not resized) to stay inside `base` where it is smaller than it: a focus node
 * near an edge then sits near the box's edge instead of beside an empty band; and centred on
 * `base` where it is larger (a short, wide diagram on a phone), not left above an empty band. */
function within(view, base) {
  const slide = (start, size, lo, span) =>
    size >= span ? lo - (size - span) / 2 : Math.min(Math.max(start, lo), lo + span - size);
  return { ...view, x: slide(view.x, view.w, base.x, base.w), y: slide(view.y, view.h, base.y, base.h) };
}

function clampZoom(view, base) {
  const zoom = base.w / view.w;
  if (zoom >= MIN_ZOOM && zoom <= MAX_ZOOM) return view;
  const target = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
  const cx = view.x + view.w / 2;
  const cy = view.y + view.h / 2;
  const w = base.w / target;
  const hgt = base.h / target;
  return { x: cx - w / 2, y: cy - hgt / 2, w, h: hgt };
}

/** SVG units per screen pixel: the same on both axes with preserveAspectRatio "meet". */
function unitsPerPixel(svg, view) {
  const rect = svg.getBoundingClientRect();
  if (!rect.width || !rect.height) return 1;
  return Math.max(view.w / rect.width, view.h / rect.height);
}

/** The centre of `node` in the SVG's own units (Graphviz nests nodes in a transformed group). */
function centreOf(svg, node) {
  const box = node.getBBox();
  const toSvgUnits = svg.getScreenCTM().inverse().multiply(node.getScreenCTM());
  return new DOMPoint(box.x + box.width / 2, box.y + box.height / 2).matrixTransform(toSvgUnits);
}

function toSvg(svg, clientX, clientY) {
  const matrix = svg.getScreenCTM();
  if (!matrix) return { x: 0, y: 0 };
  return new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
}
