// Sokrat's web page: plain JavaScript over the REST API (/v1), no build step.
// The API key the user types stays in sessionStorage (gone with the tab) and goes out as
// "Authorization: Bearer KEY" on every call. Images and the video are fetched with that header
// and shown through blob: URLs (an <img src> cannot carry it). Task events are read from the
// SSE stream with fetch() for the same reason (EventSource cannot set headers).
"use strict";

const KEY = "sokrat.apiKey";
const INDEX_GOAL = "Describe what happens in this video.";
const LOG_POLL_MS = 1500;
const $ = (id) => document.getElementById(id);

const state = { media: null, blobUrls: [], logTimer: null, indexTask: null };

// --- the API ----------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

function headers(extra) {
  const h = Object.assign({}, extra || {});
  const key = sessionStorage.getItem(KEY);
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

async function failure(res) {
  // The API answers errors as {"error": {"code", "message"}}; anything else (a proxy's page)
  // becomes a one-line message with the status, never the body's markup.
  let code = "http_" + res.status, message = "the server answered " + res.status + " " + (res.statusText || "");
  try {
    const body = await res.json();
    if (body && body.error && body.error.message) { code = body.error.code || code; message = body.error.message; }
  } catch (e) { /* not JSON: keep the status line */ }
  return new ApiError(res.status, code, message.trim());
}

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "network", "cannot reach the server (" + (e && e.message ? e.message : "network error") + ")");
  }
  if (!res.ok) throw await failure(res);
  return res.status === 204 ? null : res.json();
}

async function blobUrl(path) {
  let res;
  try { res = await fetch(path, { headers: headers() }); } catch (e) {
    throw new ApiError(0, "network", "cannot reach the server");
  }
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  state.blobUrls.push(url);
  return url;
}

// --- messages ---------------------------------------------------------------------------------
function showError(err, where) {
  // Only the API's message (or our own one-line text) is shown: never a stack trace.
  let text = err instanceof ApiError ? err.message + (err.code && err.status ? " (" + err.code + ")" : "")
    : (err && err.message ? String(err.message).split("\n")[0] : String(err));
  if (err instanceof ApiError && err.status === 401 && !sessionStorage.getItem(KEY)) {
    text = "this server needs an API key: enter it above (" + err.message + ")";
  }
  $("error-text").textContent = (where ? where + ": " : "") + text;
  $("error").hidden = false;
  if (err instanceof ApiError && err.status === 401) $("key-status").textContent = "the key was refused";
}
function clearError() { $("error").hidden = true; $("error-text").textContent = ""; }

function fmtTime(t) {
  t = Math.max(0, Math.round(t || 0));
  return Math.floor(t / 60) + ":" + String(t % 60).padStart(2, "0");
}
const span = (a, b) => fmtTime(a) + "–" + fmtTime(b);
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

// --- the key ----------------------------------------------------------------------------------
function keyStatus() {
  $("key-status").textContent = sessionStorage.getItem(KEY) ? "key set for this tab" : "no key set";
}
$("key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const key = $("api-key").value.trim();
  if (key) sessionStorage.setItem(KEY, key); else sessionStorage.removeItem(KEY);
  $("api-key").value = "";
  keyStatus(); clearError(); refreshAll();
});
$("key-forget").addEventListener("click", () => { sessionStorage.removeItem(KEY); keyStatus(); });
$("error-close").addEventListener("click", clearError);

