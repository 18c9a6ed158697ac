// Train panel: data (Playground's generators, the lab's other sets, your CSV), the network
// (widths, activations per layer, init, optimizer, lr, batch, seeds, steps), and the live view
// of a training that runs on the server through the lab's batched trainer: loss and metric
// curves with seed bands, the decision boundary / predicted surface, gradient RMS per layer
// against the mean-field prediction, dead and saturated units, findings, the divergence alarm,
// the comparison table and the HTML report.

import { api, uploadCSV } from "./api.js";
import { align, band, CLASS_COLORS, colorbar, diverging, heatmap, legend, plot, rgb, scatter } from "./charts.js";
import { colorOf, debug, el, fmt, latest, pct, save, showError, state } from "./state.js";

const $ = (id) => document.getElementById(id);
let catalog = null;
let datasets = new Map();
const LRS = [1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];

// the live job
let job = null; // {id, source}
let runs = new Map(); // activation -> its latest progress event
let order = []; // activations in the order they started
let shown = null; // the activation the big boundary shows
let alarms = [];
let verdicts = []; // the run's end: did-not-learn findings from done

export function initTrain(cat) {
  catalog = cat;
  datasets = new Map(cat.datasets.map((d) => [d.name, d]));
  const t = state.train;
  if (!t.upload && !datasets.has(t.dataset)) t.dataset = "xor";
  t.activations = t.activations.filter((a) => a.split("/").every((n) => cat.activations.some((x) => x.name === n.split(":")[0])));
  if (!t.activations.length) t.activations = ["relu"];
  renderTiles();
  renderDatasetSelect();
  bindData();
  renderLayers();
  renderChips();
  bindNetwork();
  $("train-play").addEventListener("click", () => (job ? stop() : play()));
  refreshPreview();
  showEmpty();
}

// ── data ──
// a generator (Playground's and the lab's synthetic sets) takes a size and a noise level; a
// real set is what it is
const generated = (d) => !!d && d.n !== null && d.n !== undefined;

function renderTiles() {
  const tiles = catalog.datasets.filter((d) => d.playground);
  $("train-tiles").replaceChildren(
    ...tiles.map((d) => {
      const c = el("canvas", { width: 64, height: 64 });
      const b = el("button", { class: "tile" + (d.name === state.train.dataset && !state.train.upload ? " on" : ""), title: d.summary, "data-dataset": d.name, onclick: () => chooseDataset(d.name) }, c, el("span", {}, d.name));
      api
        .preview({ dataset: d.name, n: 200, seed: 0 })
        .then((p) => drawPoints(c, p, 2))
        .catch(() => {});
      return b;
    }),
  );
}

function renderDatasetSelect() {
  const t = state.train;
  const groups = [
    ["Playground", catalog.datasets.filter((d) => d.playground)],
    ["other generated", catalog.datasets.filter((d) => !d.playground && generated(d))],
    ["real data", catalog.datasets.filter((d) => !d.playground && !generated(d))],
  ];
  const sel = $("train-dataset");
  sel.replaceChildren(
    ...groups.filter(([, l]) => l.length).map(([g, l]) => el("optgroup", { label: g }, l.map((d) => el("option", { value: d.name, title: d.summary }, `${d.name} (${d.task})`)))),
    t.upload ? el("option", { value: `upload:${t.upload}` }, "your CSV") : null,
  );
  sel.value = t.upload ? `upload:${t.upload}` : t.dataset;
  const d = datasets.get(t.dataset);
  $("train-noise").disabled = !!t.upload || !generated(d);
  $("train-n").disabled = !!t.upload || !generated(d);
}

function chooseDataset(name) {
  const t = state.train;
  t.dataset = name;
  t.upload = null;
  const d = datasets.get(name);
  if (generated(d)) {
    t.noise = d.noise ?? 0;
    t.n = d.n;
    $("train-n").value = t.n;
  }
  $("train-noise").value = t.noise;
  $("train-noise-out").textContent = fmt(t.noise);
  for (const b of document.querySelectorAll(".tile")) b.classList.toggle("on", b.dataset.dataset === name);
  renderDatasetSelect();
  save();
  refreshPreview();
}

