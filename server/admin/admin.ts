// Parley merchant admin (/admin): a plain-DOM single-page app over the REST
// API of PROTOCOL.md. The whole shop config is edited as one draft object in
// memory; the real widget runs that draft in this page (preview mode of
// widget.js: no socket, nothing stored); "Publish" validates it on the server
// and makes it a new numbered version that every widget loads.
import { barChart, dataTable } from "./charts";
import { buildFaq, faqAnswers, faqsFromCsv, faqsFromJson, faqsToCsv, makeId } from "./csv";
import {
  $,
  $area,
  $button,
  $input,
  $select,
  announce,
  api,
  arr,
  canonical,
  child,
  clone,
  download,
  el,
  failure,
  formatDateTime,
  formatMs,
  hasCjk,
  isObj,
  lines,
  num,
  obj,
  parseAgent,
  percent,
  setCsrf,
  setOrDelete,
  setUnauthorizedHandler,
  showAppView,
  showSignInView,
  signIn,
  str,
  strings,
  type Agent,
  type Json,
} from "./util";

type TabName = "faqs" | "flows" | "appearance" | "hours" | "privacy" | "publish" | "analytics";
const TABS: readonly TabName[] = ["faqs", "flows", "appearance", "hours", "privacy", "publish", "analytics"];


/** The widget loader's globals (widget/shared.ts): the preview hook is all this page uses. */
interface ParleyGlobals {
  Parley?: { preview(config: unknown): void };
  ParleySettings?: Record<string, unknown>;
}
const pw = window as unknown as ParleyGlobals;

// ---------------------------------------------------------------------------
// State

let me: Agent | null = null;
/** The config being edited (unsaved until published). */
let draft: Json = { shop: { name: "", locale: "en" }, faqs: [] };
/** The published config as loaded, and its version. */
let published: Json = clone(draft);
let publishedCanon = canonical(published);
let version = 0;
let currentTab: TabName = "faqs";

const shopLocale = () => (str(obj(draft["shop"])["locale"]) === "zh" ? "zh" : "en");
const isDirty = () => canonical(draft) !== publishedCanon;

function faqList(): Json[] {
  if (!Array.isArray(draft["faqs"])) draft["faqs"] = [];
  return draft["faqs"] as Json[];
}
function flowList(): Json[] {
  if (!Array.isArray(draft["flows"])) draft["flows"] = [];
  return draft["flows"] as Json[];
}

// ---------------------------------------------------------------------------
// Sign-in

const ADMINS_ONLY = "This page is for admins only: sign in with an admin account.";

function showLogin(message = ""): void {
  me = null;
  showSignInView(message);
  $("draft-state").hidden = true;
  $input("login-email").focus();
}

async function showApp(focus: boolean): Promise<void> {
  showAppView(me);
  selectTab("faqs", false);
  if (focus) $("tab-faqs").focus();
  await loadConfig();
}

async function onLogin(ev: Event): Promise<void> {
  ev.preventDefault();
  const agent = await signIn((a) => (a.role === "admin" ? null : ADMINS_ONLY));
  if (!agent) return;
  me = agent;
  await showApp(true);
}

async function onSignOut(): Promise<void> {
  try {
    await api("POST", "/api/logout", {});
  } catch {
    /* signed out locally anyway */
  }
  showLogin();
}

async function restore(): Promise<void> {
  try {
    const { status, data } = await api("GET", "/api/me");
    if (status === 200) {
      const agent = parseAgent(data["agent"]);
      if (agent && agent.role === "admin") {
        me = agent;
        setCsrf(str(data["csrf"]));
        await showApp(false);
        return;
      }
      if (agent) {
        showLogin(ADMINS_ONLY);
        return;
      }
    }
  } catch {
    /* fall through to the sign-in form */
  }
  showLogin();
}

// ---------------------------------------------------------------------------
// Loading the published config

/** `withVersions`: also reload the versions list when the Publish tab shows (a caller that reloads it itself passes false). */
async function loadConfig(withVersions = true): Promise<void> {
  const state = $("draft-state");
  state.hidden = false;
  state.textContent = "Loading the configuration…";
  try {
    const r = await api("GET", "/api/config");
    if (r.status !== 200) {
      state.textContent = `Could not load the configuration: ${failure(r)}`;
      return;
    }
    // {config, version, published_at, published_by, note}; an older server sends the config itself.
    const wrapped = isObj(r.data["config"]) && "version" in r.data;
    const config = wrapped ? obj(r.data["config"]) : r.data;
    version = wrapped ? num(r.data["version"]) : 0;
    published = clone(config);
    publishedCanon = canonical(published);
    draft = clone(config);
  } catch {
    state.textContent = "Could not load the configuration: the server cannot be reached.";
    return;
  }
  clearErrors();
  fillForms();
  renderFaqs();
  renderFlows();
  updateDraftState();
  startPreview();
  if (withVersions && currentTab === "publish") void loadVersions();
}

/** After every edit: the dirty marker, and the preview follows the draft. */
function changed(): void {
  updateDraftState();
  schedulePreview();
}

function updateDraftState(): void {
  const state = $("draft-state");
  const dirty = isDirty();
  state.hidden = false;
  state.dataset["state"] = dirty ? "dirty" : "clean";
  const live = version ? `version ${version}` : "the current config";
  state.textContent = dirty ? `Unsaved changes · live: ${live}` : `Live: ${live} · no unsaved changes`;
  $("publish-summary").textContent = dirty
    ? `Your draft differs from what shoppers see (${live}). Publishing makes it a new version.`
    : `Your draft is what shoppers see (${live}).`;
}

// ---------------------------------------------------------------------------
// Live preview: the real widget running the draft in this page

let previewTimer: number | undefined;

function startPreview(): void {
  if (pw.Parley) {
    applyPreview();
    return;
  }
  pw.ParleySettings = { preview: { config: clone(draft) } };
  const s = document.createElement("script");
  s.src = "/widget.js";
  s.async = true;
  s.dataset["parley"] = "";
  document.body.appendChild(s);
  $("preview-status").textContent = "Preview running your draft.";
}

function schedulePreview(): void {
  clearTimeout(previewTimer);
  if (pw.Parley) $("preview-status").textContent = "Preview updating…";
  previewTimer = window.setTimeout(applyPreview, 700);
}

function applyPreview(): void {
  clearTimeout(previewTimer);
  if (!pw.Parley) return;
  pw.Parley.preview(clone(draft));
  $("preview-status").textContent = `Preview running your draft (restarted ${new Date().toLocaleTimeString()}).`;
}

// ---------------------------------------------------------------------------
// Field errors (from the server's validation: {error, path, expected})

interface Target {
  tab: TabName;
  focus: string;
  error: string;
}

