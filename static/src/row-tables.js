// Tables of rows (posts, cost lines, funded units) that grow and shrink without a round
// trip to the server. Without scripts each table has blank rows and "Save and add more
// rows", and works as before.
//
// Each [data-module="app-row-table"] holds a formset's table, whose <tbody data-rows> has
// a row per form, and a <template data-row-template>: the formset's empty form, with
// __prefix__ where a row's index goes and __number__ where its number goes. "Add another"
// copies it and counts it in the formset's TOTAL_FORMS; a row added so can be removed
// again (a saved row has its own "remove" box). A total row, of cells marked data-total,
// follows what is typed; the server works out the figures that count when it saves.

const MONEY = /^\s*£?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(m)?\s*$/i;
const FTE = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*$/;
const POUNDS = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });
// How long typing pauses before the new totals are read out.
const ANNOUNCE_AFTER_MS = 1000;

// Pounds as grants.money.parse_money reads them (66000, £66,000.00, £0.066m); a blank
// box is nothing, and null is a figure that cannot be read.
export function readMoney(text) {
  if (!text.trim()) return 0;
  const match = MONEY.exec(text);
  if (!match) return null;
  const pounds = Number(match[1].replaceAll(",", ""));
  return match[2] ? pounds * 1_000_000 : pounds;
}

export function readFte(text) {
  if (!text.trim()) return 0;
  const match = FTE.exec(text);
  return match ? Number(match[1]) : null;
}

function formatFte(fte) {
  return String(Math.round(fte * 100) / 100);
}

function formatPounds(pence) {
  return POUNDS.format(Math.round(pence) / 100);
}

class RowTable {
  constructor(module) {
    this.module = module;
    this.prefix = module.dataset.prefix;
    this.noun = module.dataset.noun;
    this.body = module.querySelector("[data-rows]");
    this.template = module.querySelector("template[data-row-template]");
    this.count = document.getElementById(`id_${this.prefix}-TOTAL_FORMS`);
    this.most = Number(document.getElementById(`id_${this.prefix}-MAX_NUM_FORMS`)?.value);
    this.totals = new Map(
      [...module.querySelectorAll("[data-total]")].map((cell) => [cell.dataset.total, cell]),
    );
    this.totalLabel = module.querySelector("[data-total-label]");
    if (!this.body || !this.template || !this.count) return;

    this.status = document.createElement("div");
    this.status.className = "govuk-visually-hidden";
    this.status.setAttribute("role", "status");
    this.addButton = document.createElement("button");
    this.addButton.type = "button";
    this.addButton.className = "govuk-button govuk-button--secondary app-add-row";
    this.addButton.textContent = module.dataset.add;
    this.addButton.addEventListener("click", () => this.add());
    this.template.before(this.addButton, this.status);

    if (this.totals.size) {
      module.addEventListener("input", () => this.update(true));
      module.addEventListener("change", () => this.update(true));
      this.update(false);
    }
  }

  label(number) {
    return `${this.noun} ${number}`;
  }

  add() {
    const index = Number(this.count.value);
    if (this.most && index >= this.most) {
      this.say(`A table can have up to ${this.most} rows. Save, then add more.`);
      return;
    }
    const html = this.template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    this.body.insertAdjacentHTML("beforeend", html);
    const row = this.body.lastElementChild;
    row.dataset.added = String(index);
    this.addRemoveButton(row, index);
    this.count.value = String(index + 1);
    row.querySelector("input:not([type=hidden])")?.focus();
    this.say(`${this.capitalised(this.label(index + 1))} added.`);
  }

  addRemoveButton(row, index) {
    const cell = row.querySelector("[data-remove-cell]");
    if (!cell) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "app-link-button app-remove-row";
    button.innerHTML = `Remove<span class="govuk-visually-hidden"> ${this.label(index + 1)}</span>`;
    button.addEventListener("click", () => this.remove(row));
    cell.replaceChildren(button);
  }

