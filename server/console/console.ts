// Parley agent console: a plain-DOM single-page app speaking PROTOCOL.md
// (REST for sign-in, tickets and canned replies; the agent WebSocket for
// everything live). Message text only ever goes into text nodes.

import {
  $,
  $area,
  $button,
  $input,
  api,
  arr,
  el,
  num,
  obj,
  parseAgent,
  setCsrf,
  showAppView,
  showSignInView,
  signIn,
  str,
  type Agent,
  type Json,
} from "../pages/common";

interface QueueEntry {
  id: string;
  status: string;
  agent_id: string;
  agent_name: string;
  last_text: string;
  last_author: string;
  queued_at: number;
  waiting_ms: number;
  handoff_reason: string;
  intent: string;
  sentiment: unknown;
  locale: string;
  email: string;
  name: string;
  /** Local: Date.now() - waiting_ms when the frame arrived (no clock skew). */
  waitingSince: number;
  unread: number;
  /** The shopper's own last message (the queue's last_text may be the bot's). */
  shopper_text: string;
}

interface Msg {
  id: number | null;
  clientId: string | null;
  author: string;
  text: string;
  ts: number;
  agentId: string;
  state: "pending" | "sent" | "failed";
}

interface Ticket {
  id: number;
  email: string;
  message: string;
  status: string;
  created_at: number;
  due_at: number;
  answer: string | null;
}

interface Canned {
  title: string;
  text: string;
}

/** One row of GET /api/webhooks/deliveries: one event for one receiver. */
interface Delivery {
  id: number;
  event_id: string;
  event: string;
  url: string;
  state: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  delivered_at: number;
  last_status: number;
  last_error: string;
}

type TabName = "conversations" | "tickets" | "webhooks";
const TABS: readonly TabName[] = ["conversations", "tickets", "webhooks"];

// ---------------------------------------------------------------------------
// Small helpers

function randomId(prefix: string): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return prefix + s;
}

function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}:${String(s).padStart(2, "0")}`;
}

function formatTime(ts: number): string {
  if (!ts) return "";
  const d = new Date(ts);
  const sameDay = new Date().toDateString() === d.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Like formatTime, with seconds (webhook retries are seconds apart). */
function formatClock(ts: number): string {
  if (!ts) return "";
  const d = new Date(ts);
  const sameDay = new Date().toDateString() === d.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function sentimentLabel(v: unknown): string {
  if (typeof v === "string" && v !== "" && !Number.isFinite(Number(v))) return v;
  const n = num(v, NaN);
  if (Number.isNaN(n)) return "unknown";
  if (n >= 0.6) return `frustrated (${n.toFixed(2)})`;
  if (n >= 0.3) return `uneasy (${n.toFixed(2)})`;
  return `calm (${n.toFixed(2)})`;
}
function sentimentLevel(v: unknown): string {
  const n = num(v, NaN);
  if (Number.isNaN(n)) return "unknown";
  return n >= 0.6 ? "high" : n >= 0.3 ? "mid" : "low";
}

const REASONS: Record<string, string> = {
  requested: "asked for a human",
  frustration: "frustration",
  repeated_fallback: "bot could not answer",
  flow_failed: "flow failed",
};
function reasonLabel(r: string): string {
  return r ? REASONS[r] ?? r.replace(/_/g, " ") : "—";
}

const AUTHOR_LABEL: Record<string, string> = {
  shopper: "Shopper",
  bot: "Bot",
  agent: "Agent",
  system: "System",
  note: "Internal note",
};

// ---------------------------------------------------------------------------
// State

let me: Agent | null = null;
let ws: WebSocket | null = null;
let wsWanted = false;
let reconnectAttempt = 0;
let reconnectTimer: number | undefined;
let pingTimer: number | undefined;

const queue = new Map<string, QueueEntry>();
let currentId: string | null = null;
let currentConv: Json = {};
const messages: Msg[] = []; // of the open conversation, in display order
const msgEls = new Map<Msg, HTMLElement>();
let shopperReadId = 0;
let csatScore = 0;
let typingHideTimer: number | undefined;
let ourTypingSentAt = 0;
let ourTypingOn = false;
let ourTypingOffTimer: number | undefined;
let pendingOpenFocus = false;

let tickets: Ticket[] = [];
let selectedTicket: number | null = null;
let canned: Canned[] = [];

let deliveries: Delivery[] = [];
let deliveriesLoaded = false;
let deliveriesSeq = 0; // the newest request; older answers are dropped

// ---------------------------------------------------------------------------
// REST


// ---------------------------------------------------------------------------
// Views: sign-in / app

function showLogin(message = ""): void {
  me = null;
  showSignInView(message);
  setConnection("offline", "Signed out");
  applyRole();
  $input("login-email").focus();
}

function showApp(focus: boolean): void {
  showAppView(me);
  applyRole();
  if (focus) $("tab-conversations").focus();
  connect();
  void loadCanned();
}

async function onLogin(ev: Event): Promise<void> {
  ev.preventDefault();
  const agent = await signIn();
  if (!agent) return;
  me = agent;
  showApp(true);
}

async function onSignOut(): Promise<void> {
  wsWanted = false;
  try {
    await api("POST", "/api/logout", {});
  } catch {
    /* signed out locally anyway */
  }
  teardownSocket();
  resetState();
  showLogin();
}

function resetState(): void {
  queue.clear();
  currentId = null;
  currentConv = {};
  messages.length = 0;
  msgEls.clear();
  tickets = [];
  selectedTicket = null;
  deliveries = [];
  deliveriesLoaded = false;
  deliveriesSeq++;
  renderQueue();
  renderConversationShell();
  renderTickets();
  renderDeliveries();
  $("webhooks-status").textContent = "";
}

// ---------------------------------------------------------------------------
// WebSocket

function setConnection(state: "online" | "connecting" | "offline", text: string): void {
  const c = $("connection");
  c.dataset["state"] = state;
  c.textContent = text;
}

function send(frame: Json): boolean {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function teardownSocket(): void {
  window.clearTimeout(reconnectTimer);
  window.clearInterval(pingTimer);
  if (ws) {
    ws.onclose = null;
    ws.onmessage = null;
    ws.onerror = null;
    ws.close();
    ws = null;
  }
}

function connect(): void {
  wsWanted = true;
  teardownSocket();
  setConnection("connecting", "Connecting…");
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/agent`;
  const sock = new WebSocket(url);
  ws = sock;
  sock.onopen = () => {
    // "Connected" only once the server's hello arrived (the session is registered).
    reconnectAttempt = 0;
    pingTimer = window.setInterval(() => send({ type: "ping" }), 25000);
  };
  sock.onmessage = (ev: MessageEvent) => {
    let frame: Json;
    try {
      frame = obj(JSON.parse(String(ev.data)));
    } catch {
      return;
    }
    handleFrame(frame);
  };
  sock.onclose = () => {
    window.clearInterval(pingTimer);
    if (ws === sock) ws = null;
    if (!wsWanted) return;
    void afterDrop();
  };
}

