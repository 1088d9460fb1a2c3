// Weft's page: a client of the contract in README.md, in plain JavaScript.
//
// The shape of it: a run is started in the background (POST /v1/runs, "background": true) and
// followed with one EventSource per tab. The run's id is in the URL (/?run=r_…), so a reload,
// a second tab or a lost connection follows the same run again, and events are taken by their
// sequence number exactly once, so the text is rebuilt exactly, never twice.
"use strict";

const $ = (id) => document.getElementById(id);

// What this tab remembers across reloads. Session storage, never local storage: the token is
// gone when the tab closes, and another tab signs in for itself.
const remembered = {
  get token() { return sessionStorage.getItem("weft.token"); },
  set token(value) { value ? sessionStorage.setItem("weft.token", value) : sessionStorage.removeItem("weft.token"); },
  get session() { return sessionStorage.getItem("weft.session"); },
  set session(value) { value ? sessionStorage.setItem("weft.session", value) : sessionStorage.removeItem("weft.session"); },
};

let workflows = new Map(); // name → the workflow as GET /v1/workflows describes it
let current = null;        // the run this tab shows and follows: at most one stream per tab

// ---------------------------------------------------------------------------------------------
// HTTP: every call sends the token when there is one; a 401 brings the token prompt back.

class NeedsToken extends Error {}

