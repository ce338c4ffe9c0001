// Helpers of the server's own pages (/console and /admin): DOM lookups and
// elements (text only ever goes into text nodes), tolerant readers of JSON
// from the API, the signed-in agent, and fetch with the session's CSRF token.

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

export interface Agent {
  id: string;
  name: string;
  email: string;
  role: string;
}

export function parseAgent(v: unknown): Agent | null {
  const a = obj(v);
  const id = str(a["id"]);
  const email = str(a["email"]);
  if (!id && !email) return null;
  return { id, email, name: str(a["name"], email), role: str(a["role"]) };
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

// ---------------------------------------------------------------------------
// Sign-in view (#login-view, #login-error) and app view (#app-view, #sign-out, #whoami)

/** Signed out: the form with `message`, the app hidden, the CSRF token forgotten. */
export function showSignInView(message: string): void {
  setCsrf("");
  $("login-view").hidden = false;
  $("app-view").hidden = true;
  $("sign-out").hidden = true;
  $("whoami").hidden = true;
  $("login-error").textContent = message;
}

/** Signed in as `agent`: the app shown, the form hidden. */
export function showAppView(agent: Agent | null): void {
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("sign-out").hidden = false;
  const who = $("whoami");
  who.hidden = false;
  who.textContent = agent ? `${agent.name} (${agent.email})` : "";
}

// ---------------------------------------------------------------------------
// Sign-in form (#login-email, #login-password, #login-submit, #login-error)

/**
 * Signs in with the form's email and password. `refuse` may turn a valid
 * account away (the admin page takes admins only): it returns the reason.
 * Resolves with the agent (the CSRF token set), or null with the reason
 * shown in the form and focus on the field to fix.
 */
export async function signIn(refuse: (agent: Agent) => string | null = () => null): Promise<Agent | null> {
  const email = $input("login-email").value.trim();
  const password = $input("login-password").value;
  const errorEl = $("login-error");
  errorEl.textContent = "";
  if (!email || !password) {
    errorEl.textContent = "Sign-in failed: enter your email and password.";
    (email ? $input("login-password") : $input("login-email")).focus();
    return null;
  }
  const submit = $button("login-submit");
  submit.disabled = true;
  try {
    const { status, data } = await api("POST", "/api/login", { email, password });
    if (status >= 200 && status < 300) {
      $input("login-password").value = "";
      const agent = parseAgent(data["agent"]);
      const refusal = agent ? refuse(agent) : "the server's answer names no account";
      if (!agent || refusal) {
        errorEl.textContent = `Sign-in refused: ${refusal}`;
        $input("login-email").select();
        return null;
      }
      setCsrf(str(data["csrf"]));
      return agent;
    }
    if (status === 401 || status === 403) {
      errorEl.textContent = "Sign-in failed: wrong email or password.";
      $input("login-password").select();
    } else if (status === 429) {
      errorEl.textContent = "Sign-in failed: too many attempts, try again in a minute.";
    } else {
      errorEl.textContent = `Sign-in failed: ${str(data["error"], `server answered ${status}`)}`;
    }
  } catch {
    errorEl.textContent = "Sign-in failed: the server cannot be reached.";
  } finally {
    submit.disabled = false;
  }
  return null;
}
