// The tandem dashboard: polls /api/state once a second and draws it; Stop and Restart post to
// /api/control. Every value from the run (log lines above all) goes into the page as text, never
// as HTML. The token comes from the link's fragment (#token=…), which browsers never send to a
// server, and is kept in this tab's sessionStorage only.
"use strict";

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);
let token = null;
let lastRunId = null;
const charts = {};

function readToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem("tandem-token", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);  // out of sight and history
  }
  token = sessionStorage.getItem("tandem-token");
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function fmtNumber(value, digits = 1) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en");
  return value.toLocaleString("en", {maximumFractionDigits: digits});
}

function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}h ${String(m).padStart(2, "0")}m` : m ? `${m}m ${String(r).padStart(2, "0")}s` : `${r}s`;
}

function fmtBytes(value) {
  if (value === null || value === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = value, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

function figure(label, value, id) {
  return el("div", {class: "figure"}, el("div", {class: "value", ...(id ? {id} : {})}, value),
            el("div", {class: "label"}, label));
}

function say(text, kind = "info") {
  const note = el("div", {class: `note ${kind}`}, text);
  $("messages").prepend(note);
  setTimeout(() => note.remove(), 15000);
}

async function api(path, options = {}) {
  const headers = {Authorization: `Bearer ${token}`, ...(options.headers || {})};
  return fetch(path, {...options, headers, cache: "no-store", credentials: "omit"});
}

async function control(action, name) {
  const what = name ? `${action} ${name}` : "stop the whole run";
  if (!confirm(`Really ${what}?`)) return;
  try {
    const response = await api("/api/control", {method: "POST", headers: {"Content-Type": "application/json"},
                                                 body: JSON.stringify({action, process: name})});
    const body = await response.json();
    say(body.message || body.error || `HTTP ${response.status}`, response.ok ? "info" : "error");
  } catch (error) {
    say(`request failed: ${error}`, "error");
  }
  poll();
}

// -- charts -----------------------------------------------------------------------------------------
function axisValues(plot, splits) {  // a learning rate of 2e-3 is not "0.002, 0.002"
  return splits.map((v) => (v !== 0 && Math.abs(v) < 0.01 ? v.toExponential(1) : fmtNumber(v, 2)));
}

// series: [{label, color, right}]: a series marked `right` gets its own scale and axis on the right.
function chart(id, title, series) {
  const box = $(id);
  const small = box.classList.contains("small");
  const right = series.find((s) => s.right);
  const opts = {
    title, width: Math.max(box.clientWidth, 280), height: small ? 130 : 200,
    scales: {x: {time: false}}, legend: {live: false}, cursor: {drag: {x: false, y: false}},
    series: [{}, ...series.map((s) => ({label: s.label, stroke: s.color, width: 1.5, spanGaps: true,
                                         points: {show: !!s.points}, scale: s.right ? "right" : "y"}))],
    axes: [{}, {size: 60, values: axisValues},
           ...(right ? [{scale: "right", side: 1, size: 50, stroke: right.color, grid: {show: false},
                         values: axisValues}] : [])],
  };
  return new uPlot(opts, [[], ...series.map(() => [])], box);
}

function draw(key, id, title, series, columns) {
  const shape = series.map((s) => s.label).join("|");
  if (charts[key] && charts[key].shape !== shape) {  // a series joined (the first evaluation): draw anew
    charts[key].destroy();
    delete charts[key];
  }
  if (!charts[key]) {
    charts[key] = chart(id, title, series);
    charts[key].shape = shape;
  }
  const xs = columns[0] || [];
  if (xs.length < 2) return;  // a line needs two points
  charts[key].setData(columns);
}

window.addEventListener("resize", () => {
  for (const [key, plot] of Object.entries(charts)) {
    const box = plot.root.parentNode;
    plot.setSize({width: Math.max(box.clientWidth, 280), height: plot.height});
  }
});

// -- rendering ----------------------------------------------------------------------------------------
function renderRun(run) {
  $("run-id").textContent = run ? `run ${run.run_id} (${run.kind})` : "no run yet";
  const badge = $("run-status");
  const status = run ? (run.status === "running" && !run.supervisor_alive ? "supervisor gone" : run.status) : "";
  badge.textContent = status;
  badge.className = `badge ${status.replace(/\s/g, "-")}`;
  const details = [];
  if (run) {
    details.push(`started ${run.started_at || "–"}`);
    if (run.ended_at) details.push(`ended ${run.ended_at}, exit ${run.exit_code}`);
    if (run.interrupted_reason) details.push(run.interrupted_reason);
    if (run.supervisor_pid) details.push(`supervisor pid ${run.supervisor_pid}`);
  }
  $("run-details").textContent = details.join(" · ");
  $("stop-run").disabled = !(run && run.status === "running" && run.supervisor_alive);
}

function progressText(progress) {
  if (!progress || progress.done === null || progress.done === undefined) return progress ? progress.message : "";
  let text = `${fmtNumber(progress.done)}${progress.total ? "/" + fmtNumber(progress.total) : ""} ${progress.unit}`;
  if (progress.total) text += ` (${(100 * progress.done / progress.total).toFixed(1)}%)`;
  return progress.message ? `${text} — ${progress.message}` : text;
}

function renderProcesses(processes, live) {
  const body = $("processes").querySelector("tbody");
  body.replaceChildren(...processes.map((p) => el("tr", {"data-process": p.name},
    el("td", {}, p.name),
    el("td", {}, el("span", {class: `badge ${p.status}`, "data-field": "status"}, p.status)),
    el("td", {"data-field": "pid"}, p.pid === null ? "–" : `${p.pid}${p.status === "running" && !p.alive ? " (gone)" : ""}`),
    el("td", {"data-field": "uptime"}, fmtDuration(p.uptime_s)),
    el("td", {"data-field": "restarts"}, p.restarts),
    el("td", {"data-field": "exit-codes", title: p.last_reason || ""}, p.exit_codes.length ? p.exit_codes.join(", ") : "–"),
    el("td", {class: "progress", "data-field": "progress"}, progressText(p.progress)),
    el("td", {class: "actions"},
       el("button", {type: "button", "data-action": "restart", disabled: live ? null : "",
                     onclick: () => control("restart", p.name)}, "Restart"),
       el("button", {type: "button", class: "danger", "data-action": "stop",
                     disabled: live && p.status !== "succeeded" && p.status !== "failed" && p.status !== "stopped" ? null : "",
                     onclick: () => control("stop", p.name)}, "Stop")))));
  const logs = $("logs");
  for (const p of processes) {
    let box = logs.querySelector(`[data-log="${CSS.escape(p.name)}"]`);
    if (!box) {
      box = el("details", {open: "", "data-log": p.name}, el("summary", {}, `${p.name} log`), el("pre", {class: "log"}));
      logs.append(box);
    }
    const pre = box.querySelector("pre");
    const text = p.log.join("\n");
    if (pre.textContent !== text) {
      const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent = text;
      if (atEnd) pre.scrollTop = pre.scrollHeight;  // follows the log unless the reader scrolled up
    }
  }
}

function renderCrawl(crawl) {
  $("crawl-card").hidden = !crawl;
  if (!crawl) return;
  const m = crawl.metrics;
  $("crawl-name").textContent = crawl.name;
  $("crawl-figures").replaceChildren(
    figure("kept / target", `${fmtNumber(m.kept)} / ${fmtNumber(m.target)}`, "crawl-kept"),
    figure("pages/s", fmtNumber(m.pages_per_s, 2), "crawl-rate"),
    figure("pages fetched", fmtNumber(m.pages_fetched)),
    figure("fetched per kept", fmtNumber(m.fetched_per_kept, 2)),
    figure("queue", fmtNumber(m.queue_size)),
    figure("duplicates", `${fmtNumber(m.duplicates_exact || 0)} + ${fmtNumber(m.duplicates_near || 0)} near`),
    figure("fetched", fmtBytes(m.bytes_fetched)));
  $("crawl-bar").style.width = m.target ? `${Math.min(100, 100 * m.kept / m.target)}%` : "0";
  const total = m.dropped.reduce((sum, [, n]) => sum + n, 0) || 1;
  $("drops").querySelector("tbody").replaceChildren(...m.dropped.map(([reason, count]) => {
    const bar = el("div", {class: "minibar"});
    bar.style.width = `${100 * count / total}%`;
    return el("tr", {}, el("td", {}, reason), el("td", {class: "num"}, fmtNumber(count)), el("td", {class: "barcell"}, bar));
  }));
  const s = crawl.series;
  draw("crawl", "crawl-chart", "kept samples, and pages/s (right), by second of the run",
       [{label: "kept", color: "#2a7ab0"}, {label: "pages/s", color: "#9aa3ad", right: true}],
       [s.elapsed_s, s.kept, s.pages_per_s]);
}

function renderTrain(train) {
  $("train-card").hidden = !train;
  if (!train) return;
  const m = train.metrics;
  $("train-name").textContent = train.name;
  $("train-waiting").hidden = !train.waiting_for_data;
  $("train-figures").replaceChildren(
    figure("step", `${fmtNumber(m.step)} / ${fmtNumber(m.max_steps)}`, "train-step"),
    figure("loss", m.loss === null || m.loss === undefined ? "–" : m.loss.toFixed(4), "train-loss"),
    figure("learning rate", m.learning_rate ? m.learning_rate.toExponential(2) : "–"),
    figure("tokens/s", fmtNumber(m.tokens_per_s, 0)),
    ...(m.eval_loss === null || m.eval_loss === undefined ? [] : [
      figure("eval loss", `${m.eval_loss.toFixed(4)} (step ${fmtNumber(m.eval_step)})`, "train-eval-loss"),
      figure("best eval loss", `${m.best_eval_loss.toFixed(4)} (step ${fmtNumber(m.best_eval_step)})`)]),
    ...(m.eval_bits_per_byte === null || m.eval_bits_per_byte === undefined ? [] : [
      figure("held-out texts", `${m.eval_bits_per_byte.toFixed(4)} bits/byte`, "train-bits-per-byte")]),
    figure("samples seen", fmtNumber(m.samples_seen)),
    figure("data pass", fmtNumber(m.data_pass)),
    ...(m.times_read ? [figure("times read", Object.entries(m.times_read)
      .map(([times, count]) => `${times}×: ${fmtNumber(count)}`).join(" · ") || "–")] : []),
    ...(m.source_tokens && Object.keys(m.source_tokens).length > 1 ? [figure("tokens by source",
      Object.entries(m.source_tokens).map(([name, count]) => `${name} ${fmtNumber(count)}`).join(" · "))] : []));
  const s = train.series, e = train.eval_series;
  const withEval = e.step.length > 0;
  // The held-out loss comes every eval_steps: joined onto the training steps, drawn across its gaps.
  draw("loss", "loss-chart", withEval ? "loss and held-out eval loss by step" : "loss by step",
       [{label: "loss", color: "#c0392b"}, ...(withEval ? [{label: "eval loss", color: "#2c3e50", points: true}] : [])],
       withEval ? uPlot.join([[s.step, s.loss], [e.step, e.eval_loss]]) : [s.step, s.loss]);
  draw("lr", "lr-chart", "learning rate by step", [{label: "learning rate", color: "#8e44ad"}],
       [s.step, s.learning_rate]);
  draw("speed", "speed-chart", "tokens/s by step", [{label: "tokens/s", color: "#27ae60"}], [s.step, s.tokens_per_s]);
  const points = train.checkpoints;
  $("checkpoints").textContent = points.length
    ? `${points.join(", ")} — newest complete: ${m.checkpoint || "–"}` : "none yet";
}

function renderResources(resources) {
  $("resources-card").hidden = !resources;
  if (!resources) return;
  const sample = resources.sample, system = sample.system || {};
  $("system-figures").replaceChildren(
    figure("CPU (machine)", `${fmtNumber(system.cpu_percent)}%`),
    figure("memory used", `${fmtNumber(system.memory_percent)}%`),
    figure("memory available", fmtBytes(system.memory_available_bytes)),
    ...(system.gpus || []).map((gpu, i) => figure(`GPU ${i}`, `${fmtBytes(gpu.memory_used_bytes)}, ${fmtNumber(gpu.util_percent)}%`)));
  $("usage").querySelector("tbody").replaceChildren(...Object.entries(sample.processes || {}).map(([name, p]) =>
    el("tr", {}, el("td", {}, name),
       el("td", {class: "num"}, p ? `${fmtNumber(p.cpu_percent)}%` : "–"),
       el("td", {class: "num"}, p ? fmtBytes(p.rss_bytes) : "–"),
       el("td", {class: "num"}, p && p.gpu_memory_bytes !== undefined ? fmtBytes(p.gpu_memory_bytes) : "–"),
       el("td", {class: "num"}, p && p.gpu_util_percent !== undefined ? `${fmtNumber(p.gpu_util_percent)}%` : "–"))));
  $("disks").querySelector("tbody").replaceChildren(...Object.entries(system.free_disk_bytes || {}).map(([path, free]) =>
    el("tr", {}, el("td", {}, path), el("td", {class: "num"}, fmtBytes(free)))));
  const s = resources.series;
  draw("usage", "usage-chart", "machine CPU and memory (%) by second of the run",
       [{label: "CPU %", color: "#e67e22"}, {label: "memory %", color: "#2980b9"}],
       [s.elapsed_s, s.cpu_percent, s.memory_percent]);
}

function render(state) {
  const run = state.run;
  if (run && run.run_id !== lastRunId) {  // a new run: charts start empty
    for (const key of Object.keys(charts)) { charts[key].destroy(); delete charts[key]; }
    $("logs").replaceChildren();
    lastRunId = run.run_id;
  }
  const live = !!(run && run.status === "running" && run.supervisor_alive);
  renderRun(run);
  renderProcesses(state.processes, live);
  renderCrawl(state.crawl);
  renderTrain(state.train);
  renderResources(state.resources);
  $("updated").textContent = run ? `updated ${new Date().toLocaleTimeString()}` : `waiting for a run in ${state.waiting_for}`;
}

async function poll() {
  if (!token) { showTokenForm(); return; }
  try {
    const response = await api("/api/state");
    if (response.status === 401) { sessionStorage.removeItem("tandem-token"); token = null; showTokenForm(); return; }
    render(await response.json());
    document.body.classList.remove("offline");
  } catch (error) {
    document.body.classList.add("offline");
    $("updated").textContent = "the dashboard is not answering (closed, or the run ended)";
  }
}

function showTokenForm() {
  $("token-form").hidden = false;
  $("updated").textContent = "needs its token";
}

document.addEventListener("DOMContentLoaded", () => {
  readToken();
  $("token-entry").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("tandem-token", $("token-input").value.trim());
    token = sessionStorage.getItem("tandem-token");
    $("token-form").hidden = true;
    poll();
  });
  $("stop-run").addEventListener("click", () => control("stop", null));
  poll();
  setInterval(poll, POLL_MS);
});