// --- events of a task (SSE over fetch) ----------------------------------------------------------
async function follow(taskId, onEvent) {
  // Reads /v1/tasks/{id}/events to `done`; resumes after the last id if the stream drops.
  let last = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    const h = headers({ Accept: "text/event-stream" });
    if (last) h["Last-Event-ID"] = last;
    let res;
    try { res = await fetch("/v1/tasks/" + taskId + "/events", { headers: h }); } catch (e) {
      await new Promise((r) => setTimeout(r, 1000)); continue;
    }
    if (!res.ok) throw await failure(res);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      let chunk;
      try { chunk = await reader.read(); } catch (e) { break; }
      if (chunk.done) break;
      buf += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, cut); buf = buf.slice(cut + 2);
        let type = "message", data = "", id = null;
        for (const line of frame.split("\n")) {
          if (line.startsWith(":")) continue;
          const i = line.indexOf(":");
          const field = i < 0 ? line : line.slice(0, i);
          const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
          if (field === "event") type = value; else if (field === "data") data += (data ? "\n" : "") + value;
          else if (field === "id") id = value;
        }
        if (!data) continue;
        if (id) last = id;
        let event;
        try { event = JSON.parse(data); } catch (e) { continue; }
        onEvent(type, event);
        if (type === "done") return event.data && event.data.result;
      }
    }
  }
  throw new ApiError(0, "stream", "the task's event stream ended before the task finished; see the task list");
}

function describe(type, ev) {
  // One readable line per event; null for events not worth a line (token counts).
  const d = ev.data || {};
  const clip = (s, n) => { s = String(s == null ? "" : s); return s.length > n ? s.slice(0, n - 1) + "…" : s; };
  switch (type) {
    case "run_started": return ["start", "started: " + clip(d.goal, 200)];
    case "plan": return ["plan", (d.plan || []).map((s, i) => (i + 1) + ". " + s).join("  ")];
    case "replan": return ["replan", (d.plan || []).map((s, i) => (i + 1) + ". " + s).join("  ") + (d.because ? " (because " + clip(d.because, 120) + ")" : "")];
    case "step_started": return ["step", "step " + ((ev.step || 0) + 1) + (d.plan_step ? ": " + d.plan_step : "")];
    case "tool_called": return ["tool", d.tool + "(" + clip(JSON.stringify(d.arguments || {}), 200) + ")"];
    case "tool_result": return [d.ok ? "result" : "failed", d.tool + (d.ok ? " answered" : " failed") + " in " + (d.duration_s || 0) + " s: " + clip(d.preview, 240)];
    case "check": return [d.label === "ok" ? "check" : "check failed", clip(d.reason, 240)];
    case "answer": return ["answer", clip(d.answer, 400)];
    case "warning": return ["warning", clip(d.message, 300)];
    case "error": return ["error", clip(String(d.message || "").split("\n")[0], 300)];
    case "confirm": return ["waiting", clip(d.question || d.message, 300)];
    case "done": { const r = d.result || {}; return ["done", (r.status || "finished") + (r.reason ? ": " + clip(r.reason, 200) : "")]; }
    default: return null;
  }
}

function stepItem(type, ev) {
  const line = describe(type, ev);
  if (!line) return null;
  const bad = /failed|error|warning/.test(line[0]);
  return el("li", { class: bad ? "bad" : "", "data-type": type }, el("span", { class: "kind", text: line[0] }), line[1]);
}

// --- media ------------------------------------------------------------------------------------
async function refreshMedia() {
  const list = $("media-list");
  let page;
  try { page = await call("GET", "/v1/media"); } catch (e) { showError(e, "listing your uploads"); return; }
  list.replaceChildren();
  if (!page.items.length) list.append(el("li", { class: "muted", text: "no uploads yet" }));
  for (const m of page.items) {
    const label = (m.filename || m.id) + " · " + m.kind + " · " + m.duration_s.toFixed(1) + " s";
    list.append(el("li", { "data-id": m.id },
      el("span", { class: "what", text: label }),
      el("button", { type: "button", class: "secondary", "aria-label": "Open " + (m.filename || m.id), onclick: () => openMedia(m) }, "Open"),
      el("button", { type: "button", class: "secondary", "aria-label": "Delete " + (m.filename || m.id), onclick: () => deleteMedia(m) }, "Delete")));
  }
}

async function deleteMedia(m) {
  if (!confirm("Delete " + (m.filename || m.id) + "? Its file is removed from the server.")) return;
  try { await call("DELETE", "/v1/media/" + m.id); } catch (e) { showError(e, "deleting"); return; }
  if (state.media && state.media.id === m.id) closeMedia();
  refreshMedia();
}

