// Choosing a grade on the rate card fills in its annual cost. The page works without
// it: the grades are still suggested (a <datalist>), and the server checks every cost
// against the card whatever this fills in.
const list = document.querySelector('datalist[data-module="app-rate-card"]');

function cardCost(grade) {
  const wanted = grade.trim().toLowerCase();
  for (const option of list.options) {
    if (option.value.trim().toLowerCase() === wanted) {
      return { grade: option.value, cost: option.dataset.annualCost };
    }
  }
  return null;
}

function costInput(gradeInput) {
  const name = gradeInput.name.replace(/grade$/, "annual_cost");
  return gradeInput.form?.elements.namedItem(name) ?? null;
}

function fill(gradeInput) {
  const found = cardCost(gradeInput.value);
  const cost = costInput(gradeInput);
  if (!found || !(cost instanceof HTMLInputElement)) {
    return;
  }
  // A cost someone typed is theirs: only an empty one, or one this filled, is replaced.
  if (cost.value.trim() !== "" && cost.value !== cost.dataset.rateCardCost) {
    return;
  }
  if (cost.value === found.cost) {
    return;
  }
  cost.value = found.cost;
  cost.dataset.rateCardCost = found.cost;
  const status = document.getElementById(`${list.id}-status`);
  if (status) {
    status.textContent = `Annual cost filled in from the ${list.dataset.year} rate card: £${found.cost} for ${found.grade}.`;
  }
}

if (list) {
  document.getElementById(`${list.id}-fills`)?.removeAttribute("hidden");
  // Listened for on the document, so rows added to the table later are filled too.
  for (const type of ["input", "change"]) {
    document.addEventListener(type, (event) => {
      const input = event.target;
      if (input instanceof HTMLInputElement && input.getAttribute("list") === list.id) {
        fill(input);
      }
    });
  }
}
