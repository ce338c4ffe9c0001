// Small DOM and data helpers shared by the admin page's modules. Text from
// the config or the server only ever goes into text nodes.

export type Json = Record<string, unknown>;

export function $(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e;
}
export function $input(id: string): HTMLInputElement {
  return $(id) as HTMLInputElement;
}
export function $area(id: string): HTMLTextAreaElement {
  return $(id) as HTMLTextAreaElement;
}
export function $button(id: string): HTMLButtonElement {
  return $(id) as HTMLButtonElement;
}
export function $select(id: string): HTMLSelectElement {
  return $(id) as HTMLSelectElement;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; text?: string; attrs?: Record<string, string> } = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = props.text;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

export function str(v: unknown, fallback = ""): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return fallback;
}
export function num(v: unknown, fallback = 0): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return fallback;
}
export function isObj(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
export function obj(v: unknown): Json {
  return isObj(v) ? v : {};
}
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
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

// ---------------------------------------------------------------------------
// REST

let csrf = "";
export function setCsrf(token: string): void {
  csrf = token;
}

export interface ApiResult {
  status: number;
  data: Json;
}

/** Called with every 401 answer (the session ended). */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

export async function api(method: string, path: string, body?: unknown): Promise<ApiResult> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrf) headers["X-CSRF-Token"] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data: Json = {};
  try {
    const parsed: unknown = await res.json();
    data = Array.isArray(parsed) ? { items: parsed } : obj(parsed);
  } catch {
    data = {};
  }
  if (res.status === 401 && path !== "/api/login" && path !== "/api/me") onUnauthorized();
  return { status: res.status, data };
}

/** A readable reason for a failed request. */
export function failure(r: ApiResult): string {
  if (r.status === 403) return "this needs an admin account";
  if (r.status === 413) return "the configuration is too large for the server (over its request size limit)";
  if (r.status === 429) return "too many requests; try again in a minute";
  return str(r.data["error"], `the server answered ${r.status}`);
}
