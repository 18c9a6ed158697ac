// Share panel: the link that carries the whole page state (the URL hash), and "copy as code":
// the Train panel's network as PyTorch, Keras and JAX, and as the `actlab compare` command
// (POST /api/code).

import { api } from "./api.js";
import { trainBody } from "./train.js";
import { debug, el, fmt, onSave, save, showError, state } from "./state.js";

const $ = (id) => document.getElementById(id);
let code = null;
let codeKey = null;

export function initShare() {
  const url = $("share-url");
  const sync = () => (url.value = location.href);
  sync();
  onSave(() => {
    sync();
    if (state.tab === "share") {
      summary();
      refreshCode();
    }
  });
  $("share-copy").addEventListener("click", () => copy(url.value, $("share-copy")));
  url.addEventListener("focus", () => url.select());
  for (const b of document.querySelectorAll("#share-code-tabs [data-code]")) {
    b.addEventListener("click", () => {
      state.code = b.dataset.code;
      save();
      showCode();
    });
  }
  $("share-code-copy").addEventListener("click", () => copy($("share-code").textContent, $("share-code-copy")));
}

export function onShareShown() {
  $("share-url").value = location.href;
  summary();
  refreshCode();
}

// What the link holds, in words (the same state the link restores).
function summary() {
  const f = state.fn;
  const d = state.depth;
  const t = state.train;
  const a = state.advisor;
  const acts = f.acts.map((x) => x.name + Object.entries(x.params).map(([k, v]) => ` ${k}=${fmt(v)}`).join("")).join(", ") || "none";
  const rows = [
    ["Functions", `${acts}; x from ${fmt(f.x_min)} to ${fmt(f.x_max)}; showing ${["f", "df", "d2f"].filter((k) => f.show[k]).map((k) => ({ f: "f", df: "f′", d2f: "f″" })[k]).join(", ")}`],
    ["Depth & init", `${d.activation}, ${d.custom ? `σ_w² = ${fmt(d.sigma_w2)}, σ_b² = ${fmt(d.sigma_b2)}` : `${d.init} init, σ_b² = ${fmt(d.sigma_b2)}`}, ${d.depth} layers; histograms ${d.widths.join("-")} on ${d.dataset}, seed ${d.seed}`],
    ["Train", `${t.upload ? "your CSV" : t.dataset}${t.upload ? "" : `, noise ${fmt(t.noise)}, ${t.n} points`}; hidden ${t.widths.join("-")}; ${t.activations.join(" vs ")}; ${t.init} init, ${t.optimizer} lr ${fmt(t.lr)}, batch ${t.batch_size}, ${t.seeds} seeds × ${t.steps} steps`],
    ["Advisor", `${a.layer} layer${a.task ? `, ${a.task}` : ""}${a.architecture ? `, ${a.architecture}` : ""}${a.depth ? `, depth ${a.depth}` : ""}${a.symptoms.length ? `; symptoms: ${a.symptoms.join(", ")}` : ""}`],
  ];
  $("share-summary").replaceChildren(el("table", { class: "facts" }, rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v)))));
}

async function refreshCode() {
  const body = trainBody();
  const key = JSON.stringify(body);
  if (key === codeKey && code) return showCode();
  try {
    code = await api.code(body);
    codeKey = key;
    debug.drawn.code = code;
    showError($("share-error"), null);
  } catch (e) {
    code = null;
    showError($("share-error"), e.message);
  }
  showCode();
}

function showCode() {
  const which = state.code in (code || {}) ? state.code : "pytorch";
  for (const b of document.querySelectorAll("#share-code-tabs [data-code]")) b.classList.toggle("on", b.dataset.code === which);
  $("share-code").textContent = code ? code[which] : "";
}

async function copy(text, button) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    // no clipboard permission: select the text so ctrl-c takes it
    const ta = document.createElement("textarea");
    ta.value = text;
    document.body.append(ta);
    ta.select();
    ok = document.execCommand("copy");
    ta.remove();
  }
  const old = button.textContent;
  button.textContent = ok ? "copied ✓" : "select and copy";
  setTimeout(() => (button.textContent = old), 1200);
}
