// widget-worker-<hash>.js — a module Worker that runs the wasm core, so the
// page gets the bot's reply with no network round trip. It fetches the shop
// config (or takes the one it is given, in preview), instantiates the core and
// answers `respond`/`greet` requests — with BM25 at once, and once the student
// sentence encoder is loaded (model.ts: once the shopper has been quiet for a
// second after an answer, or when the page says it is idle) with each
// message's embedding fused in. The model and every language's FAQs are
// loaded by a second worker (this same script, "the upgrade"), which answers
// from then on: loading them here would hold up the shopper's next answer.
// model.ts is a chunk of its own (esbuild splitting): imported when the model loads.
import type { BackendName, RemoteModel, StudentModel, ToModel } from "./model";
import type { FromWorker, ModelInfo, ModelUrls, ToWorker } from "./shared";

interface Engine {
  ok(): boolean;
  error(): string;
  greet(session: string): string;
  respond(session: string, text: string): string;
  newSession?(locale: string): string;
  analysisText(text: string): string;
  language(text: string, fallback: string): string;
  documentTexts(): string;
  setDocumentEmbeddings(flat: Float32Array, dimension: number): string;
  setVectorCalibration(json: string): string;
  respondWith(session: string, text: string, embedding: Float32Array, frustration: number): string;
  delete(): void;
}
interface Core {
  Engine: new (config: string) => Engine;
}

const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker | ToModel>) => void) | null;
  /** Diagnostics for tests and developers (Playwright: worker.evaluate). */
  parleyModel?: {
    readonly info: ModelInfo;
    embed(texts: string[], backend?: BackendName): Promise<{ ids: number[]; embedding: number[]; frustration: number }[]>;
    placement(): Promise<Record<string, number>>;
  };
};
const post = (m: FromWorker) => scope.postMessage(m);

let engine: Engine | null = null;
let core: Core | null = null;
/** The config in use holds only this language's FAQs (null: every language). */
let partialLang: string | null = null;
let fullConfigUrl = "";
let widening: Promise<Engine> | null = null;
/** Engines that hold the model's document vectors. */
const vectorEngines = new WeakSet<Engine>();
/** Engines swapped out (and deleted) by install(). */
const retired = new WeakSet<Engine>();
let waiting: ToWorker[] = [];
/** Answers go out in the order asked, whether or not a message waits for its embedding. */
let chain: Promise<void> = Promise.resolve();

// ---- the student model -------------------------------------------------------
let modelUrls: ModelUrls | null = null;
let webgpuFallback = false;
/** In a worker of its own (RemoteModel), or in this one where a worker cannot start one. */
let model: StudentModel | RemoteModel | null = null;
let wanted: "message" | "idle" | null = null;
let info: ModelInfo = { status: "idle", embedded: 0 };
const report = () => post({ type: "model", info: JSON.parse(JSON.stringify(info)) as ModelInfo });

/**
 * Loading the model (and building the widened engine) takes seconds of CPU,
 * and on a small device the answering worker shares the cores with it. So it
 * starts only once no answer (the greeting included) has gone out for
 * QUIET_MS: the shopper is reading or typing. (The page's idle signal says
 * nothing about the shopper: its main thread is idle while they chat.)
 */
const QUIET_MS = 1000;
let lastAnswer = -Infinity;
let quietTimer: ReturnType<typeof setTimeout> | undefined;

/** Asks for the model: loads it once the engine is up (and only if this device should). */
function want(trigger: "message" | "idle"): void {
  if (info.status === "idle") wanted ||= trigger; // the first trigger, even if the load waits
  const wait = lastAnswer + QUIET_MS - performance.now();
  if (wait > 0) {
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => want(trigger), wait);
    return;
  }
  if (!engine) return; // init() asks again
  // Every language's FAQs come in idle time too (Save-Data: only once a shopper writes in another).
  const widen_ = !!partialLang && !widening && info.off !== "save-data";
  const load = info.status === "idle" && !!modelUrls;
  if (upgrade || ((widen_ || load) && startUpgrade(wanted!))) return; // the upgrade worker does both
  if (widen_) {
    const w = (widening = widen());
    w.then((e) => (chain = chain.then(() => install(e))), () => widening === w && (widening = null));
  }
  if (load) void loadModel(wanted!);
}