function closeMedia() {
  clearInterval(state.logTimer);
  state.media = null;
  for (const u of state.blobUrls) URL.revokeObjectURL(u);
  state.blobUrls = [];
  $("player").removeAttribute("src"); $("player").load();
  $("video-name").textContent = "(none open)";
  $("timeline").replaceChildren(); $("log-summary").textContent = ""; $("index-status").textContent = "";
  $("index-start").hidden = true;
}

async function openMedia(m, file) {
  closeMedia();
  state.media = m;
  $("video-name").textContent = m.filename || m.id;
  const player = $("player");
  if (file) { const u = URL.createObjectURL(file); state.blobUrls.push(u); player.src = u; }
  else blobUrl("/v1/media/" + m.id + "/content").then((u) => { if (state.media === m) player.src = u; })
    .catch((e) => showError(e, "loading the video"));
  if (m.kind !== "video") { $("index-status").textContent = "an audio file: it has no timeline; ask about its speech"; return; }
  await loadLog();
}

async function loadLog() {
  const m = state.media;
  if (!m) return;
  let log;
  try { log = await call("GET", "/v1/media/" + m.id + "/log"); } catch (e) { showError(e, "reading the log"); return; }
  if (state.media !== m) return;
  renderLog(log);
  const busy = state.indexTask && state.indexTask.media === m.id;
  if (log.status === "complete") {
    clearInterval(state.logTimer); state.logTimer = null;
    $("index-status").textContent = "log complete: " + log.entries.length + " shots";
    $("index-start").hidden = true;
  } else if (log.status === "indexing" || busy) {
    $("index-status").textContent = "indexing… " + Math.round(100 * (log.indexed_s || 0) / Math.max(log.duration_s, 0.001)) +
      "% (" + log.entries.length + " shots so far)";
    if (!state.logTimer) state.logTimer = setInterval(loadLog, LOG_POLL_MS);
  } else {
    $("index-status").textContent = "not indexed yet: build the log, or ask a question (the first run indexes it)";
    $("index-start").hidden = false;
  }
}

let thumbObserver = null;
function lazyThumb(img, path) {
  // Thumbnails load when they scroll into view (a long log asks for few frames up front).
  img.dataset.src = path;
  if (!("IntersectionObserver" in window)) { loadThumb(img); return; }
  if (!thumbObserver) thumbObserver = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) { thumbObserver.unobserve(e.target); loadThumb(e.target); }
  }, { rootMargin: "200px" });
  thumbObserver.observe(img);
}
function loadThumb(img) {
  blobUrl(img.dataset.src).then((u) => { img.src = u; img.dataset.loaded = "1"; })
    .catch(() => { img.alt = "(frame unavailable)"; img.dataset.loaded = "error"; });
}

function seekTo(t) {
  const player = $("player");
  const go = () => { player.currentTime = t; player.play().catch(() => {}); };
  if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
  player.scrollIntoView({ block: "nearest" });
}

function shotButton(e, width) {
  const img = el("img", { class: "thumb", alt: "frame at " + fmtTime((e.t_start + e.t_end) / 2) });
  const path = e.frame_url + (e.frame_url.includes("?") ? "&" : "?") + "w=" + width;
  const body = el("span", {},
    el("span", { class: "time", text: span(e.t_start, e.t_end) }),
    e.seen ? el("span", { class: "seen", text: e.seen }) : null,
    e.said ? el("span", { class: "said", text: e.said }) : null,
    e.text_on_screen ? el("span", { class: "written", text: e.text_on_screen }) : null,
    e.text ? el("span", { class: "seen", text: e.text }) : null);
  const button = el("button", { type: "button", class: "shot", "data-t": e.t_start, "data-t-end": e.t_end,
    "aria-label": "Play from " + fmtTime(e.t_start), onclick: () => seekTo(e.t_start) }, img, body);
  return { button, img, path };
}

