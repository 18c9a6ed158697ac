// Chart helpers shared by the panels: uPlot line charts that follow their container's width,
// series alignment, colour maps and canvas heatmaps. Drawing only — every number comes from
// the API.

import { el, fmt, withAlpha } from "./state.js";

const uPlot = window.uPlot;

// A uPlot chart in `container`, re-created only when the series' structure changes (a new
// activation, a toggled derivative) and otherwise fed new data in place.
// A log axis is drawn as log10 of the values on a linear scale, labelled 10^k: uPlot's own log
// scale loops forever on ranges below ~1e-16 (its decimal rounding), and a vanishing gradient
// after 50 layers is 1e-30.
export function plot(container, { series, data, height = 300, x, y, bands = [], hooks = {}, yLog = false, signature }) {
  if (yLog) data = [data[0], ...data.slice(1).map((col) => col.map((v) => (v !== null && v > 0 ? Math.log10(v) : null)))];
  const sig = signature ?? JSON.stringify([series.map((s) => [s.label, s.stroke, s.dash]), yLog, x?.label, y?.label, bands.length]);
  const width = Math.max(200, container.clientWidth || 600);
  if (container._u && container._sig === sig) {
    container._hooks = hooks;
    container._u.setData(data, true);
    return container._u;
  }
  if (container._u) container._u.destroy();
  else container.replaceChildren(); // the placeholder text
  container._hooks = hooks;
  const call = (name) => (u) => {
    const f = container._hooks && container._hooks[name];
    if (f) f(u);
  };
  const opts = {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: true, y: false }, points: { size: 6 } },
    scales: {
      x: { time: false, ...(x?.range ? { range: x.range } : {}) },
      y: { auto: !y?.range, ...(y?.range ? { range: y.range } : {}) },
    },
    axes: [
      { label: x?.label ?? "", labelSize: 18, size: 40, stroke: "#3b4351", grid: { stroke: "#e9edf2" }, ticks: { stroke: "#d5dbe3" }, values: x?.values },
      {
        label: y?.label ?? "",
        labelSize: 18,
        size: 56,
        stroke: "#3b4351",
        grid: { stroke: "#e9edf2" },
        ticks: { stroke: "#d5dbe3" },
        values: y?.values ?? (yLog ? (u, vals) => vals.map((v) => (v === null ? "" : fmt(10 ** v, 2))) : (u, vals) => vals.map((v) => (v === null ? "" : fmt(v, 3)))),
        // a log axis: ticks at whole (or half) decades, a few of them however wide the range
        ...(yLog ? { incrs: [0.5, 1, 2, 3, 5, 10, 20, 50, 100] } : {}),
      },
    ],
    series: [{ label: x?.label ?? "x" }, ...series.map((s) => ({ points: { show: false }, spanGaps: false, width: 2, ...s }))],
    bands,
    hooks: { drawClear: [call("drawClear")], draw: [call("draw")] },
  };
  const u = new uPlot(opts, data, container);
  container._u = u;
  container._sig = sig;
  if (!container._ro) {
    container._ro = new ResizeObserver(() => {
      const w = container.clientWidth;
      if (container._u && w > 0 && Math.abs(w - container._u.width) > 2) {
        container._u.setSize({ width: w, height: container._u.height });
      }
    });
    container._ro.observe(container);
  }
  return u;
}

