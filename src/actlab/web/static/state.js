// The page's whole state: one object, saved in the URL hash on every change so that a reload
// (or a shared link) restores it. Also the shared helpers every panel uses: colours per
// activation and number formatting.

export const DEFAULTS = {
  tab: "functions",
  fn: {
    acts: [{ name: "relu", params: {} }, { name: "gelu", params: {} }, { name: "tanh", params: {} }],
    focus: "relu",
    show: { f: true, df: true, d2f: false, sat: true, kinks: true },
    x_min: -6,
    x_max: 6,
    y_min: null,
    y_max: null,
    defined: [],
  },
  depth: {
    activation: "tanh",
    params: {},
    init: "xavier",
    custom: false,
    sigma_w2: 1.0,
    sigma_b2: 0.0,
    depth: 50,
    widths: [64, 64, 64, 64, 64],
    dataset: "gauss",
    seed: 0,
  },
  train: {
    dataset: "xor",
    upload: null,
    target: "",
    noise: 0.0,
    n: 500,
    widths: [8, 8],
    activations: ["relu", "tanh"],
    init: "auto",
    optimizer: "adam",
    lr: 0.01,
    batch_size: 32,
    seeds: 3,
    steps: 500,
  },
  advisor: { layer: "hidden", task: "", architecture: "mlp", depth: 8, symptoms: [] },
  code: "pytorch",
};

const clone = (o) => JSON.parse(JSON.stringify(o));

export const state = clone(DEFAULTS);

// Merge `src` into `dst` key by key, keeping only keys the defaults know and values of the
// default's type (a hand-edited or stale link cannot put the page in a shape it cannot draw).
function merge(dst, src, def) {
  if (!src || typeof src !== "object") return;
  for (const k of Object.keys(def)) {
    if (!(k in src)) continue;
    const d = def[k];
    const v = src[k];
    if (d === null || v === null) {
      dst[k] = v;
    } else if (Array.isArray(d)) {
      if (Array.isArray(v)) dst[k] = clone(v);
    } else if (typeof d === "object") {
      if (typeof v === "object" && !Array.isArray(v)) {
        // free-form maps (parameters) have an empty default: take them whole
        if (Object.keys(d).length === 0) dst[k] = clone(v);
        else merge(dst[k], v, d);
      }
    } else if (typeof v === typeof d) {
      dst[k] = v;
    }
  }
}

export function encodeState(s = state) {
  return "#s=" + encodeURIComponent(JSON.stringify(s));
}

export function decodeHash(hash) {
  const m = /^#?s=(.*)$/.exec(hash || "");
  if (!m) return null;
  try {
    return JSON.parse(decodeURIComponent(m[1]));
  } catch {
    return null;
  }
}

// Restore from the location's hash; returns true when a state was found there.
export function loadFromHash() {
  const parsed = decodeHash(location.hash);
  if (!parsed) return false;
  merge(state, parsed, DEFAULTS);
  return true;
}

let saveTimer = null;
const listeners = [];

// Save the state into the URL (replaceState: no history entry per slider tick).
export function save() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    history.replaceState(null, "", encodeState());
    for (const f of listeners) f();
  }, 60);
}

export function onSave(f) {
  listeners.push(f);
}

// ── colours: one per activation name, the same in every chart ──
const PALETTE = [
  "#1f6fb4", "#d6392b", "#2b9a3e", "#f08a0c", "#7d4fb8",
  "#8c564b", "#d45ab0", "#1aa6b7", "#a7a322", "#5c6670",
];
const assigned = new Map();

export function colorOf(name) {
  const key = String(name).toLowerCase();
  if (!assigned.has(key)) assigned.set(key, PALETTE[assigned.size % PALETTE.length]);
  return assigned.get(key);
}

export function withAlpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

// ── numbers ──
export function fmt(x, digits = 3) {
  if (x === null || x === undefined) return "—";
  if (typeof x === "boolean") return x ? "yes" : "no";
  if (typeof x !== "number") return String(x);
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "∞";
  if (x === -Infinity) return "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  let s;
  if (a >= 1e5 || a < 1e-3) {
    s = x.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e");
  } else if (Number.isInteger(x) && a < 1e5) {
    s = String(x);
  } else {
    s = String(Number(x.toPrecision(digits)));
  }
  return s.replace(/^-/, "−");
}

export function pct(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  const v = 100 * x;
  return (v === 0 ? "0" : v < 0.1 ? "<0.1" : v >= 99.95 && v < 100 ? ">99.9" : v.toFixed(v < 10 ? 1 : 0)) + "%";
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "style" && typeof v === "object") Object.assign(e.style, v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function showError(node, message) {
  if (!node) return;
  if (message) {
    node.textContent = message;
    node.hidden = false;
  } else {
    node.textContent = "";
    node.hidden = true;
  }
}

// Run `f` at most once per animation frame and never two at a time: while one call is in flight,
// later calls collapse into one that runs when it returns (the slider's latest value wins).
export function latest(f) {
  let running = false;
  let pending = false;
  const go = async () => {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    try {
      await f();
    } finally {
      running = false;
      if (pending) {
        pending = false;
        requestAnimationFrame(go);
      }
    }
  };
  return go;
}

// The debug handle the browser tests and curious users read: what each panel last drew.
export const debug = (window.__explorer = { state, drawn: {}, events: [], errors: [] });