/** Save-Data or a small device: BM25 only (the server's model can still answer). */
function deviceOff(): "save-data" | "device-memory" | null {
  const nav = navigator as Navigator & { connection?: { saveData?: boolean }; deviceMemory?: number };
  if (nav.connection?.saveData) return "save-data";
  if (typeof nav.deviceMemory === "number" && nav.deviceMemory <= 1) return "device-memory";
  return null;
}

async function loadModel(trigger: "message" | "idle"): Promise<void> {
  const t0 = performance.now();
  info.status = "loading";
  info.trigger = trigger;
  report();
  try {
    const { StudentModel: Model, RemoteModel: Remote, NoModelWorker } = await import("./model");
    let m: StudentModel | RemoteModel;
    try {
      m = await Remote.start(spawnWorker, modelUrls!, webgpuFallback);
    } catch (e) {
      if (!(e instanceof NoModelWorker)) throw e;
      m = await Model.load(modelUrls!, webgpuFallback);
    }
    info.backend = m.backend;
    if (m.report.webgpu) info.webgpu = m.report.webgpu;
    if (m.report.adapter) info.adapter = m.report.adapter;
    const t1 = performance.now();
    // The config may be widened to every language while the documents are embedded: then again.
    let got = await attachDocuments(engine!, m);
    while (!got) got = await attachDocuments(engine!, m);
    const { texts, docs, set } = got;
    await m.warmUp();
    model = m;
    info.status = "ready";
    info.backend = m.backend; // WebGPU may have failed while embedding the documents
    if (m.report.webgpu) info.webgpu = m.report.webgpu;
    info.cached = { ...m.report.cached, documents: docs.cached };
    info.documents = set.documents ?? texts.length;
    info.embeddedDocuments = texts.length;
    info.calibrated = m.calibration !== "";
    info.dimension = m.dimension;
    const r = (x: number) => Math.round(x * 10) / 10;
    info.ms = { fetch: r(m.report.fetchMs), init: r(m.report.initMs), documents: r(performance.now() - t1), total: r(performance.now() - t0) };
  } catch (err) {
    info.status = "failed";
    info.error = String((err as Error).message || err);
  }
  report();
}

/**
 * Embeds the engine's documents with the model and hands them over, with the
 * model's calibration; null if the engine was swapped out meanwhile.
 */
async function attachDocuments(e: Engine, m: StudentModel | RemoteModel) {
  const texts = JSON.parse(e.documentTexts()) as string[];
  if (!Array.isArray(texts)) throw new Error("documentTexts: " + JSON.stringify(texts));
  const docs = await m.documents(texts);
  if (retired.has(e)) return null;
  const set = JSON.parse(e.setDocumentEmbeddings(docs.flat, m.dimension)) as { error?: string; documents?: number };
  if (set.error) throw new Error(set.error);
  // The confidence of a fused query is calibrated for this model (its file says how).
  const calib = JSON.parse(e.setVectorCalibration(m.calibration)) as { error?: string };
  if (calib.error) throw new Error(calib.error);
  vectorEngines.add(e);
  return { texts, docs, set };
}

async function fetchConfig(url: string): Promise<string> {
  const r = await fetch(url, { credentials: "omit" });
  if (!r.ok) throw new Error(`shop-config: HTTP ${r.status}`);
  // No Content-Language: the server sent the whole config (a shop in one language).
  if (url !== fullConfigUrl && !r.headers.get("Content-Language")) partialLang = null;
  return r.text();
}

function newEngine(config: string): Engine {
  const e = new core!.Engine(config);
  if (!e.ok()) {
    const err = e.error();
    e.delete();
    throw new Error(err);
  }
  return e;
}

/** An engine with every language's FAQs (the page's language's came first). */
async function widen(): Promise<Engine> {
  const e = newEngine(await fetchConfig(fullConfigUrl));
  if (model) await attachDocuments(e, model).catch(() => {}); // else BM25 answers on it
  return e;
}

/** Swaps the widened engine in; only between answers (in the chain), so none is cut off. */
function install(e: Engine): void {
  if (engine === e) return;
  const old = engine;
  engine = e;
  partialLang = null;
  if (old) {
    retired.add(old);
    old.delete();
  }
  if (model && !vectorEngines.has(e)) void attachDocuments(e, model).catch(() => {});
}

