// Depth & init panel: the mean-field card (fixed point q*, χ₁, the exact gain, how deep a stack
// goes before the gradient changes a million-fold), variance and gradient through L layers,
// the order/chaos phase diagram with the user's point, and per-layer histograms of a random
// network at init.

import { api } from "./api.js";
import { canvasAxes, diverging, extentMap, legend, plot, rgb } from "./charts.js";
import { paramControl } from "./functions.js";
import { colorOf, debug, el, fmt, latest, pct, save, showError, state } from "./state.js";

const $ = (id) => document.getElementById(id);
let catalog = null;
let byName = new Map();
let lastPhase = null;

export function initDepth(cat) {
  catalog = cat;
  byName = new Map(cat.activations.map((a) => [a.name, a]));
  const d = state.depth;
  if (!byName.get(d.activation)?.plottable) d.activation = "tanh";
  const sel = $("depth-act");
  sel.replaceChildren(
    ...cat.families.map((fam) =>
      el(
        "optgroup",
        { label: fam },
        cat.activations.filter((a) => a.family === fam && a.plottable).map((a) => el("option", { value: a.name, selected: a.name === d.activation }, a.name)),
      ),
    ),
  );
  sel.addEventListener("change", () => {
    d.activation = sel.value;
    d.params = {};
    renderParams();
    changed();
  });
  const init = $("depth-init");
  init.replaceChildren(...cat.inits.map((i) => el("option", { value: i, selected: i === d.init }, i)));
  if (!cat.inits.includes(d.init)) d.init = cat.inits[0];
  init.value = d.init;
  init.addEventListener("change", () => {
    d.init = init.value;
    d.custom = false;
    changed();
  });
  const custom = $("depth-custom");
  custom.checked = d.custom;
  custom.addEventListener("change", () => {
    d.custom = custom.checked;
    changed();
  });
  for (const [id, key] of [["depth-sw2", "sigma_w2"], ["depth-sb2", "sigma_b2"]]) {
    const s = $(id);
    s.value = d[key];
    $(`${id}-out`).textContent = fmt(d[key]);
    s.addEventListener("input", () => {
      d[key] = Number(s.value);
      $(`${id}-out`).textContent = fmt(d[key]);
      if (key === "sigma_w2") d.custom = true;
      custom.checked = d.custom;
      changed(false);
    });
  }
  const L = $("depth-L");
  L.max = cat.limits?.stack ?? 500;
  L.value = d.depth;
  L.addEventListener("change", () => {
    d.depth = Math.max(1, Math.round(Number(L.value) || 1));
    changed(false);
  });
  const widths = $("depth-widths");
  widths.value = d.widths.join(",");
  widths.addEventListener("change", () => {
    const w = widths.value.split(/[,\s]+/).filter(Boolean).map(Number);
    if (w.length && w.every((v) => Number.isInteger(v) && v > 0)) {
      d.widths = w;
      showError($("depth-error"), null);
      save();
      refreshHists();
    } else {
      showError($("depth-error"), `widths: give positive integers separated by commas, got “${widths.value}”`);
    }
  });
  const ds = $("depth-dataset");
  ds.replaceChildren(...cat.datasets.filter((x) => x.dims !== null).map((x) => el("option", { value: x.name, selected: x.name === d.dataset }, x.name)));
  ds.addEventListener("change", () => {
    d.dataset = ds.value;
    save();
    refreshHists();
  });
  const seed = $("depth-seed");
  seed.value = d.seed;
  seed.addEventListener("change", () => {
    d.seed = Math.max(0, Math.round(Number(seed.value) || 0));
    save();
    refreshHists();
  });
  $("depth-phase").addEventListener("click", onPhaseClick);
  renderParams();
  refreshMeanfield();
  refreshHists();
}

function changed(hists = true) {
  save();
  refreshMeanfield();
  if (hists) refreshHists();
}

function renderParams() {
  const d = state.depth;
  const a = byName.get(d.activation);
  const act = { name: d.activation, params: d.params };
  $("depth-params").replaceChildren(
    ...(a?.params || []).map((p) =>
      paramControl(act, p, (v) => {
        d.params[p.name] = v;
        changed();
      }, "depth"),
    ),
  );
}

