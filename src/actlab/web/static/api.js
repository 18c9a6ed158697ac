// The explorer's JSON API (see WEB_CONTRACT / GET /api/openapi.json). Every call goes to the
// page's own origin; errors come back as one line (the server's `detail`).

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function detailOf(body, fallback) {
  const d = body && body.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) {
    // FastAPI's validation list: "field: message; ..."
    return d
      .map((e) => {
        const loc = Array.isArray(e.loc) ? e.loc.filter((p) => p !== "body").join(".") : "";
        return loc ? `${loc}: ${e.msg}` : e.msg;
      })
      .join("; ");
  }
  if (d && typeof d === "object") return JSON.stringify(d);
  return fallback;
}

async function handle(r) {
  if (r.ok) return r.status === 204 ? null : r.json();
  let body = null;
  try {
    body = await r.json();
  } catch {
    /* not JSON: fall back to the status text */
  }
  throw new ApiError(r.status, detailOf(body, `${r.status} ${r.statusText}`));
}

export async function getJSON(url) {
  return handle(await fetch(url, { headers: { accept: "application/json" } }));
}

export async function postJSON(url, body) {
  return handle(
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

export async function del(url) {
  return handle(await fetch(url, { method: "DELETE" }));
}

export async function uploadCSV(file, target) {
  const form = new FormData();
  form.append("file", file, file.name);
  if (target) form.append("target", target);
  return handle(await fetch("/api/upload", { method: "POST", body: form }));
}

export const api = {
  catalog: () => getJSON("/api/catalog"),
  functions: (body) => postJSON("/api/functions", body),
  activation: (name, params) =>
    getJSON(`/api/activation/${encodeURIComponent(name)}?params=${encodeURIComponent(JSON.stringify(params || {}))}`),
  meanfield: (body) => postJSON("/api/meanfield", body),
  histograms: (body) => postJSON("/api/histograms", body),
  preview: (body) => postJSON("/api/datasets/preview", body),
  train: (body) => postJSON("/api/train", body),
  cancel: (job) => del(`/api/train/${encodeURIComponent(job)}`),
  advise: (body) => postJSON("/api/advise", body),
  code: (body) => postJSON("/api/code", body),
  define: (body) => postJSON("/api/define", body),
};