// ---- the upgrade worker ----------------------------------------------------------
/*
 * Loading the model is a few long tasks (the encoder module's init ~120 ms,
 * the core's engine over every language's FAQs 25-70 ms, handing it the
 * documents' vectors 12-26 ms: -Oz wasm), and a shopper's message arriving
 * meanwhile waits for them. So a second worker (this script, `upgrade` in its
 * init) builds all of it, on another thread, while this one answers with BM25
 * over the page language's FAQs; once the model is ready (or has failed) every
 * request goes to it. Sessions travel with each request, so nothing moves.
 * This worker's engine stays as the fallback should the upgrade die; where a
 * worker cannot start one (an old browser, a CSP), it loads them itself.
 */
let isUpgrade = false;
let initMsg: Extract<ToWorker, { type: "init" }> | null = null;
let upgrade: Worker | null = null;
/** The upgrade worker once it is ready: it answers. */
let delegate: Worker | null = null;
let upgradeReady = false;
let onUpgradeReady: (ok: boolean) => void = () => {};
/** Whether the upgrade worker's engine (every language's FAQs) is up; false if it died first. */
let upgradeReadyP: Promise<boolean> = Promise.resolve(false);
let upgradeDone = false;
/** How long a message in another language waits for the upgrade's engine before this worker widens itself. */
const UPGRADE_WAIT_MS = 2000;
let upgradeIds = 0;
const upgradeWaits = new Map<number, (m: Extract<FromWorker, { type: "result" | "diag" }> | null) => void>();

/** Another worker running this script (throws where a worker cannot start one). */
function spawnWorker(): Worker {
  const url = import.meta.url;
  try {
    return new Worker(url, { type: "module" });
  } catch {
    // A worker started from a blob (a cross-origin page) has the page's origin: the same trick as the page.
    return new Worker(URL.createObjectURL(new Blob([`import ${JSON.stringify(url)};`], { type: "text/javascript" })), { type: "module" });
  }
}

/** Starts the upgrade worker; false where a worker cannot start one (load in this one then). */
function startUpgrade(trigger: "message" | "idle"): boolean {
  if (isUpgrade || upgradeDone || !initMsg) return false;
  let w: Worker;
  try {
    w = spawnWorker();
  } catch {
    upgradeDone = true;
    return false;
  }
  upgrade = w;
  upgradeReadyP = new Promise((res) => (onUpgradeReady = res));
  const init: ToWorker = { ...initMsg, configUrl: fullConfigUrl, upgrade: trigger };
  delete init.configLang;
  if (info.status === "idle" && modelUrls) {
    info.status = "loading";
    info.trigger = trigger;
    report();
  } else {
    delete init.model;
    init.modelOff = info.off || "no-model";
  }
  w.onmessage = (e: MessageEvent<FromWorker>) => onUpgrade(w, e.data);
  w.onerror = (e) => {
    e.preventDefault();
    dropUpgrade(w);
  };
  w.postMessage(init);
  return true;
}

function onUpgrade(w: Worker, m: FromWorker): void {
  if (w !== upgrade) return;
  if (m.type === "result" || m.type === "diag") {
    upgradeWaits.get(m.id)?.(m);
    upgradeWaits.delete(m.id);
  } else if (m.type === "failed") {
    dropUpgrade(w);
  } else if (m.type === "model") {
    if (m.info.status === "idle") return; // its state before it starts loading
    info = m.info;
    report();
  } else if (m.type === "ready") {
    upgradeReady = true;
    onUpgradeReady(true);
  }
  if (!delegate && upgradeReady && info.status !== "loading" && info.status !== "idle") {
    // Between two answers, so none is cut off.
    chain = chain.then(() => {
      if (upgrade === w) delegate = w;
    });
  }
}

/**
 * The upgrade is gone (it failed to start, or its core failed): this worker answers again, with
 * what it has (and widens itself when a shopper needs it); the model loads here if it was not ready.
 */
function dropUpgrade(w: Worker): void {
  if (w !== upgrade) return;
  w.terminate();
  upgrade = delegate = null;
  upgradeDone = true;
  onUpgradeReady(false);
  for (const done of upgradeWaits.values()) done(null);
  upgradeWaits.clear();
  if (info.status === "loading" || (info.status === "ready" && !model)) {
    info = { status: "idle", embedded: info.embedded };
    if (wanted) want(wanted);
  }
}