function bindData() {
  const t = state.train;
  $("train-dataset").addEventListener("change", (e) => {
    const v = e.target.value;
    if (v.startsWith("upload:")) return;
    chooseDataset(v);
  });
  const noise = $("train-noise");
  noise.value = t.noise;
  $("train-noise-out").textContent = fmt(t.noise);
  noise.addEventListener("input", () => {
    t.noise = Number(noise.value);
    $("train-noise-out").textContent = fmt(t.noise);
    save();
    refreshPreview();
  });
  const n = $("train-n");
  n.max = catalog.limits?.samples ?? 5000;
  n.value = t.n;
  n.addEventListener("change", () => {
    t.n = Math.round(Number(n.value));
    save();
    refreshPreview();
  });
  const target = $("train-target");
  target.value = t.target;
  target.addEventListener("change", () => {
    t.target = target.value.trim();
    save();
    if ($("train-upload").files.length) doUpload();
  });
  $("train-upload").addEventListener("change", doUpload);
}

async function doUpload() {
  const file = $("train-upload").files[0];
  const err = $("upload-error");
  err.textContent = "";
  $("upload-info").textContent = "";
  if (!file) return;
  const cap = catalog.limits?.upload_bytes;
  if (cap && file.size > cap) {
    err.textContent = `upload: ${file.name} is ${fmt(file.size / 1e6, 3)} MB; at most ${fmt(cap / 1e6, 3)} MB (the server's limit)`;
    return;
  }
  try {
    state.train.target = $("train-target").value.trim();
    const res = await uploadCSV(file, state.train.target);
    const t = state.train;
    t.upload = res.upload;
    debug.drawn.upload = res;
    $("upload-info").textContent = `${res.name ?? file.name}: ${res.n} rows · ${res.features} feature${res.features === 1 ? "" : "s"} · target “${res.target}” (${res.task})`;
    for (const b of document.querySelectorAll(".tile")) b.classList.remove("on");
    renderDatasetSelect();
    save();
    refreshPreview();
  } catch (e) {
    err.textContent = e.message;
  }
}

function dataBody() {
  const t = state.train;
  if (t.upload) return { upload: t.upload };
  const d = datasets.get(t.dataset);
  const body = { dataset: t.dataset };
  if (generated(d)) {
    body.noise = t.noise;
    body.n = t.n;
  }
  return body;
}

const refreshPreview = latest(async () => {
  const c = $("train-preview");
  try {
    const p = await api.preview({ ...dataBody(), seed: 0 });
    drawPoints(c, p, 3);
    const what = [p.task, p.classes ? `${p.classes} classes` : null, p.n ? `${p.n} samples` : null, p.features ? `${p.features} feature${p.features === 1 ? "" : "s"}${p.features > 2 ? " (first 2 shown)" : ""}` : null];
    $("train-preview-info").textContent = what.filter(Boolean).join(" · ") + (p.note ? ` — ${p.note}` : "");
  } catch (e) {
    if (state.train.upload) {
      // an upload id from an old link: the server no longer has it
      $("upload-error").textContent = `${e.message} — upload the file again`;
      state.train.upload = null;
      renderDatasetSelect();
      save();
    }
    const ctx = c.getContext("2d");
    ctx.clearRect(0, 0, c.width, c.height);
  }
});

function extentOf(X, pad = 0.06) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const [a, b] of X) {
    if (a < x0) x0 = a;
    if (a > x1) x1 = a;
    if (b < y0) y0 = b;
    if (b > y1) y1 = b;
  }
  const dx = (x1 - x0 || 1) * pad;
  const dy = (y1 - y0 || 1) * pad;
  return [x0 - dx, x1 + dx, y0 - dy, y1 + dy];
}

function drawPoints(canvas, p, r) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#fbfbfa";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!p.X?.length) return;
  const [x0, x1, y0, y1] = extentOf(p.X);
  const map = { px: (x) => ((x - x0) / (x1 - x0)) * canvas.width, py: (y) => canvas.height - ((y - y0) / (y1 - y0)) * canvas.height };
  const regression = p.task === "regression";
  const ymax = regression ? Math.max(1e-12, ...p.y.map((v) => Math.abs(v))) : 1;
  scatter(canvas, map, p.X, p.y, { regression, valueColor: (v) => diverging(v / ymax), r });
}

