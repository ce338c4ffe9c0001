// widget-worker-<hash>.js — a module Worker that runs the wasm core, so the
// page gets the bot's reply with no network round trip. It fetches the shop
// config (or takes the one it is given, in preview), instantiates the core and
// answers `respond`/`greet` requests.
import type { FromWorker, ToWorker } from "./shared";

interface Engine {
  ok(): boolean;
  error(): string;
  greet(session: string): string;
  respond(session: string, text: string): string;
  newSession?(locale: string): string;
  delete(): void;
}
interface Core {
  Engine: new (config: string) => Engine;
}

const scope = self as unknown as {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};
const post = (m: FromWorker) => scope.postMessage(m);

let engine: Engine | null = null;
let waiting: ToWorker[] = [];

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

function handle(m: ToWorker): void {
  if (m.type === "init") return;
  let out: string;
  try {
    if (!engine) throw new Error("core not loaded");
    const session = m.session || fresh(m.locale);
    out = m.type === "respond" ? engine.respond(session, m.text) : engine.greet(session);
  } catch (e) {
    out = JSON.stringify({ error: String((e as Error).message || e) });
  }
  post({ type: "result", id: m.id, out });
}

async function init(m: Extract<ToWorker, { type: "init" }>): Promise<void> {
  // Preview (the admin page) hands over the draft config itself: nothing is fetched.
  const configP =
    typeof m.config === "string"
      ? Promise.resolve(m.config)
      : fetch(m.configUrl, { credentials: "omit" }).then((r) => {
          if (!r.ok) throw new Error(`shop-config: HTTP ${r.status}`);
          return r.text();
        });
  const coreP = m.coreUrl
    ? (import(/* @vite-ignore */ m.coreUrl) as Promise<{ default: (o: object) => Promise<Core> }>)
    : Promise.reject(new Error("no wasm core in this build"));
  coreP.catch(() => {}); // reported below, after the config
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
    const core = await factory({ locateFile: () => m.wasmUrl });
    const e = new core.Engine(config);
    if (!e.ok()) {
      const err = e.error();
      e.delete();
      throw new Error(err);
    }
    engine = e;
    post({ type: "ready" });
    for (const w of waiting) handle(w);
    waiting = [];
  } catch (e) {
    post({ type: "failed", error: String((e as Error).message || e) });
  }
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === "init") void init(m);
  else if (!engine) waiting.push(m);
  else handle(m);
};