function renderLog(log) {
  $("log-summary").textContent = log.summary || "";
  const list = $("timeline");
  if (list.childElementCount === log.entries.length && list.dataset.media === log.media_id) return;
  list.replaceChildren();
  list.dataset.media = log.media_id;
  for (const e of log.entries) {
    const { button, img, path } = shotButton(e, 160);
    list.append(el("li", {}, button));
    lazyThumb(img, path);
  }
}

async function startIndex() {
  const m = state.media;
  if (!m) return;
  $("index-start").hidden = true;
  let task;
  try { task = await call("POST", "/v1/tasks", { goal: INDEX_GOAL, media: [m.id] }); }
  catch (e) { showError(e, "starting the index"); return; }
  state.indexTask = { id: task.id, media: m.id };
  $("index-status").textContent = "indexing… (task " + task.id.slice(0, 8) + ")";
  if (!state.logTimer) state.logTimer = setInterval(loadLog, LOG_POLL_MS);
  refreshTasks();
  try {
    const result = await follow(task.id, (type, ev) => {
      const line = describe(type, ev);
      if (line && state.media === m && type !== "done") $("index-status").textContent = "indexing… " + line[1].slice(0, 160);
    });
    if (result && result.status !== "succeeded" && state.media === m) $("index-status").textContent = "the indexing run ended " + result.status + (result.reason ? ": " + result.reason : "");
  } catch (e) { showError(e, "indexing"); }
  if (state.indexTask && state.indexTask.id === task.id) state.indexTask = null;
  refreshTasks();
  await loadLog();
}
$("index-start").addEventListener("click", startIndex);

$("upload-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  clearError();
  const file = $("upload-file").files[0];
  if (!file) { showError(new Error("choose a file first"), "upload"); return; }
  // XMLHttpRequest, not fetch: only it reports upload progress.
  const xhr = new XMLHttpRequest();
  const bar = $("upload-progress"), status = $("upload-status"), button = ev.submitter || $("upload-form").querySelector("button");
  xhr.open("POST", "/v1/media");
  const key = sessionStorage.getItem(KEY);
  if (key) xhr.setRequestHeader("Authorization", "Bearer " + key);
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total); };
  xhr.onerror = () => { button.disabled = false; bar.hidden = true; status.textContent = ""; showError(new ApiError(0, "network", "cannot reach the server"), "upload"); };
  xhr.onload = () => {
    button.disabled = false; bar.hidden = true;
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
    if (xhr.status !== 201) {
      status.textContent = "";
      const msg = body && body.error ? body.error.message : "the server answered " + xhr.status;
      showError(new ApiError(xhr.status, body && body.error ? body.error.code : "http_" + xhr.status, msg), "upload of " + file.name);
      return;
    }
    status.textContent = "uploaded " + (body.filename || file.name) + " (" + body.duration_s.toFixed(1) + " s)";
    refreshMedia();
    openMedia(body, file).then(() => { if (body.kind === "video" && $("index-start").hidden === false) startIndex(); });
  };
  const form = new FormData();
  form.append("file", file, file.name);
  bar.value = 0; bar.hidden = false; button.disabled = true; status.textContent = "uploading " + file.name + "…";
  xhr.send(form);
});

// --- ask ----------------------------------------------------------------------------------------
$("ask-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearError();
  const question = $("question").value.trim();
  if (!question) return;
  if (!state.media) { showError(new Error("open or upload a video first"), "ask"); return; }
  const button = ev.submitter || $("ask-form").querySelector("button");
  button.disabled = true;
  $("answer-box").hidden = true; $("evidence").replaceChildren();
  $("ask-status").textContent = "asking…";
  try {
    const task = await call("POST", "/v1/tasks", { goal: question, media: [state.media.id] });
    refreshTasks();
    const result = await follow(task.id, (type, ev2) => {
      const line = describe(type, ev2);
      if (line && type !== "done") $("ask-status").textContent = line[0] + ": " + line[1].slice(0, 160);
    });
    showAnswer(result);
    if (state.media && !state.logTimer) loadLog();
  } catch (e) { $("ask-status").textContent = ""; showError(e, "ask"); }
  button.disabled = false;
  refreshTasks();
});