// ── network ──
function renderLayers() {
  const t = state.train;
  const cap = catalog.limits?.width ?? 128;
  $("train-layers").replaceChildren(
    ...t.widths.map((w, i) => {
      const input = el("input", { type: "number", class: "num", min: 1, max: cap, value: w, "data-layer": i });
      input.addEventListener("change", () => {
        t.widths[i] = Math.max(1, Math.min(cap, Math.round(Number(input.value) || 1)));
        input.value = t.widths[i];
        save();
      });
      return el("label", { class: "layer" }, `layer ${i + 1}`, input, "units");
    }),
  );
  $("train-layer-add").disabled = t.widths.length >= (catalog.limits?.depth ?? 8);
  $("train-layer-del").disabled = t.widths.length <= 1;
  renderPerLayer();
}

function actOptions(selected) {
  return catalog.families.map((fam) =>
    el(
      "optgroup",
      { label: fam },
      catalog.activations.filter((a) => a.family === fam && a.plottable).map((a) => el("option", { value: a.name, selected: a.name === selected }, a.name)),
    ),
  );
}

function renderPerLayer() {
  const t = state.train;
  const first = t.activations[0]?.split("/") ?? ["relu"];
  $("train-perlayer-rows").replaceChildren(
    ...t.widths.map((_, i) => el("label", { class: "row" }, `layer ${i + 1}`, el("select", { "data-layer": i }, actOptions(first[Math.min(i, first.length - 1)])))),
  );
}

function renderChips() {
  const t = state.train;
  $("train-acts").replaceChildren(
    ...t.activations.map((a) =>
      el(
        "span",
        { class: "chip", "data-act": a, style: { borderColor: colorOf(a) } },
        el("i", { class: "sw", style: { background: colorOf(a) } }),
        a,
        el("button", { class: "x", title: `remove ${a}`, onclick: () => removeAct(a), disabled: t.activations.length <= 1 }, "×"),
      ),
    ),
  );
}

export function addTrainActivation(name) {
  const t = state.train;
  if (t.activations.includes(name)) return;
  const cap = catalog.limits?.activations ?? 12;
  if (t.activations.length >= cap) {
    showError($("train-error"), `at most ${cap} activations in one training`);
    return;
  }
  t.activations.push(name);
  showError($("train-error"), null);
  $("train-progress").textContent = `added ${name}`;
  renderChips();
  save();
}

function removeAct(name) {
  const t = state.train;
  t.activations = t.activations.filter((a) => a !== name);
  renderChips();
  save();
}

function bindNetwork() {
  const t = state.train;
  $("train-layer-add").addEventListener("click", () => {
    t.widths.push(t.widths[t.widths.length - 1] ?? 8);
    renderLayers();
    save();
  });
  $("train-layer-del").addEventListener("click", () => {
    if (t.widths.length > 1) t.widths.pop();
    // a per-layer mix must name one activation per layer
    t.activations = t.activations.map((a) => (a.includes("/") ? a.split("/").slice(0, t.widths.length).join("/") : a));
    renderLayers();
    renderChips();
    save();
  });
  $("train-act-add").replaceChildren(...actOptions("gelu"));
  $("train-act-add-btn").addEventListener("click", () => addTrainActivation($("train-act-add").value));
  $("train-perlayer-add").addEventListener("click", () => {
    const names = [...document.querySelectorAll("#train-perlayer-rows select")].map((s) => s.value);
    addTrainActivation(names.every((n) => n === names[0]) ? names[0] : names.join("/"));
  });
  const init = $("train-init");
  init.replaceChildren(...catalog.inits.map((i) => el("option", { value: i }, i)));
  if (!catalog.inits.includes(t.init)) t.init = catalog.inits[0];
  init.value = t.init;
  init.addEventListener("change", () => {
    t.init = init.value;
    save();
  });
  const opt = $("train-opt");
  opt.replaceChildren(...catalog.optimizers.map((o) => el("option", { value: o }, o)));
  if (!catalog.optimizers.includes(t.optimizer)) t.optimizer = catalog.optimizers[0];
  opt.value = t.optimizer;
  opt.addEventListener("change", () => {
    t.optimizer = opt.value;
    save();
  });
  const lr = $("train-lr");
  const lrs = LRS.includes(t.lr) ? LRS : [...LRS, t.lr].sort((a, b) => a - b);
  lr.replaceChildren(...lrs.map((v) => el("option", { value: v }, String(v))));
  lr.value = String(t.lr);
  lr.addEventListener("change", () => {
    t.lr = Number(lr.value);
    save();
  });
  const batch = $("train-batch");
  batch.value = t.batch_size;
  batch.addEventListener("change", () => {
    t.batch_size = Math.max(1, Math.round(Number(batch.value) || 1));
    save();
  });
  const seeds = $("train-seeds");
  seeds.max = catalog.limits?.seeds ?? 10;
  seeds.value = t.seeds;
  $("train-seeds-out").textContent = t.seeds;
  seeds.addEventListener("input", () => {
    t.seeds = Number(seeds.value);
    $("train-seeds-out").textContent = t.seeds;
    save();
  });
  const steps = $("train-steps");
  steps.max = catalog.limits?.steps ?? 5000;
  steps.value = t.steps;
  steps.addEventListener("change", () => {
    t.steps = Math.max(1, Math.round(Number(steps.value) || 1));
    save();
  });
}

