// Functions panel: the catalog picker (searchable, by family), the selected activations with
// their parameter sliders, the overlay of f / f′ / f″ with saturation shading and kink markers,
// and the focused activation's card (LaTeX, facts, kinks with the peers' values, accuracy).

import { api } from "./api.js";
import { legend, plot } from "./charts.js";
import { colorOf, debug, el, fmt, latest, save, showError, state, withAlpha } from "./state.js";
import { addTrainActivation } from "./train.js";

let catalog = null;
let byName = new Map();
let lastCurves = null;
const $ = (id) => document.getElementById(id);

const DASH = { f: undefined, df: [7, 4], d2f: [2, 3] };
const ORDER_LABEL = { f: "f", df: "f′", d2f: "f″" };

export async function initFunctions(cat) {
  catalog = cat;
  byName = new Map(cat.activations.map((a) => [a.name, a]));
  const fn = state.fn;
  // a link's own activations: defined again on this server (a restarted one forgot them)
  for (const d of fn.defined) {
    if (byName.has(d.name)) continue;
    try {
      register((await api.define(d)).activation);
    } catch (e) {
      showError($("fn-error"), `${d.name}: ${e.message}`);
    }
  }
  $("fn-define-btn").addEventListener("click", define);
  // drop names a stale link may carry that this catalog does not know
  fn.acts = fn.acts.filter((a) => byName.has(a.name));
  for (const k of ["f", "df", "d2f", "sat", "kinks"]) {
    const box = $(`fn-show-${k}`);
    box.checked = !!fn.show[k];
    box.addEventListener("change", () => {
      fn.show[k] = box.checked;
      save();
      if (k === "d2f") refresh();
      else draw();
    });
  }
  $("fn-xmin").value = fn.x_min;
  $("fn-xmax").value = fn.x_max;
  for (const id of ["fn-xmin", "fn-xmax"]) {
    $(id).addEventListener("change", () => {
      fn.x_min = Number($("fn-xmin").value);
      fn.x_max = Number($("fn-xmax").value);
      save();
      refresh();
    });
  }
  // an empty y box is "auto" (the curves' own range)
  $("fn-ymin").value = fn.y_min ?? "";
  $("fn-ymax").value = fn.y_max ?? "";
  for (const id of ["fn-ymin", "fn-ymax"]) {
    $(id).addEventListener("change", () => {
      const lo = $("fn-ymin").value === "" ? null : Number($("fn-ymin").value);
      const hi = $("fn-ymax").value === "" ? null : Number($("fn-ymax").value);
      fn.y_min = lo;
      fn.y_max = hi;
      save();
      draw();
    });
  }
  $("fn-search").addEventListener("input", renderPicker);
  renderPicker();
  renderSelected();
  refresh();
  refreshCard();
}

// ── your own activation ──
function register(entry) {
  const i = catalog.activations.findIndex((a) => a.name === entry.name);
  if (i >= 0) catalog.activations[i] = entry;
  else catalog.activations.push(entry);
  if (!catalog.families.includes(entry.family)) catalog.families.push(entry.family);
  byName.set(entry.name, entry);
}

async function define() {
  const name = $("fn-define-name").value.trim();
  const formula = $("fn-define-formula").value.trim();
  const err = $("fn-define-error");
  try {
    const res = await api.define({ name, formula });
    showError(err, null);
    register(res.activation);
    const fn = state.fn;
    fn.defined = [...fn.defined.filter((d) => d.name !== name), { name, formula }];
    // a redefinition replaces the curve: drop the old one's entry first
    fn.acts = fn.acts.filter((a) => a.name !== name);
    addActivation(name);
  } catch (e) {
    showError(err, e.message);
  }
}