async function afterDrop(): Promise<void> {
  // An upgrade refused with 401 looks like any other drop: ask the REST API.
  try {
    const { status } = await api("GET", "/api/me");
    if (status === 401) {
      wsWanted = false;
      resetState();
      showLogin("Your session has ended. Please sign in again.");
      return;
    }
  } catch {
    /* server down: keep retrying */
  }
  const base = Math.min(30000, 1000 * 2 ** reconnectAttempt);
  const delay = Math.round(base / 2 + Math.random() * (base / 2));
  reconnectAttempt++;
  let left = Math.ceil(delay / 1000);
  const tick = () => {
    setConnection("connecting", `Connection lost — retrying in ${left} s…`);
    left--;
  };
  tick();
  const countdown = window.setInterval(tick, 1000);
  reconnectTimer = window.setTimeout(() => {
    window.clearInterval(countdown);
    if (wsWanted) connect();
  }, delay);
}

function handleFrame(f: Json): void {
  const type = str(f["type"]);
  switch (type) {
    case "hello": {
      const a = parseAgent(f["agent"]);
      if (a) {
        me = { ...a, role: me?.role ?? a.role };
        $("whoami").textContent = `${me.name} (${me.email})`;
      }
      const online = num(f["agents_online"], 0);
      setConnection("online", online > 1 ? `Connected · ${online} agents online` : "Connected");
      // Resume after a reconnect: reopen and resend what was never acked.
      if (currentId) send({ type: "open", conversation_id: currentId });
      break;
    }
    case "queue":
      onQueue(arr(f["conversations"]));
      break;
    case "transcript":
      onTranscript(f);
      break;
    case "claimed":
      onClaimed(f);
      break;
    case "ack":
      onAck(f);
      break;
    case "message":
      onMessage(f);
      break;
    case "typing":
      onTyping(f);
      break;
    case "read":
      if (str(f["conversation_id"]) === currentId && str(f["author"], "shopper") === "shopper") {
        shopperReadId = Math.max(shopperReadId, num(f["id"]));
        renderReceipts();
      }
      break;
    case "tickets":
      onTickets(arr(f["tickets"]));
      break;
    case "csat":
      if (str(f["conversation_id"]) === currentId) {
        csatScore = num(f["score"]);
        renderConvMeta();
        notice(`The shopper rated this conversation ${csatScore} / 5.`);
      }
      break;
    case "status":
      onStatus(str(f["conversation_id"]), str(f["status"]), f["agent_id"] === undefined ? undefined : str(f["agent_id"]));
      break;
    case "transferred":
      if (str(f["conversation_id"]) === currentId) notice("Conversation transferred.");
      onStatus(str(f["conversation_id"]), "agent", str(f["agent_id"]));
      break;
    case "closed":
      onStatus(str(f["conversation_id"]), "closed", "");
      break;
    case "error":
      onError(f);
      break;
    default:
      break; // pong and future frames
  }
}

/** A conversation changed status or owner (server extras: status/transferred/closed frames). */
function onStatus(id: string, status: string, agentId: string | undefined): void {
  if (!id || !status) return;
  const e = queue.get(id);
  if (e) {
    e.status = status;
    if (agentId !== undefined) e.agent_id = agentId;
    renderQueue();
  }
  if (id === currentId) {
    currentConv = { ...currentConv, status, ...(agentId !== undefined ? { agent_id: agentId } : {}) };
    renderConversationState();
  }
}

function onError(f: Json): void {
  const code = str(f["code"]);
  const ref = str(f["ref"]);
  const message = str(f["message"], code);
  const pending = messages.find((m) => m.clientId !== null && m.clientId === ref && m.state === "pending");
  if (pending) {
    pending.state = "failed";
    updateMsgEl(pending);
  }
  if (code === "conflict") notice("Another agent claimed this conversation first.");
  else if (code === "not_allowed") notice(`Not allowed: ${message}`);
  else if (code === "rate_limited") notice("Slow down: too many messages.");
  else notice(`Error: ${message}`);
}

// ---------------------------------------------------------------------------
// Queue

