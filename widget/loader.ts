// widget.js — the one script a shop pastes. Tiny on purpose: it draws the
// launcher at once in its own shadow root, defines window.Parley (queueing
// calls), and loads the UI bundle on first interaction or when the page is
// idle. It never blocks the page and does nothing when included twice.
import { BOOT_KEY, type Api, type Boot, type Impl, type Listener, type Locale, type Settings } from "./shared";

declare const __PARLEY_UI__: string;
const w = window as unknown as Window & { Parley?: Api; ParleySettings?: Settings };
const d = document;
const key = Symbol.for(BOOT_KEY);

if (!(w as unknown as Record<symbol, unknown>)[key]) start();

function start(): void {
  const script = (d.currentScript || d.querySelector("script[data-parley]")) as HTMLScriptElement | null;
  const ds: Settings = (script && script.dataset) || {};
  const s: Settings = Object.assign({}, w.ParleySettings, ds);
  let server = s.server || "";
  try {
    server = new URL(server || (script && script.src) || location.href, location.href).origin;
  } catch {
    server = location.origin;
  }
  const lang = (s.locale || d.documentElement.lang || "").toLowerCase();
  const locale: Locale | null = lang ? (lang.startsWith("zh") ? "zh" : "en") : null;

  const host = d.createElement("parley-widget");
  const root = host.attachShadow({ mode: "open" });
  const launcher = d.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-haspopup", "dialog");
  const svg = d.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = d.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
  svg.appendChild(path);
  const badge = d.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  badge.setAttribute("aria-hidden", "true");
  launcher.append(svg, badge);
  root.appendChild(launcher);
  if ((s.position || "").toLowerCase() === "left") host.className = "left";

  // Styles: constructed sheets are allowed under a strict `style-src`.
  const css =
    ":host{all:initial;position:fixed;z-index:2147483000;inset-block-end:20px;inset-inline-end:20px;--pc:#1f6feb;--pf:#fff;" +
    "font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Microsoft YaHei',sans-serif}" +
    ":host(.left){inset-inline-end:auto;inset-inline-start:20px}" +
    ".launcher{inline-size:56px;block-size:56px;border-radius:50%;border:0;padding:0;margin:0;background:var(--pc);color:var(--pf);" +
    "cursor:pointer;box-shadow:0 4px 14px #0004;display:grid;place-items:center;position:relative}" +
    ".launcher:focus-visible{outline:3px solid var(--pc);outline-offset:3px}" +
    ".launcher svg{inline-size:28px;block-size:28px;fill:currentColor}" +
    ".badge{position:absolute;inset-block-start:-4px;inset-inline-end:-4px;min-inline-size:20px;block-size:20px;border-radius:10px;" +
    "background:#c4262e;color:#fff;font:700 12px/20px sans-serif;text-align:center;padding:0 5px;box-sizing:border-box}" +
    "[hidden]{display:none!important}";
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css + (s.color && CSS.supports("color", s.color) ? `:host{--pc:${s.color}}` : ""));
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = d.createElement("style"); // old browsers (no constructable sheets)
    style.textContent = css;
    root.appendChild(style);
  }

  const label = (l: Locale) => launcher.setAttribute("aria-label", l === "zh" ? "打开聊天" : "Open chat");
  label(locale || "en");

  const listeners: Record<string, Set<Listener>> = {};
  const queue: Boot["queue"] = [];
  let impl: Impl | null = null;
  let ready = false;
  let model: unknown; // the last `model` state: a late listener gets it at once
  let loading = 0; // 0 idle, 1 loading, 2 loaded

  const emit = (event: string, data?: unknown) => {
    if (event === "ready") ready = true;
    if (event === "model") model = data;
    for (const cb of [...(listeners[event] || [])]) {
      try {
        cb(data);
      } catch (e) {
        setTimeout(() => {
          throw e;
        });
      }
    }
  };

  const load = () => {
    if (loading) return;
    loading = 1;
    const el = d.createElement("script");
    el.src = `${server}/${__PARLEY_UI__}`;
    el.async = true;
    el.onerror = () => {
      loading = 0; // retry on the next interaction
      el.remove();
      launcher.removeAttribute("aria-busy");
    };
    (d.head || d.documentElement).appendChild(el);
  };

  const call =
    (name: keyof Impl, force?: boolean) =>
    (...args: unknown[]) => {
      if (impl) return (impl[name] as (...a: unknown[]) => void)(...args);
      queue.push([name, args]);
      if (force) {
        launcher.setAttribute("aria-busy", "true");
        load();
      }
    };

  const api: Api = {
    version: "1",
    open: call("open", true),
    close: call("close"),
    toggle: call("toggle", true),
    identify: call("identify") as Api["identify"],
    reset: call("reset"),
    setLocale: call("setLocale"),
    preview: call("preview", true),
    on(event: string, cb: Listener) {
      (listeners[event] ||= new Set()).add(cb);
      if (event === "ready" && ready) setTimeout(() => cb());
      if (event === "model" && model) setTimeout(() => cb(model));
      return () => void listeners[event]!.delete(cb);
    },
  };

  const boot: Boot = {
    server,
    settings: s,
    locale,
    root,
    host,
    launcher,
    badge,
    queue,
    emit,
    label,
    attach(i) {
      impl = i;
      loading = 2;
      launcher.removeAttribute("aria-busy");
      for (const [name, args] of queue.splice(0)) (i[name] as (...a: unknown[]) => void)(...args);
    },
  };
  Object.defineProperty(w, key, { value: boot });
  w.Parley = api;

  launcher.addEventListener("click", () => api.toggle());
  for (const ev of ["pointerenter", "focus", "touchstart"]) launcher.addEventListener(ev, load, { passive: true, once: true });

  const mount = () => (d.body || d.documentElement).appendChild(host);
  if (d.body) mount();
  else d.addEventListener("DOMContentLoaded", mount);

  const idle = () =>
    "requestIdleCallback" in w ? w.requestIdleCallback(load, { timeout: 4000 }) : setTimeout(load, 1500);
  if (d.readyState === "complete") idle();
  else w.addEventListener("load", idle);
}