// The request both the trainer and "copy as code" take.
export function trainBody() {
  const t = state.train;
  return {
    ...dataBody(),
    activations: [...t.activations],
    widths: [...t.widths],
    init: t.init,
    optimizer: t.optimizer,
    lr: t.lr,
    batch_size: t.batch_size,
    seeds: t.seeds,
    steps: t.steps,
  };
}

// ── running ──
function setRunning(on) {
  const b = $("train-play");
  b.textContent = on ? "■ Stop" : "▶ Train";
  b.classList.toggle("running", on);
  b.title = on ? "stop the training (it is cancelled on the server)" : "train every activation on the same data and seeds";
}

function resetView() {
  runs = new Map();
  order = [];
  shown = null;
  alarms = [];
  verdicts = [];
  renderAlarm();
  $("train-table").replaceChildren();
  $("train-report").replaceChildren();
  $("train-findings").replaceChildren();
  $("train-health").replaceChildren();
  $("train-boundaries").replaceChildren();
  debug.train = { counts: {}, last: {}, log: [], firstProgressMs: null, started: null };
}

function showEmpty() {
  const c = $("train-boundary");
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#f4f5f7";
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.fillStyle = "#8a94a3";
  ctx.font = "13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText("press ▶ Train", c.width / 2, c.height / 2);
}

async function play() {
  showError($("train-error"), null);
  resetView();
  const t0 = performance.now();
  debug.train.started = t0;
  let res;
  try {
    setRunning(true);
    $("train-progress").textContent = "starting…";
    res = await api.train(trainBody());
  } catch (e) {
    setRunning(false);
    $("train-progress").textContent = "";
    showError($("train-error"), e.message);
    return;
  }
  const source = new EventSource(res.events);
  job = { id: res.job, source };
  const on = (type, f) =>
    source.addEventListener(type, (ev) => {
      const data = ev.data ? JSON.parse(ev.data) : {};
      debug.train.counts[type] = (debug.train.counts[type] || 0) + 1;
      debug.train.last[type] = data;
      if (type !== "progress") debug.train.log.push([type, data]);
      if (type === "progress" && debug.train.firstProgressMs === null) debug.train.firstProgressMs = performance.now() - t0;
      f(data);
    });
  on("queued", (d) => ($("train-progress").textContent = `queued (position ${d.position})`));
  on("start", (d) => {
    if (!order.includes(d.activation)) order.push(d.activation);
    shown = d.activation;
    $("train-progress").textContent = `${d.activation}: starting (${d.index + 1} of ${d.of})`;
  });
  on("progress", onProgress);
  on("diverged", (d) => {
    alarms.push(d);
    renderAlarm();
  });
  on("done", (d) => {
    verdicts = d.findings ?? [];
    finish(`done: ${order.length} activation${order.length === 1 ? "" : "s"} × ${state.train.seeds} seed${state.train.seeds === 1 ? "" : "s"}`);
    renderTable(d);
  });
  on("error", (d) => {
    // the server's `error` event (the EventSource's own connection errors carry no data)
    if (d && d.detail) {
      showError($("train-error"), d.detail);
      finish("stopped by an error");
    }
  });
  on("cancelled", () => finish(`stopped${order.length ? ` during ${order[order.length - 1]}` : ""}`));
  source.onerror = () => {
    if (job && job.source === source && source.readyState === EventSource.CLOSED) finish("connection closed");
  };
}