function parseQueueEntry(v: unknown, now: number): QueueEntry | null {
  const c = obj(v);
  const id = str(c["id"]);
  if (!id) return null;
  const waiting = num(c["waiting_ms"], NaN);
  const queuedAt = num(c["queued_at"]);
  const prev = queue.get(id);
  return {
    id,
    status: str(c["status"]),
    agent_id: str(c["agent_id"]),
    agent_name: str(c["agent_name"]),
    last_text: str(c["last_text"]),
    last_author: str(c["last_author"]),
    queued_at: queuedAt,
    waiting_ms: Number.isNaN(waiting) ? 0 : waiting,
    handoff_reason: str(c["handoff_reason"]),
    intent: str(c["intent"]),
    sentiment: c["sentiment"],
    locale: str(c["locale"]),
    email: str(c["email"]),
    name: str(c["name"]),
    waitingSince: Number.isNaN(waiting) ? queuedAt || now : now - waiting,
    unread: prev?.unread ?? 0,
    shopper_text:
      str(c["last_shopper_text"]) ||
      (str(c["last_author"]) === "shopper" ? str(c["last_text"]) : "") ||
      shopperTextCache.get(id) ||
      "",
  };
}

// Last shopper message per conversation, for queue entries whose last message
// is not the shopper's (e.g. the bot's handoff line): fetched once over REST.
const shopperTextCache = new Map<string, string>();
const shopperTextLoading = new Set<string>();

function rememberShopperText(id: string, text: string): void {
  shopperTextCache.set(id, text);
  const e = queue.get(id);
  if (e && e.shopper_text !== text) {
    e.shopper_text = text;
    renderQueue();
  }
}

async function fetchShopperText(id: string): Promise<void> {
  if (shopperTextLoading.has(id)) return;
  shopperTextLoading.add(id);
  try {
    const { status, data } = await api("GET", `/api/conversations/${encodeURIComponent(id)}`);
    if (status !== 200) return;
    const list = arr(data["messages"] ?? obj(data["conversation"])["messages"] ?? data["transcript"]);
    for (let i = list.length - 1; i >= 0; i--) {
      const m = obj(list[i]);
      if (str(m["author"]) === "shopper") {
        rememberShopperText(id, str(m["text"]));
        break;
      }
    }
  } catch {
    /* keep the queue's own text */
  } finally {
    shopperTextLoading.delete(id);
  }
}

function isMine(c: QueueEntry): boolean {
  return !!me && c.status === "agent" && c.agent_id !== "" && c.agent_id === me.id;
}
function isWaiting(c: QueueEntry): boolean {
  return c.status === "queued";
}

function onQueue(list: unknown[]): void {
  const now = Date.now();
  const before = new Set([...queue.values()].filter(isWaiting).map((c) => c.id));
  queue.clear();
  for (const v of list) {
    const e = parseQueueEntry(v, now);
    if (e) queue.set(e.id, e);
  }
  for (const c of queue.values()) {
    if (c.shopper_text === "" && c.last_author !== "shopper" && (isWaiting(c) || isMine(c))) void fetchShopperText(c.id);
  }
  const fresh = [...queue.values()].filter((c) => isWaiting(c) && !before.has(c.id));
  if (fresh.length === 1) announce(`New conversation waiting: ${fresh[0]!.shopper_text || fresh[0]!.last_text}`);
  else if (fresh.length > 1) announce(`${fresh.length} new conversations waiting.`);
  renderQueue();
  if (currentId && queue.has(currentId)) {
    const e = queue.get(currentId)!;
    currentConv = { ...currentConv, status: e.status, agent_id: e.agent_id, agent_name: e.agent_name };
    renderConversationState();
  }
}

function personLabel(c: { name: string; email: string }): string {
  return c.name || c.email || "Anonymous shopper";
}

/** Keyed update of a queue list, keeping focus where it was. */
function syncList(list: HTMLElement, entries: QueueEntry[], build: (c: QueueEntry) => HTMLElement): void {
  const active = document.activeElement;
  const focusedItem = active instanceof HTMLElement ? active.closest<HTMLElement>("[data-conversation-id]") : null;
  const focusKey = focusedItem && list.contains(focusedItem)
    ? { id: focusedItem.dataset["conversationId"], action: (active as HTMLElement).dataset["action"] }
    : null;
  list.replaceChildren(...entries.map(build));
  if (focusKey) {
    const sel = `[data-conversation-id="${CSS.escape(focusKey.id ?? "")}"] [data-action="${CSS.escape(focusKey.action ?? "")}"]`;
    const target = list.querySelector<HTMLElement>(sel) ?? list.querySelector<HTMLElement>("button");
    (target ?? $("waiting-title")).focus();
  }
}

function queueItem(c: QueueEntry, mine: boolean): HTMLElement {
  const lastId = `q-last-${c.id}`;
  const waitEl = el("span", { class: "wait", text: formatDuration(Date.now() - c.waitingSince) });
  waitEl.dataset["since"] = String(c.waitingSince);
  const meta = el("p", { class: "meta" }, [
    el("span", { text: personLabel(c) }),
    document.createTextNode(" · "),
    ...(mine ? [] : [el("span", { text: "Waiting " }), waitEl, document.createTextNode(" · ")]),
    el("span", { text: `Reason: ${reasonLabel(c.handoff_reason)}` }),
  ]);
  const tags = el("p", { class: "tags" }, [
    el("span", { class: "tag", text: `Intent: ${c.intent || "—"}` }),
    el("span", { class: `tag sentiment-${sentimentLevel(c.sentiment)}`, text: `Sentiment: ${sentimentLabel(c.sentiment)}` }),
    ...(c.locale ? [el("span", { class: "tag", text: c.locale.toUpperCase() })] : []),
    ...(c.unread > 0 ? [el("span", { class: "tag tag-unread", text: `${c.unread} new` })] : []),
  ]);
  const lastShown = c.shopper_text || c.last_text;
  const last = el("p", { class: "last", text: lastShown || "(no message yet)", attrs: { id: lastId } });
  const botLine =
    c.last_text && c.last_author !== "shopper" && c.last_text !== lastShown
      ? [el("p", { class: "meta latest", text: `${AUTHOR_LABEL[c.last_author] ?? "Latest"}: ${c.last_text}` })]
      : [];
  const actions = el("div", { class: "item-actions" });
  if (mine) {
    const open = el("button", { class: "btn btn-small", text: "Open", attrs: { type: "button", "aria-describedby": lastId } });
    open.dataset["action"] = "open";
    open.addEventListener("click", () => openConversation(c.id, true));
    actions.appendChild(open);
  } else {
    const claim = el("button", { class: "btn btn-primary btn-small", text: "Claim", attrs: { type: "button", "aria-describedby": lastId } });
    claim.dataset["action"] = "claim";
    claim.addEventListener("click", () => claimConversation(c.id));
    const view = el("button", { class: "btn btn-small btn-quiet", text: "View", attrs: { type: "button", "aria-describedby": lastId } });
    view.dataset["action"] = "view";
    view.addEventListener("click", () => openConversation(c.id, true));
    actions.append(claim, view);
  }
  const li = el("li", { class: "queue-item" }, [last, ...botLine, meta, tags, actions]);
  li.dataset["conversationId"] = c.id;
  if (c.id === currentId) li.classList.add("current");
  return li;
}

