// Sluice status page: polls /api/v1/tasks and renders the newest tasks.
"use strict";

const REFRESH_MS = 3000;
const PAGE_SIZE = 100;

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "sluice-token";

// The API wants a bearer token: take it from `#token=…` (then drop it from the URL), else
// from localStorage, else ask (once per page load). A 401 forgets the stored token.
let asked = false;
function apiToken() {
  const fromUrl = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(null, "", location.pathname + location.search);
  }
  let token = localStorage.getItem(TOKEN_KEY);
  if (!token && !asked) {
    asked = true;
    token = (window.prompt("Sluice API token (sluice token create --role viewer)") || "").trim();
    if (token) localStorage.setItem(TOKEN_KEY, token);
  }
  return token;
}

function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatDuration(task) {
  if (!task.started_at) return "";
  const end = task.finished_at ? new Date(task.finished_at) : new Date();
  const seconds = Math.max(0, (end - new Date(task.started_at)) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function renderRow(task) {
  const row = $("task-row").content.firstElementChild.cloneNode(true);
  const badge = row.querySelector(".badge");
  badge.textContent = task.status.replace("_", " ");
  badge.classList.add(task.status);
  const where = task.rel_path ? `${task.host}:${task.rel_path}` : task.id;
  row.querySelector(".path").textContent = where;
  row.querySelector(".error").textContent =
    task.error ? `${task.error_class || "error"}: ${task.error}` : "";
  row.querySelector(".size").textContent = formatSize(task.size);
  row.querySelector(".object").textContent = task.object_url || "";
  const created = new Date(task.created_at);
  const cell = row.querySelector(".created");
  cell.textContent = created.toLocaleString();
  cell.title = task.created_at;
  row.querySelector(".duration").textContent = formatDuration(task);
  row.querySelector(".temporal").href = task.temporal_url;
  return row;
}

async function refresh() {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  const status = $("status-filter").value;
  if (status) params.set("status", status);
  try {
    const token = apiToken();
    if (!token) throw new Error("no API token; open this page with #token=<token>");
    const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
    const response = await fetch(`/api/v1/tasks?${params}`, { headers });
    if (response.status === 401) localStorage.removeItem(TOKEN_KEY);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    $("tasks").replaceChildren(...body.items.map(renderRow));
    $("empty").hidden = body.items.length > 0;
    $("problem").hidden = true;
    $("refreshed").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    $("problem").textContent = `Could not load tasks: ${error.message}`;
    $("problem").hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("status-filter").addEventListener("change", refresh);
  refresh();
  setInterval(refresh, REFRESH_MS);
});
