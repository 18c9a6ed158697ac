// Advisor panel: the selection guide as a form — layer, task, architecture, depth, symptoms —
// and the recommendation with its reasons, init, loss and alternatives (actlab.recommend).

import { api } from "./api.js";
import { addActivation, initText } from "./functions.js";
import { addTrainActivation } from "./train.js";
import { colorOf, debug, el, fmt, save, showError, state } from "./state.js";

const $ = (id) => document.getElementById(id);
let choices = { layers: [], tasks: [], architectures: [], symptoms: [] };
let known = new Set();

const pretty = (s) => String(s).replace(/_/g, " ");

export function initAdvisor(cat) {
  choices = { ...choices, ...(cat.advisor || {}) };
  known = new Set(cat.activations.map((a) => a.name));
  const a = state.advisor;
  fill($("adv-layer"), choices.layers, a.layer, false);
  fill($("adv-task"), choices.tasks, a.task, true, "— (hidden layer)");
  fill($("adv-arch"), choices.architectures, a.architecture, true, "— (any)");
  $("adv-depth").value = a.depth ?? "";
  $("adv-symptoms").replaceChildren(
    ...choices.symptoms.map((s) =>
      el("label", { class: "check" }, el("input", { type: "checkbox", value: s, checked: a.symptoms.includes(s) }), pretty(s)),
    ),
  );
  const form = $("advisor-form");
  form.addEventListener("change", () => {
    read();
    save();
    syncTask();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    read();
    save();
    advise();
  });
  syncTask();
  advise();
}

function fill(sel, list, value, optional, none) {
  sel.replaceChildren(
    optional ? el("option", { value: "" }, none) : null,
    ...list.map((v) => el("option", { value: v, selected: v === value }, pretty(v))),
  );
  sel.value = value ?? "";
}

// The task is the output layer's question; for a hidden layer it is not asked.
function syncTask() {
  const hidden = $("adv-layer").value === "hidden";
  $("adv-task").disabled = hidden;
}

function read() {
  const a = state.advisor;
  a.layer = $("adv-layer").value || "hidden";
  a.task = $("adv-task").value;
  a.architecture = $("adv-arch").value;
  const d = Number($("adv-depth").value);
  a.depth = Number.isInteger(d) && d > 0 ? d : 0;
  a.symptoms = [...document.querySelectorAll("#adv-symptoms input:checked")].map((i) => i.value);
}

async function advise() {
  const a = state.advisor;
  const body = { layer: a.layer, symptoms: a.symptoms };
  if (a.layer !== "hidden" && a.task) body.task = a.task;
  if (a.architecture) body.architecture = a.architecture;
  if (a.depth) body.depth = a.depth;
  try {
    const r = await api.advise(body);
    showError($("adv-error"), null);
    debug.drawn.advice = r;
    render(r);
  } catch (e) {
    showError($("adv-error"), e.message);
  }
}

const nameOf = (v) => (v && typeof v === "object" ? v.name ?? v.activation ?? JSON.stringify(v) : String(v));

function actions(name) {
  if (!known.has(name)) return null;
  return el(
    "span",
    { class: "actions" },
    el("button", { class: "small-btn", onclick: () => { addActivation(name); document.getElementById("tab-functions").click(); } }, "plot it"),
    el("button", { class: "small-btn", onclick: () => addTrainActivation(name) }, "add to Train"),
  );
}

function render(r) {
  const name = nameOf(r.activation);
  const list = (title, items, cls) =>
    items && items.length ? el("div", {}, el("h4", {}, title), el("ul", { class: cls || "plain" }, items.map((t) => el("li", {}, typeof t === "string" ? t : nameOf(t))))) : null;
  $("adv-result").replaceChildren(
    el(
      "div",
      { class: "card-inner" },
      el("div", { class: "card-head" }, el("i", { class: "sw", style: { background: colorOf(name) } }), el("h2", { id: "adv-activation" }, name), actions(name)),
      el(
        "table",
        { class: "facts" },
        r.params && Object.keys(r.params).length
          ? el("tr", {}, el("th", {}, "parameters"), el("td", {}, Object.entries(r.params).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ")))
          : null,
        el("tr", {}, el("th", {}, "init"), el("td", {}, initText(r.init), r.init?.note ? el("span", { class: "muted" }, ` — ${r.init.note}`) : null)),
        el("tr", {}, el("th", {}, "loss"), el("td", {}, r.loss ?? (r.layer === "hidden" ? "— (a hidden layer: the output layer decides the loss)" : "—"))),
        r.rules?.length ? el("tr", {}, el("th", {}, "rules applied"), el("td", { class: "muted" }, r.rules.map(pretty).join(" · "))) : null,
      ),
      el("h4", {}, "Why"),
      el("ul", { class: "reasons", id: "adv-reasons" }, (r.reasons || []).map((t) => el("li", {}, t))),
      r.alternatives?.length
        ? el(
            "div",
            {},
            el("h4", {}, "Alternatives"),
            el(
              "div",
              { class: "alts" },
              r.alternatives.map((alt) => {
                const n = nameOf(alt);
                const why = typeof alt === "object" ? alt.why ?? alt.reason ?? "" : "";
                return el("div", { class: "alt" }, el("i", { class: "sw", style: { background: colorOf(n) } }), el("b", {}, n), why ? el("span", { class: "muted" }, ` — ${why}`) : null, actions(n));
              }),
            ),
          )
        : null,
      list("Check first", r.checks),
      list("Fixes", r.fixes),
    ),
  );
}
