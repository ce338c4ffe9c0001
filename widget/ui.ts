// widget-ui-<hash>.js — the chat panel. Loaded by widget.js (a plain
// <script>), it finds the loader's Boot object, builds the panel in the same
// shadow root, starts the core worker, and talks to `parley serve` over the
// shopper WebSocket (PROTOCOL.md). Message text only ever becomes text nodes.
import { fill, strings, type Strings } from "./i18n";
import { startProactive, type Proactive } from "./proactive";
import { BOOT_KEY, type Boot, type FromWorker, type Impl, type Locale, type ModelOff, type ModelUrls, type ToWorker } from "./shared";
import { css } from "./ui-css";

declare const __PARLEY_WORKER__: string;
declare const __PARLEY_CORE__: string;
declare const __PARLEY_WASM__: string;
/** The student model's files (names relative to the server), or null when the build has no model. */
declare const __PARLEY_MODEL__: ModelUrls | null;

type Author = "shopper" | "bot" | "agent" | "system";
type Status = "bot" | "queued" | "agent" | "closed";
interface Reply {
  kind?: string;
  quick_replies?: string[];
  item_id?: string;
  confidence?: number;
  handoff?: string;
  /** kind "action_result": the server ran a flow's action (PROTOCOL.md). */
  action?: string;
  ok?: boolean;
  error?: string;
  order?: { tracking_url?: unknown } | null;
}
/** What a flow asks the server to do (an order lookup…); the server validates it. */
interface Action {
  name: string;
  flow_id: string;
  params: Record<string, unknown>;
}
interface Msg {
  id?: number;
  cid?: string;
  author: Author;
  text: string;
  ts?: number;
  reply?: Reply | null;
  agent?: string;
}
interface LocalReply {
  text: string;
  kind: string;
  item_id: string;
  confidence: number;
  handoff: string;
  dialog_state: string;
  quick_replies: string[];
  action?: Action;
  /** The page's core could not answer: the server answers this turn instead (welcome.second_opinion). */
  second_opinion?: boolean;
}
interface Pending {
  cid: string;
  text: string;
  lr?: LocalReply;
  sent?: number;
  /** Already sent to a server-mode socket: the server's core answers it, never the page's too. */
  byServer?: boolean;
}
interface Identity {
  id: string;
  hash: string;
  email?: string;
  name?: string;
}
interface Stored {
  v: 1;
  conv: string | null;
  token: string | null;
  user: Identity | null;
  msgs: Msg[];
  pending: Pending[];
  session: string | null;
  status: Status;
  seen: number;
  sound: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Frame = Record<string, any>;

const bootRef = (window as unknown as Record<symbol, (Boot & { ui?: boolean }) | undefined>)[Symbol.for(BOOT_KEY)];
if (bootRef && !bootRef.ui) {
  bootRef.ui = true;
  main(bootRef);
}

function main(boot: Boot): void {
  const d = document;
  const server = boot.server;
  const KEY = `parley:v1:${server}`;
  const root = boot.root;
  const host = boot.host;
  const launcher = boot.launcher;

  // ---- state --------------------------------------------------------------
  // Preview (the merchant's admin page): the draft config runs in the page
  // only. No socket is opened and nothing is read from or written to storage.
  const pv = boot.settings.preview;
  let previewCfg: string | null = pv && pv.config && typeof pv.config === "object" ? JSON.stringify(pv.config) : null;
  let locale: Locale = boot.locale || "en";
  let t: Strings = strings[locale];
  let config: Frame | null = null;
  let st: Stored = load();
  let isOpen = false;
  let gen = 0; // bumps on reset/identity change: late results of the old conversation are dropped
  const els = new Map<Msg, HTMLElement>();
  /**
   * The page's replies shown before the server stored them, oldest first. The
   * server's copy adopts one when its text matches; a `replaceable` one (a
   * fallback shown while the server's second opinion was late) takes the
   * server's text instead.
   */
  let localBots: { msg: Msg; cid?: string; greeting?: boolean; replaceable?: boolean }[] = [];

  function blank(keep?: Stored): Stored {
    return {
      v: 1,
      conv: null,
      token: null,
      user: null,
      msgs: [],
      pending: [],
      session: null,
      status: "bot",
      seen: 0,
      sound: keep ? keep.sound : false,
    };
  }
  function parse(raw: string | null): Stored | null {
    try {
      const s = raw && JSON.parse(raw);
      if (s && s.v === 1 && Array.isArray(s.msgs) && Array.isArray(s.pending)) return s as Stored;
    } catch {
      /* fall through */
    }
    return null;
  }
  function load(): Stored {
    if (previewCfg !== null) return blank();
    try {
      const o = parse(localStorage.getItem(KEY));
      // A page that went away while preparing a message (sent = -1) left it to
      // nobody: this page sends it (with its in-page answer, if one was stored).
      if (o) for (const p of o.pending) if (p.sent === -1) delete p.sent;
      return o || blank();
    } catch {
      return blank();
    }
  }
  function save(): void {
    if (previewCfg !== null) return;
    try {
      const out: Stored = { ...st, msgs: st.msgs.filter((m) => m.id).slice(-200) };
      localStorage.setItem(KEY, JSON.stringify(out));
    } catch {
      /* storage full or blocked: the server's replay still restores the chat */
    }
  }
  const lastId = () => st.msgs.reduce((n, m) => Math.max(n, m.id || 0), 0);
  const handedOff = () => st.status === "queued" || st.status === "agent";

  // ---- DOM ------------------------------------------------------------------
  function h<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, parent?: Node): HTMLElementTagNameMap[K] {
    const e = d.createElement(tag);
    if (cls) e.className = cls;
    if (parent) parent.appendChild(e);
    return e;
  }
  function icon(path: string): SVGSVGElement {
    const ns = "http://www.w3.org/2000/svg";
    const svg = d.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const p = d.createElementNS(ns, "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  const uiSheet = new CSSStyleSheet();
  uiSheet.replaceSync(css);
  const themeSheet = new CSSStyleSheet();
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, uiSheet, themeSheet];

  const panel = h("div", "panel", root);
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "parley-title");
  const head = h("div", "head", panel);
  const avatar = h("img", "", head);
  avatar.alt = "";
  avatar.hidden = true;
  const title = h("h2", "", head);
  title.id = "parley-title";
  const soundBtn = h("button", "icon", head);
  soundBtn.type = "button";
  soundBtn.appendChild(icon("M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z"));
  const closeBtn = h("button", "icon", head);
  closeBtn.type = "button";
  closeBtn.appendChild(icon("M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7l-1.4-1.4L9.2 12 2.9 5.7l1.4-1.4 6.3 6.3 6.3-6.3z"));
  const statusBar = h("div", "status", panel);
  statusBar.setAttribute("role", "status");
  statusBar.hidden = true;
  const log = h("div", "log", panel);
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.tabIndex = 0;
  const typing = h("div", "typing", panel);
  typing.hidden = true;
  const dots = h("span", "dots", typing);
  dots.setAttribute("aria-hidden", "true");
  h("i", "", dots);
  h("i", "", dots);
  h("i", "", dots);
  const typingText = h("span", "", typing);
  const quick = h("div", "quick", panel);
  quick.setAttribute("role", "group");
  quick.hidden = true;