function showAnswer(result) {
  result = result || {};
  const status = result.status || "failed";
  $("ask-status").textContent = status === "succeeded" ? "" : status + (result.reason ? ": " + result.reason : "");
  $("answer").textContent = result.answer || "(no answer)";
  const list = $("evidence");
  list.replaceChildren();
  for (const e of result.evidence || []) {
    if (e.t_start == null) { list.append(el("li", { class: "muted", text: e.text || e.source })); continue; }
    const item = { t_start: e.t_start, t_end: e.t_end == null ? e.t_start : e.t_end, text: e.text, frame_url: e.frame_url || "" };
    const { button, img, path } = shotButton(item, 240);
    list.append(el("li", {}, button));
    if (e.frame_url) { img.dataset.src = path; loadThumb(img); } else img.alt = "(no frame)";
  }
  $("answer-box").hidden = false;
}

// --- run a goal -----------------------------------------------------------------------------------
$("run-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearError();
  const goal = $("goal").value.trim();
  if (!goal) return;
  const media = $("goal-media").checked && state.media ? [state.media.id] : [];
  const button = ev.submitter || $("run-form").querySelector("button");
  button.disabled = true;
  try {
    const task = await call("POST", "/v1/tasks", { goal, media });
    refreshTasks();
    await watch(task.id, goal);
  } catch (e) { showError(e, "run"); }
  button.disabled = false;
  refreshTasks();
});

async function watch(taskId, goal) {
  const steps = $("run-steps");
  steps.replaceChildren();
  $("run-answer").textContent = "";
  $("run-status").textContent = "running: " + (goal || taskId).slice(0, 120);
  const result = await follow(taskId, (type, ev) => {
    const item = stepItem(type, ev);
    if (item) { steps.append(item); steps.scrollTop = steps.scrollHeight; }
  });
  const r = result || {};
  $("run-status").textContent = (r.status || "finished") + (r.reason ? ": " + r.reason : "");
  $("run-answer").textContent = r.answer || "";
}

// --- tasks ---------------------------------------------------------------------------------------
const FINISHED = new Set(["succeeded", "unverified", "no_answer", "failed", "cancelled", "budget_exhausted"]);
async function refreshTasks() {
  let page;
  try { page = await call("GET", "/v1/tasks?limit=20"); } catch (e) { showError(e, "listing tasks"); return; }
  const list = $("task-list");
  list.replaceChildren();
  if (!page.items.length) list.append(el("li", { class: "muted", text: "no tasks yet" }));
  for (const t of page.items) {
    const done = FINISHED.has(t.status);
    const label = t.goal.length > 90 ? t.goal.slice(0, 89) + "…" : t.goal;
    list.append(el("li", { "data-id": t.id },
      el("span", { class: "status " + t.status, text: t.status }),
      el("span", { class: "what", text: label }),
      el("button", { type: "button", class: "secondary", "aria-label": "Show the steps of: " + label, onclick: () => watch(t.id, t.goal).catch((e) => showError(e, "task")) }, "Steps"),
      done ? el("button", { type: "button", class: "secondary", "aria-label": "Delete task: " + label, onclick: () => taskAction("DELETE", t.id) }, "Delete")
        : el("button", { type: "button", class: "secondary", "aria-label": "Cancel task: " + label, onclick: () => taskAction("POST", t.id) }, "Cancel")));
  }
}
async function taskAction(method, id) {
  try { await call(method, method === "DELETE" ? "/v1/tasks/" + id : "/v1/tasks/" + id + "/cancel"); }
  catch (e) { showError(e, method === "DELETE" ? "deleting the task" : "cancelling the task"); }
  refreshTasks();
}

$("media-refresh").addEventListener("click", refreshMedia);
$("tasks-refresh").addEventListener("click", refreshTasks);
function refreshAll() { refreshMedia(); refreshTasks(); }
keyStatus();
refreshAll();