/** Asks the upgrade worker; null if it died meanwhile. */
function ask<T extends "result" | "diag">(w: Worker, m: ToWorker & { id: number }): Promise<Extract<FromWorker, { type: T }> | null> {
  const id = ++upgradeIds;
  return new Promise((res) => {
    upgradeWaits.set(id, res as (m: Extract<FromWorker, { type: "result" | "diag" }> | null) => void);
    w.postMessage({ ...m, id });
  });
}

// ---- answering -------------------------------------------------------------------

function fresh(locale: string): string {
  if (engine && engine.newSession) {
    const s = engine.newSession(locale);
    if (s && s[0] === "{" && !s.includes('"error"')) return s;
  }
  return JSON.stringify({
    v: 1,
    lang: locale === "zh" ? "zh" : "en",
    turns: 0,
    fallbacks: 0,
    pending_options: [],
    handed_off: false,
    handoff: "none",
    last_item: "",
    frustration: 0,
    flow: null,
  });
}

/** An embedding that takes longer than this is not waited for: BM25 answers (the page gives up at 5 s). */
const EMBED_WAIT_MS = 2500;

/** The reply with the message's embedding fused in, or null (no model, too slow, or it failed: BM25 answers). */
async function withVectors(e: Engine, session: string, text: string): Promise<string | null> {
  const m = model;
  if (!m) return null;
  try {
    const t = performance.now();
    let timer = 0;
    const late = new Promise<null>((res) => (timer = setTimeout(() => res(null), EMBED_WAIT_MS) as unknown as number));
    const got = await Promise.race([m.embed([e.analysisText(text)]), late]);
    clearTimeout(timer);
    if (!got) {
      info.late = (info.late || 0) + 1;
      return null;
    }
    const v = got[0];
    const out = e.respondWith(session, text, v!.embedding, v!.frustration);
    info.embedded++;
    info.lastEmbedMs = Math.round((performance.now() - t) * 10) / 10;
    if (info.backend !== m.backend) {
      info.backend = m.backend;
      info.webgpu = m.report.webgpu;
    }
    return out;
  } catch {
    return null;
  }
}

/** Has worker `w` (the upgrade) answer `m` for this one; false without it, or if it died meanwhile. */
async function passOn(w: Worker | null, m: ToWorker & { id: number }): Promise<boolean> {
  const r = w && (await ask<"result">(w, m));
  if (r) post({ type: "result", id: m.id, out: r.out, embedded: !!r.embedded });
  return !!r;
}

async function handle(m: ToWorker): Promise<void> {
  if (m.type === "init" || m.type === "idle" || m.type === "diag") return;
  let out: string;
  let embedded = false;
  if (await passOn(delegate, m)) return;
  try {
    if (!engine) throw new Error("core not loaded");
    if (m.type === "respond" && partialLang && engine.language(m.text, partialLang) !== partialLang) {
      // A shopper writes in another language than the page's: wait for every language's FAQs,
      // which the upgrade worker has (or is about to have: it builds its engine first, in ~50 ms).
      const ready = Promise.race([upgradeReadyP, new Promise<false>((res) => setTimeout(() => res(false), UPGRADE_WAIT_MS))]);
      if (upgrade && (await ready) && (await passOn(upgrade, m))) return;
      const w = (widening ||= widen());
      try {
        install(await w);
      } catch {
        if (widening === w) widening = null; // answered from the page language's FAQs; the next message tries again
      }
    }
    const session = m.session || fresh(m.locale);
    if (m.type === "respond") {
      const v = await withVectors(engine, session, m.text);
      embedded = v !== null;
      out = v ?? engine.respond(session, m.text);
    } else out = engine.greet(session);
  } catch (e) {
    out = JSON.stringify({ error: String((e as Error).message || e) });
  }
  post({ type: "result", id: m.id, out, embedded });
  if (embedded || (m.type === "respond" && model)) report();
  // The greeting counts too: the shopper reads it (the page's idle signal comes as the chat opens).
  lastAnswer = performance.now();
  if (m.type === "respond") want("message"); // after the first answer is out
}

function enqueue(m: ToWorker): void {
  chain = chain.then(() => handle(m));
}

