import { initAll } from "./govuk-frontend.min.js";
import { initRowTables } from "./row-tables.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
initRowTables();

// Radios that reveal their questions when chosen, as GOV.UK Frontend's conditional
// radios do, but without aria-expanded, which ARIA does not allow on a radio: each radio
// names what it reveals with aria-controls. Without scripts every question shows.
function syncReveals(inputs) {
  for (const input of inputs) {
    const target = document.getElementById(input.getAttribute("aria-controls"));
    target?.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
  }
}

for (const group of document.querySelectorAll('[data-module="app-reveal-radios"]')) {
  const inputs = [
    ...group.querySelectorAll(":scope > .govuk-radios__item > .govuk-radios__input"),
  ];
  for (const input of inputs) {
    const id = input.getAttribute("data-aria-controls");
    if (id && document.getElementById(id)) {
      input.setAttribute("aria-controls", id);
      input.removeAttribute("data-aria-controls");
    }
    input.addEventListener("change", () => syncReveals(inputs));
  }
  syncReveals(inputs);
}