function renderQueue(): void {
  const all = [...queue.values()];
  const waiting = all.filter(isWaiting).sort((a, b) => a.waitingSince - b.waitingSince);
  const mine = all.filter(isMine);
  syncList($("waiting-list"), waiting, (c) => queueItem(c, false));
  syncList($("mine-list"), mine, (c) => queueItem(c, true));
  $("waiting-count").textContent = String(waiting.length);
  $("mine-count").textContent = String(mine.length);
  $("waiting-empty").hidden = waiting.length > 0;
  $("mine-empty").hidden = mine.length > 0;
  document.title = waiting.length > 0 ? `(${waiting.length}) Parley — Agent console` : "Parley — Agent console";
}

function tickClocks(): void {
  const now = Date.now();
  for (const w of document.querySelectorAll<HTMLElement>(".wait[data-since]")) {
    w.textContent = formatDuration(now - Number(w.dataset["since"]));
  }
  for (const d of document.querySelectorAll<HTMLElement>("[data-due]")) {
    renderDue(d, Number(d.dataset["due"]), d.dataset["status"] ?? "open", now);
  }
}

function claimConversation(id: string): void {
  pendingOpenFocus = true;
  if (!send({ type: "claim", conversation_id: id })) notice("Not connected: try again in a moment.");
}

function onClaimed(f: Json): void {
  const id = str(f["conversation_id"]);
  const agentId = str(f["agent_id"]);
  const e = queue.get(id);
  if (e) {
    e.status = "agent";
    e.agent_id = agentId;
    renderQueue();
  }
  if (me && agentId === me.id) openConversation(id, true);
  else if (id === currentId) {
    currentConv = { ...currentConv, status: "agent", agent_id: agentId };
    renderConversationState();
  }
}

// ---------------------------------------------------------------------------
// The open conversation

function openConversation(id: string, focus: boolean): void {
  pendingOpenFocus = focus;
  if (id !== currentId) {
    currentId = id;
    messages.length = 0;
    msgEls.clear();
    $("transcript").replaceChildren();
    shopperReadId = 0;
    csatScore = 0;
    setShopperTyping(false);
    $area("reply-text").value = "";
    $area("note-text").value = "";
    $("conv-notice").textContent = "";
    const e = queue.get(id);
    currentConv = e ? { ...e } : { id };
    if (e) e.unread = 0;
    renderQueue();
    renderConversationShell();
  }
  if (!send({ type: "open", conversation_id: id })) notice("Not connected: the transcript will load when the connection is back.");
}

function renderConversationShell(): void {
  const has = currentId !== null;
  $("conv-placeholder").hidden = has;
  $("conv-body").hidden = !has;
  if (has) renderConversationState();
}

function canReply(): boolean {
  return !!me && str(currentConv["status"]) === "agent" && str(currentConv["agent_id"]) === me.id;
}

function renderConversationState(): void {
  if (!currentId) return;
  const status = str(currentConv["status"]);
  $("conv-heading").textContent = `Conversation with ${personLabel({ name: str(currentConv["name"]), email: str(currentConv["email"]) })}`;
  renderConvMeta();
  const mine = canReply();
  const replyText = $area("reply-text");
  replyText.disabled = !mine;
  $button("reply-send").disabled = !mine;
  ($("canned") as HTMLSelectElement).disabled = !mine;
  $button("conv-close").hidden = !mine;
  $input("transfer-email").disabled = !mine;
  $button("transfer-send").disabled = !mine;
  $button("conv-claim").hidden = status !== "queued";
  $("reply-hint").textContent = mine
    ? "Enter sends, Shift+Enter for a new line."
    : status === "queued"
      ? "Claim this conversation to reply."
      : status === "closed"
        ? "This conversation is closed."
        : status === "agent"
          ? `${str(currentConv["agent_name"], "Another agent")} owns this conversation.`
          : "The bot is handling this conversation.";
}

function renderConvMeta(): void {
  const c = currentConv;
  const status = str(c["status"]);
  const parts = [
    `Status: ${status || "unknown"}`,
    `Reason: ${reasonLabel(str(c["handoff_reason"]))}`,
    `Intent: ${str(c["intent"]) || "—"}`,
    `Sentiment: ${sentimentLabel(c["sentiment"])}`,
  ];
  const locale = str(c["locale"]);
  if (locale) parts.push(`Language: ${locale.toUpperCase()}`);
  const email = str(c["email"]);
  if (email) parts.push(`Email: ${email}`);
  const score = csatScore || num(c["csat_score"]) || num(c["csat"]);
  if (score) parts.push(`CSAT: ${score} / 5`);
  $("conv-meta").textContent = parts.join(" · ");
}