  const csat = h("div", "csat", panel);
  csat.setAttribute("role", "group");
  csat.hidden = true;
  const csatText = h("p", "", csat);
  csatText.id = "parley-csat";
  csat.setAttribute("aria-labelledby", "parley-csat");
  const stars = h("div", "stars", csat);
  const starBtns: HTMLButtonElement[] = [];
  for (let n = 1; n <= 5; n++) {
    const b = h("button", "star", stars);
    b.type = "button";
    b.textContent = "★";
    b.addEventListener("click", () => rate(n));
    starBtns.push(b);
  }

  const offline = h("form", "offline", panel);
  offline.hidden = true;
  offline.noValidate = true;
  const offText = h("p", "", offline);
  const emailLabel = h("label", "", offline);
  const emailSpan = h("span", "", emailLabel);
  const email = h("input", "field", emailLabel);
  email.type = "email";
  email.autocomplete = "email";
  email.required = true;
  const qLabel = h("label", "", offline);
  const qSpan = h("span", "", qLabel);
  const question = h("textarea", "field", qLabel);
  question.rows = 3;
  question.required = true;
  const offErr = h("p", "err", offline);
  offErr.setAttribute("aria-live", "polite");
  const ticketBtn = h("button", "btn", offline);
  ticketBtn.type = "submit";

  const composer = h("form", "composer", panel);
  const input = h("textarea", "input", composer);
  input.rows = 1;
  input.setAttribute("enterkeyhint", "send");
  input.autocomplete = "off";
  input.maxLength = 4000;
  const sendBtn = h("button", "send", composer);
  sendBtn.type = "submit";
  const note = h("p", "err sr", panel);
  note.setAttribute("role", "status");

  function labels(): void {
    t = strings[locale];
    boot.label(locale);
    title.textContent = pick(config && config["widget"] && config["widget"].title) || (config && config["shop"] && config["shop"].name) || t.title;
    closeBtn.setAttribute("aria-label", t.close);
    soundBtn.setAttribute("aria-label", t.sound);
    soundBtn.setAttribute("aria-pressed", String(!!st.sound));
    log.setAttribute("aria-label", t.log);
    typingText.textContent = t.typing;
    quick.setAttribute("aria-label", t.quick);
    csatText.textContent = t.rate;
    starBtns.forEach((b, i) => b.setAttribute("aria-label", fill(t.rateN, "n", i + 1)));
    offText.textContent = t.offlineTitle;
    emailSpan.textContent = t.email;
    qSpan.textContent = t.question;
    ticketBtn.textContent = t.createTicket;
    input.setAttribute("aria-label", t.message);
    input.placeholder = t.placeholder;
    sendBtn.textContent = t.send;
    for (const [m, el] of els) {
      const who = el.parentElement && el.parentElement.querySelector(".who");
      if (who) who.textContent = whoLabel(m);
      const track = el.parentElement && el.parentElement.querySelector(".track");
      if (track) track.textContent = t.track;
    }
    if (teaser) teaser.relabel();
    renderStatus();
  }