  remove(row) {
    const index = Number(row.dataset.added);
    row.remove();
    // Rows added after it move up, so the formset's forms stay numbered 0, 1, 2...
    for (const later of this.body.querySelectorAll("[data-added]")) {
      const from = Number(later.dataset.added);
      if (from > index) this.renumber(later, from, from - 1);
    }
    this.count.value = String(Number(this.count.value) - 1);
    this.addButton.focus();
    this.say(`${this.capitalised(this.label(index + 1))} removed.`);
    this.update(true);
  }

  renumber(row, from, to) {
    const before = `${this.prefix}-${from}-`;
    const after = `${this.prefix}-${to}-`;
    for (const element of row.querySelectorAll("*")) {
      for (const name of ["name", "id", "for", "aria-describedby"]) {
        const value = element.getAttribute(name);
        if (value?.includes(before)) element.setAttribute(name, value.replaceAll(before, after));
      }
    }
    const number = new RegExp(`${this.label(from + 1)}$`);
    for (const text of row.querySelectorAll("label, .govuk-visually-hidden")) {
      text.textContent = text.textContent.trim().replace(number, this.label(to + 1));
    }
    row.dataset.added = String(to);
  }

  value(row, field) {
    return row.querySelector(`[name$="-${field}"]`)?.value ?? "";
  }

  // The totals of the rows as typed: rows being removed are left out, and so are
  // figures that cannot be read, which the server will name when the page is saved, and
  // posts with dates, whose cost the server works out for the days of each year.
  update(announce) {
    let grantFte = 0;
    let matchFte = 0;
    let grantCost = 0;
    let matchCost = 0;
    let amount = 0;
    let unread = 0;
    let dated = 0;
    for (const row of this.body.querySelectorAll("[data-row]")) {
      if (row.querySelector('input[name$="-DELETE"]:checked')) continue;
      if (this.totals.has("amount")) {
        const pounds = readMoney(this.value(row, "amount"));
        if (pounds === null) unread += 1;
        else amount += pounds * 100;
        continue;
      }
      if (this.value(row, "starts_on").trim() || this.value(row, "ends_on").trim()) {
        dated += 1;
        continue;
      }
      const cost = readMoney(this.value(row, "annual_cost"));
      const grant = readFte(this.value(row, "grant_fte"));
      const match = readFte(this.value(row, "match_fte"));
      if (cost === null || grant === null || match === null) {
        unread += 1;
        continue;
      }
      grantFte += grant;
      matchFte += match;
      grantCost += cost * 100 * grant;
      matchCost += cost * 100 * match;
    }
    const figures = {
      grant_fte: formatFte(grantFte),
      match_fte: formatFte(matchFte),
      grant_cost: formatPounds(grantCost),
      match_cost: formatPounds(matchCost),
      total_cost: formatPounds(grantCost + matchCost),
      amount: formatPounds(amount),
    };
    for (const [name, cell] of this.totals) cell.textContent = figures[name];
    const what = this.totals.has("amount") ? "cost lines" : "posts";
    if (this.totalLabel) {
      const without = dated ? ", without the posts with dates" : "";
      this.totalLabel.textContent = `Total of the ${what} as typed${without}`;
    }
    if (!announce) return;

    const said = this.totals.has("amount")
      ? `${figures.amount}`
      : `${figures.grant_fte} grant-funded FTE, ${figures.match_fte} match-funded FTE, ` +
        `${figures.total_cost}`;
    let left = unread
      ? ` ${unread} row${unread === 1 ? "" : "s"} left out: a figure cannot be read.`
      : "";
    if (dated) {
      left += ` ${dated} post${dated === 1 ? "" : "s"} with dates left out: the cost is worked out when you save.`;
    }
    clearTimeout(this.announcing);
    this.announcing = setTimeout(
      () => this.say(`Total of the ${what} as typed: ${said}.${left}`),
      ANNOUNCE_AFTER_MS,
    );
  }

  say(text) {
    this.status.textContent = text;
  }

  capitalised(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
}

export function initRowTables(scope = document) {
  for (const module of scope.querySelectorAll('[data-module="app-row-table"]')) {
    new RowTable(module);
  }
}
