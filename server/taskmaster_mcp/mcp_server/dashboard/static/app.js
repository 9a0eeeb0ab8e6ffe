// taskmaster-mcp dashboard: plain JavaScript and SVG, no library, no build step.
// Everything from the server is placed with textContent/attributes (never innerHTML), so task text cannot inject markup.
"use strict";

const STATUS = {
  "pending": "○ Pending", "in-progress": "◐ In progress", "review": "◎ Review", "blocked": "⊘ Blocked",
  "deferred": "‖ Deferred", "done": "✓ Done", "cancelled": "✕ Cancelled", "completed": "✓ Completed",
};
const PRIORITY = { critical: "‼ critical", high: "▲ high", medium: "■ medium", low: "▽ low" };
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const state = { tag: null, view: "board", board: null, openTask: null, renders: 0, clockSkew: 0 };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}
function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}
const statusText = (s) => STATUS[s] || `• ${s}`;
const usd = (n) => n === null || n === undefined ? "—" : `$${n < 0.01 && n > 0 ? n.toFixed(5) : n.toFixed(2)}`;
const pct = (n) => n === null || n === undefined ? "—" : `${Math.round(n * 1000) / 10}%`;
const ms = (n) => n === null || n === undefined ? "—" : `${Math.round(n)} ms`;
const tagQuery = () => state.tag ? `?tag=${encodeURIComponent(state.tag)}` : "";

function announce(text) { document.getElementById("announce").textContent = text; }
function problem(text) {
  const box = document.getElementById("problem");
  box.hidden = !text;
  box.textContent = text || "";
}

