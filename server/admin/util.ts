// Small DOM and data helpers shared by the admin page's modules. Text from
// the config or the server only ever goes into text nodes.

import { $, arr, el, isObj, num, str, type ApiResult, type Json } from "../pages/common";

export {
  $, $area, $button, $input, $select, api, arr, el, isObj, num, obj, parseAgent, setCsrf,
  setUnauthorizedHandler, showAppView, showSignInView, signIn, str, type Agent, type ApiResult, type Json,
} from "../pages/common";

export function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === "string");
}
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** JSON with object keys sorted: two configs compare equal whatever their key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Non-empty trimmed lines. */
export function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/** `parent[key]`, made an object when it is not one. */
export function child(parent: Json, key: string): Json {
  const v = parent[key];
  if (isObj(v)) return v;
  const o: Json = {};
  parent[key] = o;
  return o;
}

/** Sets `parent[key]`, or deletes it when `value` is undefined. */
export function setOrDelete(parent: Json, key: string, value: unknown): void {
  if (value === undefined) delete parent[key];
  else parent[key] = value;
}

export function hasCjk(text: string): boolean {
  return /[\u3400-\u9fff\uf900-\ufaff]/.test(text);
}

export function formatDateTime(ts: number): string {
  if (!ts) return "—";
  return new Date(ts).toLocaleString([], { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function formatMs(ms: unknown): string {
  const v = num(ms, NaN);
  if (!Number.isFinite(v)) return "—";
  if (v < 1000) return `${Math.round(v)} ms`;
  const s = v / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  if (m < 60) return `${m} min ${String(rest).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

export function percent(v: unknown): string {
  const n = num(v, NaN);
  if (!Number.isFinite(n)) return "—";
  return `${(n * 100).toFixed(1)}%`;
}

/** Offers `data` as a file download (a blob: URL on a temporary link). */
export function download(name: string, type: string, data: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = el("a", { attrs: { href: url, download: name } });
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function announce(text: string): void {
  const a = $("announcer");
  a.textContent = "";
  window.setTimeout(() => (a.textContent = text), 50);
}

/** A readable reason for a failed request. */
export function failure(r: ApiResult): string {
  if (r.status === 403) return "this needs an admin account";
  if (r.status === 413) return "the configuration is too large for the server (over its request size limit)";
  if (r.status === 429) return "too many requests; try again in a minute";
  return str(r.data["error"], `the server answered ${r.status}`);
}