function finish(text) {
  if (job) job.source.close();
  job = null;
  $("train-play").disabled = false;
  if (order.length) drawFindings();
  setRunning(false);
  $("train-progress").textContent = text;
}

// Stop: ask the server to cancel, and call it stopped when the stream says so (the job ends
// between two steps); the stream is closed anyway after a few seconds.
async function stop() {
  const j = job;
  if (!j || j.stopping) return;
  j.stopping = true;
  $("train-play").disabled = true;
  $("train-progress").textContent = "stopping…";
  setTimeout(() => {
    if (job === j) finish("stopped (the server did not confirm)");
  }, 8000);
  try {
    debug.train.cancel = await api.cancel(j.id);
  } catch {
    /* already finished: nothing to cancel */
  }
}

function onProgress(ev) {
  if (!order.includes(ev.activation)) order.push(ev.activation);
  runs.set(ev.activation, ev);
  if (!shown) shown = ev.activation;
  $("train-progress").textContent = `${ev.activation}: step ${ev.step} of ${ev.steps}`;
  drawCurves();
  if (ev.activation === shown) drawBoundary(ev);
  drawMultiples();
  drawGrad();
  drawHealth();
  drawFindings();
}

// ── live charts ──
function curveSeries(key, { banded = true, dash } = {}) {
  const list = [];
  const series = [];
  const bands = [];
  for (const a of order) {
    const c = runs.get(a)?.curves?.[key];
    if (!c || !c.step?.length) continue;
    const color = colorOf(a);
    const base = series.length + 1;
    series.push({ label: `${a} ${key}`, stroke: color, width: 2, dash });
    if (banded && c.lo && c.hi) {
      series.push({ label: `${a} ${key} lo`, stroke: "transparent", width: 0 });
      series.push({ label: `${a} ${key} hi`, stroke: "transparent", width: 0 });
      bands.push({ series: [base + 2, base + 1], fill: band(color) });
      list.push({ x: c.step, ys: [c.mean, c.lo, c.hi] });
    } else {
      list.push({ x: c.step, ys: [c.mean] });
    }
  }
  return { list, series, bands };
}

function merged(parts) {
  const list = parts.flatMap((p) => p.list);
  const series = [];
  const bands = [];
  for (const p of parts) {
    const offset = series.length;
    series.push(...p.series);
    bands.push(...p.bands.map((b) => ({ ...b, series: b.series.map((i) => i + offset) })));
  }
  return { data: list.length ? align(list) : [[]], series, bands };
}

function drawCurves() {
  const loss = merged([curveSeries("train_loss"), curveSeries("val_loss", { banded: false, dash: [6, 4] })]);
  const positive = loss.data.map((col, i) => (i === 0 ? col : col.map((v) => (v !== null && v > 0 ? v : null))));
  plot($("train-loss-chart"), { series: loss.series, data: positive, bands: loss.bands, height: 200, yLog: true, x: { label: "step" }, y: { label: "loss (log)" } });
  const first = runs.get(order[0]);
  const metricName = first?.metric ?? "metric";
  $("train-metric-title").textContent = `Validation ${metricName}`;
  const m = merged([curveSeries("val_metric")]);
  plot($("train-metric-chart"), { series: m.series, data: m.data, bands: m.bands, height: 170, x: { label: "step" }, y: { label: metricName } });
  legendUnder($("train-metric-chart"), order.map((a) => ({ color: colorOf(a), label: a })));
  debug.drawn.loss = { series: loss.series.map((s) => s.label), data: positive };
  debug.drawn.metric = { name: metricName, series: m.series.map((s) => s.label), data: m.data };
}

