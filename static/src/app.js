import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Radios that reveal a question under the chosen one, as GOV.UK Frontend's radios do, but
// without the aria-expanded that GOV.UK Frontend puts on each radio: ARIA does not allow
// it on a radio, and checkers rightly refuse it. Each radio's data-aria-controls names
// its conditional container; only the checked radio's container is shown. Without
// JavaScript every container shows under its own radio.
for (const group of document.querySelectorAll('[data-module="app-conditional-radios"]')) {
  const inputs = [...group.querySelectorAll('input[type="radio"][data-aria-controls]')];
  const sync = () => {
    for (const input of inputs) {
      const target = document.getElementById(input.getAttribute("aria-controls"));
      target?.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
    }
  };
  for (const input of inputs) {
    input.setAttribute("aria-controls", input.dataset.ariaControls);
    input.removeAttribute("data-aria-controls");
  }
  group.addEventListener("change", sync);
  sync();
}
