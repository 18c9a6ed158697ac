// The explorer's entry point: read the state from the URL, load the catalog, build the panels,
// switch tabs. Every number on the page comes from the JSON API (the library behind it).

import { api } from "./api.js";
import { initAdvisor } from "./advisor.js";
import { initDepth } from "./depth.js";
import { initFunctions } from "./functions.js";
import { initShare, onShareShown } from "./share.js";
import { debug, encodeState, loadFromHash, save, state } from "./state.js";
import { initTrain } from "./train.js";

const TABS = ["functions", "depth", "train", "advisor", "share"];

window.addEventListener("error", (e) => debug.errors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => debug.errors.push(String(e.reason?.message ?? e.reason)));

function showTab(name) {
  if (!TABS.includes(name)) name = "functions";
  state.tab = name;
  for (const t of TABS) {
    document.getElementById(`panel-${t}`).hidden = t !== name;
    const b = document.getElementById(`tab-${t}`);
    b.classList.toggle("on", t === name);
    b.setAttribute("aria-selected", String(t === name));
  }
  if (name === "share") onShareShown();
  save();
}

async function main() {
  loadFromHash();
  const status = document.getElementById("status");
  let cat;
  try {
    cat = await api.catalog();
  } catch (e) {
    status.textContent = `cannot reach the explorer's API: ${e.message}`;
    status.classList.add("error");
    return;
  }
  debug.catalog = cat;
  status.textContent = `${cat.activations.length} activations · ${cat.datasets.length} datasets`;
  await initFunctions(cat);
  initDepth(cat);
  initTrain(cat);
  initAdvisor(cat);
  initShare(cat);
  for (const t of TABS) document.getElementById(`tab-${t}`).addEventListener("click", () => showTab(t));
  showTab(state.tab);
  // a link pasted over this one: load its state
  window.addEventListener("hashchange", () => {
    if (location.hash !== encodeState()) location.reload();
  });
  debug.ready = true;
  document.body.dataset.ready = "1";
}

main();