// Align several (x, y...) series on the union of their x values; missing points are null
// (uPlot leaves a gap). `list` is [{x: [...], ys: [[...], ...]}]; returns [xs, ...ys].
export function align(list) {
  const xs = [...new Set(list.flatMap((s) => s.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((v, i) => [v, i]));
  const out = [xs];
  for (const s of list) {
    for (const ys of s.ys) {
      const col = new Array(xs.length).fill(null);
      s.x.forEach((v, i) => {
        const y = ys[i];
        col[at.get(v)] = y === undefined || (typeof y === "number" && !Number.isFinite(y)) ? null : y;
      });
      out.push(col);
    }
  }
  return out;
}

// A small legend under a chart: coloured swatch + label per entry.
export function legend(container, entries) {
  container.replaceChildren(
    ...entries.map((e) =>
      el("span", { class: "lg" }, el("i", { style: { background: e.color, opacity: e.opacity ?? 1 } }), e.label),
    ),
  );
}

// ── colour maps ──
// Diverging: t in [−1, 1] → orange (−1) · near-white (0) · blue (+1). Continuous, so the
// decision boundary reads as a gradient of confidence, as in Playground.
const NEG = [232, 122, 24];
const MID = [247, 247, 245];
const POS = [31, 111, 180];
export function diverging(t) {
  const u = Math.max(-1, Math.min(1, t));
  const [a, b] = u < 0 ? [MID, NEG] : [MID, POS];
  const w = Math.abs(u);
  return [a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w];
}
export const CLASS_COLORS = ["#d2660f", "#1f5f9e", "#2b9a3e", "#7d4fb8", "#c23b8e", "#8c564b", "#1aa6b7", "#a7a322", "#5c6670", "#d6392b"];

export const rgb = (c) => `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`;

// Fill `canvas` with a heatmap of z[iy][ix] over (xs, ys) (ys increase upwards). `color` maps
// a value to [r, g, b]. Returns the mapping from data to canvas coordinates.
export function heatmap(canvas, xs, ys, z, color, { smooth = true, rect = null } = {}) {
  const R = rect ?? { x: 0, y: 0, w: canvas.width, h: canvas.height };
  const ctx = canvas.getContext("2d");
  const nx = xs.length;
  const ny = ys.length;
  const img = new ImageData(nx, ny);
  for (let iy = 0; iy < ny; iy++) {
    const row = z[iy];
    for (let ix = 0; ix < nx; ix++) {
      const v = row ? row[ix] : null;
      const o = ((ny - 1 - iy) * nx + ix) * 4;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        img.data[o] = 200; img.data[o + 1] = 200; img.data[o + 2] = 200; img.data[o + 3] = 255;
        continue;
      }
      const c = color(v);
      img.data[o] = c[0]; img.data[o + 1] = c[1]; img.data[o + 2] = c[2]; img.data[o + 3] = 255;
    }
  }
  const off = document.createElement("canvas");
  off.width = nx;
  off.height = ny;
  off.getContext("2d").putImageData(img, 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = smooth;
  if (!rect) ctx.clearRect(0, 0, canvas.width, canvas.height);
  // cell centres sit at xs/ys: the image covers half a cell beyond them on each side
  ctx.drawImage(off, R.x, R.y, R.w, R.h);
  ctx.restore();
  const dx = nx > 1 ? (xs[nx - 1] - xs[0]) / (nx - 1) : 1;
  const dy = ny > 1 ? (ys[ny - 1] - ys[0]) / (ny - 1) : 1;
  const x0 = xs[0] - dx / 2;
  const x1 = xs[nx - 1] + dx / 2;
  const y0 = ys[0] - dy / 2;
  const y1 = ys[ny - 1] + dy / 2;
  return extentMap(R, x0, x1, y0, y1);
}

// data ↔ pixels for the rectangle R showing [x0, x1] × [y0, y1] (y up)
export function extentMap(R, x0, x1, y0, y1) {
  return {
    px: (x) => R.x + ((x - x0) / (x1 - x0)) * R.w,
    py: (y) => R.y + R.h - ((y - y0) / (y1 - y0)) * R.h,
    x: (px) => x0 + ((px - R.x) / R.w) * (x1 - x0),
    y: (py) => y0 + ((R.y + R.h - py) / R.h) * (y1 - y0),
    extent: [x0, x1, y0, y1],
    rect: R,
  };
}

// Scatter the data points on a heatmap's coordinates: classes in CLASS_COLORS (regression:
// the value through `valueColor`), each with a white rim so it reads on any background.
export function scatter(canvas, map, X, y, { regression = false, valueColor = null, r = 3 } = {}) {
  const ctx = canvas.getContext("2d");
  ctx.save();
  ctx.lineWidth = 1;
  ctx.strokeStyle = "rgba(255,255,255,0.95)";
  for (let i = 0; i < X.length; i++) {
    const px = map.px(X[i][0]);
    const py = map.py(X[i][1]);
    ctx.fillStyle = regression && valueColor ? rgb(valueColor(y[i])) : CLASS_COLORS[(y[i] | 0) % CLASS_COLORS.length];
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
}

// A colour bar (HTML gradient) with its end labels.
export function colorbar(container, stops, lo, hi, title) {
  const grad = stops.map((c, i) => `${rgb(c)} ${(100 * i) / (stops.length - 1)}%`).join(",");
  container.replaceChildren(
    el("span", { class: "cb-lab" }, lo),
    el("span", { class: "cb", style: { background: `linear-gradient(90deg,${grad})` } }),
    el("span", { class: "cb-lab" }, hi),
    title ? el("span", { class: "cb-title muted small" }, title) : null,
  );
}

export const band = (hex) => withAlpha(hex, 0.16);

// "Nice" tick values spanning [lo, hi] (about n of them).
export function ticks(lo, hi, n = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

// Axes for a canvas plot drawn through `map` (from heatmap): ticks, their values, the labels.
export function canvasAxes(canvas, map, xlabel, ylabel) {
  const ctx = canvas.getContext("2d");
  const [x0, x1, y0, y1] = map.extent;
  const R = map.rect;
  ctx.save();
  ctx.strokeStyle = "#8a94a3";
  ctx.fillStyle = "#3b4351";
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  ctx.strokeRect(R.x + 0.5, R.y + 0.5, R.w - 1, R.h - 1);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const v of ticks(x0, x1, 5)) {
    const px = Math.round(map.px(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, R.y + R.h);
    ctx.lineTo(px, R.y + R.h + 4);
    ctx.stroke();
    ctx.fillText(fmt(v, 3), px, R.y + R.h + 6);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const v of ticks(y0, y1, 5)) {
    const py = Math.round(map.py(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(R.x - 4, py);
    ctx.lineTo(R.x, py);
    ctx.stroke();
    ctx.fillText(fmt(v, 3), R.x - 6, py);
  }
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  if (xlabel) ctx.fillText(xlabel, R.x + R.w / 2, canvas.height - 2);
  if (ylabel) {
    ctx.translate(12, R.y + R.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(ylabel, 0, 0);
  }
  ctx.restore();
}