async function api(path, options) {
  const response = await fetch(path, { credentials: "same-origin", ...(options || {}) });
  const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

// --- board --------------------------------------------------------------------------------------------------------

async function loadBoard() {
  const asked = (state.boardAsked = (state.boardAsked || 0) + 1);
  try {
    const data = await api(`/api/board${tagQuery()}`);
    if (asked !== state.boardAsked) return;  // a later request is under way: never draw an older board over it
    problem("");
    state.board = data;
    state.tag = state.tag || data.tag;
    state.clockSkew = data.now ? Date.now() - Date.parse(data.now) : 0;  // leases count down in the server's time
    renderTags(data);
    renderBoard(data);
    if (state.view === "claims") renderClaims(data);
  } catch (err) { problem(err.message); }
}

function renderTags(data) {
  const select = document.getElementById("tag");
  select.replaceChildren(...data.tags.map((t) => el("option", {
    value: t, selected: t === data.tag, text: t === data.currentTag ? `${t} (current)` : t })));
}

const cardNodes = new Map();  // card id -> [its JSON, its element]: a re-render rebuilds only the cards that changed

function cardNode(card) {
  const text = JSON.stringify(card);
  const known = cardNodes.get(card.id);
  if (known && known[0] === text) return known[1];
  const node = renderCard(card);
  cardNodes.set(card.id, [text, node]);
  return node;
}

function renderBoard(data) {
  // Building the new columns moves the kept card nodes into them, out of the page, which drops the keyboard focus:
  // note it first, so that a live update never throws a keyboard user back to the top of the page.
  const active = document.activeElement;
  const activeCard = active && active.closest ? active.closest(".card") : null;
  if (state.shownTag !== data.tag) cardNodes.clear();
  state.shownTag = data.tag;
  const held = claimsByTask(data.claims || []);
  const columns = data.columns.map((column) => {
    const list = el("ol", { "aria-label": `${statusText(column.status)} tasks` },
      ...column.cards.map((c) => cardNode(held.has(c.id) ? { ...c, claims: held.get(c.id) } : c)));
    const section = el("section", { class: `column s-${column.status}`, "data-status": column.status,
      "data-count": String(column.count), "aria-label": `${statusText(column.status)}: ${column.count}` },
      el("h2", { text: `${statusText(column.status)} (${column.count})` }), list);
    section.addEventListener("dragover", (e) => { e.preventDefault(); section.classList.add("drop"); });
    section.addEventListener("dragleave", () => section.classList.remove("drop"));
    section.addEventListener("drop", (e) => {
      e.preventDefault();
      section.classList.remove("drop");
      const [id, from] = (e.dataTransfer.getData("text/plain") || "").split("|");
      if (id && from !== column.status) moveTask(id, from, column.status);
    });
    return section;
  });
  document.getElementById("board").replaceChildren(...columns);
  if (!state.focusAfter && active && active !== document.activeElement) {
    if (active.isConnected) active.focus();
    else if (activeCard && active.classList.length) {  // the card was redrawn: focus the same control on it
      const again = document.querySelector(
        `.card[data-id="${CSS.escape(activeCard.dataset.id)}"] .${CSS.escape(active.classList[0])}`);
      if (again) again.focus();
    }
  }
  const done = data.columns.filter((c) => c.status === "done" || c.status === "completed").reduce((n, c) => n + c.count, 0);
  document.getElementById("board-summary").textContent =
    `${data.total} tasks in tag “${data.tag}”, ${done} done.`;
  if (state.focusAfter) {  // keep the keyboard where the moved card went, not at the top of the page
    // Only a board that already shows the card in its new column takes the focus there; an answer computed before
    // the write (or while it was under way) leaves the wish for the next render, which the live stream brings.
    const { id, status, until } = state.focusAfter;
    const moved = document.querySelector(
      `.card[data-id="${CSS.escape(id)}"][data-status="${CSS.escape(status)}"] .move-open`);
    if (moved) moved.focus();
    if (moved || performance.now() > until) state.focusAfter = null;
  }
  state.renders += 1;
  document.body.dataset.boardRendered = String(state.renders);
  window.boardRenderedAt = performance.now();
}

function renderCard(card) {
  const deps = card.dependencies.length
    ? `waits for ${card.dependencies.map((d) => d.done ? `${d.id} ✓` : d.id).join(", ")}` : "no dependencies";
  // The status list is built only when asked for: a thousand cards with seven options each would make every board
  // render (and every live update) several times slower.
  const mover = el("div", { class: "mover" });
  const open = el("button", { type: "button", class: "move-open", text: "Move…",
    "aria-label": `Move task ${card.id} to another status`, "aria-expanded": "false",
    onclick: () => {
      const move = el("select", { class: "move", "aria-label": `New status of task ${card.id}` },
        ...Object.keys(STATUS).filter((s) => s !== "completed" || card.status === "completed")
          .map((s) => el("option", { value: s, selected: s === card.status, text: statusText(s) })));
      const go = el("button", { type: "button", class: "go", text: "Move", "aria-label": `Move task ${card.id}`,
        onclick: () => { if (move.value !== card.status) moveTask(card.id, card.status, move.value); } });
      mover.replaceChildren(el("label", {}, "to ", move), go);
      move.focus();
    } });
  mover.append(open);
  const item = el("li", { class: `card prio-${card.priority}`, draggable: "true", "data-id": card.id,
      "data-status": card.status },
    el("button", { type: "button", class: "open", text: `#${card.id} ${card.title}`,
      onclick: () => openTask(card.id) }),
    el("div", { class: "meta" }, el("span", { text: PRIORITY[card.priority] || card.priority }),
      el("span", { text: deps })),
    card.subtasks ? el("div", { class: "meta" },
      el("progress", { max: String(card.subtasks), value: String(card.subtasksDone),
        "aria-label": `subtasks of ${card.id}` }),
      el("span", { text: `${card.subtasksDone}/${card.subtasks} subtasks done` })) : null,
    ...(card.claims || []).map(claimBadge),
    mover);
  item.addEventListener("dragstart", (e) => {
    e.dataTransfer.setData("text/plain", `${card.id}|${card.status}`);
    item.classList.add("dragging");
  });
  item.addEventListener("dragend", () => item.classList.remove("dragging"));
  // The whole card opens the task view; its controls (the title button, the move controls) keep their own jobs.
  item.addEventListener("click", (e) => {
    if (!e.target.closest("button, select, option, label, input, .mover")) openTask(card.id);
  });
  return item;
}

async function moveTask(id, from, to) {
  try {
    const result = await api("/api/status", {
      method: "POST", headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ id, status: to, expected: from, tag: state.tag }),
    });
    state.focusAfter = { id, status: to, until: performance.now() + 5000 };  // a wish that lapses
    announce(`Task ${id} moved to ${statusText(to)}${result.changed.length > 1 ? ` (${result.changed.length} items changed)` : ""}.`);
  } catch (err) {
    problem(err.message);
    announce(`Task ${id} was not moved: ${err.message}`);
  }
  await loadBoard();
}

