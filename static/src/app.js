import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// GOV.UK Frontend's radios mark a radio that reveals more questions with aria-expanded,
// which ARIA does not allow on a radio. The revealed questions follow their radio and
// aria-controls still names them, so the attribute is taken off whenever the radios set
// it: after the clicks (and arrow keys) they handle, and when a page is shown again.
function withoutExpanded() {
  for (const radio of document.querySelectorAll(".govuk-radios__input[aria-expanded]")) {
    radio.removeAttribute("aria-expanded");
  }
}
withoutExpanded();
document.addEventListener("click", withoutExpanded);
window.addEventListener("pageshow", withoutExpanded);