function parseMsg(v: unknown): Msg | null {
  const m = obj(v);
  const id = num(m["id"], NaN);
  if (Number.isNaN(id)) return null;
  return {
    id,
    clientId: str(m["client_id"]) || null,
    author: str(m["author"], "system"),
    text: str(m["text"]),
    ts: num(m["ts"], Date.now()),
    agentId: str(m["agent_id"]),
    state: "sent",
  };
}

function onTranscript(f: Json): void {
  const id = str(f["conversation_id"]);
  if (id !== currentId) return;
  const conv = obj(f["conversation"]);
  currentConv = { ...currentConv, ...conv };
  csatScore = csatScore || num(conv["csat_score"]);
  for (const v of arr(f["messages"])) {
    const m = parseMsg(v);
    if (m) addMessage(m, false);
  }
  renderConversationShell();
  // Resend our replies/notes that were never acknowledged (same client_id: idempotent).
  for (const m of messages) if (m.state === "pending" && m.clientId) sendOwn(m);
  if (pendingOpenFocus) {
    pendingOpenFocus = false;
    if (canReply()) $area("reply-text").focus();
    else $("conv-heading").focus();
  }
  scrollTranscript();
}

function findById(id: number): Msg | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.id === id) return messages[i];
  return undefined;
}

function addMessage(m: Msg, fromLive: boolean): void {
  if (m.id !== null && findById(m.id)) return; // dedupe
  // Our own pending reply/note echoed back: adopt it instead of showing it twice.
  const own = messages.find(
    (p) =>
      p.state !== "sent" &&
      p.id === null &&
      ((m.clientId !== null && p.clientId === m.clientId) ||
        (m.clientId === null && p.author === m.author && p.text === m.text && (!m.agentId || !me || m.agentId === me.id))),
  );
  if (own) {
    own.id = m.id;
    own.ts = m.ts;
    own.state = "sent";
    updateMsgEl(own);
    return;
  }
  // Keep display order by id; pending (id null) ones stay at the end.
  let idx = messages.length;
  while (idx > 0 && (messages[idx - 1]!.id === null || (m.id !== null && messages[idx - 1]!.id! > m.id))) idx--;
  messages.splice(idx, 0, m);
  const e = buildMsgEl(m);
  const transcript = $("transcript");
  const next = messages[idx + 1];
  const nextEl = next ? msgEls.get(next) : undefined;
  transcript.insertBefore(e, nextEl ?? null);
  if (fromLive) scrollTranscript();
}

function buildMsgEl(m: Msg): HTMLElement {
  const who = m.author === "agent" && me && m.agentId && m.agentId !== me.id ? "Agent" : m.author === "agent" ? "You" : AUTHOR_LABEL[m.author] ?? m.author;
  const head = el("div", { class: "msg-head" }, [
    el("span", { class: "msg-who", text: m.author === "note" ? "Internal note" : who }),
    el("time", { class: "msg-time", text: formatTime(m.ts), attrs: { datetime: new Date(m.ts).toISOString() } }),
    el("span", { class: "msg-state" }),
  ]);
  const body = el("div", { class: "msg-text", text: m.text });
  const e = el("div", { class: "msg" }, [head, body]);
  e.dataset["author"] = m.author;
  msgEls.set(m, e);
  updateMsgEl(m);
  return e;
}

function updateMsgEl(m: Msg): void {
  const e = msgEls.get(m);
  if (!e) return;
  if (m.id !== null) e.dataset["id"] = String(m.id);
  if (m.clientId) e.dataset["clientId"] = m.clientId;
  e.dataset["state"] = m.state;
  const t = e.querySelector<HTMLElement>(".msg-time");
  if (t) t.textContent = formatTime(m.ts);
  renderReceipt(m);
}

function renderReceipt(m: Msg): void {
  const e = msgEls.get(m);
  const s = e?.querySelector<HTMLElement>(".msg-state");
  if (!e || !s) return;
  if (m.author !== "agent" && m.author !== "note") {
    s.textContent = "";
    return;
  }
  if (m.state === "pending") s.textContent = "Sending…";
  else if (m.state === "failed") s.textContent = "Not sent";
  else if (m.author === "agent" && m.id !== null && m.id <= shopperReadId) s.textContent = "Read";
  else s.textContent = m.author === "note" ? "Saved" : "Sent";
  e.dataset["read"] = s.textContent === "Read" ? "true" : "false";
}

function renderReceipts(): void {
  for (const m of messages) renderReceipt(m);
}

function scrollTranscript(): void {
  const t = $("transcript");
  t.scrollTop = t.scrollHeight;
}

function onAck(f: Json): void {
  const clientId = str(f["client_id"]);
  const id = num(f["id"], NaN);
  const m = messages.find((p) => p.clientId === clientId);
  if (!m || Number.isNaN(id)) return;
  const dup = findById(id);
  if (dup && dup !== m) {
    // The broadcast came first: drop the pending copy.
    const e = msgEls.get(m);
    e?.remove();
    msgEls.delete(m);
    messages.splice(messages.indexOf(m), 1);
    return;
  }
  m.id = id;
  m.state = "sent";
  updateMsgEl(m);
}

function onMessage(f: Json): void {
  const cid = str(f["conversation_id"]);
  const m = parseMsg(f);
  if (!m) return;
  const entry = queue.get(cid);
  if (m.author === "shopper") shopperTextCache.set(cid, m.text);
  if (entry && m.author !== "note") {
    entry.last_text = m.text;
    entry.last_author = m.author;
    if (m.author === "shopper") entry.shopper_text = m.text;
    if (cid !== currentId && m.author === "shopper") entry.unread++;
    renderQueue();
  }
  if (cid !== currentId) {
    if (entry && isMine(entry) && m.author === "shopper") announce(`New message from ${personLabel(entry)}: ${m.text}`);
    return;
  }
  if (m.author === "shopper") setShopperTyping(false);
  addMessage(m, true);
}