  /** A config value that may be a string or {en, zh}. */
  function pick(v: unknown): string {
    if (typeof v === "string") return v;
    if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const s = o[locale] ?? o["en"] ?? Object.values(o)[0];
      return typeof s === "string" ? s : "";
    }
    return "";
  }

  function applyConfig(c: Frame): void {
    config = c;
    if (!boot.locale && c["shop"] && (c["shop"].locale === "zh" || c["shop"].locale === "en")) locale = c["shop"].locale;
    const wcfg = (c["widget"] || {}) as Frame;
    const color = typeof wcfg["color"] === "string" && !boot.settings.color ? wcfg["color"] : "";
    if (color && /^[#a-zA-Z0-9(),.% ]{1,40}$/.test(color) && CSS.supports("color", color)) {
      themeSheet.replaceSync(`:host{--pc:${color};--pf:${contrast(color)}}`);
    } else themeSheet.replaceSync("");
    if (!boot.settings.position) host.classList.toggle("left", wcfg["position"] === "left");
    const av = typeof wcfg["avatar"] === "string" ? wcfg["avatar"] : "";
    avatar.hidden = true;
    if (/^(https?:|data:image\/)/i.test(av) || av.startsWith("/")) {
      avatar.src = av.startsWith("/") ? server + av : av;
      avatar.hidden = false;
    }
    labels();
    if (!teaserStarted && previewCfg === null) {
      teaserStarted = true;
      teaser = startProactive(c["proactive"], {
        root,
        launcher,
        key: `${KEY}:proactive`,
        pick,
        isOpen: () => isOpen,
        open: openWithNotice,
        labels: () => ({ dismiss: t.dismiss, bot: t.bot }),
      });
    }
  }
  let teaser: Proactive | null = null;
  let teaserStarted = false;

  /** Black or white text, whichever reads better on the shop's colour. */
  function contrast(color: string): string {
    const probe = h("span", "", root);
    themeSheet.replaceSync(`.probe-c{color:${color}}`);
    probe.className = "probe-c";
    const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || ["0", "0", "0"]).map(Number);
    probe.remove();
    const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    const lum = 0.2126 * lin(rgb[0]!) + 0.7152 * lin(rgb[1]!) + 0.0722 * lin(rgb[2]!);
    return lum > 0.36 ? "#111" : "#fff";
  }

  // ---- messages ---------------------------------------------------------------
  const URL_RE = /\bhttps?:\/\/[^\s<>"'\u3000-\u303f\uff01-\uff5e]+/gi;
  function setText(el: HTMLElement, text: string, links: boolean): void {
    el.textContent = "";
    if (!links) {
      el.textContent = text;
      return;
    }
    let last = 0;
    for (const m of text.matchAll(URL_RE)) {
      const raw = m[0].replace(/[.,;:!?)\]}]+$/, "");
      const at = m.index || 0;
      el.append(text.slice(last, at));
      let a: HTMLAnchorElement | null = null;
      try {
        const u = new URL(raw);
        if (u.protocol === "http:" || u.protocol === "https:") {
          a = d.createElement("a");
          a.href = u.href;
          a.target = "_blank";
          a.rel = "noopener noreferrer";
          a.textContent = raw;
        }
      } catch {
        /* not a URL after all */
      }
      el.append(a || raw);
      last = at + raw.length;
    }
    el.append(text.slice(last));
  }

  function whoLabel(m: Msg): string {
    if (m.author === "agent") return m.agent || t.agentFallback;
    return m.author === "shopper" ? t.you : m.author === "bot" ? t.bot : "";
  }

  function renderMsg(m: Msg, pending?: boolean): HTMLElement {
    const row = h("div", `row ${m.author}`);
    if (m.author === "agent") h("div", "who", row).textContent = whoLabel(m);
    else if (m.author !== "system") h("span", "who sr", row).textContent = whoLabel(m);
    const b = h("div", "msg", row);
    b.dataset["author"] = m.author;
    if (m.id) b.dataset["id"] = String(m.id);
    if (pending) b.classList.add("pending");
    setText(b, m.text, m.author !== "shopper");
    const track = trackUrl(m.reply);
    if (track) {
      const a = h("a", "track", row);
      a.href = track;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.textContent = t.track;
    }
    log.appendChild(row);
    els.set(m, b);
    return b;
  }

  /** The tracking link of a successful order lookup: http(s) only, never javascript: or relative. */
  function trackUrl(r: Reply | null | undefined): string {
    if (!r || r.kind !== "action_result" || r.ok !== true || !r.order || typeof r.order !== "object") return "";
    const raw = r.order.tracking_url;
    if (typeof raw !== "string") return "";
    try {
      const u = new URL(raw);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : "";
    } catch {
      return "";
    }
  }

  function scrollEnd(): void {
    log.scrollTop = log.scrollHeight;
  }

  function addMsg(m: Msg, live: boolean, pending?: boolean): void {
    st.msgs.push(m);
    renderMsg(m, pending);
    afterChange(live ? m : null);
  }

  function afterChange(fresh: Msg | null): void {
    const last = st.msgs[st.msgs.length - 1];
    showQuick(last && last.author === "bot" && last.reply ? last.reply.quick_replies || [] : []);
    offline.hidden = !offlineWanted();
    if (isOpen) st.seen = Math.max(st.seen, lastId());
    badge();
    scrollEnd();
    if (fresh) {
      boot.emit("message", { id: fresh.id, author: fresh.author, text: fresh.text });
      if (fresh.author === "agent") {
        typingOn(false);
        if (st.sound && (!isOpen || d.hidden)) beep();
        if (isOpen && fresh.id) send({ type: "read", id: fresh.id });
      } else if (fresh.id && fresh.reply && fresh.reply.kind === "proactive" && st.sound && (!isOpen || d.hidden)) beep();
    }
  }

  function offlineWanted(): boolean {
    let want = offlineFrame;
    for (const m of st.msgs) {
      const k = m.reply && m.reply.kind;
      if (k === "offline") want = true;
      else if (k === "ticket") want = false;
    }
    return want;
  }
  let offlineFrame = false;

  function showQuick(labelsList: string[]): void {
    quick.textContent = "";
    quick.hidden = !labelsList.length || handedOff();
    for (const label of labelsList.slice(0, 8)) {
      const b = h("button", "chip", quick);
      b.type = "button";
      b.textContent = label;
      b.addEventListener("click", () => {
        void sendText(label);
        input.focus();
      });
    }
  }

  function badge(): void {
    const n = isOpen ? 0 : st.msgs.filter((m) => (m.id || 0) > st.seen && (m.author === "bot" || m.author === "agent")).length;
    boot.badge.hidden = !n;
    boot.badge.textContent = n > 9 ? "9+" : String(n);
  }

  function renderAll(): void {
    log.textContent = "";
    els.clear();
    localBots = [];
    for (const m of st.msgs) renderMsg(m);
    for (const p of st.pending) {
      const m: Msg = { cid: p.cid, author: "shopper", text: p.text };
      st.msgs.push(m);
      renderMsg(m, true);
      if (p.lr && p.lr.text) {
        const b: Msg = { author: "bot", text: p.lr.text, reply: { kind: p.lr.kind, quick_replies: p.lr.quick_replies } };
        st.msgs.push(b);
        renderMsg(b);
        localBots.push({ msg: b, cid: p.cid, replaceable: !!p.lr.second_opinion });
      }
    }
    csat.hidden = true;
    afterChange(null);
    renderStatus();
  }

  // ---- status, typing, sound ------------------------------------------------
  let position = 0;
  let agentName = "";
  let online = true;
  function setStatus(s: Status, f: Frame): void {
    const before = st.status;
    st.status = s;
    if (typeof f["position"] === "number") position = f["position"];
    if (f["agent"] && typeof f["agent"].name === "string") agentName = f["agent"].name;
    if (s === "closed" || (s === "bot" && Date.now() >= actionUntil)) typingOn(false); // (a welcome says "bot" too)
    if (s !== before || s === "queued") {
      if (s === "queued" || s === "agent") boot.emit("handoff", { status: s, position, agent: agentName || null });
    }
    renderStatus();
    afterChange(null);
    save();
  }
  function renderStatus(): void {
    let text = "";
    if (!online) text = t.reconnecting;
    else if (st.status === "queued") text = t.waiting + (position > 0 ? " " + fill(t.position, "n", position) : "");
    else if (st.status === "agent") text = fill(t.joined, "agent", agentName || t.agentFallback);
    statusBar.textContent = text;
    statusBar.hidden = !text;
  }
  let typingTimer = 0;
  function typingOn(on: boolean, ms = 10000): void {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = window.setTimeout(() => (typing.hidden = true), ms);
  }
  /**
   * A flow's action (order lookup…) runs on the server and its result comes
   * later as a bot message: until then (at most ACTION_WAIT) show "typing" and
   * keep the socket (re)connecting.
   */
  const ACTION_WAIT = 15000;
  let actionUntil = 0;
  function awaitResult(): void {
    typingOn(true, ACTION_WAIT);
    actionUntil = Date.now() + ACTION_WAIT;
    void connect();
  }
  let audio: AudioContext | null = null;
  function beep(): void {
    try {
      audio ||= new AudioContext();
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.08, audio.currentTime);
      g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.18);
      o.connect(g).connect(audio.destination);
      o.start();
      o.stop(audio.currentTime + 0.2);
    } catch {
      /* no audio */
    }
  }
  soundBtn.addEventListener("click", () => {
    st.sound = !st.sound;
    soundBtn.setAttribute("aria-pressed", String(st.sound));
    if (st.sound) {
      try {
        audio ||= new AudioContext(); // created in a user gesture, so it may play later
        void audio.resume();
      } catch {
        /* no audio */
      }
    }
    save();
  });

  let noteTimer = 0;
  function flash(text: string): void {
    note.textContent = text;
    note.classList.remove("sr");
    clearTimeout(noteTimer);
    noteTimer = window.setTimeout(() => {
      note.textContent = "";
      note.classList.add("sr");
    }, 5000);
  }

  // ---- the core worker ---------------------------------------------------------
  type WState = "loading" | "ready" | "failed";
  let wstate: WState = "loading";
  let worker: Worker | null = null;
  let rpcSeq = 0;
  const calls = new Map<number, (out: string | null, embedded?: boolean) => void>();
  const settled: (() => void)[] = [];
  let readyEmitted = false;

  function ready(): void {
    if (readyEmitted) return;
    readyEmitted = true;
    boot.emit("ready");
  }
  function workerDone(s: WState): void {
    if (wstate === s || (wstate === "failed" && s === "ready")) return;
    const was = wstate;
    wstate = s;
    if (s === "failed") {
      for (const cb of calls.values()) cb(null);
      calls.clear();
      if (worker) worker.terminate();
      worker = null;
      if (previewCfg !== null) {
        try {
          applyConfig(JSON.parse(previewCfg));
        } catch {
          /* keep the defaults */
        }
        ready();
      } else if (!config) void fetchConfig();
      // A local-mode socket would get no answers any more: reconnect in server mode.
      if (was === "ready" && sock && mode === "local") sock.close();
    }
    settled.splice(0).forEach((f) => f());
  }
  function whenSettled(ms: number): Promise<void> {
    if (wstate !== "loading") return Promise.resolve();
    return new Promise((res) => {
      settled.push(res);
      setTimeout(res, ms);
    });
  }

  async function fetchConfig(): Promise<void> {
    try {
      // Without the worker the page needs the settings, not the FAQs: one language's are enough.
      const r = await fetch(`${server}/api/shop-config${boot.locale ? `?lang=${boot.locale}` : ""}`, { credentials: "omit" });
      if (r.ok) applyConfig(await r.json());
    } catch {
      /* keep the defaults */
    }
    ready();
  }

  function startWorker(): void {
    if (!__PARLEY_CORE__ || typeof Worker !== "function" || typeof WebAssembly !== "object") {
      workerDone("failed");
      return;
    }
    const url = `${server}/${__PARLEY_WORKER__}`;
    try {
      worker = new Worker(url, { type: "module" });
    } catch {
      try {
        // Cross-origin pages cannot start a worker from Parley's origin directly.
        const blob = new Blob([`import ${JSON.stringify(url)};`], { type: "text/javascript" });
        worker = new Worker(URL.createObjectURL(blob), { type: "module" });
      } catch {
        workerDone("failed");
        return;
      }
    }
    const me = worker;
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (worker !== me) return; // a preview restart replaced it
      const m = e.data;
      if (m.type === "config") {
        if (m.config) {
          try {
            applyConfig(JSON.parse(m.config));
          } catch {
            /* ignore */
          }
          ready();
        }
      } else if (m.type === "ready") workerDone("ready");
      else if (m.type === "failed") workerDone("failed");
      else if (m.type === "model") boot.emit("model", m.info);
      else if (m.type === "result") {
        const cb = calls.get(m.id);
        calls.delete(m.id);
        if (cb) cb(m.out, m.embedded);
      }
    };
    worker.onerror = () => worker === me && workerDone("failed");
    const init: ToWorker = {
      type: "init",
      configUrl: `${server}/api/shop-config`,
      // The page's language known: its FAQs first (the worker fetches the rest when a shopper needs them).
      ...(boot.locale ? { configLang: boot.locale } : {}),
      coreUrl: `${server}/${__PARLEY_CORE__}`,
      wasmUrl: `${server}/${__PARLEY_WASM__}`,
    };
    if (previewCfg !== null) init.config = previewCfg;
    const off = modelOff();
    if (off) init.modelOff = off;
    else {
      const urls = { ...__PARLEY_MODEL__! };
      for (const k of Object.keys(urls) as (keyof ModelUrls)[]) urls[k] = urls[k] && `${server}/${urls[k]}`;
      init.model = urls;
      if (boot.settings.webgpu === "fallback") init.webgpuFallback = true;
    }
    worker.postMessage(init);
    setTimeout(() => worker === me && wstate === "loading" && workerDone("failed"), 15000); // never came up
  }

  /**
   * Whether this page should never load the student model: a build without
   * one, Save-Data, or a device with at most 1 GB of memory (BM25 answers; the
   * server can still use its model). Checked here as well as in the worker:
   * the page is what a shopper (or a test) configures.
   */
  function modelOff(): ModelOff | null {
    if (!__PARLEY_MODEL__) return "no-model";
    const nav = navigator as Navigator & { connection?: { saveData?: boolean }; deviceMemory?: number };
    if (nav.connection && nav.connection.saveData) return "save-data";
    if (typeof nav.deviceMemory === "number" && nav.deviceMemory <= 1) return "device-memory";
    return null;
  }

  /**
   * Tells the worker the page is idle (it may load the model then): once,
   * when requestIdleCallback has fired after the load event (never before the
   * page is interactive) and the shopper has opened the chat (or has a
   * conversation from an earlier page). A visitor who
   * never opens it downloads none of the model's 5 MB (the page's own bytes
   * were 3.7 kB against 5,455 kB with the widget, Lighthouse, before this).
   * Not in preview (the admin page loads it on a first message).
   */
  let pageIdle = false;
  let idleSent = false;
  let everOpened = false;
  function idleIfOpened(): void {
    // Opened on this page, or chatted on an earlier one (the model is in Cache Storage then).
    if (!pageIdle || idleSent || !(everOpened || st.conv) || !worker || previewCfg !== null) return;
    idleSent = true;
    const m: ToWorker = { type: "idle" };
    worker.postMessage(m);
  }
  function whenIdle(): void {
    if (previewCfg !== null) return;
    const ric = (window as Window & { requestIdleCallback?: (cb: () => void) => number }).requestIdleCallback;
    const idle = () => {
      pageIdle = true;
      idleIfOpened();
    };
    const schedule = () => (typeof ric === "function" ? ric.call(window, idle) : setTimeout(idle, 3000));
    if (d.readyState === "complete") schedule();
    else window.addEventListener("load", schedule, { once: true });
  }

  /** Preview: a new engine for a new draft (the old worker's late answers are dropped). */
  function restartWorker(): void {
    for (const cb of calls.values()) cb(null);
    calls.clear();
    if (worker) worker.terminate();
    worker = null;
    wstate = "loading";
    startWorker();
  }

  /** The core's answer; `embedded`: the student's embedding of the message went into it (else BM25 alone). */
  type CoreOut = { reply?: Frame; session?: string; error?: string; embedded?: boolean };
  function rpc(m: { type: "respond"; text: string } | { type: "greet" }): Promise<CoreOut | null> {
    if (!worker || wstate !== "ready") return Promise.resolve(null);
    const id = ++rpcSeq;
    const w = worker;
    return new Promise((res) => {
      calls.set(id, (out, embedded) => {
        try {
          res(out ? { ...(JSON.parse(out) as CoreOut), embedded: !!embedded } : null);
        } catch {
          res(null);
        }
      });
      const msg = { ...m, id, session: coreSession(), locale } as ToWorker;
      w.postMessage(msg);
      setTimeout(() => {
        const cb = calls.get(id);
        calls.delete(id);
        if (cb) cb(null);
      }, 5000);
    });
  }

  /** The dialog state for the in-page core, in line with what the server knows. */
  function coreSession(): string {
    if (!st.session) return "";
    if (handedOff()) return st.session;
    try {
      const j = JSON.parse(st.session);
      if (j.handed_off) {
        // The server kept the conversation (nobody online) or it was closed: the bot carries on.
        j.handed_off = false;
        j.handoff = "none";
        if (st.status === "closed") j.flow = null;
      }
      return JSON.stringify(j);
    } catch {
      return "";
    }
  }

  // ---- the socket ---------------------------------------------------------------
  let sock: WebSocket | null = null;
  let mode: "local" | "server" = "server";
  /**
   * What the server can add to a turn the page's core cannot answer (PROTOCOL.md, welcome.second_opinion):
   * a large model's re-rank, or the student for a page that answered with BM25 alone (before its model
   * loaded, under Save-Data, on a small device).
   */
  let secondOpinion = { student: false, large_model: false };
  /** How long the page's own reply waits for the server's second opinion (the server's re-rank deadline is 0.8 s). */
  const SECOND_OPINION_WAIT = 3000;
  /** Turns handed to the server, by client id: the timer that shows the page's reply after all. */
  const held = new Map<string, number>();
  let welcomed = false;
  let connecting = false;
  let attempts = 0;
  let retryTimer = 0;
  let pendingTicket: Frame | null = null;

  const wanted = () => isOpen || !!st.token || !!st.conv || st.pending.length > 0 || Date.now() < actionUntil;

  function send(f: Frame): boolean {
    if (!sock || !welcomed || sock.readyState !== 1) return false;
    sock.send(JSON.stringify(f));
    return true;
  }

  async function connect(): Promise<void> {
    if (previewCfg !== null) return; // preview: never a socket
    if (sock || connecting || !wanted()) return;
    clearTimeout(retryTimer);
    connecting = true;
    await whenSettled(4000);
    connecting = false;
    if (sock || !wanted()) return;
    const s = new WebSocket(server.replace(/^http/, "ws") + "/ws/shopper");
    sock = s;
    welcomed = false;
    mode = wstate === "ready" ? "local" : "server";
    s.onopen = () => {
      const hello: Frame = { type: "hello", token: st.token, last_id: lastId(), locale, mode };
      if (st.user) hello["user"] = st.user;
      s.send(JSON.stringify(hello));
    };
    s.onmessage = (e) => {
      if (sock !== s) return;
      let f: Frame;
      try {
        f = JSON.parse(String(e.data));
      } catch {
        return;
      }
      frame(f);
    };
    s.onclose = () => {
      if (sock !== s) return;
      sock = null;
      welcomed = false;
      for (const cid of [...held.keys()]) showHeld(cid); // no server to answer now: the page's reply stands
      if (Date.now() >= actionUntil) typingOn(false); // an agent's typing ends with the socket; a pending result does not
      if (!wanted()) return;
      if (attempts > 0) {
        online = false;
        renderStatus();
      }
      const delay = Math.min(30000, 500 * 2 ** attempts++) * (0.6 + Math.random() * 0.8);
      retryTimer = window.setTimeout(() => void connect(), delay);
    };
  }

  function disconnect(): void {
    const s = sock;
    sock = null;
    welcomed = false;
    if (s) s.close();
  }

  function frame(f: Frame): void {
    switch (f["type"]) {
      case "welcome":
        return welcome(f);
      case "message":
        return onMessage(f);
      case "ack":
        return onAck(f);
      case "status":
        return setStatus(f["status"], f);
      case "typing":
        if (f["author"] === "agent") typingOn(!!f["on"]);
        return;
      case "csat_request":
        csat.hidden = false;
        starBtns.forEach((b) => (b.disabled = false));
        csatText.textContent = t.rate;
        stars.hidden = false;
        return;
      case "csat_ack":
        csatText.textContent = t.thanks;
        stars.hidden = true;
        return;
      case "offline":
        offlineFrame = true;
        offline.hidden = false;
        return;
      case "error":
        return onError(f);
    }
  }

  function welcome(f: Frame): void {
    const conv = String(f["conversation_id"] || "");
    if (st.conv && conv !== st.conv) dropTranscript(); // the server started over (or another identity)
    st.conv = conv;
    if (f["token"]) st.token = f["token"];
    if (typeof f["last_id"] === "number" && f["last_id"] < lastId()) {
      // We remember more than the server has: start the replay from scratch.
      dropTranscript();
      save();
      disconnect();
      void connect();
      return;
    }
    welcomed = true;
    const so = mode === "local" && f["second_opinion"] && typeof f["second_opinion"] === "object" ? f["second_opinion"] : {};
    secondOpinion = { student: so.student === true, large_model: so.large_model === true };
    attempts = 0;
    online = true;
    agentName = f["agent"] && typeof f["agent"].name === "string" ? f["agent"].name : agentName;
    setStatus(f["status"] || "bot", f);
    for (const p of st.pending) flush(p);
    if (pendingTicket) {
      send(pendingTicket);
      pendingTicket = null;
    }
    save();
  }

  function dropTranscript(): void {
    st.msgs = st.msgs.filter((m) => !m.id);
    st.status = "bot";
    const keep = st.msgs;
    st.msgs = [];
    log.textContent = "";
    els.clear();
    const bots = localBots;
    for (const m of keep) {
      st.msgs.push(m);
      renderMsg(m, m.author === "shopper");
    }
    localBots = bots.filter((b) => keep.includes(b.msg));
    st.seen = 0;
  }

  function onAck(f: Frame): void {
    const cid = f["client_id"];
    st.pending = st.pending.filter((p) => p.cid !== cid);
    if (typeof cid === "string" && held.has(cid)) {
      clearTimeout(held.get(cid));
      held.delete(cid); // the server's answer follows this ack
    }
    // The server answered this turn itself: the page's core goes on from its
    // dialog state (unless a later message was answered in the page meanwhile).
    if (typeof f["dialog_state"] === "string" && st.pending.length === 0) st.session = f["dialog_state"];
    const m = st.msgs.find((x) => x.cid === cid);
    if (m && !m.id && typeof f["id"] === "number") {
      m.id = f["id"];
      // What the server stored (PII-masked): this tab gets no echo of its own message.
      if (typeof f["text"] === "string") m.text = f["text"];
      if (typeof f["ts"] === "number") m.ts = f["ts"];
      const el = els.get(m);
      if (el) {
        el.dataset["id"] = String(m.id);
        el.classList.remove("pending");
      }
    }
    save();
  }

  function onMessage(f: Frame): void {
    const id = f["id"];
    if (typeof id !== "number" || st.msgs.some((m) => m.id === id)) return;
    const author = (["shopper", "bot", "agent", "system"].includes(f["author"]) ? f["author"] : "system") as Author;
    const text = typeof f["text"] === "string" ? f["text"] : "";
    const reply = f["reply"] && typeof f["reply"] === "object" ? (f["reply"] as Reply) : null;
    // Our own message, echoed (possibly PII-masked): adopt the id.
    if (author === "shopper" && f["client_id"]) {
      const mine = st.msgs.find((m) => m.cid === f["client_id"] && !m.id);
      if (mine) {
        onAck({ client_id: f["client_id"], id });
        mine.text = text;
        save();
        return;
      }
    }
    // Drop local replies whose slot has passed (the server did not store them).
    localBots = localBots.filter((b) => {
      const owner = b.cid ? st.msgs.find((m) => m.cid === b.cid) : null;
      return !(owner && owner.id && owner.id + 1 < id);
    });
    if (author === "bot" && localBots.length) {
      const lb = localBots[0]!;
      const owner = lb.cid ? st.msgs.find((m) => m.cid === lb.cid) : null;
      const answersOwner = !!owner && !!owner.id && owner.id + 1 === id;
      if (lb.msg.text === text || (lb.greeting && !st.msgs.some((m) => m.id)) || (lb.replaceable && answersOwner)) {
        localBots.shift();
        lb.msg.id = id;
        lb.msg.ts = f["ts"];
        if (reply) lb.msg.reply = reply;
        const el = els.get(lb.msg);
        if (el) {
          el.dataset["id"] = String(id);
          if (lb.msg.text !== text) {
            lb.msg.text = text;
            setText(el, text, true);
          }
        }
        afterChange(null);
        save();
        return;
      }
    }
    const kind = reply ? reply.kind : "";
    // A notice pushed by the server is no answer: whatever is awaited still is.
    if (author === "bot" && kind !== "proactive") {
      typingOn(false);
      actionUntil = 0;
    }
    // Server mode: the server's core started an action; its result follows.
    const recent = Math.abs(Date.now() - Number(f["ts"])) < ACTION_WAIT; // not an old one in a replay
    if (author === "bot" && kind === "action" && mode === "server" && recent) awaitResult();
    const m: Msg = { id, author, text, ts: f["ts"], reply };
    if (f["client_id"]) m.cid = f["client_id"];
    if (f["agent"] && typeof f["agent"].name === "string") m.agent = f["agent"].name;
    if (reply && reply.kind === "ticket") offlineFrame = false;
    addMsg(m, true);
    save();
  }

  function onError(f: Frame): void {
    const code = f["code"];
    if (f["ref"] === "hello" || code === "not_found") {
      // A refused identity or a deleted/foreign conversation: never show any of it.
      const refusedUser = code === "not_allowed" && !!st.user && f["ref"] === "hello";
      wipe(!refusedUser);
      if (refusedUser) flash(t.notVerified);
      return;
    }
    if (code === "rate_limited") flash(t.rateLimited);
    else if (code === "too_large") flash(t.tooLong);
    else if (f["ref"] === "ticket") {
      offErr.textContent = code === "bad_frame" ? t.badEmail : t.error;
      ticketBtn.disabled = false;
    } else if (f["ref"] === "csat") csat.hidden = true;
  }

  function flush(p: Pending): void {
    if (mode === "local" && welcomed && !p.lr && !p.byServer && !handedOff() && wstate === "ready") {
      // Written before the core was up: the server expects the in-page answer with it.
      if (p.sent !== -1) {
        p.sent = -1;
        void localReply(p).then((ok) => {
          if (!ok) workerDone("failed");
          else if (st.pending.includes(p)) flush(p);
        });
      }
      return;
    }
    const f: Frame = { type: "message", client_id: p.cid, text: p.text };
    if (mode === "local" && p.lr) f["local_reply"] = p.lr;
    if (send(f)) {
      p.sent = Date.now();
      if (mode === "server") p.byServer = true;
    }
    else void connect();
  }
  // Unacknowledged messages (rate limit, lost frames) go again with the same client_id.
  setInterval(() => {
    const now = Date.now();
    for (const p of st.pending) if (welcomed && p.sent !== -1 && (!p.sent || now - p.sent > 5000)) flush(p);
  }, 2500);

  // ---- sending -----------------------------------------------------------------
  const bytes = (s: string) => new TextEncoder().encode(s).length;

  /** Asks the in-page core; renders its reply and keeps it for the server (local_reply). */
  async function localReply(p: Pending): Promise<boolean> {
    const g = gen;
    const out = await rpc({ type: "respond", text: p.text });
    if (g !== gen) return true;
    const r = out && out.reply;
    if (!r || !out.session) return false;
    st.session = out.session;
    const kind = String(r["kind"] || "answer");
    const rtext = kind === "relay" ? "" : String(r["text"] || "");
    const qr = Array.isArray(r["quick_replies"]) ? (r["quick_replies"] as string[]) : [];
    p.lr = {
      text: rtext,
      kind,
      item_id: String(r["item_id"] || ""),
      confidence: Number(r["confidence"]) || 0,
      handoff: String(r["handoff"] || "none"),
      dialog_state: out.session,
      quick_replies: qr,
    };
    const act = r["action"];
    if (act && typeof act === "object" && typeof act.name === "string" && act.name) {
      // The server performs it (order lookup…) and answers with an action_result message.
      const params = act.params && typeof act.params === "object" && !Array.isArray(act.params) ? act.params : {};
      p.lr.action = { name: act.name, flow_id: String(act.flow_id || ""), params };
    }
    const serverKnowsMore = secondOpinion.large_model || (secondOpinion.student && !out.embedded);
    if (rtext && previewCfg === null && mode === "local" && serverKnowsMore && welcomed && worthAsking(p.lr)) {
      // The server answers this turn instead (its large model re-ranks what
      // the page's core could not answer, or its student answers what the
      // page's BM25 alone could not); the page's reply shows only if the
      // server's does not come in time.
      p.lr.second_opinion = true;
      typingOn(true, SECOND_OPINION_WAIT);
      held.set(p.cid, window.setTimeout(() => showHeld(p.cid), SECOND_OPINION_WAIT));
      return true;
    }
    if (rtext) {
      const b: Msg = { author: "bot", text: rtext, reply: { kind, quick_replies: qr, item_id: p.lr.item_id } };
      localBots.push({ msg: b, cid: p.cid });
      addMsg(b, true);
    }
    if (p.lr.action && previewCfg === null) awaitResult();
    return true;
  }

  /** A reply the server may do better on: the same turns its re-rank takes (server/src/rerank.cpp, reranker::wants). */
  function worthAsking(lr: LocalReply): boolean {
    if (lr.action) return false;
    return lr.kind === "fallback" || lr.kind === "clarify" || (lr.kind === "handoff" && lr.handoff === "repeated_fallback");
  }

  /** The server's second opinion is late or cannot come: show the page's reply (replaced if the server's arrives). */
  function showHeld(cid: string): void {
    clearTimeout(held.get(cid));
    if (!held.delete(cid)) return;
    const p = st.pending.find((x) => x.cid === cid);
    if (!p || !p.lr || !p.lr.text) return; // acknowledged meanwhile: the server's answer is on its way
    typingOn(false);
    const b: Msg = { author: "bot", text: p.lr.text, reply: { kind: p.lr.kind, quick_replies: p.lr.quick_replies, item_id: p.lr.item_id } };
    localBots.push({ msg: b, cid, replaceable: true });
    addMsg(b, true);
    save();
  }

  async function sendText(raw: string): Promise<void> {
    const text = raw.trim();
    if (!text) return;
    if (bytes(text) > 4000) {
      flash(t.tooLong);
      return;
    }
    const g = gen;
    const cid = `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const m: Msg = { cid, author: "shopper", text };
    // sent = -1 while this function prepares it: the retry timer must not send
    // it (nor ask the core a second time) while the in-page answer is computed,
    // which with a model on a slow device can take longer than the timer's 2.5 s.
    const p: Pending = { cid, text, sent: -1 };
    st.pending.push(p);
    addMsg(m, true, true);
    csat.hidden = true;
    sendTyping(false);
    if (wstate === "loading") await whenSettled(4000);
    if (g !== gen) return;
    if (previewCfg !== null) {
      // Preview: the in-page core is all there is; nothing goes to the server.
      st.pending = st.pending.filter((x) => x !== p);
      const el = els.get(m);
      if (el) el.classList.remove("pending");
      if (wstate !== "ready" || !(await localReply(p))) {
        if (g === gen) flash(t.error);
      }
      return;
    }
    if (!handedOff() && wstate === "ready" && (!sock || mode === "local")) {
      if (!(await localReply(p))) {
        if (g !== gen) return;
        workerDone("failed"); // the server answers from now on
        typingOn(true);
      }
      if (g !== gen) return;
    } else if (!handedOff()) typingOn(true);
    delete p.sent;
    save();
    flush(p);
  }

  let typingSent = false;
  let typingIdle = 0;
  function sendTyping(on: boolean): void {
    if (st.status !== "agent" || on === typingSent) return;
    typingSent = on;
    send({ type: "typing", on });
  }
  input.addEventListener("input", () => {
    sendTyping(input.value.length > 0);
    clearTimeout(typingIdle);
    typingIdle = window.setTimeout(() => sendTyping(false), 4000);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = input.value;
    input.value = "";
    void sendText(v);
    input.focus();
  });
  offline.addEventListener("submit", (e) => {
    e.preventDefault();
    const em = email.value.trim();
    const q = question.value.trim();
    offErr.textContent = "";
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(em)) {
      offErr.textContent = t.badEmail;
      email.focus();
      return;
    }
    if (!q) {
      offErr.textContent = t.emptyQuestion;
      question.focus();
      return;
    }
    const f = { type: "ticket", email: em, message: q };
    ticketBtn.disabled = true;
    offErr.textContent = t.ticketSending;
    if (!send(f)) {
      pendingTicket = f;
      void connect();
    }
  });
  function rate(n: number): void {
    starBtns.forEach((b) => (b.disabled = true));
    send({ type: "csat", score: n });
  }

  // ---- greeting -------------------------------------------------------------------
  async function greet(): Promise<void> {
    if (st.msgs.length || st.pending.length || st.conv) return;
    const g = gen;
    let text = "";
    const out = await rpc({ type: "greet" });
    if (g !== gen || st.msgs.length) return;
    if (out && out.reply && out.session) {
      st.session = out.session;
      text = String(out.reply["text"] || "");
    } else if (config) text = pick(config["greeting"]);
    if (!text) return;
    const m: Msg = { author: "bot", text, reply: { kind: "smalltalk" } };
    localBots.push({ msg: m, greeting: true });
    addMsg(m, false);
  }

  // ---- open / close / identity -------------------------------------------------------
  function open(): void {
    if (isOpen) return;
    isOpen = true;
    if (teaser) teaser.hide();
    panel.hidden = false;
    host.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    st.seen = Math.max(st.seen, lastId());
    badge();
    save();
    scrollEnd();
    input.focus();
    greeting = greet();
    void connect();
    everOpened = true;
    idleIfOpened();
    boot.emit("open");
  }
  let greeting: Promise<void> = Promise.resolve();
  /** The shopper clicked a proactive teaser: open with its text as the bot's line, after the greeting. */
  function openWithNotice(text: string): void {
    const g = gen;
    open();
    void greeting.then(() => {
      if (g !== gen || !text) return;
      addMsg({ author: "bot", text, reply: { kind: "proactive" } }, true);
    });
  }
  function close(): void {
    if (!isOpen) return;
    isOpen = false;
    panel.hidden = true;
    host.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
    sendTyping(false);
    boot.emit("close");
  }
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      close();
    }
  });
  closeBtn.addEventListener("click", close);

  /** Forgets the conversation here (and in other tabs); `keepUser` keeps the identity. */
  function wipe(keepUser: boolean, persist = true): void {
    gen++;
    disconnect();
    clearTimeout(retryTimer);
    attempts = 0;
    const user = keepUser ? st.user : null;
    st = blank(st);
    st.user = user;
    offlineFrame = false;
    pendingTicket = null;
    position = 0;
    agentName = "";
    renderAll();
    if (persist) save();
    if (isOpen) {
      void greet();
      if (persist) void connect(); // (from another tab: connect when the shopper writes)
    }
  }

  const impl: Impl = {
    open,
    close,
    toggle: () => (isOpen ? close() : open()),
    identify(u) {
      if (!u || typeof u !== "object" || typeof u.id !== "string" || !u.id || typeof u.hash !== "string") return;
      const user: Identity = { id: u.id.slice(0, 128), hash: u.hash.slice(0, 128) };
      if (typeof u.email === "string" && u.email) user.email = u.email.slice(0, 254);
      if (typeof u.name === "string" && u.name) user.name = u.name.slice(0, 128);
      const prev = st.user;
      if (prev && prev.id !== user.id) wipe(false); // another person's conversation: never mixed
      const changed = !prev || prev.id !== user.id || prev.hash !== user.hash;
      st.user = user;
      save();
      if (changed && (sock || connecting)) {
        disconnect();
        void connect();
      }
    },
    reset() {
      wipe(false);
    },
    setLocale(l) {
      if (l !== "en" && l !== "zh") return;
      locale = l;
      labels();
    },
    preview(c) {
      if (!c || typeof c !== "object" || Array.isArray(c)) return;
      // From now on this page runs the given config only: no socket, no storage.
      previewCfg = JSON.stringify(c);
      gen++;
      disconnect();
      clearTimeout(retryTimer);
      attempts = 0;
      st = blank(st);
      offlineFrame = false;
      pendingTicket = null;
      position = 0;
      agentName = "";
      actionUntil = 0;
      typingOn(false);
      if (teaser) teaser.hide();
      restartWorker();
      renderAll();
      applyConfig(c as Frame);
      if (isOpen) greeting = whenSettled(15000).then(greet);
    },
  };

  // ---- other tabs --------------------------------------------------------------------
  window.addEventListener("storage", (e) => {
    if (previewCfg !== null || (e.key !== KEY && e.key !== null)) return;
    const o = parse(e.newValue);
    if (!o || (!o.conv && st.conv)) {
      // reset() (or another identity) in another tab: forget it here too, without writing back.
      wipe(false, false);
      if (o) st.user = o.user;
      return;
    }
    if (!o.conv && !st.conv) {
      st.user = o.user;
      return;
    }
    const mineOnly = !st.msgs.some((m) => m.author === "shopper");
    const otherUser = (o.user && o.user.id) !== (st.user && st.user.id);
    // Two fresh tabs may both start one: the smaller id wins, so they settle on one.
    if (o.conv && o.conv !== st.conv && (otherUser || (mineOnly && (!st.conv || o.conv < st.conv)))) {
      // Another tab started (or switched to) a conversation: follow it.
      gen++;
      disconnect();
      st = { ...o, sound: o.sound };
      renderAll();
      void connect();
      return;
    }
    if (o.conv !== st.conv) return;
    st.session = o.session || st.session;
    st.sound = o.sound;
    soundBtn.setAttribute("aria-pressed", String(st.sound));
    st.seen = Math.max(st.seen, o.seen);
    for (const m of o.msgs) if (m.id && !st.msgs.some((x) => x.id === m.id)) onMessage({ type: "message", ...m, client_id: m.cid, agent: m.agent ? { name: m.agent } : null });
    badge();
  });
  window.addEventListener("online", () => void connect());
  d.addEventListener("visibilitychange", () => {
    if (!d.hidden && !sock) void connect();
  });

  // ---- start ---------------------------------------------------------------------------
  labels();
  renderAll();
  startWorker();
  whenIdle();
  void connect(); // only when a conversation exists: a page view alone creates none
  boot.attach(impl);
}