// ── mean field ──
// The card and the layer profile come first (fast); the phase diagram, whose cells the server
// computes a few seconds at a time and caches per activation, follows on its own so that the
// card keeps up with the sliders meanwhile.
let phaseKey = null;
let phaseData = null;
let lastMf = null;
const keyOf = () => JSON.stringify([state.depth.activation, state.depth.params]);

function requestBody() {
  const d = state.depth;
  const body = { activation: d.activation, params: d.params, sigma_b2: d.sigma_b2, depth: d.depth };
  if (d.custom) body.sigma_w2 = d.sigma_w2;
  else body.init = d.init;
  return body;
}

const refreshMeanfield = latest(async () => {
  const d = state.depth;
  try {
    const mf = await api.meanfield({ ...requestBody(), phase: false });
    showError($("depth-error"), null);
    lastMf = mf;
    if (!d.custom && mf.point) {
      // show where the chosen init puts the point
      $("depth-sw2").value = mf.point.sigma_w2;
      $("depth-sw2-out").textContent = fmt(mf.point.sigma_w2);
    }
    renderCard(mf);
    renderLayers(mf);
    if (phaseData && phaseKey === keyOf()) {
      renderPhase({ ...mf, phase: phaseData });
      debug.drawn.meanfield = { ...mf, phase: phaseData };
    } else {
      refreshPhase();
    }
  } catch (e) {
    showError($("depth-error"), e.message);
  }
});

const refreshPhase = latest(async () => {
  const key = keyOf();
  $("depth-phase-legend").textContent = "computing the phase diagram (once per activation)…";
  try {
    for (let tries = 0; tries < 30; tries++) {
      const full = await api.meanfield({ ...requestBody(), phase: true });
      if (keyOf() !== key) return; // the activation changed meanwhile: its own request follows
      renderPhase({ ...(lastMf ?? full), phase: full.phase });
      if (full.phase?.complete === false) {
        $("depth-phase-legend").append(el("div", { class: "muted" }, "computing the remaining cells…"));
        continue;
      }
      phaseKey = key;
      phaseData = full.phase;
      debug.drawn.meanfield = { ...(lastMf ?? full), phase: full.phase };
      return;
    }
  } catch (e) {
    showError($("depth-error"), e.message);
  }
});

function renderCard(mf) {
  const d = state.depth;
  const phase = mf.chi === null ? "—" : Math.abs(mf.chi - 1) < 1e-3 ? "edge of chaos" : mf.chi < 1 ? "ordered (gradients shrink)" : "chaotic (gradients grow)";
  const rows = [
    ["activation", d.activation],
    ["σ_w², σ_b²", `${fmt(mf.point?.sigma_w2, 4)}, ${fmt(mf.point?.sigma_b2, 4)}` + (d.custom ? " (by hand)" : ` (${d.init})`)],
    ["fixed point q*", mf.q_star === null || mf.q_star === undefined ? "none found (q → 0 or ∞)" : fmt(mf.q_star, 4)],
    ["χ₁ per layer", fmt(mf.chi, 4)],
    ["phase", phase],
    ["q* stable", mf.q_star === null || mf.q_star === undefined ? "—" : `${mf.stable ? "yes" : "no"} (slope of the variance map there ${fmt(mf.slope, 3)})`],
    ["exact gain", fmt(mf.gain, 5)],
    ["depth to ×10⁶ / ÷10⁶", mf.depth_1e6 === null || mf.depth_1e6 === undefined ? "never (χ₁ = 1)" : `${fmt(mf.depth_1e6, 3)} layers`],
  ];
  $("depth-card").replaceChildren(
    el(
      "table",
      { class: "facts", id: "depth-facts" },
      rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { class: k === "phase" ? `phase-${mf.chi < 1 ? "order" : "chaos"}` : "" }, v))),
    ),
  );
}

function renderLayers(mf) {
  const v = mf.layers?.variance || [];
  const g = mf.layers?.grad || [];
  const n = Math.max(v.length, g.length);
  const x = Array.from({ length: n }, (_, i) => i + 1);
  const pos = (a) => a.map((y) => (typeof y === "number" && y > 0 && Number.isFinite(y) ? y : null));
  const color = colorOf(state.depth.activation);
  const box = $("depth-layers-chart");
  plot(box, {
    series: [
      { label: "variance q_l", stroke: color, width: 2 },
      { label: "gradient² factor", stroke: "#5c6670", dash: [6, 4], width: 2 },
    ],
    data: [x, pos(v), pos(g)],
    height: 240,
    yLog: true,
    x: { label: "layer" },
    y: { label: "through the stack (log)" },
  });
  let lg = box.nextElementSibling;
  if (!lg || !lg.classList.contains("legend")) {
    lg = el("div", { class: "legend" });
    box.after(lg);
  }
  legend(lg, [
    { color, label: "pre-activation variance q_l" },
    { color: "#5c6670", label: "gradient norm² relative to the last layer (χ₁ per layer)" },
  ]);
}

