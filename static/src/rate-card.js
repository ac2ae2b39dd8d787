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

function announce(text) {
  const status = document.getElementById(`${list.id}-status`);
  if (status) {
    status.textContent = text;
  }
}

// Said as typing would say it, so that whatever follows the box (a total) follows it.
function changed(input) {
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function fill(gradeInput) {
  const cost = costInput(gradeInput);
  if (!(cost instanceof HTMLInputElement)) {
    return;
  }
  const filled = cost.dataset.rateCardCost;
  const found = cardCost(gradeInput.value);
  if (!found) {
    // Typed on past a grade of the card ("Band D" to "Band D (CoLP)"): the cost filled in
    // for it goes, unless it has been changed since.
    if (filled !== undefined && cost.value === filled) {
      cost.value = cost.dataset.rateCardBefore ?? "";
      delete cost.dataset.rateCardCost;
      changed(cost);
      announce("Annual cost cleared: the grade is not on the rate card.");
    }
    return;
  }
  // A cost someone typed is theirs: only an empty one, or one this filled, is replaced.
  if (cost.value.trim() !== "" && cost.value !== filled) {
    return;
  }
  if (cost.value === found.cost) {
    return;
  }
  if (filled === undefined) {
    cost.dataset.rateCardBefore = cost.value;
  }
  cost.value = found.cost;
  cost.dataset.rateCardCost = found.cost;
  changed(cost);
  announce(
    `Annual cost filled in from the ${list.dataset.year} rate card: £${found.cost} for ${found.grade}.`,
  );
}

if (list) {
  document.getElementById(`${list.id}-fills`)?.removeAttribute("hidden");
  // Rows added to the table by a script come from a template without the list: a grade
  // box gets it when it is first used.
  document.addEventListener("focusin", (event) => {
    const input = event.target;
    if (
      input instanceof HTMLInputElement &&
      /^posts-\d+-grade$/.test(input.name) &&
      !input.hasAttribute("list")
    ) {
      input.setAttribute("list", list.id);
    }
  });
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