// --- claims -------------------------------------------------------------------------------------------------------

function claimsByTask(claims) {
  const held = new Map();
  for (const c of claims) {
    const task = c.id.split(".")[0];
    if (!held.has(task)) held.set(task, []);
    held.get(task).push(c);
  }
  return held;
}

function leaseText(until) {
  const left = (Date.parse(until) - (Date.now() - state.clockSkew)) / 60000;
  if (!(left > 0)) return "lease expired";
  return left >= 1 ? `${Math.floor(left)} min left` : `${Math.max(1, Math.round(left * 60))} s left`;
}

function claimBadge(c) {
  const who = c.id.includes(".") ? `${c.id}: ${c.agent}` : c.agent;
  return el("div", { class: "meta claim", "data-agent": c.agent },
    el("span", { class: "agent", text: `⚑ ${who}`, title: `claimed ${c.claimedAt}, lease until ${c.until}` }),
    el("span", { class: "lease", "data-until": c.until, text: leaseText(c.until) }));
}

function renderClaims(data) {
  const claims = data.claims || [];
  const live = claims.filter((c) => leaseText(c.until) !== "lease expired");
  document.getElementById("claims-summary").textContent = claims.length
    ? `${live.length} live and ${claims.length - live.length} expired claim(s) in tag “${data.tag}”.`
    : `No task of tag “${data.tag}” is claimed. Agents claim with next_task claim=true (CLI: next --claim --agent NAME).`;
  const rows = claims.map((c) => {
    const expired = leaseText(c.until) === "lease expired";
    return el("tr", { class: expired ? "expired" : "live", "data-id": c.id },
      el("td", {}, el("button", { type: "button", class: "linkish", text: `#${c.id}`,
        onclick: () => openTask(c.id.split(".")[0]) })),
      el("td", { text: c.title }), el("td", { text: c.agent }), el("td", { text: statusText(c.status) }),
      el("td", { text: c.claimedAt }), el("td", { text: c.until }),
      el("td", { class: "lease", "data-until": c.until, text: expired ? "✕ lease expired" : leaseText(c.until) }));
  });
  document.getElementById("claims").replaceChildren(claims.length ? el("table", { class: "claims" },
    el("thead", {}, el("tr", {}, ...["item", "title", "agent", "status", "claimed at", "lease until", "lease left"]
      .map((t) => el("th", { scope: "col", text: t })))), el("tbody", {}, ...rows)) : el("p", { text: "" }));
  document.body.dataset.claimsRendered = String(claims.length);
}

function tickLeases() {  // between live updates, the time left on each lease counts down
  for (const node of document.querySelectorAll(".lease[data-until]")) {
    const text = leaseText(node.dataset.until);
    node.textContent = node.closest("tr") && text === "lease expired" ? "✕ lease expired" : text;
  }
}

// --- task view ----------------------------------------------------------------------------------------------------

function taskLinks(items) {
  if (!items.length) return el("p", { text: "none" });
  return el("ul", {}, ...items.map((t) => el("li", {},
    el("button", { type: "button", class: "linkish", text: `#${t.id} ${t.title}`,
      onclick: () => openTask(t.id.split(".")[0]) }), ` — ${statusText(t.status)}`)));
}