async function init(m: Extract<ToWorker, { type: "init" }>): Promise<void> {
  initMsg = m;
  if (m.upgrade) {
    isUpgrade = true;
    wanted = m.upgrade;
  }
  // Preview (the admin page) hands over the draft config itself: nothing is fetched.
  fullConfigUrl = m.configUrl;
  if (typeof m.config !== "string" && m.configLang) partialLang = m.configLang;
  const configP =
    typeof m.config === "string"
      ? Promise.resolve(m.config)
      : fetchConfig(partialLang ? `${m.configUrl}?lang=${encodeURIComponent(partialLang)}` : m.configUrl);
  const coreP = m.coreUrl
    ? (import(/* @vite-ignore */ m.coreUrl) as Promise<{ default: (o: object) => Promise<Core> }>)
    : Promise.reject(new Error("no wasm core in this build"));
  coreP.catch(() => {}); // reported below, after the config
  const off = m.modelOff || deviceOff() || (m.model ? null : "no-model");
  if (off) {
    info.status = "off";
    info.off = off;
  } else {
    modelUrls = m.model!;
    webgpuFallback = !!m.webgpuFallback;
  }
  report();
  let config: string;
  try {
    config = await configP;
    post({ type: "config", config });
  } catch (e) {
    post({ type: "config", config: null, error: String(e) });
    post({ type: "failed", error: String(e) });
    return;
  }
  try {
    if (typeof WebAssembly !== "object") throw new Error("no WebAssembly");
    const mod = await coreP;
    const factory = mod.default || (mod as unknown as { createParleyCore: (o: object) => Promise<Core> }).createParleyCore;
    core = await factory({ locateFile: () => m.wasmUrl });
    engine = newEngine(config);
    post({ type: "ready" });
    for (const w of waiting) enqueue(w);
    waiting = [];
    // After the queued answers (the greeting among them), which start the quiet period.
    chain = chain.then(() => void (wanted && want(wanted)));
  } catch (e) {
    post({ type: "failed", error: String((e as Error).message || e) });
  }
}

/** A diagnostics request (from the worker that started this one as its upgrade). */
async function diag(m: Extract<ToWorker, { type: "diag" }>): Promise<void> {
  try {
    const d = scope.parleyModel!;
    const value = m.op === "embed" ? await d.embed(m.texts || [], m.backend) : await d.placement();
    post({ type: "diag", id: m.id, value });
  } catch (e) {
    post({ type: "diag", id: m.id, error: String((e as Error).message || e) });
  }
}

/** The model worker's side (model.ts), loaded with the first message for it; messages keep their order. */
let modelServer: Promise<(m: ToModel) => void> | null = null;

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === "model-load" || m.type === "model-call") {
    const send = scope.postMessage as unknown as (m: unknown, transfer?: Transferable[]) => void;
    modelServer ||= import("./model").then((x) => x.serveModel((r, transfer) => send.call(scope, r, transfer || [])));
    void modelServer.then((serve) => serve(m));
  } else if (m.type === "init") void init(m);
  else if (m.type === "diag") void diag(m);
  else if (m.type === "idle") {
    // The page says so as the chat opens: the quiet period starts now if no answer has gone out yet.
    if (lastAnswer === -Infinity) lastAnswer = performance.now();
    want("idle");
  }
  else if (!engine) waiting.push(m);
  else enqueue(m);
};

scope.parleyModel = {
  get info() {
    return JSON.parse(JSON.stringify(info)) as ModelInfo;
  },
  /** Shopper texts through the core's analysis, then the model: ids, embedding, frustration. */
  async embed(texts, backend) {
    if (delegate) return viaUpgrade({ type: "diag", id: 0, op: "embed", texts, ...(backend ? { backend } : {}) });
    if (!engine || !model) throw new Error(`model not ready (${info.status})`);
    const normalized = texts.map((t) => engine!.analysisText(t));
    const m = model;
    const out = await m.embed(normalized, backend);
    const ids = await Promise.all(normalized.map((t) => m.tokenize(t)));
    return out.map((v, i) => ({ ids: Array.from(ids[i]!), embedding: Array.from(v.embedding), frustration: v.frustration }));
  },
  placement() {
    if (delegate) return viaUpgrade({ type: "diag", id: 0, op: "placement" });
    if (!model) return Promise.reject(new Error(`model not ready (${info.status})`));
    return model.placement();
  },
};

async function viaUpgrade<T>(m: Extract<ToWorker, { type: "diag" }>): Promise<T> {
  const r = await ask<"diag">(delegate!, m);
  if (!r) throw new Error("the upgrade worker died");
  if (r.error !== undefined) throw new Error(r.error);
  return r.value as T;
}