function onTyping(f: Json): void {
  if (str(f["conversation_id"]) !== currentId) return;
  if (str(f["author"], "shopper") !== "shopper") return;
  setShopperTyping(f["on"] === true);
}

function setShopperTyping(on: boolean): void {
  window.clearTimeout(typingHideTimer);
  $("typing").textContent = on ? "Shopper is typing…" : "";
  if (on) typingHideTimer = window.setTimeout(() => setShopperTyping(false), 8000);
}

function sendOwn(m: Msg): void {
  if (!currentId || !m.clientId) return;
  send({ type: m.author === "note" ? "note" : "reply", conversation_id: currentId, client_id: m.clientId, text: m.text });
}

function compose(author: "agent" | "note", text: string): void {
  if (!currentId) return;
  const m: Msg = {
    id: null,
    clientId: randomId("a-"),
    author,
    text,
    ts: Date.now(),
    agentId: me?.id ?? "",
    state: "pending",
  };
  addMessage(m, true);
  sendOwn(m); // if offline, it is resent after the reconnect's transcript
}

function onReplySubmit(ev: Event): void {
  ev.preventDefault();
  const area = $area("reply-text");
  const text = area.value.trim();
  if (!text || !canReply()) return;
  area.value = "";
  setOurTyping(false);
  compose("agent", text);
  area.focus();
}

function onNoteSubmit(ev: Event): void {
  ev.preventDefault();
  const area = $area("note-text");
  const text = area.value.trim();
  if (!text || !currentId) return;
  area.value = "";
  compose("note", text);
  area.focus();
}

function setOurTyping(on: boolean): void {
  window.clearTimeout(ourTypingOffTimer);
  if (!currentId || !canReply()) return;
  const now = Date.now();
  if (on) {
    if (!ourTypingOn || now - ourTypingSentAt > 3000) {
      send({ type: "typing", conversation_id: currentId, on: true });
      ourTypingSentAt = now;
      ourTypingOn = true;
    }
    ourTypingOffTimer = window.setTimeout(() => setOurTyping(false), 4000);
  } else if (ourTypingOn) {
    send({ type: "typing", conversation_id: currentId, on: false });
    ourTypingOn = false;
  }
}

function onClose(): void {
  if (!currentId || !canReply()) return;
  if (send({ type: "close", conversation_id: currentId })) {
    currentConv = { ...currentConv, status: "closed" };
    renderConversationState();
    notice("Conversation closed. The shopper was asked to rate it.");
    $("conv-heading").focus();
  } else notice("Not connected: try again in a moment.");
}

function onTransfer(ev: Event): void {
  ev.preventDefault();
  const input = $input("transfer-email");
  const email = input.value.trim();
  if (!currentId || !email || !canReply()) return;
  if (send({ type: "transfer", conversation_id: currentId, agent_email: email })) {
    notice(`Transfer to ${email} requested.`);
    input.value = "";
  } else notice("Not connected: try again in a moment.");
}

function notice(text: string): void {
  $("conv-notice").textContent = text;
}
function announce(text: string): void {
  const a = $("announcer");
  a.textContent = "";
  window.setTimeout(() => (a.textContent = text), 50);
}

// ---------------------------------------------------------------------------
// Canned replies

async function loadCanned(): Promise<void> {
  try {
    const { status, data } = await api("GET", "/api/canned");
    if (status !== 200) return;
    const list = arr(data["items"] ?? data["canned"] ?? data["replies"]);
    canned = list
      .map((v): Canned => {
        if (typeof v === "string") return { title: v.slice(0, 40), text: v };
        const o = obj(v);
        const text = str(o["text"] ?? o["body"]);
        return { title: str(o["title"] ?? o["name"], text.slice(0, 40)), text };
      })
      .filter((c) => c.text !== "");
  } catch {
    canned = [];
  }
  const select = $("canned") as HTMLSelectElement;
  const first = select.options[0]!;
  select.replaceChildren(first, ...canned.map((c, i) => el("option", { text: c.title, attrs: { value: String(i) } })));
  first.textContent = canned.length ? "Insert a canned reply…" : "No canned replies";
}

function onCanned(): void {
  const select = $("canned") as HTMLSelectElement;
  const c = select.value === "" ? undefined : canned[Number(select.value)];
  select.value = "";
  if (!c) return;
  const area = $area("reply-text");
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? area.value.length;
  area.setRangeText(c.text, start, end, "end");
  area.focus();
}

// ---------------------------------------------------------------------------
// Tickets

function onTickets(list: unknown[]): void {
  const before = new Set(tickets.map((t) => t.id));
  tickets = list
    .map((v): Ticket => {
      const t = obj(v);
      return {
        id: num(t["id"]),
        email: str(t["email"]),
        message: str(t["message"]),
        status: str(t["status"], "open"),
        created_at: num(t["created_at"]),
        due_at: num(t["due_at"]),
        answer: t["answer"] === null || t["answer"] === undefined ? null : str(t["answer"]),
      };
    })
    .filter((t) => t.id > 0);
  const fresh = tickets.filter((t) => !before.has(t.id) && t.status === "open");
  if (before.size > 0 && fresh.length > 0) announce(`${fresh.length} new ticket${fresh.length > 1 ? "s" : ""}.`);
  renderTickets();
}

function renderDue(e: HTMLElement, due: number, status: string, now: number): void {
  if (!due || status !== "open") {
    e.textContent = status === "open" ? "No SLA" : status === "answered" ? "Answered" : "Closed";
    e.classList.remove("overdue");
    return;
  }
  const left = due - now;
  e.textContent = left >= 0 ? `Due in ${formatDuration(left)} (${formatTime(due)})` : `Overdue by ${formatDuration(-left)}`;
  e.classList.toggle("overdue", left < 0);
}