async function openTask(id) {
  try {
    const t = await api(`/api/task/${encodeURIComponent(id)}${tagQuery()}`);
    state.openTask = id;
    document.getElementById("task-heading").textContent = `#${t.id} ${t.title}`;
    const complexity = t.complexity
      ? el("p", { text: `Complexity ${t.complexity.complexityScore ?? "?"}/10; recommended subtasks: ` +
          `${t.complexity.recommendedSubtasks ?? "?"}.` })
      : el("p", { text: "No complexity analysis for this task yet (analyze_project_complexity)." });
    const parts = [
      el("p", { text: `${statusText(t.status)} · ${PRIORITY[t.priority] || t.priority} priority` +
        (t.ready ? " · ready to start" : "") }),
      t.description ? el("p", { text: t.description }) : null,
      el("h3", { text: "Details" }), el("pre", { text: t.details || "—" }),
      el("h3", { text: "Test strategy" }), el("pre", { text: t.testStrategy || "—" }),
      el("h3", { text: `Subtasks (${t.subtasks.length})` }),
      t.subtasks.length ? el("ul", {}, ...t.subtasks.map((s) => el("li", {
        text: `${s.id} ${s.title} — ${statusText(s.status)}` }))) : el("p", { text: "none" }),
      el("h3", { text: "Depends on" }), taskLinks(t.dependsOn),
      el("h3", { text: "Blocks" }), taskLinks(t.blocks),
      el("h3", { text: "Complexity" }), complexity,
      t.complexity && t.complexity.expansionPrompt ? el("pre", { text: t.complexity.expansionPrompt }) : null,
      t.complexity && t.complexity.reasoning ? el("p", { text: t.complexity.reasoning }) : null,
    ];
    document.getElementById("task-body").replaceChildren(...parts.filter(Boolean));
    const dialog = document.getElementById("task-dialog");
    if (!dialog.open) dialog.showModal();
  } catch (err) { problem(err.message); }
}

// --- graph --------------------------------------------------------------------------------------------------------

async function loadGraph() {
  try {
    const g = await api(`/api/graph${tagQuery()}`);
    renderGraph(g);
  } catch (err) { problem(err.message); }
}

function renderGraph(g) {
  const pad = 12, w = g.nodeWidth, h = g.nodeHeight;
  const at = new Map(g.nodes.map((n) => [n.id, n]));
  const root = svg("svg", { width: g.width + 2 * pad, height: g.height + 2 * pad, role: "group",
    "aria-label": `Dependency graph of ${g.nodes.length} tasks` });
  const defs = svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 8 8", refX: "8", refY: "4",
    markerWidth: "8", markerHeight: "8", markerUnits: "userSpaceOnUse", orient: "auto" }, svg("path", { d: "M0,0 L8,4 L0,8 z", fill: "#57606a" })));
  root.append(defs);
  const edges = svg("g", {});
  for (const e of g.edges) {
    const a = at.get(e.from), b = at.get(e.to);
    // From the box's right edge, along each lane it crosses (a waypoint per column), into the next box's left edge.
    let x = a.x + w + pad, y = a.y + h / 2 + pad, d = `M${x},${y}`;
    for (const [vx, vy] of [...e.via, [b.x, b.y + h / 2]]) {
      const tx = vx + pad, ty = vy + pad, mid = (x + tx) / 2;
      d += ` C${mid},${y} ${mid},${ty} ${tx},${ty}`;
      x = tx + w;
      y = ty;
      if (vx !== b.x || vy !== b.y + h / 2) d += ` L${x},${y}`;
    }
    edges.append(svg("path", { class: e.critical ? "edge critical" : "edge", "marker-end": "url(#arrow)",
      "data-from": e.from, "data-to": e.to, d }));
  }
  root.append(edges);
  for (const n of g.nodes) {
    const title = n.title.length > 21 ? `${n.title.slice(0, 20)}…` : n.title;
    const node = svg("g", { class: `node g-${n.status}${n.critical ? " critical" : ""}`, tabindex: "0",
      role: "button", "data-id": n.id, transform: `translate(${n.x + pad},${n.y + pad})`,
      "aria-label": `Task ${n.id}: ${n.title}, ${statusText(n.status)}${n.critical ? ", on the critical path" : ""}` },
    svg("title", { text: `#${n.id} ${n.title}` }),
    svg("rect", { width: w, height: h }),
    svg("text", { x: 8, y: 17, text: `${n.critical ? "★ " : ""}#${n.id} ${title}` }),
    svg("text", { x: 8, y: 34, class: "status", text: statusText(n.status) }));
    node.addEventListener("click", () => openTask(n.id));
    const mark = (on) => {
      root.classList.toggle("tracing", on);
      for (const p of edges.querySelectorAll(`[data-from="${CSS.escape(n.id)}"], [data-to="${CSS.escape(n.id)}"]`)) p.classList.toggle("traced", on);
    };
    for (const [kind, on] of [["mouseenter", true], ["mouseleave", false], ["focus", true], ["blur", false]]) node.addEventListener(kind, () => mark(on));
    node.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openTask(n.id); } });
    root.append(node);
  }
  document.getElementById("graph").replaceChildren(root);
  const path = g.criticalPath.length ? g.criticalPath.map((id) => `#${id}`).join(" → ") : "nothing left to do";
  const cycles = g.cycleEdges.length ? ` ${g.cycleEdges.length} dependency cycle edge(s) not drawn: run validate_dependencies.` : "";
  document.getElementById("graph-summary").textContent =
    `${g.nodes.length} tasks, ${g.edges.length} dependencies. Critical path (${g.criticalPath.length}): ${path}.${cycles}`;
  document.body.dataset.graphRendered = String(g.nodes.length);
}

