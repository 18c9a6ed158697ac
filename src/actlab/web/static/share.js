// Share panel: the link that carries the whole page state (the URL hash), and "copy as code":
// the Train panel's network as PyTorch, Keras and JAX, and as the `actlab compare` command
// (POST /api/code).

import { api } from "./api.js";
import { trainBody } from "./train.js";
import { debug, onSave, save, showError, state } from "./state.js";

const $ = (id) => document.getElementById(id);
let code = null;
let codeKey = null;

export function initShare() {
  const url = $("share-url");
  const sync = () => (url.value = location.href);
  sync();
  onSave(() => {
    sync();
    if (state.tab === "share") refreshCode();
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
  refreshCode();
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