function renderTickets(): void {
  const list = $("tickets-list");
  const active = document.activeElement;
  const hadFocus = active instanceof HTMLElement && list.contains(active) ? active.closest<HTMLElement>("[data-ticket-id]")?.dataset["ticketId"] : undefined;
  const now = Date.now();
  const sorted = [...tickets].sort((a, b) => {
    const ao = a.status === "open" ? 0 : 1;
    const bo = b.status === "open" ? 0 : 1;
    return ao - bo || (a.due_at || Infinity) - (b.due_at || Infinity) || a.id - b.id;
  });
  list.replaceChildren(
    ...sorted.map((t) => {
      const due = el("span", { class: "due" });
      due.dataset["due"] = String(t.due_at);
      due.dataset["status"] = t.status;
      renderDue(due, t.due_at, t.status, now);
      const btn = el("button", { class: "btn btn-small", text: t.status === "open" ? "Answer" : "View", attrs: { type: "button" } });
      btn.addEventListener("click", () => selectTicket(t.id, true));
      const li = el("li", { class: "queue-item" }, [
        el("p", { class: "last", text: t.message }),
        el("p", { class: "meta" }, [
          el("span", { text: `#${t.id} · ${t.email || "no email"} · ` }),
          el("span", { class: `status status-${t.status}`, text: t.status }),
          document.createTextNode(" · "),
          due,
        ]),
        el("div", { class: "item-actions" }, [btn]),
      ]);
      li.dataset["ticketId"] = String(t.id);
      if (t.id === selectedTicket) li.classList.add("current");
      return li;
    }),
  );
  if (hadFocus) list.querySelector<HTMLElement>(`[data-ticket-id="${CSS.escape(hadFocus)}"] button`)?.focus();
  $("tickets-empty").hidden = tickets.length > 0;
  const open = tickets.filter((t) => t.status === "open").length;
  const badge = $("tickets-count");
  badge.hidden = open === 0;
  badge.textContent = String(open);
  renderSelectedTicket(false);
}

function selectTicket(id: number, focus: boolean): void {
  selectedTicket = id;
  $("ticket-error").textContent = "";
  $area("ticket-answer").value = "";
  renderTickets();
  renderSelectedTicket(focus);
}

function renderSelectedTicket(focus: boolean): void {
  const t = tickets.find((x) => x.id === selectedTicket);
  $("ticket-placeholder").hidden = !!t;
  $("ticket-body").hidden = !t;
  if (!t) return;
  $("ticket-heading").textContent = `Ticket #${t.id} from ${t.email || "unknown"}`;
  const meta = $("ticket-meta");
  const due = el("span", { class: "due" });
  renderDue(due, t.due_at, t.status, Date.now());
  meta.replaceChildren(
    el("span", { text: `Status: ${t.status} · Opened ${formatTime(t.created_at)} · ` }),
    due,
  );
  $("ticket-message").textContent = t.message;
  const answered = t.answer !== null && t.answer !== "";
  $("ticket-answered").hidden = !answered;
  $("ticket-answer-text").textContent = t.answer ?? "";
  $("ticket-form").hidden = t.status !== "open";
  if (focus) (t.status === "open" ? $area("ticket-answer") : $("ticket-heading")).focus();
}