function legendUnder(box, entries) {
  let lg = box.nextElementSibling;
  if (!lg || !lg.classList.contains("legend")) {
    lg = el("div", { class: "legend" });
    box.after(lg);
  }
  legend(lg, entries);
}

function boundaryColor(ev) {
  const b = ev.boundary;
  if (ev.metric === "accuracy" || !ev.metric || ev.metric.startsWith("acc")) return { color: (p) => diverging(2 * p - 1), lo: "class 0", hi: "class 1", title: "P(class 1), mean over seeds", regression: false, scale: 1 };
  // the colour scale is the targets' range: the data points read on it, and a prediction
  // beyond it shows at full colour (a diverged network's 1e4 does not wash the map out)
  let m = 1e-12;
  for (const v of b.points?.y ?? []) if (Math.abs(v) > m) m = Math.abs(v);
  if (!(b.points?.y?.length)) for (const row of b.z) for (const v of row) if (v !== null && Math.abs(v) > m) m = Math.abs(v);
  return { color: (v) => diverging(v / m), lo: fmt(-m, 2), hi: fmt(m, 2), title: "predicted value, mean over seeds (full colour beyond the targets' range)", regression: true, scale: m };
}

function drawBoundaryOn(canvas, ev, r) {
  const b = ev.boundary;
  if (!b || !b.xs?.length) return null;
  const cm = boundaryColor(ev);
  const map = heatmap(canvas, b.xs, b.ys, b.z, cm.color);
  if (b.points?.X?.length) scatter(canvas, map, b.points.X, b.points.y, { regression: cm.regression, valueColor: (v) => diverging(v / cm.scale), r });
  return cm;
}