/** Config paths to the inputs that edit them (longest prefix first where they nest). */
const PATHS: [string, Target][] = [
  ["shop.name", { tab: "appearance", focus: "shop-name", error: "shop-name-error" }],
  ["shop.locales", { tab: "appearance", focus: "locale-en", error: "locales-error" }],
  ["shop.locale", { tab: "appearance", focus: "shop-locale", error: "shop-locale-error" }],
  ["widget.title.zh", { tab: "appearance", focus: "title-zh", error: "title-zh-error" }],
  ["widget.title", { tab: "appearance", focus: "title-en", error: "title-en-error" }],
  ["widget.color", { tab: "appearance", focus: "color", error: "color-error" }],
  ["widget.position", { tab: "appearance", focus: "position-right", error: "position-error" }],
  ["widget.avatar", { tab: "appearance", focus: "avatar", error: "avatar-error" }],
  ["greeting.zh", { tab: "appearance", focus: "greeting-zh", error: "greeting-zh-error" }],
  ["greeting", { tab: "appearance", focus: "greeting-en", error: "greeting-en-error" }],
  ["business_hours.timezone", { tab: "hours", focus: "hours-timezone", error: "hours-timezone-error" }],
  ...(["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const).map(
    (d): [string, Target] => [`business_hours.weekly.${d}`, { tab: "hours", focus: `hours-${d}`, error: `hours-${d}-error` }],
  ),
  ["business_hours", { tab: "hours", focus: "hours-timezone", error: "hours-timezone-error" }],
  ["handoff.confidence_threshold", { tab: "hours", focus: "confidence-threshold", error: "confidence-threshold-error" }],
  ["handoff.frustration_threshold", { tab: "hours", focus: "frustration-threshold", error: "frustration-threshold-error" }],
  ["handoff.max_fallbacks", { tab: "hours", focus: "max-fallbacks", error: "max-fallbacks-error" }],
  ["handoff.phrases", { tab: "hours", focus: "handoff-phrases", error: "handoff-phrases-error" }],
  ["pii.mask", { tab: "privacy", focus: "pii-email", error: "pii-mask-error" }],
  ["retention_days", { tab: "privacy", focus: "retention-days", error: "retention-days-error" }],
  ["allowed_origins", { tab: "privacy", focus: "allowed-origins", error: "allowed-origins-error" }],
  ["identity_secret", { tab: "privacy", focus: "identity-secret", error: "identity-secret-error" }],
];

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** An FAQ's error, kept while its editor is open or reopened. */
let faqError: { index: number; field: string; message: string } | null = null;

function faqField(rest: string, faq: Json): string {
  if (rest.startsWith("id")) return "faq-id";
  if (rest.startsWith("questions")) return "faq-questions";
  if (rest.startsWith("answers.zh")) return "faq-answer-zh";
  if (rest.startsWith("answers.en")) return "faq-answer-en";
  if (rest.startsWith("answer")) return faqAnswers(faq, shopLocale()).en || !faqAnswers(faq, shopLocale()).zh ? "faq-answer-en" : "faq-answer-zh";
  if (rest.startsWith("tags")) return "faq-tags";
  return "";
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

function clearErrors(): void {
  for (const e of document.querySelectorAll<HTMLElement>(".field-error")) e.textContent = "";
  for (const e of document.querySelectorAll<HTMLElement>("[aria-invalid]")) e.removeAttribute("aria-invalid");
  $("config-error").hidden = true;
  $("config-error-text").textContent = "";
  $("faq-error").textContent = "";
  const hadFaqError = faqError !== null;
  faqError = null;
  if (hadFaqError) renderFaqs();
}

function setFieldError(focusId: string, errorId: string, message: string, focus: boolean): void {
  const errEl = document.getElementById(errorId);
  if (errEl) errEl.textContent = message;
  const input = document.getElementById(focusId);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    if (focus) input.focus();
  }
}

/** Shows a validation error next to its field (or at the top with its path); returns where. */
function showConfigError(data: Json, what: string): void {
  const path = str(data["path"]);
  const message = str(data["error"], "the configuration is not valid");
  const expected = str(data["expected"]);
  const atField = capitalize(expected ? `expected ${expected}` : path && message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message);
  const banner = $("config-error");
  const bannerText = $("config-error-text");
  banner.hidden = false;

  const faqMatch = /^faqs\[(\d+)\](?:\.(.*))?$/.exec(path);
  if (faqMatch) {
    const index = Number(faqMatch[1]);
    const faq = faqList()[index];
    if (faq) {
      const field = faqField(faqMatch[2] ?? "", faq);
      const id = str(faq["id"], `#${index + 1}`);
      bannerText.textContent = `${what}: FAQ “${id}” has an error (${path}): ${atField}`;
      faqError = { index, field, message: atField };
      selectTab("faqs", false);
      openFaq(index);
      return;
    }
  }
  const flowMatch = /^flows\[(\d+)\]/.exec(path);
  if (flowMatch && flowList()[Number(flowMatch[1])]) {
    const i = Number(flowMatch[1]);
    bannerText.textContent = `${what}: flow “${str(flowList()[i]!["id"])}” has an error (${path}): ${atField}`;
    selectTab("flows", false);
    setFieldError(`flow-${i}-questions`, `flow-${i}-error`, atField, true);
    return;
  }
  const hit = PATHS.find(([p]) => under(path, p));
  if (hit) {
    const t = hit[1];
    const label = document.querySelector(`label[for="${t.focus}"]`)?.textContent?.trim() ?? path;
    bannerText.textContent = `${what}: “${label}” has an error (${path}): ${atField}`;
    selectTab(t.tab, false);
    setFieldError(t.focus, t.error, atField, true);
    return;
  }
  bannerText.textContent = `${what}: ${path ? `${path}: ` : ""}${path && message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message}`;
  banner.focus();
}

// ---------------------------------------------------------------------------
// FAQs

/** Index in faqList() of the FAQ in the editor; -1 for a new one; null when closed. */
let editing: number | null = null;
let lastDeleted: { faq: Json; index: number } | null = null;

function faqMatches(f: Json, q: string): boolean {
  if (!q) return true;
  const hay = [str(f["id"]), ...strings(f["questions"]), str(f["answer"]), ...Object.values(obj(f["answers"])).map((v) => str(v))]
    .join("\n")
    .toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

function renderFaqs(): void {
  const faqs = faqList();
  const q = $input("faq-search").value.trim();
  const list = $("faq-list");
  const items: HTMLElement[] = [];
  faqs.forEach((f, i) => {
    if (!faqMatches(f, q)) return;
    const id = str(f["id"]);
    const questions = strings(f["questions"]);
    const { en, zh } = faqAnswers(f, shopLocale());
    const langs = [en ? "EN" : "", zh ? "ZH" : ""].filter(Boolean).join(" + ");
    const main = el("div", { class: "faq-main" }, [
      el("p", { class: "faq-head" }, [
        el("span", { class: "faq-id", text: id || "(no id)" }),
        el("span", { class: "meta", text: `${questions.length} ${questions.length === 1 ? "question" : "questions"} · ${langs || "no answer"}` }),
      ]),
      el("p", { class: "faq-q", text: questions[0] ?? "" }),
      el("p", { class: "faq-a", text: en || zh }),
    ]);
    if (faqError && faqError.index === i) main.appendChild(el("p", { class: "error", text: faqError.message }));
    const edit = el("button", { class: "btn btn-small", text: "Edit", attrs: { type: "button", "aria-label": `Edit FAQ ${id}` } });
    edit.addEventListener("click", () => openFaq(i));
    const del = el("button", { class: "btn btn-small btn-danger", text: "Delete", attrs: { type: "button", "aria-label": `Delete FAQ ${id}` } });
    del.addEventListener("click", () => deleteFaq(i));
    const li = el("li", { class: "faq-item" }, [main, el("div", { class: "item-actions" }, [edit, del])]);
    li.dataset["faqId"] = id;
    if (editing === i) li.classList.add("current");
    items.push(li);
  });
  list.replaceChildren(...items);
  $("faq-count").textContent = String(faqs.length);
  $("faq-empty").hidden = items.length > 0;
}

function fillFaqEditor(f: Json): void {
  const { en, zh } = faqAnswers(f, shopLocale());
  $input("faq-id").value = str(f["id"]);
  $area("faq-questions").value = strings(f["questions"]).join("\n");
  $area("faq-answer-en").value = en;
  $area("faq-answer-zh").value = zh;
  $input("faq-tags").value = strings(f["tags"]).join(", ");
  renderAnswerPreview();
}

function renderAnswerPreview(): void {
  const en = $area("faq-answer-en").value.trim();
  const zh = $area("faq-answer-zh").value.trim();
  $("faq-preview-en").textContent = en ? `EN: ${en}` : "";
  $("faq-preview-zh").textContent = zh ? `ZH: ${zh}` : "";
}

/** Opens the editor on FAQ `index`, or on a new FAQ (null) with optional prefilled fields. */
function openFaq(index: number | null, prefill?: { id?: string; questions?: string[] }): void {
  const editor = $("faq-editor");
  for (const e of editor.querySelectorAll<HTMLElement>(".field-error")) e.textContent = "";
  for (const e of editor.querySelectorAll<HTMLElement>("[aria-invalid]")) e.removeAttribute("aria-invalid");
  $("faq-error").textContent = "";
  const faq = index === null ? null : faqList()[index];
  editing = faq ? index : -1;
  fillFaqEditor(faq ?? { id: prefill?.id ?? "", questions: prefill?.questions ?? [] });
  $("faq-editor-title").textContent = faq ? `Edit FAQ ${str(faq["id"])}` : "New FAQ";
  $("faq-delete").hidden = !faq;
  editor.hidden = false;
  renderFaqs();
  if (faqError && faqError.index === index && faqError.field) {
    setFieldError(faqError.field, `${faqError.field}-error`, faqError.message, true);
  } else if (faqError && faqError.index === index) {
    $("faq-error").textContent = faqError.message;
    $input("faq-id").focus();
  } else if (prefill?.questions?.length) {
    (hasCjk(prefill.questions[0] ?? "") ? $area("faq-answer-zh") : $area("faq-answer-en")).focus();
  } else if (faq) {
    $("faq-editor-title").focus();
  } else {
    $area("faq-questions").focus();
  }
  editor.scrollIntoView({ block: "nearest" });
}

function closeFaqEditor(focusAdd: boolean): void {
  editing = null;
  $("faq-editor").hidden = true;
  renderFaqs();
  if (focusAdd) $("faq-add").focus();
}

function onFaqSave(ev: Event): void {
  ev.preventDefault();
  if (editing === null) return;
  const editor = $("faq-editor");
  for (const e of editor.querySelectorAll<HTMLElement>(".field-error")) e.textContent = "";
  for (const e of editor.querySelectorAll<HTMLElement>("[aria-invalid]")) e.removeAttribute("aria-invalid");
  const faqs = faqList();
  const questions = lines($area("faq-questions").value);
  const en = $area("faq-answer-en").value.trim();
  const zh = $area("faq-answer-zh").value.trim();
  let id = $input("faq-id").value.trim();
  if (!id && questions.length > 0) id = makeId(questions[0]!);
  if (id && faqs.some((f, i) => i !== editing && str(f["id"]) === id)) {
    setFieldError("faq-id", "faq-id-error", `Another FAQ already uses the id “${id}”.`, true);
    return;
  }
  const tags = $input("faq-tags")
    .value.split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  const base = editing >= 0 ? (faqs[editing] ?? {}) : {};
  const faq = buildFaq(base, { id, questions, en, zh, tags }, shopLocale());
  let index = editing;
  if (editing >= 0) faqs[editing] = faq;
  else {
    faqs.push(faq);
    index = faqs.length - 1;
  }
  if (faqError && faqError.index === index) {
    faqError = null;
    $("config-error").hidden = true;
  }
  closeFaqEditor(false);
  $("faq-status").textContent = `Saved FAQ “${id}” to the draft. Publish to make it live.`;
  $("faq-undo").hidden = true;
  const item = [...$("faq-list").querySelectorAll<HTMLElement>(".faq-item")].find((li) => li.dataset["faqId"] === id);
  (item?.querySelector<HTMLElement>("button") ?? $("faq-add")).focus();
  changed();
}

function deleteFaq(index: number): void {
  const faqs = faqList();
  const faq = faqs[index];
  if (!faq) return;
  faqs.splice(index, 1);
  lastDeleted = { faq, index };
  if (editing !== null) closeFaqEditor(false);
  if (faqError) faqError = faqError.index === index ? null : faqError.index > index ? { ...faqError, index: faqError.index - 1 } : faqError;
  renderFaqs();
  $("faq-status").textContent = `Deleted FAQ “${str(faq["id"])}” from the draft.`;
  const undo = $button("faq-undo");
  undo.hidden = false;
  undo.focus();
  changed();
}

function undoDelete(): void {
  if (!lastDeleted) return;
  const faqs = faqList();
  faqs.splice(Math.min(lastDeleted.index, faqs.length), 0, lastDeleted.faq);
  $("faq-status").textContent = `Restored FAQ “${str(lastDeleted.faq["id"])}”.`;
  lastDeleted = null;
  $("faq-undo").hidden = true;
  renderFaqs();
  $("faq-add").focus();
  changed();
}

async function onImport(): Promise<void> {
  const input = $input("faq-import-file");
  const file = input.files?.[0];
  const status = $("faq-import-status");
  if (!file) return;
  const text = await file.text();
  const isJson = /\.json$/i.test(file.name) || file.type === "application/json" || /^\s*[[{]/.test(text.replace(/^\ufeff/, ""));
  const { faqs: imported, problems } = isJson ? faqsFromJson(text) : faqsFromCsv(text, shopLocale());
  const faqs = faqList();
  let replaced = 0;
  let added = 0;
  for (const f of imported) {
    const i = faqs.findIndex((x) => str(x["id"]) === str(f["id"]));
    if (i >= 0) {
      faqs[i] = f;
      replaced++;
    } else {
      faqs.push(f);
      added++;
    }
  }
  input.value = "";
  const parts = [`Imported ${imported.length} ${imported.length === 1 ? "FAQ" : "FAQs"} from ${file.name}: ${added} added, ${replaced} replaced.`];
  if (problems.length) parts.push(`Skipped: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` and ${problems.length - 5} more` : ""}.`);
  status.textContent = parts.join(" ");
  renderFaqs();
  if (imported.length) changed();
}

function exportFaqs(kind: "csv" | "json"): void {
  const name = str(obj(draft["shop"])["name"], "shop")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "shop";
  if (kind === "csv") download(`${name}-faqs.csv`, "text/csv;charset=utf-8", faqsToCsv(faqList(), shopLocale()));
  else download(`${name}-faqs.json`, "application/json", `${JSON.stringify(faqList(), null, 2)}\n`);
  $("faq-import-status").textContent = `Exported ${faqList().length} FAQs as ${kind.toUpperCase()}.`;
}

// ---------------------------------------------------------------------------
// Flows and intents

const FLOW_NAMES: Record<string, string> = {
  order_status: "Order status",
  return_refund: "Returns and refunds",
  cancel_order: "Cancel an order",
  change_address: "Change the delivery address",
  talk_to_human: "Talk to a person",
};
const FLOW_STARTERS: Record<string, string[]> = {
  order_status: ["where is my order", "track my order", "我的订单到哪了"],
  return_refund: ["I want to return my order", "I'd like a refund", "我要退货"],
  cancel_order: ["cancel my order", "I want to cancel my order", "我要取消订单"],
  change_address: ["change my delivery address", "wrong address on my order", "修改收货地址"],
  talk_to_human: ["talk to a person", "human agent please", "转人工"],
};

function renderFlows(): void {
  const flows = flowList();
  const cards = flows.map((f, i) => {
    const id = str(f["id"]);
    const builtin = str(f["builtin"]);
    const title = FLOW_NAMES[builtin] ?? FLOW_NAMES[id] ?? id;
    const qid = `flow-${i}-questions`;
    const area = el("textarea", { attrs: { id: qid, rows: "5", "aria-describedby": `flow-${i}-hint flow-${i}-error` } });
    area.value = strings(f["questions"]).join("\n");
    area.addEventListener("input", () => {
      const list = flowList()[i];
      if (!list) return;
      list["questions"] = lines(area.value);
      changed();
    });
    const remove = el("button", { class: "btn btn-small btn-danger", text: "Remove", attrs: { type: "button", "aria-label": `Remove flow ${id}` } });
    remove.addEventListener("click", () => {
      flowList().splice(i, 1);
      renderFlows();
      $("flow-add-select").focus();
      changed();
    });
    const kind = builtin ? `built-in flow ${builtin}` : "custom flow";
    return el("section", { class: "card flow-card", attrs: { "aria-labelledby": `flow-${i}-title` } }, [
      el("div", { class: "panel-head" }, [
        el("h3", { text: `${title} (${id})`, attrs: { id: `flow-${i}-title` } }),
        remove,
      ]),
      el("div", { class: "field" }, [
        el("label", { text: `Questions that start ${id} (one per line)`, attrs: { for: qid } }),
        area,
        el("p", { class: "hint", text: `A ${kind}${str(f["action"]) ? `; it ends with the action ${str(f["action"])}` : ""}.`, attrs: { id: `flow-${i}-hint` } }),
        el("p", { class: "error field-error", attrs: { id: `flow-${i}-error` } }),
      ]),
    ]);
  });
  $("flows-list").replaceChildren(...cards);
  $("flows-empty").hidden = flows.length > 0;
  const present = new Set(flows.map((f) => str(f["builtin"]) || str(f["id"])));
  const select = $select("flow-add-select");
  const options = Object.entries(FLOW_NAMES)
    .filter(([name]) => !present.has(name))
    .map(([name, label]) => el("option", { text: `${label} (${name})`, attrs: { value: name } }));
  select.replaceChildren(...options);
  select.disabled = options.length === 0;
  $button("flow-add").disabled = options.length === 0;
}

function addFlow(): void {
  const name = $select("flow-add-select").value;
  if (!name) return;
  const flows = flowList();
  const ids = new Set([...flows.map((f) => str(f["id"])), ...faqList().map((f) => str(f["id"]))]);
  const id = ids.has(name) ? `${name}_flow` : name;
  flows.push({ id, builtin: name, questions: FLOW_STARTERS[name] ?? [name.replace(/_/g, " ")] });
  renderFlows();
  const i = flows.length - 1;
  document.getElementById(`flow-${i}-questions`)?.focus();
  changed();
}

// ---------------------------------------------------------------------------
// Appearance, hours and handoff, privacy: one spec per input

const DAYS: [string, string][] = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];
const PII_KINDS = ["email", "phone", "card", "cn_id", "order_number"];

/** A string or {en, zh}: the text for one language, as the editor shows it. */
function locGet(v: unknown, lang: "en" | "zh"): string {
  if (typeof v === "string") return lang === shopLocale() ? v : "";
  const o = obj(v);
  return str(o[lang]);
}
function locSet(parent: Json, key: string, lang: "en" | "zh", value: string): void {
  const cur = parent[key];
  const o: Json = typeof cur === "string" ? (cur ? { [shopLocale()]: cur } : {}) : isObj(cur) ? { ...cur } : {};
  if (value) o[lang] = value;
  else delete o[lang];
  if (Object.keys(o).length === 0) delete parent[key];
  else parent[key] = o;
}

function numberOrUndefined(v: string, integer: boolean): number | string | undefined {
  const t = v.trim();
  if (t === "") return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) return t; // the server names the field
  return integer && Number.isInteger(n) ? Math.trunc(n) : n;
}

function formatHours(v: unknown): string {
  return arr(v)
    .map((iv) => arr(iv).map((t) => str(t)).join("-"))
    .join(", ");
}
function parseHours(v: string): string[][] {
  return v
    .split(/[,;，]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^(\S+?)\s*[-–—~to]+\s*(\S+)$/.exec(p);
      return m ? [m[1]!, m[2]!] : [p, ""];
    });
}

interface Spec {
  /** Input ids that edit this spec. */
  ids: string[];
  fill(): void;
  apply(source: HTMLElement): void;
}

const savedHours: { value: Json | null } = { value: null };

const SPECS: Spec[] = [
  {
    ids: ["shop-name"],
    fill: () => ($input("shop-name").value = str(obj(draft["shop"])["name"])),
    apply: () => (child(draft, "shop")["name"] = $input("shop-name").value.trim()),
  },
  ...(["en", "zh"] as const).map(
    (lang): Spec => ({
      ids: [`title-${lang}`],
      fill: () => ($input(`title-${lang}`).value = locGet(obj(draft["widget"])["title"], lang)),
      apply: () => locSet(child(draft, "widget"), "title", lang, $input(`title-${lang}`).value.trim()),
    }),
  ),
  ...(["en", "zh"] as const).map(
    (lang): Spec => ({
      ids: [`greeting-${lang}`],
      fill: () => ($area(`greeting-${lang}`).value = locGet(draft["greeting"], lang)),
      apply: () => locSet(draft, "greeting", lang, $area(`greeting-${lang}`).value.trim()),
    }),
  ),
  {
    ids: ["color", "color-picker"],
    fill: () => {
      const c = str(obj(draft["widget"])["color"]);
      $input("color").value = c;
      syncPicker(c);
    },
    apply: (source) => {
      if (source.id === "color-picker") $input("color").value = $input("color-picker").value;
      const c = $input("color").value.trim();
      setOrDelete(child(draft, "widget"), "color", c || undefined);
      if (source.id === "color") syncPicker(c);
    },
  },
  {
    ids: ["position-right", "position-left"],
    fill: () => {
      const p = str(obj(draft["widget"])["position"], "right");
      $input("position-right").checked = p !== "left";
      $input("position-left").checked = p === "left";
    },
    apply: () => (child(draft, "widget")["position"] = $input("position-left").checked ? "left" : "right"),
  },
  {
    ids: ["avatar"],
    fill: () => ($input("avatar").value = str(obj(draft["widget"])["avatar"])),
    apply: () => setOrDelete(child(draft, "widget"), "avatar", $input("avatar").value.trim() || undefined),
  },
  {
    ids: ["shop-locale"],
    fill: () => ($select("shop-locale").value = shopLocale()),
    apply: () => (child(draft, "shop")["locale"] = $select("shop-locale").value),
  },
  {
    ids: ["locale-en", "locale-zh"],
    fill: () => {
      const shop = obj(draft["shop"]);
      const list = Array.isArray(shop["locales"]) ? strings(shop["locales"]) : [shopLocale()];
      $input("locale-en").checked = list.includes("en");
      $input("locale-zh").checked = list.includes("zh");
    },
    apply: () => {
      child(draft, "shop")["locales"] = (["en", "zh"] as const).filter((l) => $input(`locale-${l}`).checked);
    },
  },
  {
    ids: ["hours-always"],
    fill: () => {
      const always = !isObj(draft["business_hours"]);
      $input("hours-always").checked = always;
      setHoursDisabled(always);
    },
    apply: () => {
      const always = $input("hours-always").checked;
      if (always) {
        if (isObj(draft["business_hours"])) savedHours.value = draft["business_hours"] as Json;
        delete draft["business_hours"];
      } else {
        const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
        const weekday = [["09:00", "18:00"]];
        draft["business_hours"] = savedHours.value ?? {
          timezone: tz,
          weekly: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: [], sun: [] },
        };
      }
      fillHours();
      setHoursDisabled(always);
    },
  },
  {
    ids: ["hours-timezone"],
    fill: () => ($input("hours-timezone").value = str(obj(draft["business_hours"])["timezone"])),
    apply: () => {
      if (!isObj(draft["business_hours"])) return;
      setOrDelete(child(draft, "business_hours"), "timezone", $input("hours-timezone").value.trim() || undefined);
    },
  },
  ...DAYS.map(
    ([d]): Spec => ({
      ids: [`hours-${d}`],
      fill: () => ($input(`hours-${d}`).value = formatHours(obj(obj(draft["business_hours"])["weekly"])[d])),
      apply: () => {
        if (!isObj(draft["business_hours"])) return;
        child(child(draft, "business_hours"), "weekly")[d] = parseHours($input(`hours-${d}`).value);
      },
    }),
  ),
  ...(
    [
      ["confidence-threshold", "confidence_threshold", false, "0.15"],
      ["frustration-threshold", "frustration_threshold", false, "0.6"],
      ["max-fallbacks", "max_fallbacks", true, "2"],
    ] as const
  ).map(
    ([id, key, integer, dflt]): Spec => ({
      ids: [id],
      fill: () => {
        const v = obj(draft["handoff"])[key];
        $input(id).value = v === undefined ? "" : str(v);
        $input(id).placeholder = dflt;
      },
      apply: () => setOrDelete(child(draft, "handoff"), key, numberOrUndefined($input(id).value, integer)),
    }),
  ),
  {
    ids: ["handoff-phrases"],
    fill: () => ($area("handoff-phrases").value = strings(obj(draft["handoff"])["phrases"]).join("\n")),
    apply: () => {
      const l = lines($area("handoff-phrases").value);
      setOrDelete(child(draft, "handoff"), "phrases", l.length ? l : undefined);
    },
  },
  {
    ids: PII_KINDS.map((k) => `pii-${k}`),
    fill: () => {
      const pii = obj(draft["pii"]);
      const mask = Array.isArray(pii["mask"]) ? strings(pii["mask"]) : PII_KINDS; // the core masks everything by default
      for (const k of PII_KINDS) $input(`pii-${k}`).checked = mask.includes(k);
    },
    apply: () => (child(draft, "pii")["mask"] = PII_KINDS.filter((k) => $input(`pii-${k}`).checked)),
  },
  {
    ids: ["retention-days"],
    fill: () => ($input("retention-days").value = draft["retention_days"] === undefined ? "" : str(draft["retention_days"])),
    apply: () => setOrDelete(draft, "retention_days", numberOrUndefined($input("retention-days").value, true)),
  },
  {
    ids: ["allowed-origins"],
    fill: () => ($area("allowed-origins").value = strings(draft["allowed_origins"]).join("\n")),
    apply: () => {
      const l = lines($area("allowed-origins").value);
      setOrDelete(draft, "allowed_origins", l.length || Array.isArray(draft["allowed_origins"]) ? l : undefined);
    },
  },
  {
    ids: ["identity-secret"],
    fill: () => ($input("identity-secret").value = str(draft["identity_secret"])),
    apply: () => setOrDelete(draft, "identity_secret", $input("identity-secret").value.trim() || undefined),
  },
];