async function onTicketSubmit(ev: Event): Promise<void> {
  ev.preventDefault();
  const id = selectedTicket;
  const area = $area("ticket-answer");
  const text = area.value.trim();
  const err = $("ticket-error");
  err.textContent = "";
  if (id === null || !text) {
    err.textContent = "Write an answer first.";
    area.focus();
    return;
  }
  const btn = $button("ticket-send");
  btn.disabled = true;
  try {
    const { status, data } = await api("POST", `/api/tickets/${encodeURIComponent(String(id))}/reply`, { text });
    if (status >= 200 && status < 300) {
      area.value = "";
      const t = tickets.find((x) => x.id === id);
      if (t) {
        const updated = obj(data["ticket"] ?? data);
        t.status = str(updated["status"], "answered");
        t.answer = str(updated["answer"], text);
      }
      renderTickets();
      $("ticket-heading").focus();
      announce(`Answer to ticket #${id} sent.`);
    } else if (status === 401) {
      showLogin("Your session has ended. Please sign in again.");
    } else {
      err.textContent = `Could not send: ${str(data["error"], `server answered ${status}`)}`;
    }
  } catch {
    err.textContent = "Could not send: the server cannot be reached.";
  } finally {
    btn.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// Webhooks (admins only)

function isAdmin(): boolean {
  return me?.role === "admin";
}

function parseDelivery(v: unknown): Delivery | null {
  const d = obj(v);
  const id = num(d["id"], NaN);
  if (Number.isNaN(id)) return null;
  return {
    id,
    event_id: str(d["event_id"]),
    event: str(d["event"]),
    url: str(d["url"]),
    state: str(d["state"], "pending"),
    attempts: num(d["attempts"]),
    created_at: num(d["created_at"]),
    next_attempt_at: num(d["next_attempt_at"]),
    delivered_at: num(d["delivered_at"]),
    last_status: num(d["last_status"]),
    last_error: str(d["last_error"]),
  };
}

/** "HTTP 200", "HTTP 500", the transport error ("connection refused"), or "—" before the first attempt. */
function lastResult(d: Delivery): string {
  const status = d.last_status > 0 ? `HTTP ${d.last_status}` : "";
  const error = d.last_error && d.last_error !== status ? d.last_error : "";
  if (status && error) return `${status} · ${error}`;
  return status || error || (d.attempts > 0 ? "No answer" : "—");
}

function timeEl(label: string, ts: number): HTMLElement {
  return el("span", { class: "when" }, [
    document.createTextNode(`${label} `),
    el("time", { text: formatClock(ts), attrs: { datetime: new Date(ts).toISOString() } }),
  ]);
}

function renderDeliveries(): void {
  const rows = deliveries.map((d) => {
    const when = el("td", { class: "time" }, [timeEl("Created", d.created_at)]);
    if (d.state === "pending" && d.next_attempt_at > 0) when.appendChild(timeEl("Next attempt", d.next_attempt_at));
    const event = el("th", { attrs: { scope: "row" } }, [el("span", { class: "event", text: d.event })]);
    if (d.event_id) event.appendChild(el("span", { class: "event-id", text: d.event_id }));
    const tr = el("tr", {}, [
      event,
      el("td", { class: "url", text: d.url }),
      el("td", {}, [el("span", { class: `state state-${d.state}`, text: d.state })]),
      el("td", { class: "num", text: String(d.attempts) }),
      el("td", { class: "result", text: lastResult(d) }),
      when,
    ]);
    tr.dataset["deliveryId"] = String(d.id);
    tr.dataset["state"] = d.state;
    return tr;
  });
  $("webhooks-rows").replaceChildren(...rows);
  $("webhooks-wrap").hidden = deliveries.length === 0;
  $("webhooks-empty").hidden = !deliveriesLoaded || deliveries.length > 0;
}

async function loadDeliveries(): Promise<void> {
  if (!isAdmin()) return;
  const seq = ++deliveriesSeq;
  const btn = $button("webhooks-refresh");
  const statusEl = $("webhooks-status");
  const table = $("webhooks-table");
  btn.disabled = true;
  table.setAttribute("aria-busy", "true");
  statusEl.classList.remove("error");
  statusEl.textContent = "Loading…";
  try {
    const { status, data } = await api("GET", "/api/webhooks/deliveries?limit=200");
    if (seq !== deliveriesSeq) return;
    if (status === 200) {
      deliveries = arr(data["deliveries"])
        .map(parseDelivery)
        .filter((d): d is Delivery => d !== null);
      deliveriesLoaded = true;
      renderDeliveries();
      const n = deliveries.length;
      statusEl.textContent = `${n} ${n === 1 ? "delivery" : "deliveries"} · updated ${formatClock(Date.now())}`;
    } else if (status === 401) {
      wsWanted = false;
      teardownSocket();
      resetState();
      showLogin("Your session has ended. Please sign in again.");
    } else {
      statusEl.classList.add("error");
      statusEl.textContent =
        status === 403
          ? "Only admins can see webhook deliveries."
          : `Could not load the deliveries: ${str(data["error"], `server answered ${status}`)}`;
    }
  } catch {
    if (seq !== deliveriesSeq) return;
    statusEl.classList.add("error");
    statusEl.textContent = "Could not load the deliveries: the server cannot be reached.";
  } finally {
    if (seq === deliveriesSeq) {
      btn.disabled = false;
      table.removeAttribute("aria-busy");
    }
  }
}

// ---------------------------------------------------------------------------
// Tabs

function visibleTabs(): TabName[] {
  return TABS.filter((name) => !$(`tab-${name}`).hidden);
}

/** Shows the admin-only tabs to admins; anyone else is moved off them. */
function applyRole(): void {
  const admin = isAdmin();
  $("tab-webhooks").hidden = !admin;
  if (!admin) {
    const selected = TABS.find((name) => $(`tab-${name}`).getAttribute("aria-selected") === "true");
    if (selected === "webhooks") selectTab("conversations", false);
  }
}

function selectTab(which: TabName, focus: boolean): void {
  if ($(`tab-${which}`).hidden) which = "conversations";
  for (const name of TABS) {
    const tab = $(`tab-${name}`);
    const on = name === which;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${name}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (which === "webhooks") void loadDeliveries();
}

function onTabKey(ev: KeyboardEvent): void {
  const tabs = visibleTabs();
  const current = TABS.find((name) => `tab-${name}` === (ev.currentTarget as HTMLElement).id) ?? "conversations";
  const i = Math.max(0, tabs.indexOf(current));
  let next: TabName | undefined;
  if (ev.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
  else if (ev.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
  else if (ev.key === "Home") next = tabs[0];
  else if (ev.key === "End") next = tabs[tabs.length - 1];
  if (!next) return;
  ev.preventDefault();
  selectTab(next, true);
}

// ---------------------------------------------------------------------------
// Start

async function restore(): Promise<void> {
  try {
    const { status, data } = await api("GET", "/api/me");
    if (status === 200) {
      me = parseAgent(data["agent"]);
      setCsrf(str(data["csrf"]));
      if (me) {
        showApp(false);
        return;
      }
    }
  } catch {
    /* fall through to the sign-in form */
  }
  showLogin();
}

function init(): void {
  $("login-form").addEventListener("submit", (ev) => void onLogin(ev));
  $("sign-out").addEventListener("click", () => void onSignOut());
  $("reply-form").addEventListener("submit", onReplySubmit);
  $("note-form").addEventListener("submit", onNoteSubmit);
  $("transfer-form").addEventListener("submit", onTransfer);
  $("ticket-form").addEventListener("submit", (ev) => void onTicketSubmit(ev));
  $("conv-close").addEventListener("click", onClose);
  $("conv-claim").addEventListener("click", () => currentId && claimConversation(currentId));
  $("canned").addEventListener("change", onCanned);
  const reply = $area("reply-text");
  reply.addEventListener("input", () => setOurTyping(reply.value.trim() !== ""));
  reply.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("reply-form").dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  reply.addEventListener("blur", () => setOurTyping(false));
  $("webhooks-refresh").addEventListener("click", () => void loadDeliveries());
  for (const name of TABS) {
    const tab = $(`tab-${name}`);
    tab.addEventListener("click", () => selectTab(name, false));
    tab.addEventListener("keydown", onTabKey);
  }
  window.setInterval(tickClocks, 1000);
  void restore();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
