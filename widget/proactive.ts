// Proactive messages (config.proactive): on a matching page the shop's
// triggers show a small teaser next to the launcher — after some time on the
// page (`time_on_page`) or when the pointer leaves the page through the top
// edge (`exit_intent`). Part of the UI bundle, so the loader stays small.
//
// Rate limits live in localStorage (one key per Parley server, so per shop
// origin): at most one teaser per `min_interval_minutes`, at most `max_per_day`
// in any 24 hours, each trigger at most once ever, and never again once
// dismissed. The state is re-read right before showing, so tabs agree.

export interface ProactiveHost {
  root: ShadowRoot;
  launcher: HTMLElement;
  /** localStorage key for the rate-limit state. */
  key: string;
  /** The text of a config value that may be a string or {en, zh}. */
  pick(v: unknown): string;
  isOpen(): boolean;
  /** The shopper clicked the teaser's text: open the panel with it. */
  open(text: string): void;
  /** Current UI strings (the locale may change while a teaser shows). */
  labels(): { dismiss: string; bot: string };
}

export interface Proactive {
  /** Hides the teaser without counting it as dismissed (the panel opened). */
  hide(): void;
  /** Re-applies the UI strings after a locale change. */
  relabel(): void;
}

interface Trigger {
  id: string;
  on: "time_on_page" | "exit_intent";
  url: RegExp;
  ms: number;
  text: unknown;
}

interface RateState {
  /** Trigger id → when it was shown (ms). */
  shown: Record<string, number>;
  dismissed: string[];
}

const DAY = 24 * 60 * 60 * 1000;
const MAX_TRIGGERS = 20;

/** A path pattern where '*' matches any characters (the rest is literal). */
function pattern(p: unknown): RegExp {
  const s = typeof p === "string" && p ? p : "*";
  return new RegExp("^" + s.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$");
}

function triggers(list: unknown): Trigger[] {
  const out: Trigger[] = [];
  if (!Array.isArray(list)) return out;
  for (const raw of list.slice(0, MAX_TRIGGERS)) {
    if (!raw || typeof raw !== "object") continue;
    const r = raw as Record<string, unknown>;
    if (typeof r["id"] !== "string" || !r["id"] || (r["on"] !== "time_on_page" && r["on"] !== "exit_intent")) continue;
    const secs = typeof r["seconds"] === "number" && r["seconds"] >= 0 ? Math.min(r["seconds"], 3600) : 0;
    out.push({ id: r["id"], on: r["on"], url: pattern(r["url"]), ms: secs * 1000, text: r["text"] });
  }
  return out;
}

export function startProactive(cfg: unknown, host: ProactiveHost): Proactive | null {
  const c = (cfg && typeof cfg === "object" ? cfg : {}) as Record<string, unknown>;
  const list = triggers(c["triggers"]);
  if (!list.length) return null;
  const num = (v: unknown, dflt: number) => (typeof v === "number" && v >= 0 ? v : dflt);
  // The core's defaults (core/include/parley/config.hpp), should a config lack them.
  const interval = num(c["min_interval_minutes"], 60) * 60 * 1000;
  const perDay = num(c["max_per_day"], 2);
  const d = document;

  // ---- rate-limit state --------------------------------------------------------
  function read(): RateState | null {
    try {
      const raw = localStorage.getItem(host.key);
      const s = ((raw && JSON.parse(raw)) || {}) as Partial<RateState>;
      return {
        shown: s.shown && typeof s.shown === "object" ? s.shown : {},
        dismissed: Array.isArray(s.dismissed) ? s.dismissed : [],
      };
    } catch {
      return null;
    }
  }
  function write(s: RateState): boolean {
    try {
      localStorage.setItem(host.key, JSON.stringify(s));
      return true;
    } catch {
      return false;
    }
  }
  function allowed(s: RateState, id: string, now: number): boolean {
    if (s.dismissed.includes(id) || id in s.shown) return false;
    const times = Object.values(s.shown).filter((x) => typeof x === "number");
    if (times.filter((x) => now - x < DAY).length >= perDay) return false;
    return !times.some((x) => now - x < interval);
  }

  // ---- the teaser ----------------------------------------------------------------
  const box = d.createElement("div");
  box.className = "teaser";
  box.hidden = true;
  const textBtn = d.createElement("button");
  textBtn.type = "button";
  textBtn.className = "tz-text";
  textBtn.dir = "auto"; // the shop's text keeps its own direction on an RTL page
  const xBtn = d.createElement("button");
  xBtn.type = "button";
  xBtn.className = "tz-x";
  xBtn.textContent = "×";
  box.append(textBtn, xBtn);
  // Announced through a live region that is always there (a region that
  // appears together with its text is often not read out).
  const live = d.createElement("div");
  live.className = "sr";
  live.setAttribute("aria-live", "polite");
  host.root.insertBefore(live, host.launcher);
  host.root.insertBefore(box, host.launcher); // read before the launcher
  let current: Trigger | null = null;

  function relabel(): void {
    const l = host.labels();
    xBtn.setAttribute("aria-label", l.dismiss);
    box.setAttribute("aria-label", l.bot);
    if (current) textBtn.textContent = host.pick(current.text);
  }
  box.setAttribute("role", "group");
  relabel();

  function hide(): void {
    if (!current) return;
    const hadFocus = box.contains(host.root.activeElement);
    current = null;
    box.hidden = true;
    live.textContent = "";
    if (hadFocus) host.launcher.focus();
  }
  function dismiss(): void {
    const s = read();
    if (current && s && !s.dismissed.includes(current.id)) {
      s.dismissed.push(current.id);
      write(s);
    }
    hide();
  }

  function fire(tr: Trigger): void {
    if (current || host.isOpen() || !tr.url.test(location.pathname)) return;
    const text = host.pick(tr.text).trim();
    const s = read();
    const now = Date.now();
    if (!text || !s || !allowed(s, tr.id, now)) return;
    s.shown[tr.id] = now; // never pruned: each trigger shows once ever (and there are few)
    if (!write(s)) return; // unrecorded, it would show on every page: better not at all
    current = tr;
    textBtn.textContent = text;
    box.hidden = false;
    setTimeout(() => current === tr && (live.textContent = `${host.labels().bot}: ${text}`), 100);
  }

  textBtn.addEventListener("click", () => {
    const text = textBtn.textContent || "";
    hide();
    host.open(text);
  });
  xBtn.addEventListener("click", dismiss);
  box.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      dismiss();
    }
  });
  // Another tab dismissed the same teaser: hide it here too.
  window.addEventListener("storage", (e) => {
    if (e.key !== host.key || !current) return;
    const s = read();
    if (s && s.dismissed.includes(current.id)) hide();
  });

  // ---- the triggers ---------------------------------------------------------------
  // Time counts from the page's start (performance.now()), not from when this
  // bundle arrived (idle time).
  for (const tr of list) {
    if (tr.on === "time_on_page" && tr.url.test(location.pathname)) {
      setTimeout(() => fire(tr), Math.max(0, tr.ms - performance.now()));
    }
  }
  const exits = list.filter((tr) => tr.on === "exit_intent");
  if (exits.length) {
    d.addEventListener("mouseout", (e) => {
      if (e.relatedTarget || e.clientY > 0) return;
      for (const tr of exits) fire(tr);
    });
  }
  return { hide, relabel };
}
