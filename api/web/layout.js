// The page's one-column layout (phones, narrow windows): the view comes first and the settings
// after it (style.css), folded away while a plan or another page is showing, so that a shared
// plan is the first thing a phone shows. A "Settings" link in the header opens them. On a wide
// screen the settings sit open beside the view and cannot be folded.

/** style.css's one-column layout: the settings below the view. */
export const ONE_COLUMN = "(max-width: 959px)";
/** A phone: the steps' why-chains start folded. */
export const PHONE = "(max-width: 600px)";

const oneColumn = matchMedia(ONE_COLUMN);
const byId = (id) => document.getElementById(id);

/** Whether the screen is a phone's width (checked when a view renders). */
export const isPhone = () => matchMedia(PHONE).matches;

/**
 * Folds or opens the settings for a view just shown: always open beside the view on a wide
 * screen; in one column folded, except on the landing page (`intro`), whose next step is the
 * goal search in them. Called at load (a shared link) and when the window crosses widths,
 * never while the reader uses the settings.
 */
export function fitSettings({ intro }) {
  byId("settings").open = !oneColumn.matches || intro;
}

/** Wires the header's Settings link, and refits the settings when the window crosses widths. */
export function initLayout(isIntro) {
  oneColumn.addEventListener("change", () => fitSettings({ intro: isIntro() }));
  byId("nav-settings").addEventListener("click", (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault(); // not a history entry: the settings are not a place
    openSettings();
  });
}

/** Opens the settings, scrolls to them and puts focus on their first field. */
export function openSettings() {
  const details = byId("settings");
  details.open = true;
  details.scrollIntoView({ block: "start" });
  byId("goal-input")?.focus({ preventScroll: true });
}