// ── picker ──
function matches(a, q) {
  if (!q) return true;
  const hay = [a.name, a.family, a.summary, ...(a.aliases || [])].join(" ").toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

function renderPicker() {
  const q = $("fn-search").value.trim();
  const selected = new Set(state.fn.acts.map((a) => a.name));
  const groups = [];
  for (const fam of catalog.families) {
    const items = catalog.activations.filter((a) => a.family === fam && matches(a, q));
    if (!items.length) continue;
    groups.push(
      el(
        "div",
        { class: "fam" },
        el("div", { class: "fam-name" }, fam, el("span", { class: "muted" }, ` ${items.length}`)),
        items.map((a) =>
          el(
            "button",
            {
              class: "pick" + (selected.has(a.name) ? " on" : "") + (a.plottable ? "" : " noplot"),
              "data-name": a.name,
              title: a.summary + (a.aliases?.length ? `\naliases: ${a.aliases.join(", ")}` : "") + (a.plottable ? "" : `\n(${a.kind}: no 1-D curve; click for its card)`),
              onclick: () => pick(a.name),
            },
            a.name,
            a.kind !== "elementwise" ? el("span", { class: "badge" }, a.kind) : null,
          ),
        ),
      ),
    );
  }
  $("fn-picker").replaceChildren(...(groups.length ? groups : [el("div", { class: "muted" }, `no activation matches “${q}”`)]));
}

export function addActivation(name) {
  const a = byName.get(name);
  if (!a) return false;
  const fn = state.fn;
  if (a.plottable && !fn.acts.some((x) => x.name === name)) {
    const cap = catalog.limits?.activations ?? 10;
    if (fn.acts.length >= cap) {
      showError($("fn-error"), `at most ${cap} activations at once: remove one first`);
      return false;
    }
    fn.acts.push({ name, params: {} }); // the catalog's defaults until a slider moves
  }
  fn.focus = name;
  save();
  renderPicker();
  renderSelected();
  refresh();
  refreshCard();
  return true;
}

function pick(name) {
  addActivation(name);
}

function remove(name) {
  const fn = state.fn;
  fn.acts = fn.acts.filter((a) => a.name !== name);
  if (fn.focus === name) fn.focus = fn.acts[0]?.name ?? null;
  save();
  renderPicker();
  renderSelected();
  refresh();
  refreshCard();
}

// The lab's name for an activation with its parameters: "elu:alpha=1.5;..." (only the ones
// moved away from the catalog's defaults).
function labTerm(act) {
  const meta = byName.get(act.name);
  const moved = Object.entries(act.params).filter(([k, v]) => meta?.params?.find((p) => p.name === k)?.default !== v && v !== null);
  return moved.length ? `${act.name}:${moved.map(([k, v]) => `${k}=${v}`).join(";")}` : act.name;
}

// ── selected list with parameter controls ──
// The slider's ends come from the catalog (the constraint's bound, or a span around the
// default); the number box next to it takes any value, which the server then checks.
function sliderRange(p) {
  const def = typeof p.default === "number" ? p.default : 0;
  const span = Math.max(1, Math.abs(def) * 2);
  const lo = p.min ?? def - span;
  let hi = p.max ?? def + span;
  if (!(hi > lo)) hi = lo + 1;
  const integer = p.type === "int";
  const step = integer ? 1 : (hi - lo) / 400;
  // a strict bound ("> 0") is not a value the slider may reach
  const strict = /^\s*>(?!=)/.test(p.allowed || "") && p.min !== null && p.min !== undefined;
  return { lo: strict ? lo + step : lo, hi, step };
}

export function paramControl(act, p, onChange, prefix = "fn") {
  const v = act.params[p.name] ?? p.default;
  const id = `${prefix}-p-${act.name}-${p.name}`;
  let input;
  if (p.type === "generator") return null; // an object, not a value a link can carry
  if (p.choices && p.choices.length) {
    input = el("select", { id, "data-param": p.name }, p.choices.map((c) => el("option", { value: JSON.stringify(c), selected: c === v }, String(c))));
    input.addEventListener("change", () => onChange(JSON.parse(input.value)));
    return el("label", { class: "prm", title: p.allowed }, el("span", { class: "pn" }, p.name), input);
  }
  if (p.type === "bool" || typeof p.default === "boolean") {
    input = el("input", { id, type: "checkbox", "data-param": p.name, checked: !!v });
    input.addEventListener("change", () => onChange(input.checked));
    return el("label", { class: "prm", title: p.allowed }, el("span", { class: "pn" }, p.name), input);
  }
  if (p.min === null || p.min === undefined || p.max === null || p.max === undefined) {
    // seeds, axes: a number box, empty for None
    input = el("input", { id, type: "number", class: "num", "data-param": p.name, step: 1, value: v ?? "", placeholder: "none" });
    input.addEventListener("change", () => onChange(input.value === "" ? null : Number(input.value)));
    return el("label", { class: "prm", title: `${p.doc ?? ""} (${p.allowed})` }, el("span", { class: "pn" }, p.name), input, el("span", { class: "allowed muted" }, p.allowed));
  }
  const r = sliderRange(p);
  const slider = el("input", { id, type: "range", "data-param": p.name, min: r.lo, max: r.hi, step: r.step, value: v });
  const num = el("input", { type: "number", class: "num", "data-param-num": p.name, step: "any", value: v });
  slider.addEventListener("input", () => {
    num.value = Number(slider.value);
    onChange(Number(slider.value));
  });
  num.addEventListener("change", () => {
    slider.value = num.value;
    onChange(Number(num.value));
  });
  return el(
    "div",
    { class: "prm", title: `${p.name}: ${p.allowed}${p.learnable ? " (learnable)" : ""}` },
    el("span", { class: "pn" }, p.name, p.learnable ? el("sup", { class: "muted" }, "L") : null),
    slider,
    num,
    el("span", { class: "allowed muted" }, p.allowed),
  );
}

function renderSelected() {
  const fn = state.fn;
  const rows = fn.acts.map((act) => {
    const a = byName.get(act.name);
    const color = colorOf(act.name);
    return el(
      "div",
      { class: "sel" + (fn.focus === act.name ? " focus" : ""), "data-name": act.name, style: { borderLeftColor: color } },
      el(
        "div",
        { class: "sel-head" },
        el("i", { class: "sw", style: { background: color } }),
        el("button", { class: "link", onclick: () => { fn.focus = act.name; save(); renderSelected(); refreshCard(); draw(); } }, act.name),
        el("span", { class: "muted small" }, a.family),
        el("button", { class: "small-btn train-it", title: `train ${labTerm(act)} in the Train panel`, onclick: () => addTrainActivation(labTerm(act)) }, "train it"),
        el("button", { class: "x", title: `remove ${act.name}`, onclick: () => remove(act.name) }, "×"),
      ),
      (a.params || []).map((p) =>
        paramControl(act, p, (value) => {
          act.params[p.name] = value;
          save();
          refresh();
          if (fn.focus === act.name) refreshCard(400);
        }),
      ),
      el("div", { class: "prm-error error small", hidden: true }),
    );
  });
  $("fn-selected").replaceChildren(...(rows.length ? rows : [el("div", { class: "muted" }, "pick activations below")]));
}

// ── the chart ──
const refresh = latest(async () => {
  const fn = state.fn;
  const acts = fn.acts.filter((a) => byName.get(a.name)?.plottable);
  if (!acts.length) {
    lastCurves = { x: [], curves: [] };
    draw();
    return;
  }
  const t0 = performance.now();
  try {
    const res = await api.functions({
      activations: acts.map((a) => ({ name: a.name, params: a.params })),
      x_min: fn.x_min,
      x_max: fn.x_max,
      points: Math.min(2000, catalog.limits?.points ?? 2000),
      second: !!fn.show.d2f,
    });
    const ms = performance.now() - t0;
    $("fn-timing").textContent = `${acts.length} × ${res.x.length} points in ${Math.round(ms)} ms (round trip)`;
    debug.fnTimes = [...(debug.fnTimes ?? []).slice(-49), ms];
    showError($("fn-error"), null);
    for (const box of document.querySelectorAll(".prm-error")) showError(box, null);
    lastCurves = res;
    draw();
  } catch (e) {
    // a parameter out of its constraint: say so next to the activations, keep the last curves
    showError($("fn-error"), e.message);
    const m = /^([a-z0-9_]+):/i.exec(e.message);
    const box = m && document.querySelector(`.sel[data-name="${m[1]}"] .prm-error`);
    if (box) showError(box, e.message);
  }
});

function draw() {
  const fn = state.fn;
  const res = lastCurves;
  if (!res) return;
  const series = [];
  const data = [res.x];
  const nulls = (a) => (a || []).map((v) => (v === null || Number.isFinite(v) ? v : null));
  for (const c of res.curves) {
    const color = colorOf(c.name);
    const focused = c.name === fn.focus;
    for (const k of ["f", "df", "d2f"]) {
      if (!fn.show[k] || !c[k]) continue;
      series.push({ label: `${c.name} ${ORDER_LABEL[k]}`, stroke: color, dash: DASH[k], width: focused ? 2.5 : 1.75 });
      data.push(k === "f" ? nulls(c[k]) : broken(res.x, nulls(c[k]), c.kinks));
    }
  }
  const chartEl = $("fn-chart");
  const hooks = { drawClear: (u) => shade(u, res), draw: (u) => marks(u, res) };
  plot(chartEl, {
    series,
    data,
    height: 380,
    x: { label: "x" },
    y: {
      label: ["f", "df", "d2f"].filter((k) => fn.show[k]).map((k) => ORDER_LABEL[k] + "(x)").join(", "),
      range: fn.y_min !== null && fn.y_max !== null && fn.y_max > fn.y_min ? [fn.y_min, fn.y_max] : undefined,
    },
    signature: JSON.stringify([series.map((s) => [s.label, s.stroke, s.dash, s.width]), fn.y_min, fn.y_max]),
    hooks,
  });
  const lg = $("fn-legend");
  if (lg) legend(lg, res.curves.map((c) => ({ color: colorOf(c.name), label: c.label ?? c.name })));
  debug.drawn.functions = {
    x: res.x,
    curves: res.curves,
    series: series.map((s) => s.label),
    data,
    params: Object.fromEntries(fn.acts.map((a) => [a.name, { ...a.params }])),
  };
}

// f′ jumps at a kink: leave the sample nearest to it out, so the line breaks there instead of
// drawing a vertical stroke that no derivative takes (the kink marker shows the convention).
function broken(x, ys, kinks) {
  if (!kinks?.length || x.length < 2) return ys;
  const out = ys.slice();
  const h = (x[x.length - 1] - x[0]) / (x.length - 1);
  for (const k of kinks) {
    if (k.at === null || k.at < x[0] || k.at > x[x.length - 1]) continue;
    const i = Math.round((k.at - x[0]) / h);
    for (const j of [i - 1, i, i + 1]) if (j >= 0 && j < out.length && Math.abs(x[j] - k.at) <= h) out[j] = null;
  }
  return out;
}

// Saturation: the focused activation's regions shaded over the full height; every activation's
// regions as a thin strip in its colour along the top edge.
function shade(u, res) {
  if (!state.fn.show.sat) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const strip = Math.max(3, Math.round(4 * devicePixelRatio));
  ctx.save();
  res.curves.forEach((c, i) => {
    const color = colorOf(c.name);
    for (const [lo, hi] of c.saturation || []) {
      const a = Math.max(left, u.valToPos(Math.max(lo ?? -Infinity, u.scales.x.min), "x", true));
      const b = Math.min(left + width, u.valToPos(Math.min(hi ?? Infinity, u.scales.x.max), "x", true));
      if (!(b > a)) continue;
      if (c.name === state.fn.focus) {
        ctx.fillStyle = withAlpha(color, 0.08);
        ctx.fillRect(a, top, b - a, height);
      }
      ctx.fillStyle = withAlpha(color, 0.75);
      ctx.fillRect(a, top + i * (strip + 1), b - a, strip);
    }
  });
  ctx.restore();
}

function marks(u, res) {
  if (!state.fn.show.kinks) return;
  const ctx = u.ctx;
  const r = 4 * devicePixelRatio;
  ctx.save();
  ctx.lineWidth = 1.5 * devicePixelRatio;
  for (const c of res.curves) {
    const color = colorOf(c.name);
    for (const k of c.kinks || []) {
      if (k.at === null || k.at < u.scales.x.min || k.at > u.scales.x.max) continue;
      const px = u.valToPos(k.at, "x", true);
      const pts = [];
      if (state.fn.show.f && k.value !== null) pts.push([k.value, true]);
      if (state.fn.show.df && k.derivative !== null) pts.push([k.derivative, false]);
      for (const [v, filled] of pts) {
        const py = u.valToPos(v, "y", true);
        ctx.beginPath();
        ctx.arc(px, py, r, 0, 2 * Math.PI);
        if (filled) {
          ctx.fillStyle = color;
          ctx.fill();
        } else {
          ctx.fillStyle = "#fff";
          ctx.fill();
          ctx.strokeStyle = color;
          ctx.stroke();
        }
      }
    }
  }
  ctx.restore();
}

// ── the focused activation's card ──
// The card (its facts are measured: the first card of a parameter value costs the server up to
// a second or two) waits until a slider rests, so it never slows the curves while dragging.
let cardTimer = null;
function refreshCard(wait = 0) {
  clearTimeout(cardTimer);
  cardTimer = setTimeout(loadCard, wait);
}

const loadCard = latest(async () => {
  const name = state.fn.focus;
  const box = $("fn-card");
  if (!name || !byName.has(name)) {
    box.replaceChildren(el("p", { class: "muted" }, "pick an activation to see its card"));
    return;
  }
  const params = state.fn.acts.find((a) => a.name === name)?.params ?? {};
  try {
    const card = await api.activation(name, params);
    debug.drawn.card = card;
    box.replaceChildren(renderCard(card, byName.get(name)));
  } catch (e) {
    box.replaceChildren(el("div", { class: "error" }, e.message));
  }
});

export function tex(latex, display = true) {
  const span = el("span", { class: "tex" });
  try {
    window.katex.render(latex, span, { displayMode: display, throwOnError: false, output: "html" });
  } catch {
    span.textContent = latex;
  }
  return span;
}

export function initText(init) {
  if (!init) return "—";
  if (typeof init === "string") return init;
  return [init.scheme, init.mode ? `(${init.mode.replace("_", "-")})` : "", init.gain !== undefined ? `gain ${fmt(init.gain, 4)}` : ""].filter(Boolean).join(" ");
}

function factRows(f) {
  const rows = [];
  const m = f.measured || {};
  const add = (k, v, hint) => rows.push(el("tr", {}, el("th", { title: hint || "" }, k), el("td", {}, v)));
  add("range", f.range ?? "—");
  add("monotonic", fmt(f.monotonic));
  add(
    "zero-centred",
    el(
      "span",
      {},
      f.zero_centred_declared !== undefined ? fmt(f.zero_centred_declared) : "",
      typeof f.zero_centred === "number" ? ` — |E f| / RMS f = ${fmt(f.zero_centred, 3)}` : "",
      typeof f.zero_centred === "number"
        ? el("span", { class: "muted" }, (m.zero_centred_below !== undefined ? ` (zero-centred below ${fmt(m.zero_centred_below)})` : "") + `; E f(z) = ${fmt(f.mean_at_init, 3)}, z ~ N(0, 1)`)
        : el("span", { class: "muted" }, " (not measured)"),
    ),
    "measured under a unit Gaussian input z: the mean output relative to its RMS",
  );
  add("smoothness", f.smoothness === null || f.smoothness === undefined ? "—" : String(f.smoothness));
  add("saturates", Array.isArray(f.saturates) ? (f.saturates.length ? f.saturates.join(", ") : "no") : fmt(f.saturates));
  add(
    "cost",
    typeof f.cost === "number" ? el("span", {}, `${fmt(f.cost, 2)} × relu`, m.cost_range ? el("span", { class: "muted" }, ` (measured ${fmt(m.cost_range[0], 2)}–${fmt(m.cost_range[1], 2)})`) : null) : fmt(f.cost),
    "time per element relative to relu, measured on this machine",
  );
  add("init", initText(f.init));
  add("exact gain", fmt(f.gain, 5), "the variance-preserving gain: E[f(z)²] = 1/gain²");
  if (f.torch_gain !== null && f.torch_gain !== undefined) add("PyTorch gain", fmt(f.torch_gain, 5), "torch.nn.init.calculate_gain");
  return rows;
}

// What a peer library gives for f′ at a kink: its autograd value where measured, else whether
// the parity tests hold it equal to actlab's convention there.
function peerCell(k, peer) {
  if (peer === null || peer === undefined) return el("td", { class: "muted", title: "no equivalent in this library" }, "—");
  if (typeof peer === "number") return el("td", { class: peer !== k.derivative ? "differs" : "" }, fmt(peer));
  const title = [peer.name, peer.note].filter(Boolean).join(" — ");
  if (typeof peer.derivative === "number") {
    const differs = typeof k.derivative === "number" && peer.derivative !== k.derivative;
    return el("td", { class: differs ? "differs" : "agrees", title }, fmt(peer.derivative));
  }
  if (peer.agrees) return el("td", { class: "agrees", title }, "same");
  return el("td", { class: "differs", title }, "differs", peer.note ? el("div", { class: "small note" }, peer.note) : null);
}

function ulpCell(v) {
  if (v === null || v === undefined) return el("td", { class: "ulp na", title: "the peer lacks this function" }, "—");
  const cls = v <= 1 ? "good" : v <= 4 ? "fair" : "poor";
  return el("td", { class: `ulp ${cls}` }, fmt(v, 3));
}

function renderCard(card, meta) {
  const kinks = card.kinks ?? lastCurves?.curves?.find((c) => c.name === card.name)?.kinks ?? [];
  const peers = card.peers || {};
  const peerName = (p) => (p && typeof p === "object" ? p.name : p);
  return el(
    "div",
    { class: "card-inner" },
    el(
      "div",
      { class: "card-head" },
      el("i", { class: "sw", style: { background: colorOf(card.name) } }),
      el("h2", {}, card.name),
      el("span", { class: "muted" }, `${meta.family} · ${meta.kind}`),
      meta.aliases?.length ? el("span", { class: "muted" }, ` · aliases: ${meta.aliases.join(", ")}`) : null,
    ),
    el("p", { class: "summary" }, meta.summary),
    el(
      "div",
      { class: "card-grid" },
      el(
        "div",
        {},
        el("div", { class: "formula", id: "fn-latex" }, tex(card.latex)),
        card.derivative_latex ? el("div", { class: "formula", id: "fn-dlatex" }, tex(card.derivative_latex)) : null,
        el("h4", {}, "Facts"),
        el("table", { class: "facts", id: "fn-facts" }, factRows(card.facts || {})),
      ),
      el(
        "div",
        {},
        el("h4", {}, "Peers"),
        el(
          "table",
          { class: "facts" },
          ["torch", "keras", "jax"].map((k) =>
            el("tr", {}, el("th", {}, k), el("td", {}, peerName(peers[k]) ? el("code", {}, peerName(peers[k])) : el("span", { class: "muted" }, "none"), peers[k]?.note ? el("span", { class: "muted small" }, ` — ${peers[k].note}`) : null)),
          ),
        ),
        el("h4", {}, "Kinks ", el("span", { class: "muted small" }, "f′ there: actlab's convention and what each peer returns")),
        kinks.length
          ? el(
              "table",
              { class: "grid-table", id: "fn-kinks" },
              el("tr", {}, ["x", "f", "f′ actlab", "torch", "jax", "keras", "why"].map((h) => el("th", {}, h))),
              kinks.map((k) =>
                el(
                  "tr",
                  {},
                  el("td", {}, fmt(k.at)),
                  el("td", {}, fmt(k.value)),
                  el("td", { class: "strong" }, fmt(k.derivative)),
                  ["torch", "jax", "keras"].map((p) => peerCell(k, k.peers?.[p])),
                  el("td", { class: "small" }, k.why),
                ),
              ),
            )
          : el("p", { class: "muted small" }, "no kinks: differentiable everywhere"),
        el("h4", {}, "Accuracy strip ", el("span", { class: "muted small" }, "max error in ULP against mpmath on the oracle grid; — : the library lacks it")),
        card.accuracy?.length
          ? el(
              "table",
              { class: "grid-table", id: "fn-accuracy" },
              el("tr", {}, ["dtype", "of", "actlab", "torch", "JAX", "NumPy"].map((h) => el("th", {}, h))),
              card.accuracy.map((r) => el("tr", {}, el("td", {}, r.dtype), el("td", {}, (r.of ?? "f").replace("'", "′")), ulpCell(r.actlab), ulpCell(r.torch), ulpCell(r.jax), ulpCell(r.numpy))),
            )
          : el("p", { class: "muted small" }, "not measured for this activation"),
      ),
    ),
    el(
      "div",
      { class: "card-grid three" },
      list("Pros", card.pros),
      list("Cons", card.cons),
      list("Used in", card.uses),
    ),
    card.references?.length
      ? el(
          "div",
          { class: "refs small" },
          el("h4", {}, "References"),
          card.references.map((r) => el("div", {}, typeof r === "string" ? r : `${r.authors ?? ""} (${r.year ?? ""}). ${r.title ?? ""}. ${r.url ?? ""}`)),
        )
      : null,
  );
}

function list(title, items) {
  return el("div", {}, el("h4", {}, title), items?.length ? el("ul", { class: "plain" }, items.map((t) => el("li", {}, t))) : el("p", { class: "muted small" }, "—"));
}

export function catalogEntry(name) {
  return byName.get(name);
}