function noSurface(canvas, text) {
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#f4f5f7";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = "#6b7583";
  ctx.font = `${canvas.width > 200 ? 13 : 11}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  const words = text.split(" ");
  const lines = [];
  for (const w of words) {
    const last = lines[lines.length - 1];
    if (last && ctx.measureText(`${last} ${w}`).width < canvas.width - 20) lines[lines.length - 1] = `${last} ${w}`;
    else lines.push(w);
  }
  lines.forEach((l, i) => ctx.fillText(l, canvas.width / 2, canvas.height / 2 + (i - (lines.length - 1) / 2) * 17));
}

function drawBoundary(ev) {
  const canvas = $("train-boundary");
  const cm = drawBoundaryOn(canvas, ev, 3.2);
  if (!cm) {
    const d = datasets.get(state.train.dataset);
    noSurface(canvas, `no 2-D surface to draw: ${state.train.upload ? "your data" : state.train.dataset} has ${d?.dims ?? "more than 2"} features`);
    $("train-boundary-label").textContent = `${ev.activation} · step ${ev.step}`;
    $("train-boundary-scale").replaceChildren();
    return;
  }
  $("train-boundary-label").textContent = `${ev.activation} · step ${ev.step}`;
  colorbar($("train-boundary-scale"), [diverging(-1), diverging(0), diverging(1)], cm.lo, cm.hi, cm.title);
  const z = ev.boundary.z.flat().filter((v) => v !== null);
  debug.drawn.boundary = {
    activation: ev.activation,
    step: ev.step,
    nx: ev.boundary.xs.length,
    ny: ev.boundary.ys.length,
    zmin: Math.min(...z),
    zmax: Math.max(...z),
    points: ev.boundary.points?.X?.length ?? 0,
  };
}

function drawMultiples() {
  const box = $("train-boundaries");
  if (order.length < 2) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    ...order.map((a) => {
      const ev = runs.get(a);
      const c = el("canvas", { width: 120, height: 120 });
      if (ev && !drawBoundaryOn(c, ev, 1.6)) noSurface(c, "no 2-D surface");
      const last = ev?.curves?.val_metric;
      const metric = last?.mean?.length ? last.mean[last.mean.length - 1] : null;
      return el(
        "button",
        { class: "multiple" + (a === shown ? " on" : ""), title: `show ${a} in the big view`, onclick: () => { shown = a; if (runs.get(a)) drawBoundary(runs.get(a)); drawMultiples(); } },
        c,
        el("span", {}, el("i", { class: "sw", style: { background: colorOf(a) } }), a, metric === null ? "" : el("span", { class: "muted" }, ` ${fmt(metric, 3)}`)),
      );
    }),
  );
}

function drawGrad() {
  const list = [];
  const series = [];
  for (const a of order) {
    const layers = runs.get(a)?.layers;
    if (!layers?.length) continue;
    const x = layers.map((L) => L.layer);
    const pos = (v) => (typeof v === "number" && v > 0 ? v : null);
    series.push({ label: `${a} measured`, stroke: colorOf(a), width: 2, points: { show: true, size: 6 } });
    series.push({ label: `${a} predicted`, stroke: colorOf(a), width: 1.5, dash: [5, 4] });
    list.push({ x, ys: [layers.map((L) => pos(L.grad_rms)), layers.map((L) => pos(L.predicted))] });
  }
  if (!list.length) return;
  const data = align(list);
  plot($("train-grad-chart"), { series, data, height: 200, yLog: true, x: { label: "hidden layer", values: (u, v) => v.map((x) => (Number.isInteger(x) ? String(x) : "")) }, y: { label: "RMS ∂loss/∂z (log)" } });
  legendUnder($("train-grad-chart"), order.map((a) => ({ color: colorOf(a), label: a })));
  debug.drawn.grad = { series: series.map((s) => s.label), data };
}

function drawHealth() {
  const depth = Math.max(0, ...order.map((a) => runs.get(a)?.layers?.length ?? 0));
  if (!depth) return;
  const head = el("tr", {}, el("th", {}, "activation"), Array.from({ length: depth }, (_, i) => el("th", {}, `layer ${i + 1}`)));
  const rows = order.map((a) => {
    const layers = runs.get(a)?.layers ?? [];
    return el(
      "tr",
      {},
      el("td", {}, el("i", { class: "sw", style: { background: colorOf(a) } }), a),
      Array.from({ length: depth }, (_, i) => {
        const L = layers[i];
        if (!L) return el("td", {}, "—");
        const dead = L.dead;
        const sat = L.saturated;
        return el(
          "td",
          { class: "health" },
          el("span", { class: dead > 0.1 ? "warn" : "" }, dead === null || dead === undefined ? "dead n/a" : `dead ${pct(dead)}`),
          el("br"),
          el("span", { class: sat > 0.1 ? "warn" : "muted" }, sat === null || sat === undefined ? "sat n/a" : `sat ${pct(sat)}`),
        );
      }),
    );
  });
  $("train-health").replaceChildren(el("table", { class: "grid-table" }, head, rows));
}

function drawFindings() {
  const items = [];
  for (const a of order) {
    for (const f of runs.get(a)?.findings ?? []) {
      items.push(
        el(
          "li",
          { class: `finding sev-${f.severity ?? "info"}` },
          el("span", { class: "who" }, el("i", { class: "sw", style: { background: colorOf(a) } }), a),
          el("span", { class: "sev" }, f.severity ?? ""),
          el("span", {}, f.text),
          f.fixes?.length ? el("div", { class: "fixes small" }, "try: ", f.fixes.join(" · ")) : null,
        ),
      );
    }
  }
  for (const f of verdicts) {
    items.push(
      el(
        "li",
        { class: `finding sev-${f.severity ?? "info"}` },
        el("span", { class: "who" }, f.label ?? f.activation ?? "result"),
        el("span", { class: "sev" }, f.severity ?? ""),
        el("span", {}, f.text),
        f.fixes?.length ? el("div", { class: "fixes small" }, "try: ", f.fixes.join(" · ")) : null,
      ),
    );
  }
  $("train-findings").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, job ? "no findings yet: every layer healthy so far" : "no findings: every layer healthy, every run learned")]));
}

function renderAlarm() {
  const box = $("train-alarm");
  const divergedSeeds = order.flatMap((a) => (runs.get(a)?.diverged?.length ? [[a, runs.get(a).diverged]] : []));
  if (!alarms.length && !divergedSeeds.length) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.replaceChildren(
    el("strong", {}, "⚠ Training diverged"),
    el(
      "ul",
      {},
      [...new Set(alarms.map((d) => d.activation))].map((a) => {
        const mine = alarms.filter((d) => d.activation === a);
        const seeds = mine.map((d) => `seed ${d.seed} at step ${d.step}`).join(", ");
        const fixes = mine[0].fixes?.length ? el("div", { class: "small" }, "fixes: ", mine[0].fixes.join(" · ")) : null;
        return el("li", {}, el("b", {}, a), ` — ${seeds}. `, el("span", { class: "why" }, mine[0].why), fixes);
      }),
    ),
    el("div", { class: "small" }, "A diverged run is a result: it stays in the table (seeds / diverged) and in the store."),
  );
}

// The lab's ranked rows, in the columns a reader compares (every field is in the JSON export
// and the report; the store keeps them all).
// a statistic whose size is floating-point noise (a CI of 3e-16 over identical seeds) reads as 0
const stat = (v, d = 3) => (typeof v === "number" && Math.abs(v) < 1e-12 ? "0" : fmt(v, d));
const COLUMNS = [
  ["mean", null, (r) => (r.ci95 === null || r.ci95 === undefined ? stat(r.mean, 4) : `${stat(r.mean, 4)} ± ${stat(r.ci95, 2)}`)],
  ["iqm", "IQM [95% CI]", (r) => `${stat(r.iqm)}` + (r.iqm_lo !== undefined ? ` [${stat(r.iqm_lo)}, ${stat(r.iqm_hi)}]` : "")],
  ["diff", "vs best [95% CI]", (r) => (r.best ? "best" : `${stat(r.diff)}` + (r.diff_lo !== undefined ? ` [${stat(r.diff_lo)}, ${stat(r.diff_hi)}]` : ""))],
  ["p_vs_best", "p (Holm)", (r) => fmt(r.p_vs_best, 2)],
  ["verdict", "verdict", (r) => r.verdict],
  ["steps_to_90", "steps to 90%", (r) => fmt(r.steps_to_90)],
  ["time_per_step", "ms/step", (r) => fmt(1000 * r.time_per_step, 2)],
  ["seeds", "seeds / diverged", (r) => r.seeds],
  ["learned", "learned", (r) => (r.learned ? "yes" : "no")],
];

function renderTable(done) {
  const rows = done.rows ?? [];
  debug.drawn.table = done;
  const box = $("train-table");
  if (!rows.length) {
    box.replaceChildren(el("p", { class: "muted" }, "no rows"));
  } else {
    const metric = done.metric ?? rows[0].metric ?? "metric";
    const cols = COLUMNS.filter(([k]) => rows.some((r) => r[k] !== undefined));
    box.replaceChildren(
      el(
        "table",
        { class: "grid-table results", id: "train-results" },
        el("tr", {}, el("th", {}, "activation"), cols.map(([k, h]) => el("th", {}, h ?? `${metric} (mean ± 95% CI)`))),
        rows.map((r) =>
          el(
            "tr",
            { class: r.best ? "best" : "" },
            el("td", { class: "name" }, el("i", { class: "sw", style: { background: colorOf(r.label) } }), r.label),
            cols.map(([k, , f]) =>
              el(
                "td",
                {
                  class: k === "verdict" ? "verdict" : "num",
                  title:
                    k === "time_per_step" && r.time_lo !== undefined
                      ? `spread over evaluation intervals: ${fmt(1000 * r.time_lo, 2)}–${fmt(1000 * r.time_hi, 2)} ms`
                      : k === "learned" && r.baseline !== undefined
                        ? `above the task's trivial baseline ${fmt(r.baseline, 3)}?`
                        : undefined,
                },
                f(r),
              ),
            ),
          ),
        ),
      ),
      el("p", { class: "muted small" }, `${rows[0].dataset ? `dataset ${rows[0].dataset}; ` : ""}the validation ${metric} at the end of training, over seeds; the difference from the best row with its Welch interval and a Holm-corrected p; the lab's verdict.`),
    );
  }
  if (done.report) {
    $("train-report").replaceChildren(
      el("a", { href: done.report, target: "_blank", id: "train-report-link", class: "report-link" }, "open the HTML report ↗"),
      done.study ? el("span", { class: "muted small" }, ` study “${done.study}” in the results store`) : null,
    );
  }
}