const specById = new Map<string, Spec>();
for (const s of SPECS) for (const id of s.ids) specById.set(id, s);

function syncPicker(c: string): void {
  const full = /^#[0-9a-f]{3}$/i.test(c) ? `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}` : c;
  if (/^#[0-9a-f]{6}$/i.test(full)) $input("color-picker").value = full.toLowerCase();
}

function setHoursDisabled(always: boolean): void {
  for (const e of $("hours-fields").querySelectorAll<HTMLInputElement>("input")) e.disabled = always;
}

function fillHours(): void {
  for (const s of SPECS) if (s.ids.some((id) => id === "hours-timezone" || /^hours-(mon|tue|wed|thu|fri|sat|sun)$/.test(id))) s.fill();
}

function fillForms(): void {
  for (const s of SPECS) s.fill();
}

function onFieldInput(ev: Event): void {
  const target = ev.target as HTMLElement | null;
  if (!target || !target.id) return;
  const spec = specById.get(target.id);
  if (!spec) return;
  spec.apply(target);
  // An edited field loses its server error.
  const err = document.getElementById(`${target.id}-error`);
  if (err && err.classList.contains("field-error")) err.textContent = "";
  target.removeAttribute("aria-invalid");
  changed();
}

function buildHoursDays(): void {
  const days = DAYS.map(([d, label]) =>
    el("div", { class: "field" }, [
      el("label", { text: label, attrs: { for: `hours-${d}` } }),
      el("input", {
        attrs: { id: `hours-${d}`, type: "text", autocomplete: "off", spellcheck: "false", placeholder: "closed", "aria-describedby": `hours-days-hint hours-${d}-error` },
      }),
      el("p", { class: "error field-error", attrs: { id: `hours-${d}-error` } }),
    ]),
  );
  $("hours-days").replaceChildren(...days);
  const zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  $("timezones").replaceChildren(...zones.map((z) => el("option", { attrs: { value: z } })));
}

function rotateSecret(): void {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  const secret = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const input = $input("identity-secret");
  input.value = secret;
  draft["identity_secret"] = secret;
  $("identity-secret-error").textContent = "";
  input.removeAttribute("aria-invalid");
  announce("A new identity secret was generated. Publish, then update it in your shop's backend.");
  changed();
}

// ---------------------------------------------------------------------------
// Publish, versions, rollback

async function validateDraft(what: string): Promise<boolean | null> {
  const r = await api("POST", "/api/config/validate", draft);
  if (r.status === 200) return true;
  if (r.status === 400) {
    showConfigError(r.data, what);
    return false;
  }
  $("publish-status").textContent = `${what}: ${failure(r)}.`;
  return null;
}

async function onValidate(): Promise<void> {
  clearErrors();
  const status = $("publish-status");
  status.textContent = "Checking…";
  try {
    const ok = await validateDraft("Not valid");
    if (ok) status.textContent = "The draft is valid.";
    else if (ok === false) status.textContent = "The draft has an error: see the message at the field.";
  } catch {
    status.textContent = "Could not check: the server cannot be reached.";
  }
}

async function onPublish(ev: Event): Promise<void> {
  ev.preventDefault();
  clearErrors();
  const status = $("publish-status");
  const submit = $button("publish-submit");
  submit.disabled = true;
  status.textContent = "Checking the draft…";
  try {
    const ok = await validateDraft("Not published");
    if (ok === false) {
      status.textContent = "Not published: the draft has an error (shown at the field).";
      return;
    }
    if (ok === null) return;
    status.textContent = "Publishing…";
    const note = $input("publish-note").value.trim();
    const sent = clone(draft);
    const r = await api("POST", "/api/config/publish", { config: sent, note });
    if (r.status === 200 || r.status === 201) {
      version = num(r.data["version"], version + 1);
      published = sent;
      publishedCanon = canonical(published);
      $input("publish-note").value = "";
      status.textContent = `Published version ${version}. Widgets use it from their next page load.`;
      announce(`Published version ${version}.`);
      updateDraftState();
      void loadVersions();
    } else if (r.status === 400) {
      showConfigError(r.data, "Not published");
      status.textContent = "Not published: the draft has an error (shown at the field).";
    } else {
      status.textContent = `Not published: ${failure(r)}.`;
    }
  } catch {
    status.textContent = "Not published: the server cannot be reached.";
  } finally {
    submit.disabled = false;
  }
}

function onDiscard(): void {
  draft = clone(published);
  clearErrors();
  fillForms();
  renderFaqs();
  renderFlows();
  if (editing !== null) closeFaqEditor(false);
  $("publish-status").textContent = "Draft discarded: it is the live version again.";
  changed();
}

let rollbackArmed: number | null = null;

async function loadVersions(): Promise<void> {
  const status = $("versions-status");
  status.textContent = "Loading versions…";
  try {
    const r = await api("GET", "/api/config/versions");
    if (r.status !== 200) {
      status.textContent = `Could not load the versions: ${failure(r)}.`;
      return;
    }
    const rows = arr(r.data["versions"]).map((v) => {
      const o = obj(v);
      const n = num(o["version"]);
      const current = o["current"] === true;
      if (current) version = n;
      const action = current
        ? el("span", { class: "tag tag-live", text: "Live" })
        : (() => {
            const b = el("button", {
              class: "btn btn-small",
              text: rollbackArmed === n ? `Confirm roll back to version ${n}` : `Roll back to version ${n}`,
              attrs: { type: "button" },
            });
            b.addEventListener("click", () => void rollback(n));
            return b;
          })();
      const tr = el("tr", {}, [
        el("th", { text: String(n), attrs: { scope: "row" } }),
        el("td", { text: formatDateTime(num(o["published_at"])) }),
        el("td", { text: str(o["published_by"], "—") }),
        el("td", { class: "note", text: str(o["note"]) }),
        el("td", {}, [action]),
      ]);
      tr.dataset["version"] = String(n);
      if (current) tr.classList.add("current");
      return tr;
    });
    $("versions-rows").replaceChildren(...rows);
    status.textContent = rows.length ? "" : "Nothing published yet.";
    updateDraftState();
  } catch {
    status.textContent = "Could not load the versions: the server cannot be reached.";
  }
}

async function rollback(n: number): Promise<void> {
  const status = $("versions-status");
  if (isDirty() && rollbackArmed !== n) {
    rollbackArmed = n;
    status.textContent = `Your draft has unsaved changes: rolling back replaces them. Press “Confirm roll back to version ${n}” to go on.`;
    await loadVersions();
    status.textContent = `Your draft has unsaved changes: rolling back replaces them. Press “Confirm roll back to version ${n}” to go on.`;
    document.querySelector<HTMLElement>(`#versions-rows tr[data-version="${n}"] button`)?.focus();
    return;
  }
  rollbackArmed = null;
  status.textContent = `Rolling back to version ${n}…`;
  try {
    const r = await api("POST", "/api/config/rollback", { version: n });
    if (r.status === 200 || r.status === 201) {
      const v = num(r.data["version"]);
      await loadConfig(false); // one versions reload, awaited, so its status cannot land after ours
      await loadVersions();
      status.textContent = `Rolled back: version ${v || version} is a copy of version ${n} and is live.`;
      announce(status.textContent);
      $("publish-title").focus();
    } else {
      status.textContent = `Could not roll back: ${failure(r)}.`;
    }
  } catch {
    status.textContent = "Could not roll back: the server cannot be reached.";
  }
}

// ---------------------------------------------------------------------------
// Snippet and CSP

let integrity: Promise<string> | null = null;

async function widgetIntegrity(): Promise<string> {
  if (!crypto.subtle) throw new Error("this page is not on HTTPS (the browser offers no hashing here)");
  const res = await fetch("/widget.js", { cache: "no-cache", credentials: "omit" });
  if (!res.ok) throw new Error(`/widget.js answered ${res.status}`);
  const digest = await crypto.subtle.digest("SHA-384", await res.arrayBuffer());
  let bin = "";
  for (const b of new Uint8Array(digest)) bin += String.fromCharCode(b);
  return `sha384-${btoa(bin)}`;
}

async function renderSnippet(): Promise<void> {
  const origin = location.origin;
  const plain = `<script src="${origin}/widget.js" data-parley async></script>`;
  const area = $area("snippet");
  const status = $("snippet-status");
  status.textContent = "";
  if (!$input("snippet-sri").checked) {
    area.value = plain;
  } else {
    area.value = "Computing the integrity hash…";
    try {
      integrity ??= widgetIntegrity();
      const hash = await integrity;
      if ($input("snippet-sri").checked) {
        area.value = `<script src="${origin}/widget.js" data-parley async integrity="${hash}" crossorigin="anonymous"></script>`;
      }
    } catch (e) {
      integrity = null;
      area.value = plain;
      status.textContent = `No integrity hash: ${(e as Error).message}.`;
    }
  }
  const ws = origin.replace(/^http/, "ws");
  $area("csp").value = [
    `script-src  ${origin} 'wasm-unsafe-eval';`,
    `connect-src ${origin} ${ws};`,
    "worker-src  blob:;",
    `img-src     ${origin} data:;`,
  ].join("\n");
}

async function copyFrom(areaId: string, statusId: string, what: string): Promise<void> {
  const area = $area(areaId);
  const status = $(statusId);
  try {
    await navigator.clipboard.writeText(area.value);
    status.textContent = `${what} copied.`;
  } catch {
    area.focus();
    area.select();
    status.textContent = `Press Ctrl+C (⌘C) to copy the ${what.toLowerCase()}.`;
  }
}

// ---------------------------------------------------------------------------
// Test your bot

function outcome(r: Json): string {
  const kind = str(r["kind"]);
  const item = str(r["item_id"]);
  const isFaq = faqList().some((f) => str(f["id"]) === item);
  const isFlow = flowList().some((f) => str(f["id"]) === item);
  switch (kind) {
    case "answer":
      return item ? `Answered by FAQ ${item}` : "Answered";
    case "ask":
    case "action":
      return item ? (isFaq ? `Answered by FAQ ${item}` : `Starts flow ${item}`) : "Asks a question";
    case "handoff":
      return item && isFlow ? `Hands off to a person (flow ${item})` : "Hands off to a person";
    case "clarify": {
      const c = strings(r["candidates"]);
      return c.length ? `Asks to clarify: ${c.join(", ")}` : "Asks to clarify";
    }
    case "fallback":
      return "Falls back (not understood)";
    case "smalltalk":
      return "Small talk";
    case "notice":
      return "Notice";
    default:
      return item ? `${kind}: ${item}` : kind || "—";
  }
}

async function onTry(ev: Event): Promise<void> {
  ev.preventDefault();
  const status = $("try-status");
  const questions = lines($area("try-questions").value);
  if (questions.length === 0) {
    status.textContent = "Enter at least one question, one per line.";
    $area("try-questions").focus();
    return;
  }
  if (questions.length > 500) {
    status.textContent = `At most 500 questions at once (there are ${questions.length}).`;
    return;
  }
  const run = $button("try-run");
  run.disabled = true;
  status.textContent = `Testing ${questions.length} ${questions.length === 1 ? "question" : "questions"}…`;
  try {
    const r = await api("POST", "/api/config/try", { config: draft, questions });
    if (r.status === 200) {
      const results = arr(r.data["results"]).map(obj);
      let answered = 0;
      let fallbacks = 0;
      let clarify = 0;
      const rows = results.map((res) => {
        const kind = str(res["kind"]);
        if (kind === "fallback") fallbacks++;
        else if (kind === "clarify") clarify++;
        else if (kind !== "smalltalk" && str(res["item_id"])) answered++;
        const conf = num(res["confidence"], NaN);
        const tr = el("tr", {}, [
          el("th", { text: str(res["question"]), attrs: { scope: "row" } }),
          el("td", { class: `outcome outcome-${kind || "none"}`, text: outcome(res) }),
          el("td", { class: "num", text: Number.isFinite(conf) ? conf.toFixed(2) : "—" }),
        ]);
        tr.dataset["kind"] = kind;
        return tr;
      });
      $("try-rows").replaceChildren(...rows);
      $("try-wrap").hidden = false;
      status.textContent = `${results.length} tested: ${answered} answered by an FAQ or a flow, ${clarify} ask to clarify, ${fallbacks} fall back.`;
    } else if (r.status === 400) {
      showConfigError(r.data, "Cannot test the draft");
      status.textContent = "The draft has an error: fix it first (see the message at the field).";
    } else {
      status.textContent = `Could not test: ${failure(r)}.`;
    }
  } catch {
    status.textContent = "Could not test: the server cannot be reached.";
  } finally {
    run.disabled = false;
  }
}

// ---------------------------------------------------------------------------
// Analytics

const REASONS: Record<string, string> = {
  requested: "Asked for a person",
  frustration: "Frustration",
  repeated_fallback: "Bot could not answer",
  flow_failed: "Flow failed",
};

function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
function parseDate(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

let analyticsDefaulted = false;
function defaultRange(): void {
  if (analyticsDefaulted) return;
  analyticsDefaulted = true;
  const to = new Date();
  const from = new Date(to.getFullYear(), to.getMonth(), to.getDate() - 29);
  $input("analytics-from").value = isoDate(from);
  $input("analytics-to").value = isoDate(to);
}

/** [from, to) in ms: from the start of the first day to the end of the last (local time). */
function range(): [number, number] | null {
  const from = parseDate($input("analytics-from").value);
  const to = parseDate($input("analytics-to").value);
  if (!from || !to) return null;
  const end = new Date(to.getFullYear(), to.getMonth(), to.getDate() + 1);
  return [from.getTime(), end.getTime() - 1];
}

let analyticsSeq = 0;

async function loadAnalytics(): Promise<void> {
  const status = $("analytics-status");
  const r0 = range();
  if (!r0 || r0[0] > r0[1]) {
    status.textContent = "Choose a start date on or before the end date.";
    $input("analytics-from").setAttribute("aria-invalid", "true");
    $input("analytics-from").focus();
    return;
  }
  $input("analytics-from").removeAttribute("aria-invalid");
  const [from, to] = r0;
  const qs = `from=${from}&to=${to}`;
  const link = $("analytics-csv") as HTMLAnchorElement;
  link.href = `/api/analytics.csv?${qs}`;
  link.download = `parley-analytics-${$input("analytics-from").value}-to-${$input("analytics-to").value}.csv`;
  const seq = ++analyticsSeq;
  status.textContent = "Loading…";
  $("analytics-body").setAttribute("aria-busy", "true");
  try {
    const r = await api("GET", `/api/analytics?${qs}`);
    if (seq !== analyticsSeq) return;
    if (r.status !== 200) {
      status.textContent = `Could not load the analytics: ${failure(r)}.`;
      return;
    }
    $("analytics-body").hidden = false;
    renderAnalytics(r.data);
    status.textContent = `${$input("analytics-from").value} to ${$input("analytics-to").value}: ${num(r.data["conversations"])} conversations.`;
  } catch {
    if (seq === analyticsSeq) status.textContent = "Could not load the analytics: the server cannot be reached.";
  } finally {
    if (seq === analyticsSeq) $("analytics-body").removeAttribute("aria-busy");
  }
}

function kpi(label: string, value: string, sub: string): HTMLElement {
  const li = el("li", { class: "kpi" }, [
    el("span", { class: "kpi-label", text: label }),
    el("span", { class: "kpi-value", text: value }),
  ]);
  if (sub) li.appendChild(el("span", { class: "kpi-sub", text: sub }));
  return li;
}

function renderAnalytics(a: Json): void {
  const conversations = num(a["conversations"]);
  const botOnly = num(a["bot_only"]);
  const handed = num(a["handed_off"]);
  const csatCount = num(a["csat_count"]);
  const csatAvg = num(a["csat_average"], NaN);
  const fr = obj(a["first_response_ms"]);
  const bot = obj(fr["bot"]);
  const human = obj(fr["human"]);
  const handle = obj(a["handle_time_ms"]);
  const median = (o: Json) => (o["p50"] === undefined || o["p50"] === null ? "" : `median ${formatMs(o["p50"])}`);
  $("kpis").replaceChildren(
    kpi("Conversations", String(conversations), ""),
    kpi("Deflection rate", conversations ? percent(a["deflection_rate"]) : "—", `${botOnly} resolved by the bot`),
    kpi("Handoff rate", conversations ? percent(a["handoff_rate"]) : "—", `${handed} handed off`),
    kpi("First-contact resolution", conversations ? percent(a["first_contact_resolution"]) : "—", ""),
    kpi("CSAT average", csatCount > 0 && Number.isFinite(csatAvg) ? csatAvg.toFixed(1) : "—", `${csatCount} ${csatCount === 1 ? "rating" : "ratings"}`),
    kpi("First response (bot)", formatMs(bot["avg"]), median(bot)),
    kpi("First response (person)", formatMs(human["avg"]), median(human)),
    kpi("Handle time", formatMs(handle["avg"]), median(handle)),
  );

  // Conversations per day.
  const days = arr(a["per_day"])
    .map(obj)
    .sort((x, y) => str(x["day"]).localeCompare(str(y["day"])));
  const dayLabel = (d: string) => {
    const p = parseDate(d);
    return p ? p.toLocaleDateString([], { month: "short", day: "numeric" }) : d;
  };
  barChart(
    "chart-days",
    days.map((d) => dayLabel(str(d["day"]))),
    [
      { label: "Conversations", values: days.map((d) => num(d["conversations"])), colorVar: "--chart-1" },
      { label: "Handed off", values: days.map((d) => num(d["handed_off"])), colorVar: "--chart-2" },
    ],
  );
  $("chart-days-summary").textContent = days.length
    ? `${days.length} days; most: ${Math.max(...days.map((d) => num(d["conversations"])))} conversations in a day.`
    : "No conversations.";
  $("table-days").replaceChildren(
    dataTable(
      "Conversations per day",
      ["Day", "Conversations", "Handed off"],
      days.map((d) => [str(d["day"]), num(d["conversations"]), num(d["handed_off"])]),
    ),
  );

  // Handoff reasons.
  const reasons = Object.entries(obj(a["handoff_reasons"]))
    .map(([k, v]) => [k, num(v)] as [string, number])
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
  barChart("chart-reasons", reasons.map(([k]) => REASONS[k] ?? k), [{ label: "Handoffs", values: reasons.map(([, v]) => v), colorVar: "--chart-2" }]);
  $("chart-reasons-summary").textContent = reasons.length ? reasons.map(([k, v]) => `${REASONS[k] ?? k}: ${v}`).join("; ") : "No handoffs.";
  $("table-reasons").replaceChildren(dataTable("Handoff reasons", ["Reason", "Handoffs"], reasons.map(([k, v]) => [REASONS[k] ?? k, v])));

  // CSAT distribution.
  const dist = obj(a["csat_distribution"]);
  const scores = ["1", "2", "3", "4", "5"];
  const csatValues = scores.map((s) => num(dist[s]));
  barChart(
    "chart-csat",
    csatCount > 0 ? scores.map((s) => `${s} ★`) : [],
    [{ label: "Ratings", values: csatValues, colorVar: "--chart-3" }],
  );
  $("chart-csat-summary").textContent = scores.map((s, i) => `${s} of 5: ${csatValues[i]}`).join("; ");
  $("table-csat").replaceChildren(dataTable("Satisfaction ratings", ["Score", "Ratings"], scores.map((s, i) => [`${s} of 5`, csatValues[i]!])));

  // Intents.
  const intents = Object.entries(obj(a["intents"]))
    .map(([k, v]) => [k, num(v)] as [string, number])
    .filter(([, v]) => v > 0)
    .sort((x, y) => y[1] - x[1]);
  const top = intents.slice(0, 12);
  barChart("chart-intents", top.map(([k]) => k), [{ label: "Conversations", values: top.map(([, v]) => v), colorVar: "--chart-1" }]);
  $("chart-intents-summary").textContent = top.length ? top.map(([k, v]) => `${k}: ${v}`).join("; ") : "No intents detected.";
  $("table-intents").replaceChildren(dataTable("Intents", ["Intent", "Count"], intents.map(([k, v]) => [k, v])));

  // Top unanswered questions.
  const unanswered = arr(a["unanswered"]).map(obj);
  const rows = unanswered.map((u) => {
    const question = str(u["question"]);
    const examples = strings(u["examples"]);
    const add = el("button", { class: "btn btn-small", text: "Add as FAQ", attrs: { type: "button" } });
    add.addEventListener("click", () => addAsFaq(question, examples));
    return el("tr", {}, [
      el("th", { text: question, attrs: { scope: "row" } }),
      el("td", { class: "num", text: String(num(u["count"])) }),
      el("td", { class: "examples", text: examples.filter((e) => e !== question).join(" · ") }),
      el("td", {}, [add]),
    ]);
  });
  $("unanswered-rows").replaceChildren(...rows);
  $("unanswered-wrap").hidden = rows.length === 0;
  $("unanswered-empty").hidden = rows.length > 0;
}

function addAsFaq(question: string, examples: string[]): void {
  const seen = new Set<string>();
  const questions = [question, ...examples].map((q) => q.trim()).filter((q) => {
    const k = q.toLowerCase();
    if (!q || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  selectTab("faqs", false);
  let id = makeId(question);
  const ids = new Set(faqList().map((f) => str(f["id"])));
  for (let n = 2; ids.has(id); n++) id = `${makeId(question)}-${n}`;
  openFaq(null, { id, questions });
  $("faq-status").textContent = `New FAQ from an unanswered question: write the answer and save it.`;
}

// ---------------------------------------------------------------------------
// Tabs

function selectTab(which: TabName, focus: boolean): void {
  currentTab = which;
  for (const name of TABS) {
    const tab = $(`tab-${name}`);
    const on = name === which;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${name}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  $("preview-pane").hidden = which === "analytics";
  $("app-view").dataset["tab"] = which;
  if (which === "publish") {
    void loadVersions();
    void renderSnippet();
  }
  if (which === "analytics") {
    defaultRange();
    void loadAnalytics();
  }
}

function onTabKey(ev: KeyboardEvent): void {
  const current = TABS.find((name) => `tab-${name}` === (ev.currentTarget as HTMLElement).id) ?? "faqs";
  const i = TABS.indexOf(current);
  let next: TabName | undefined;
  if (ev.key === "ArrowRight") next = TABS[(i + 1) % TABS.length];
  else if (ev.key === "ArrowLeft") next = TABS[(i - 1 + TABS.length) % TABS.length];
  else if (ev.key === "Home") next = TABS[0];
  else if (ev.key === "End") next = TABS[TABS.length - 1];
  if (!next) return;
  ev.preventDefault();
  selectTab(next, true);
}

// ---------------------------------------------------------------------------
// Start

function init(): void {
  setUnauthorizedHandler(() => showLogin("Your session has ended. Please sign in again."));
  buildHoursDays();
  $("login-form").addEventListener("submit", (ev) => void onLogin(ev));
  $("sign-out").addEventListener("click", () => void onSignOut());
  for (const name of TABS) {
    const tab = $(`tab-${name}`);
    tab.addEventListener("click", () => selectTab(name, false));
    tab.addEventListener("keydown", onTabKey);
  }
  // FAQs
  $("faq-search").addEventListener("input", renderFaqs);
  $("faq-add").addEventListener("click", () => openFaq(null));
  $("faq-editor").addEventListener("submit", onFaqSave);
  $("faq-cancel").addEventListener("click", () => closeFaqEditor(true));
  $("faq-delete").addEventListener("click", () => editing !== null && editing >= 0 && deleteFaq(editing));
  $("faq-editor").addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") closeFaqEditor(true);
  });
  for (const id of ["faq-answer-en", "faq-answer-zh"]) $(id).addEventListener("input", renderAnswerPreview);
  $("faq-undo").addEventListener("click", undoDelete);
  $("faq-import-file").addEventListener("change", () => void onImport());
  $("faq-export-csv").addEventListener("click", () => exportFaqs("csv"));
  $("faq-export-json").addEventListener("click", () => exportFaqs("json"));
  // Flows
  $("flow-add").addEventListener("click", addFlow);
  // Settings fields
  for (const panel of ["panel-appearance", "panel-hours", "panel-privacy"]) {
    $(panel).addEventListener("input", onFieldInput);
    $(panel).addEventListener("change", onFieldInput);
  }
  $("identity-rotate").addEventListener("click", rotateSecret);
  // Publish
  $("publish-form").addEventListener("submit", (ev) => void onPublish(ev));
  $("publish-validate").addEventListener("click", () => void onValidate());
  $("publish-discard").addEventListener("click", onDiscard);
  $("snippet-sri").addEventListener("change", () => void renderSnippet());
  $("snippet-copy").addEventListener("click", () => void copyFrom("snippet", "snippet-status", "Script tag"));
  $("csp-copy").addEventListener("click", () => void copyFrom("csp", "snippet-status", "CSP directives"));
  // Preview and test
  $("preview-restart").addEventListener("click", applyPreview);
  $("try-form").addEventListener("submit", (ev) => void onTry(ev));
  // Analytics
  $("analytics-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void loadAnalytics();
  });
  window.addEventListener("beforeunload", (ev) => {
    if (me && isDirty()) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });
  void restore();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