// χ over the (σ_w², σ_b²) grid; rows may come as σ_b² × σ_w² or the transpose.
function chiGrid(ph) {
  const nw = ph.sigma_w2.length;
  const nb = ph.sigma_b2.length;
  if (ph.chi.length === nb && ph.chi[0]?.length === nw) return ph.chi;
  return Array.from({ length: nb }, (_, ib) => Array.from({ length: nw }, (_, iw) => ph.chi[iw][ib]));
}

// Cell edges around grid values (which need not be evenly spaced): half way to each neighbour.
function edges(v) {
  if (v.length === 1) return [v[0] - 0.5, v[0] + 0.5];
  const out = [v[0] - (v[1] - v[0]) / 2];
  for (let i = 0; i + 1 < v.length; i++) out.push((v[i] + v[i + 1]) / 2);
  out.push(v[v.length - 1] + (v[v.length - 1] - v[v.length - 2]) / 2);
  return out;
}

const PHASE_RECT = { x: 52, y: 8, w: 356, h: 290 };

function renderPhase(mf) {
  const ph = mf.phase;
  const canvas = $("depth-phase");
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!ph || !ph.sigma_w2?.length) return;
  const z = chiGrid(ph);
  const ex = edges(ph.sigma_w2);
  const ey = edges(ph.sigma_b2);
  const R = PHASE_RECT;
  const x0 = Math.max(0, ex[0]);
  const x1 = ex[ex.length - 1];
  const y0 = Math.max(0, ey[0]);
  const y1 = ey[ey.length - 1];
  const map = extentMap(R, x0, x1, y0, y1);
  // log χ through the diverging map, blue order, orange chaos: a fine, evenly spaced grid as a
  // continuous heatmap; a coarse one as its cells, each labelled with its χ₁
  const color = (c) => (c > 0 ? diverging(-Math.log2(c) / 1.5) : diverging(1));
  const fine = ph.sigma_w2.length * ph.sigma_b2.length > 60;
  const cellW = R.w / ph.sigma_w2.length;
  const cellH = R.h / ph.sigma_b2.length;
  if (fine) {
    smoothPhase(ctx, map, ph.sigma_w2, ph.sigma_b2, z, color);
  } else for (let ib = 0; ib < ph.sigma_b2.length; ib++) {
    for (let iw = 0; iw < ph.sigma_w2.length; iw++) {
      const c = z[ib][iw];
      ctx.fillStyle = c === null || c === undefined ? "#e4e7eb" : rgb(color(c));
      const a = map.px(Math.max(x0, ex[iw]));
      const b = map.px(ex[iw + 1]);
      const top = map.py(ey[ib + 1]);
      const bot = map.py(Math.max(y0, ey[ib]));
      ctx.fillRect(a, top, b - a + 0.5, bot - top + 0.5);
      ctx.fillStyle = "rgba(20,24,32,0.75)";
      ctx.font = "11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      if (c !== null && c !== undefined && cellW >= 36 && cellH >= 16) ctx.fillText(fmt(c, 3), (a + b) / 2, (top + bot) / 2);
    }
  }
  // the edge of chaos χ = 1: in each σ_b² row, where χ crosses 1 (linear in log χ)
  const crossings = [];
  ph.sigma_b2.forEach((bv, ib) => {
    const row = z[ib];
    for (let iw = 0; iw + 1 < row.length; iw++) {
      const a = row[iw];
      const c = row[iw + 1];
      if (!(a > 0 && c > 0)) continue;
      const la = Math.log(a);
      const lc = Math.log(c);
      if ((la <= 0 && lc > 0) || (la >= 0 && lc < 0)) {
        const t = la / (la - lc);
        crossings.push([ph.sigma_w2[iw] + t * (ph.sigma_w2[iw + 1] - ph.sigma_w2[iw]), bv]);
        break;
      }
    }
  });
  if (crossings.length) {
    ctx.save();
    ctx.strokeStyle = "#111";
    ctx.fillStyle = "#111";
    ctx.lineWidth = 2;
    ctx.setLineDash([5, 3]);
    ctx.beginPath();
    crossings.forEach(([w, b], i) => (i ? ctx.lineTo(map.px(w), map.py(b)) : ctx.moveTo(map.px(w), map.py(b))));
    ctx.stroke();
    if (!fine) {
      for (const [w, b] of crossings) {
        ctx.beginPath();
        ctx.arc(map.px(w), map.py(b), 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    ctx.restore();
  }
  canvasAxes(canvas, map, "σ_w² (weight variance × fan-in)", "σ_b² (bias variance)");
  // the user's point
  const p = mf.point;
  if (p) {
    const px = Math.min(R.x + R.w, Math.max(R.x, map.px(p.sigma_w2)));
    const py = Math.min(R.y + R.h, Math.max(R.y, map.py(p.sigma_b2)));
    ctx.save();
    for (const [style, w] of [["#fff", 4], ["#111", 2]]) {
      ctx.strokeStyle = style;
      ctx.lineWidth = w;
      ctx.beginPath();
      ctx.arc(px, py, 8, 0, 2 * Math.PI);
      ctx.moveTo(px - 12, py);
      ctx.lineTo(px + 12, py);
      ctx.moveTo(px, py - 12);
      ctx.lineTo(px, py + 12);
      ctx.stroke();
    }
    ctx.font = "bold 12px system-ui, sans-serif";
    const label = `you: χ₁ = ${fmt(mf.chi, 3)}`;
    const right = px + 14 + ctx.measureText(label).width < R.x + R.w;
    ctx.textAlign = right ? "left" : "right";
    ctx.textBaseline = "bottom";
    const ty = Math.max(R.y + 16, py - 10);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.strokeText(label, right ? px + 14 : px - 14, ty);
    ctx.fillStyle = "#111";
    ctx.fillText(label, right ? px + 14 : px - 14, ty);
    ctx.restore();
  }
  lastPhase = { ...map, phase: ph };
  debug.drawn.phase = { point: p, chi: mf.chi, grid: [ph.sigma_w2.length, ph.sigma_b2.length], edge: crossings, extent: map.extent, rect: R };
  $("depth-phase-legend").replaceChildren(
    el("span", { class: "lg" }, el("i", { style: { background: rgb(diverging(1)) } }), "order: χ₁ < 1, gradients vanish with depth"),
    el("span", { class: "lg" }, el("i", { style: { background: rgb(diverging(-1)) } }), "chaos: χ₁ > 1, gradients explode"),
    el("span", { class: "lg" }, el("i", { class: "dash" }), "edge of chaos χ₁ = 1"),
    el("div", { class: "muted" }, fine ? `χ₁ computed on a ${ph.sigma_w2.length} × ${ph.sigma_b2.length} grid of (σ_w², σ_b²)` : "each cell is computed at its grid point (σ_w², σ_b²) and labelled with its χ₁"),
  );
}

// A fine grid as a continuous map: each pixel's χ₁ interpolated (bilinear in log χ₁) from the
// four grid points around it; a pixel next to a cell not computed yet stays grey.
function smoothPhase(ctx, map, ws, bs, z, color) {
  const R = map.rect;
  const img = ctx.createImageData(R.w, R.h);
  const locate = (v, x) => {
    let i = 0;
    while (i + 2 < v.length && x > v[i + 1]) i++;
    const t = v.length > 1 ? Math.min(1, Math.max(0, (x - v[i]) / (v[i + 1] - v[i]))) : 0;
    return [i, t];
  };
  const lz = z.map((row) => row.map((c) => (c > 0 ? Math.log(c) : null)));
  for (let py = 0; py < R.h; py++) {
    const [ib, tb] = locate(bs, map.y(R.y + py + 0.5));
    for (let px = 0; px < R.w; px++) {
      const [iw, tw] = locate(ws, map.x(R.x + px + 0.5));
      const ib1 = Math.min(ib + 1, bs.length - 1);
      const iw1 = Math.min(iw + 1, ws.length - 1);
      const q = [lz[ib][iw], lz[ib][iw1], lz[ib1][iw], lz[ib1][iw1]];
      const o = (py * R.w + px) * 4;
      let c = [228, 231, 235];
      if (q.every((v) => v !== null && v !== undefined)) {
        const l = (1 - tb) * ((1 - tw) * q[0] + tw * q[1]) + tb * ((1 - tw) * q[2] + tw * q[3]);
        c = color(Math.exp(l));
      }
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, R.x, R.y);
}

function onPhaseClick(ev) {
  if (!lastPhase) return;
  const canvas = ev.currentTarget;
  const r = canvas.getBoundingClientRect();
  const px = ((ev.clientX - r.left) / r.width) * canvas.width;
  const py = ((ev.clientY - r.top) / r.height) * canvas.height;
  const R = lastPhase.rect;
  if (px < R.x || px > R.x + R.w || py < R.y || py > R.y + R.h) return;
  const d = state.depth;
  d.custom = true;
  d.sigma_w2 = Number(Math.max(0.01, lastPhase.x(px)).toPrecision(3));
  d.sigma_b2 = Number(Math.max(0, lastPhase.y(py)).toPrecision(3));
  $("depth-custom").checked = true;
  $("depth-sw2").value = d.sigma_w2;
  $("depth-sw2-out").textContent = fmt(d.sigma_w2);
  $("depth-sb2").value = d.sigma_b2;
  $("depth-sb2-out").textContent = fmt(d.sigma_b2);
  changed(false);
}

// ── histograms at init ──
const refreshHists = latest(async () => {
  const d = state.depth;
  const box = $("depth-hists");
  // the histograms use the init scheme (a network is built, not a variance)
  const init = catalog.inits.includes(d.init) ? d.init : "auto";
  try {
    const res = await api.histograms({ activation: d.activation, params: d.params, widths: d.widths, init, seed: d.seed, dataset: d.dataset });
    const layers = Array.isArray(res) ? res : res.layers;
    debug.drawn.histograms = layers;
    const color = colorOf(d.activation);
    box.replaceChildren(
      ...layers.map((L) =>
        el(
          "div",
          { class: "hist" },
          el("div", { class: "hist-title" }, `layer ${L.layer}`),
          histCanvas(L.pre, "#8a94a3", "pre-activation z"),
          histCanvas(L.post, color, `post f(z)`),
          el(
            "div",
            { class: "small" },
            el("span", { class: L.dead > 0 ? "warn" : "muted" }, L.dead === null || L.dead === undefined ? "dead n/a" : `dead ${pct(L.dead)}`),
            " · ",
            el("span", { class: L.saturated > 0.1 ? "warn" : "muted" }, L.saturated === null || L.saturated === undefined ? "saturated n/a" : `saturated ${pct(L.saturated)}`),
          ),
        ),
      ),
    );
  } catch (e) {
    box.replaceChildren(el("div", { class: "error" }, e.message));
  }
});

// One histogram: the lab's fixed bins, shown over the span the values occupy (the empty bins at
// either end left out, the edges labelled), and what fell outside the binned range.
function histCanvas(h, color, title) {
  const W = 170;
  const H = 78;
  const c = el("canvas", { width: W, height: H, title });
  const ctx = c.getContext("2d");
  let counts = h?.counts || [];
  let edges = h?.edges || [];
  const nz = counts.map((n, i) => (n > 0 ? i : -1)).filter((i) => i >= 0);
  if (nz.length && edges.length === counts.length + 1) {
    const lo = Math.max(0, nz[0] - 1);
    const hi = Math.min(counts.length, nz[nz.length - 1] + 2);
    counts = counts.slice(lo, hi);
    edges = edges.slice(lo, hi + 1);
  }
  const max = Math.max(1, ...counts);
  const top = 12;
  const bottom = H - 12;
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#3b4351";
  const outside = [h?.below ? `${h.below} below` : "", h?.above ? `${h.above} above` : ""].filter(Boolean).join(", ");
  ctx.fillText(title + (outside ? ` (${outside} the bins)` : ""), 2, 9);
  ctx.fillStyle = color;
  const bw = W / Math.max(1, counts.length);
  counts.forEach((n, i) => {
    const hh = ((bottom - top) * n) / max;
    ctx.fillRect(i * bw + 0.5, bottom - hh, Math.max(1, bw - 1), hh);
  });
  ctx.fillStyle = "#5c6670";
  if (edges.length) {
    ctx.textAlign = "left";
    ctx.fillText(fmt(edges[0], 2), 1, H - 1);
    ctx.textAlign = "right";
    ctx.fillText(fmt(edges[edges.length - 1], 2), W - 1, H - 1);
  }
  return c;
}