// --- models -------------------------------------------------------------------------------------------------------

function table(headers, rows) {
  return el("table", {}, el("thead", {}, el("tr", {}, ...headers.map((t) => el("th", { scope: "col", text: t })))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", { text: String(c) }))))));
}

function costChart(days) {
  const width = 640, height = 180, left = 48, bottom = 24, top = 10;
  const max = Math.max(...days.map((d) => d.costUsd), 0.01);
  const step = (width - left) / days.length;
  const chart = svg("svg", { class: "chart", width, height, role: "img",
    "aria-label": `Cost per day for the last ${days.length} days; highest ${usd(max)}. The table below has the figures.` });
  chart.append(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
  chart.append(svg("text", { x: 2, y: top + 8, text: usd(max) }), svg("text", { x: 2, y: height - bottom, text: "$0" }));
  days.forEach((d, i) => {
    const bar = (height - bottom - top) * d.costUsd / max;
    chart.append(svg("rect", { class: "bar", x: left + i * step + 1, y: height - bottom - bar,
      width: Math.max(step - 2, 1), height: bar }, svg("title", { text: `${d.day}: ${usd(d.costUsd)}, ${d.calls} calls` })));
  });
  chart.append(svg("text", { x: left, y: height - 6, text: days[0].day }),
    svg("text", { x: width - 70, y: height - 6, text: days[days.length - 1].day }));
  return chart;
}

async function loadModels() {
  try { renderModels(await api("/api/models")); } catch (err) { problem(err.message); }
}

function renderModels(m) {
  const parts = [el("h2", { text: "Models" })];
  for (const p of m.problems) parts.push(el("p", { class: "over", text: `⚠ ${p}` }));
  parts.push(el("p", { text: m.roles.length ? `Configured: ${m.roles.map((r) => `${r.role} = ${r.provider}/${r.modelId}`).join("; ")}.` : "" }));
  parts.push(el("h3", { text: "Per role and model" }));
  parts.push(m.rows.length ? table(
    ["role", "model", "calls", "p50", "p95", "success", "fallback", "tokens in", "tokens out", "cost"],
    m.rows.map((r) => [r.role, r.model, r.calls, ms(r.p50LatencyMs), ms(r.p95LatencyMs), pct(r.successRate),
      pct(r.fallbackRate), r.inputTokens, r.outputTokens,
      usd(r.costUsd) + (r.unknownCostCalls ? ` (+${r.unknownCostCalls} unpriced)` : "")]))
    : el("p", { text: "No model calls recorded for this project yet." }));
  parts.push(el("h3", { text: "Cost per day (UTC)" }), costChart(m.costByDay));
  const spent = m.costByDay.filter((d) => d.calls);
  parts.push(el("details", {}, el("summary", { text: "Cost per day as a table" }),
    table(["day", "calls", "cost"], spent.map((d) => [d.day, d.calls, usd(d.costUsd)]))));
  parts.push(el("h3", { text: "Budgets" }));
  if (!m.budgets.length) parts.push(el("p", { text: "No budgets set (taskmasterMcp.budgets in config.json)." }));
  for (const b of m.budgets) {
    const label = `${b.budget === "dailyUsd" ? "Today" : "This month"}: ${usd(b.spentUsd)} of ${usd(b.limitUsd)} (${pct(b.used)})`;
    parts.push(el("p", { class: b.used >= 1 ? "over" : null },
      el("meter", { min: "0", max: String(b.limitUsd), value: String(Math.min(b.spentUsd, b.limitUsd)),
        high: String(b.limitUsd * 0.8), optimum: "0", "aria-label": label }),
      ` ${b.used >= 1 ? "⚠ over budget — " : ""}${label}`));
  }
  parts.push(el("h3", { text: "Latest benchmark" }));
  if (!m.benchmark) parts.push(el("p", { text: "No benchmark report (.taskmaster/reports/model-benchmark.json)." }));
  else {
    parts.push(el("p", { text: `Generated ${m.benchmark.generatedAt || "(no date)"}.` }));
    parts.push(table(["role", "model", "runs", "valid 1st try", "re-asks", "failures", "p50", "p95", "cost", "quality"],
      m.benchmark.candidates.map((c) => [c.role || "—", `${c.provider || "?"}/${c.modelId || "?"}`, c.runs ?? "—",
        pct(c.validFirstTry), c.reasks ?? "—", c.failures ?? "—", ms(c.latencyMs.p50), ms(c.latencyMs.p95),
        usd(c.costUsd), pct(c.quality)])));
  }
  document.getElementById("models").replaceChildren(...parts);
  document.body.dataset.modelsRendered = String(m.calls);
}

// --- views, tags and live updates ---------------------------------------------------------------------------------

function show(view) {
  state.view = view;
  for (const name of ["board", "graph", "models", "claims"]) {
    const tab = document.getElementById(`tab-${name}`);
    tab.setAttribute("aria-selected", String(name === view));
    tab.tabIndex = name === view ? 0 : -1;
    document.getElementById(`view-${name}`).hidden = name !== view;
  }
  if (view === "graph") loadGraph();
  if (view === "models") loadModels();
  if (view === "claims" && state.board) renderClaims(state.board);
}

function refresh(kind) {
  if (kind === "tasks") {
    loadBoard();
    if (state.view === "graph") loadGraph();
    const dialog = document.getElementById("task-dialog");
    if (dialog.open && state.openTask) openTask(state.openTask);
  }
  if (kind === "models" && state.view === "models") loadModels();
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  let connected = false;
  source.addEventListener("hello", () => {
    live.textContent = "● live";
    live.classList.add("on");
    if (connected) { refresh("tasks"); refresh("models"); }  // back after a drop: catch up on what was missed
    connected = true;
  });
  source.addEventListener("tasks", () => refresh("tasks"));
  source.addEventListener("models", () => refresh("models"));
  source.onerror = () => { live.textContent = "○ reconnecting…"; live.classList.remove("on"); };
}

document.addEventListener("DOMContentLoaded", () => {
  const tabs = ["board", "graph", "models", "claims"];
  for (const name of tabs) {
    const tab = document.getElementById(`tab-${name}`);
    tab.addEventListener("click", () => show(name));
    tab.addEventListener("keydown", (e) => {
      const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const next = tabs[(tabs.indexOf(name) + step + tabs.length) % tabs.length];
      show(next);
      document.getElementById(`tab-${next}`).focus();
    });
  }
  document.getElementById("tag").addEventListener("change", (e) => {
    state.tag = e.target.value;
    loadBoard();
    if (state.view === "graph") loadGraph();
  });
  document.getElementById("task-close").addEventListener("click", () => document.getElementById("task-dialog").close());
  loadBoard();
  connect();
  setInterval(tickLeases, 15000);
});