async function api(method, path, body) {
  const headers = {};
  if (remembered.token) headers.Authorization = `Bearer ${remembered.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401) {
    // A token that was refused is said to be; no token at all just brings the prompt.
    askForToken(remembered.token ? json?.error?.message ?? "The token was refused." : "");
    remembered.token = null;
    throw new NeedsToken();
  }
  if (!response.ok) throw new Error(json?.error?.message ?? `${method} ${path}: ${response.status}`);
  return json;
}

function askForToken(message) {
  current?.close(); // its reconnects would only be refused; start() follows the URL's run again
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").value = "";
  $("token").focus();
}

$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault(); // never a navigation: the CSP's form-action 'none' forbids it anyway
  remembered.token = $("token").value.trim();
  start();
});

// ---------------------------------------------------------------------------------------------
// Start-up: the workflows first (they also tell whether a token is needed), then the run in the URL.

async function start() {
  try {
    const list = await api("GET", "/v1/workflows");
    workflows = new Map(list.workflows.map((w) => [w.name, w]));
    $("workflow").replaceChildren(...list.workflows.map((w) => new Option(w.name, w.name)));
    showDescription();
    $("login").hidden = true;
    $("app").hidden = false;
    const runId = new URL(location.href).searchParams.get("run");
    if (runId) show(runId, null);
    else $("question").focus();
    showHistory();
  } catch (e) {
    if (!(e instanceof NeedsToken)) showError(e.message);
  }
}

function showDescription() {
  $("workflow-description").textContent = workflows.get($("workflow").value)?.description ?? "";
}
$("workflow").addEventListener("change", showDescription);

// ---------------------------------------------------------------------------------------------
// Asking: Enter sends, Shift+Enter is a new line, Escape stops the run (keyboard only works).

$("question").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    $("ask").requestSubmit();
  }
});
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && current?.running) stopRun();
});

$("ask").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = $("question").value.trim();
  if (!input || current?.running) return;
  const request = { input, workflow: $("workflow").value, background: true };
  if (remembered.session) request.session_id = remembered.session;
  const documents = [...document.querySelectorAll(".document")]
    .map((d) => ({ title: d.querySelector(".doc-title").value.trim(), text: d.querySelector(".doc-text").value }))
    .filter((d) => d.text.trim());
  if (documents.length) request.documents = documents;
  $("send").disabled = true;
  // The documents stay for the next question, folded away to leave room for the answer.
  $("documents").open = false;
  $("documents-summary").textContent = documents.length ? `Documents (${documents.length})` : "Documents (optional)";
  try {
    const started = await api("POST", "/v1/runs", request);
    remembered.session = started.session_id;
    history.pushState(null, "", `/?run=${encodeURIComponent(started.run_id)}`);
    $("question").value = "";
    show(started.run_id, input);
  } catch (e) {
    if (!(e instanceof NeedsToken)) showError(e.message);
    $("send").disabled = false;
  }
});

// Back and forward move between runs of this tab.
window.addEventListener("popstate", () => {
  const runId = new URL(location.href).searchParams.get("run");
  if (runId && runId !== current?.id) show(runId, null); // not a citation link's #source-n
});

$("stop").addEventListener("click", () => stopRun());
$("new-conversation").addEventListener("click", () => {
  remembered.session = null;
  showHistory();
  $("question").focus();
});
$("add-document").addEventListener("click", () => {
  const doc = $("document-template").content.firstElementChild.cloneNode(true);
  doc.querySelector(".remove-document").addEventListener("click", () => doc.remove());
  $("document-list").append(doc);
  doc.querySelector(".doc-title").focus();
});

async function stopRun() {
  const run = current;
  $("stop").disabled = true;
  try {
    await api("POST", `/v1/runs/${encodeURIComponent(run.id)}/cancel`);
  } catch (e) {
    // A 409 means it ended meanwhile: its done event says how.
    if (!(e instanceof NeedsToken)) showNote(e.message);
  }
}

// ---------------------------------------------------------------------------------------------
// Following a run: one EventSource, a ticket in its URL (EventSource cannot send headers).

function show(runId, question) {
  current?.close();
  current = new RunView(runId, question);
  current.follow();
}

class RunView {
  constructor(id, question) {
    this.id = id;
    this.lastSeq = 0;       // the last event taken: a replay or reconnect skips what is already shown
    this.running = true;
    this.closed = false;
    this.source = null;
    this.retries = 0;
    this.agents = new Map(); // name → AgentView
    this.answering = [];     // names (or "researcher-*" patterns) whose deltas are the answer
    this.stepParents = new Map(); // a workflow step → the step it is in, to place it in the tree
    this.answer = "";
    this.startedAt = null;
    this.firstTextAt = null;
    $("run").hidden = false;
    $("answer").replaceChildren();
    $("sources").replaceChildren();
    $("tree").replaceChildren();
    $("summary").textContent = "";
    $("asked").textContent = question ? `You asked: ${question}` : "";
    $("error").hidden = true;
    $("send").disabled = true;
    $("stop").disabled = false;
  }

  async follow() {
    if (this.closed) return;
    let ticket;
    try {
      ticket = (await api("POST", `/v1/runs/${encodeURIComponent(this.id)}/ticket`)).ticket;
    } catch (e) {
      if (e instanceof NeedsToken) return;
      if (e instanceof TypeError) return this.retryLater(); // the network, not Weft: try again
      this.running = false;
      $("send").disabled = false;
      $("stop").disabled = true;
      return showError(e.message); // e.g. a run that is unknown, or kept no longer
    }
    // A new EventSource sends no Last-Event-ID, so where to go on from is in the URL (?after=);
    // the browser's own reconnects send Last-Event-ID, which Weft prefers over ?after=.
    const url = `/v1/runs/${encodeURIComponent(this.id)}/events?ticket=${encodeURIComponent(ticket)}&after=${this.lastSeq}`;
    const source = new EventSource(url);
    this.source = source;
    for (const type of Object.keys(HANDLERS)) {
      if (type !== "error") source.addEventListener(type, (ev) => this.receive(ev));
    }
    // Two different things arrive as "error": Weft's error event is a MessageEvent with data;
    // the browser's own connection error is a plain Event without data. Taking one for the
    // other either shows a dropped connection as a failed run or ignores a real failure.
    source.addEventListener("error", (ev) => {
      if (ev.data !== undefined) this.receive(ev);
      else this.connectionLost(source);
    });
    source.addEventListener("open", () => {
      this.retries = 0;
      if (!$("banner").hidden) banner("Reconnected.", true);
    });
  }

  connectionLost(source) {
    if (this.closed || !this.running || source !== this.source) return;
    banner("Connection lost; reconnecting…");
    // CONNECTING: the browser tries again by itself, with Last-Event-ID. CLOSED: it gave up,
    // as it does on a 401 when the ticket in the URL has expired: a new ticket, a new source.
    if (source.readyState === EventSource.CLOSED) this.retryLater();
  }

  retryLater() {
    const delay = Math.min(10_000, 500 * 2 ** this.retries++);
    setTimeout(() => this.follow(), delay);
  }

  close() {
    this.closed = true;
    this.source?.close();
  }

  receive(ev) {
    if (this.closed) return;
    const event = JSON.parse(ev.data);
    // A replay after a reconnect may overlap what was shown: each logged event is taken once.
    // (A stream error that is not in the run's log has no seq and does not move lastSeq.)
    if (event.seq !== undefined) {
      if (event.seq <= this.lastSeq) return;
      this.lastSeq = event.seq;
    }
    HANDLERS[event.type]?.call(this, event);
  }

  agent(name, parent) {
    let view = this.agents.get(name);
    if (!view) {
      parent ??= this.stepParents.get(name); // events name an agent's parent, not a step's
      const under = parent ? this.agent(parent, null).children : $("tree");
      view = new AgentView(this, name, under);
      this.agents.set(name, view);
    }
    return view;
  }

  isAnswering(name) {
    return this.answering.some((a) => a === name || (a.endsWith("-*") && name.startsWith(a.slice(0, -1))));
  }

  appendAnswer(text) {
    this.answer += text;
    appendWithCitations($("answer"), text);
  }
}

// One handler per event type of the contract; `this` is the RunView.
const HANDLERS = {
  run_started(e) {
    this.startedAt = e.ts;
    if (e.session_id) remembered.session = e.session_id; // a second tab joins the run's conversation
    const workflow = workflows.get(e.workflow);
    if (workflow) {
      this.answering = answeringAgents(workflow.root);
      eachStep(workflow.root, null, (step, parent) => parent && this.stepParents.set(step, parent));
    }
    this.agent(e.workflow, null); // the tree's root
  },
  agent_started(e) {
    this.agent(e.agent, e.parent).started();
  },
  delta(e) {
    this.firstTextAt ??= e.ts;
    this.agent(e.agent, null).write(e.text);
    if (this.isAnswering(e.agent)) this.appendAnswer(e.text);
  },
  agent_progress(e) {
    this.agent(e.agent, null).progress(e.message);
  },
  citation(e) {
    const n = e.marker.replace(/\D/g, "");
    if ($(`source-${n}`)) return;
    const item = document.createElement("li");
    item.id = `source-${n}`;
    item.value = Number(n);
    item.textContent = `${e.title || e.document_id}`;
    $("sources").append(item);
  },
  agent_completed(e) {
    this.agent(e.agent, null).completed(e);
  },
  tool_call_delta(e) {
    this.agent(e.agent, null).tool(e.call_id, e.name).arguments.append(e.arguments_delta);
  },
  tool_call(e) {
    const tool = this.agent(e.agent, null).tool(e.call_id, e.name);
    tool.arguments.textContent = JSON.stringify(e.arguments);
    tool.status.textContent = e.executor === "client" ? "waiting for the client" : "running";
  },
  tool_progress(e) {
    this.agent(e.agent, null).tool(e.call_id, null).status.textContent = e.message;
  },
  tool_result(e) {
    const tool = this.agent(e.agent, null).tool(e.call_id, e.name);
    tool.status.textContent = e.error !== undefined ? `failed: ${e.error}` : `→ ${JSON.stringify(e.result)}`;
  },
  error(e) {
    if (e.seq === undefined) return showNote(`${e.message} (the stream goes on)`); // a stream error, not the run's
    if (e.agent) this.agent(e.agent, null).failed(e.code === "cancelled" ? "cancelled" : "failed", e.message);
    else showError(`${e.code}: ${e.message}`);
  },
  done(e) {
    this.running = false;
    this.close(); // nothing follows done; a reconnect would only get a 204
    for (const agent of this.agents.values()) agent.runEnded();
    // The answer is the final step's text; where that was not known while streaming (a loop
    // decides at its end which pass answered), done's output is.
    if (e.output && e.output !== this.answer) {
      this.answer = "";
      $("answer").replaceChildren();
      this.appendAnswer(e.output);
    }
    const ttft = this.firstTextAt === null ? "no text" : `first token after ${this.firstTextAt - this.startedAt} ms`;
    $("summary").textContent = `Run ${e.status} in ${((e.ts - this.startedAt) / 1000).toFixed(1)} s · ${ttft} · `
      + `${e.usage.input_tokens} input and ${e.usage.output_tokens} output tokens${e.usage.estimated ? " (estimated)" : ""}`;
    $("send").disabled = false;
    $("stop").disabled = true;
    $("banner").hidden = true;
    showHistory();
  },
};

// The agents whose text answers: those of the workflow's final step (the root's last step, down the tree).
function answeringAgents(step) {
  switch (step.type) {
    case "agent": case "plan": return [step.name];
    case "sequential": case "loop": return step.steps.length ? answeringAgents(step.steps[step.steps.length - 1]) : [];
    case "parallel": return step.steps.flatMap(answeringAgents);
    case "fan_out": return [`${step.agent.name}-*`];
    default: return [];
  }
}

function eachStep(step, parent, visit) {
  visit(step.name, parent);
  for (const child of step.steps ?? []) eachStep(child, step.name, visit);
}

// Text with its [n] markers linked to the sources list. Appended, never rewritten (see #answer).
function appendWithCitations(container, text) {
  for (const part of text.split(/(\[\d+\])/)) {
    if (!part) continue;
    if (/^\[\d+\]$/.test(part)) {
      const link = document.createElement("a");
      link.className = "cite";
      link.href = `#source-${part.slice(1, -1)}`;
      link.textContent = part;
      container.append(link);
    } else {
      container.append(part);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One agent in the tree: its state, its text (on demand), its tokens, its tools, its children.

class AgentView {
  constructor(run, name, under) {
    this.run = run;
    this.name = name;
    this.node = $("agent-template").content.firstElementChild.cloneNode(true);
    this.node.dataset.agent = name;
    this.node.querySelector(".name").textContent = name;
    this.stateLabel = this.node.querySelector(".state");
    this.text = this.node.querySelector(".text pre");
    this.children = this.node.querySelector(".children");
    this.tools = new Map();
    this.stopButton = this.node.querySelector(".stop-agent");
    this.stopButton.dataset.stopAgent = name;
    this.stopButton.setAttribute("aria-label", `Stop ${name}`);
    this.stopButton.addEventListener("click", () => this.stop());
    this.step = true; // a workflow step until an agent_started says it is an agent
    this.node.classList.add("step");
    under.append(this.node);
  }

  setState(state) {
    this.state = state;
    this.stateLabel.textContent = state;
    this.stateLabel.dataset.state = state;
    this.stopButton.hidden = !(state === "waiting" || state === "writing");
  }

  started() {
    this.step = false;
    this.node.classList.remove("step");
    this.node.querySelector(".text").hidden = false;
    if (this.text.textContent) this.text.append("\n\n"); // a second turn (a retried plan, a loop)
    this.stopButton.disabled = false;
    this.setState("waiting");
  }

  write(text) {
    if (this.state !== "writing") this.setState("writing");
    this.text.append(text);
  }

  progress(message) {
    const line = this.node.querySelector(".progress");
    line.hidden = false;
    line.textContent = message;
  }

  completed(e) {
    // No finish reason: the agent was stopped before its model finished.
    if (this.state !== "failed" && this.state !== "cancelled") this.setState(e.finish_reason ? "done" : "cancelled");
    const u = e.usage;
    if (u) this.node.querySelector(".tokens").textContent = `${u.input_tokens} in · ${u.output_tokens} out${u.estimated ? " (estimated)" : ""}`;
  }

  failed(state, message) {
    this.setState(state);
    this.progress(message);
  }

  runEnded() {
    if (!this.step && (this.state === "waiting" || this.state === "writing")) this.setState("cancelled");
  }

  async stop() {
    this.stopButton.disabled = true;
    try {
      await api("POST", `/v1/runs/${encodeURIComponent(this.run.id)}/agents/${encodeURIComponent(this.name)}/cancel`);
    } catch (e) {
      if (!(e instanceof NeedsToken)) showNote(e.message); // 409: it finished meanwhile
    }
  }

  tool(callId, name) {
    let tool = this.tools.get(callId);
    if (!tool) {
      const item = document.createElement("li");
      item.className = "tool";
      item.dataset.call = callId;
      const label = document.createElement("span");
      const args = document.createElement("code");
      const status = document.createElement("span");
      status.className = "tool-status";
      item.append(label, " ", args, " ", status);
      this.node.querySelector(".tools").append(item);
      tool = { label, arguments: args, status };
      this.tools.set(callId, tool);
    }
    if (name) tool.label.textContent = `tool ${name}`;
    return tool;
  }
}

// ---------------------------------------------------------------------------------------------
// The conversation so far, as the server kept it: interrupted answers are marked as such.

async function showHistory() {
  const list = $("history");
  if (!remembered.session) return list.replaceChildren();
  try {
    const session = await api("GET", `/v1/sessions/${encodeURIComponent(remembered.session)}`);
    list.replaceChildren(...session.messages.filter((m) => m.role !== "tool" && m.content).map(historyItem));
    const asked = session.messages.find((m) => m.role === "user" && m.run_id === current?.id);
    if (asked && !$("asked").textContent) $("asked").textContent = `You asked: ${asked.content}`;
  } catch (e) {
    if (!(e instanceof NeedsToken)) list.replaceChildren(); // forgotten (expired) sessions start afresh
  }
}

function historyItem(message) {
  const item = document.createElement("li");
  item.dataset.status = message.status;
  const role = document.createElement("span");
  role.className = "role";
  role.textContent = message.role === "user" ? "You: " : "Weft: ";
  item.append(role, message.content);
  if (message.status !== "completed") {
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.textContent = message.status; // interrupted, failed
    item.append(" ", mark);
  }
  if (message.role === "assistant" && message.run_id) {
    const link = document.createElement("a");
    link.href = `/?run=${encodeURIComponent(message.run_id)}`;
    link.textContent = "replay";
    item.append(" ", link);
  }
  return item;
}

// ---------------------------------------------------------------------------------------------

let bannerTimer = null;
function banner(text, ok = false) {
  clearTimeout(bannerTimer);
  $("banner").textContent = text;
  $("banner").className = ok ? "ok" : "";
  $("banner").hidden = false;
  if (ok) bannerTimer = setTimeout(() => { $("banner").hidden = true; }, 3000);
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function showNote(message) {
  banner(message, true);
}

start();
