// End-to-end tests of the merchant admin (/admin) against a real `parley
// serve` (a fresh test shop per test: publishing changes its state), driven
// through Debian's Chromium: sign-in and refusals, FAQs in English and
// Chinese answered by the in-page preview widget and by the test box,
// publishing to the demo shop, a refused config, rollback, analytics.
// Every wait is on a condition; nothing sleeps.
import type { Browser, Locator, Page } from "@playwright/test";
import fs from "node:fs";
import { ADMIN, AGENT, AgentSocket, expect, Shopper, test, type Frame } from "./fixtures";

// Topics the demo shop has no FAQ for (it does have gift cards).
const Q_EN = "Do you rent out skis?";
const A_EN = "Yes, ski rental costs €25 per day in our Hamburg store.";
const Q_ZH = "你们出租滑雪板吗？";
const A_ZH = "可以，汉堡门店租滑雪板每天 25 欧元。";

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { html: string; failureSummary?: string }[];
}
type AxeWindow = Window & { axe?: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } };

// ---------------------------------------------------------------------------
// Helpers

async function signIn(page: Page, url: string, account = ADMIN): Promise<void> {
  await page.goto(`${url}/admin`);
  await page.getByRole("textbox", { name: "Email" }).fill(account.email);
  await page.getByRole("textbox", { name: "Password" }).fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("tab", { name: "FAQs" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("status", { name: "Draft status" })).toContainText("no unsaved changes");
}

async function addFaq(page: Page, faq: { id: string; questions: string[]; en?: string; zh?: string }): Promise<void> {
  await page.getByRole("button", { name: "Add FAQ" }).click();
  const editor = page.getByRole("form", { name: "New FAQ" });
  await expect(editor).toBeVisible();
  await editor.getByRole("textbox", { name: "FAQ id" }).fill(faq.id);
  await editor.getByRole("textbox", { name: "Questions (one per line)" }).fill(faq.questions.join("\n"));
  if (faq.en) await editor.getByRole("textbox", { name: "Answer (English)" }).fill(faq.en);
  if (faq.zh) await editor.getByRole("textbox", { name: "Answer (Chinese)" }).fill(faq.zh);
  await editor.getByRole("button", { name: "Save FAQ" }).click();
  await expect(editor).toBeHidden();
  await expect(page.getByRole("list", { name: "FAQs" }).getByRole("listitem").filter({ hasText: faq.id })).toHaveCount(1);
}

async function publish(page: Page, note: string): Promise<number> {
  await page.getByRole("tab", { name: "Publish" }).click();
  await page.getByRole("textbox", { name: "Publish note" }).fill(note);
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  const status = page.locator("#publish-status");
  await expect(status).toHaveText(/^Published version \d+\./);
  const version = Number(/version (\d+)/.exec((await status.textContent()) ?? "")![1]);
  const row = page.getByRole("table", { name: "Published versions" }).getByRole("row").filter({ has: page.getByRole("rowheader", { name: String(version), exact: true }) });
  await expect(row).toContainText(note);
  await expect(row).toContainText("Live");
  await expect(page.getByRole("status", { name: "Draft status" })).toContainText("no unsaved changes");
  return version;
}

/** Sends `text` through an open widget and returns the bot's next message. */
async function ask(page: Page, text: string): Promise<Locator> {
  const log = page.getByRole("log", { name: "Conversation" });
  const before = await log.locator('[data-author="bot"]').count();
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(log.locator('[data-author="shopper"]').filter({ hasText: text }).last()).toBeVisible();
  const reply = log.locator('[data-author="bot"]').nth(before);
  await expect(reply).toBeVisible();
  return reply;
}

/** The demo shop in a fresh browser context (nothing stored from other pages). */
async function shopPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(page.getByRole("log", { name: "Conversation" }).locator('[data-author="bot"]').first()).toBeVisible(); // the greeting
  return page;
}

async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => !!(window as AxeWindow).axe))) {
    // Injected through the DevTools protocol (not a <script>), so the page's CSP stays as it is.
    await page.evaluate(fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
  }
  const violations = await page.evaluate(async () => (await (window as AxeWindow).axe!.run(document, {})).violations);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.html}\n  ${n.failureSummary ?? ""}`).join("\n")}`);
}

async function versionCount(page: Page, url: string): Promise<number> {
  const res = await page.request.get(`${url}/api/config/versions`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { versions: unknown[] }).versions.length;
}

// ---------------------------------------------------------------------------
// Tests

test("unauthenticated and non-admin access to /admin and its API is refused", async ({ page, shop, playwright }) => {
  // The page itself is public: it shows the sign-in form.
  await page.goto(`${shop.url}/admin`);
  await expect(page.getByRole("textbox", { name: "Email" })).toBeFocused();
  await expect(page.getByRole("textbox", { name: "Password" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("tablist")).toBeHidden();
  expect(await axe(page)).toEqual([]);

  // The API without a session: 401.
  const anon = await playwright.request.newContext();
  for (const [method, path, body] of [
    ["GET", "/api/config", undefined],
    ["POST", "/api/config/publish", { config: {}, note: "x" }],
    ["POST", "/api/config/validate", {}],
    ["POST", "/api/config/try", { questions: ["hi"] }],
    ["POST", "/api/config/rollback", { version: 1 }],
    ["GET", "/api/config/versions", undefined],
    ["GET", "/api/analytics?from=0&to=1", undefined],
    ["GET", "/api/analytics.csv?from=0&to=1", undefined],
  ] as const) {
    const res = await anon.fetch(`${shop.url}${path}`, { method, data: body });
    expect(res.status(), `${method} ${path}`).toBe(401);
  }
  await anon.dispose();

  // A plain agent: signed in, but 403 everywhere here.
  const agent = await playwright.request.newContext();
  const login = await agent.post(`${shop.url}/api/login`, { data: AGENT });
  expect(login.status()).toBe(200);
  const csrf = ((await login.json()) as { csrf: string }).csrf;
  expect((await agent.get(`${shop.url}/api/config`)).status()).toBe(403);
  expect((await agent.get(`${shop.url}/api/analytics?from=0&to=1`)).status()).toBe(403);
  const pub = await agent.post(`${shop.url}/api/config/publish`, { data: { config: {}, note: "x" }, headers: { "X-CSRF-Token": csrf } });
  expect(pub.status()).toBe(403);
  await agent.dispose();

  // And the page tells an agent it is for admins only.
  await page.getByRole("textbox", { name: "Email" }).fill(AGENT.email);
  await page.getByRole("textbox", { name: "Password" }).fill(AGENT.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("admins only");
  await expect(page.getByRole("tablist")).toBeHidden();
});

test("a merchant adds FAQs in English and Chinese, previews, tests, publishes; the demo shop answers them", async ({ page, shop, browser }) => {
  // The admin page never opens a shopper socket or loads the published config: the preview runs the draft.
  const sockets: string[] = [];
  const configLoads: string[] = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  page.on("request", (r) => {
    if (r.url().includes("/api/shop-config")) configLoads.push(r.url());
  });

  await signIn(page, shop.url);
  // Keyboard: the tabs move with the arrow keys.
  await page.getByRole("tab", { name: "FAQs" }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Flows & intents" })).toBeFocused();
  await expect(page.getByRole("tab", { name: "Flows & intents" })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByRole("tab", { name: "FAQs" })).toHaveAttribute("aria-selected", "true");

  await addFaq(page, { id: "ski-rental", questions: [Q_EN, "Can I rent skis from you?"], en: A_EN });
  await addFaq(page, { id: "ski-rental-zh", questions: [Q_ZH], zh: A_ZH });
  await expect(page.getByRole("status", { name: "Draft status" })).toContainText("Unsaved changes");
  // Search finds them.
  await page.getByRole("searchbox", { name: "Search FAQs" }).fill("ski");
  await expect(page.getByRole("list", { name: "FAQs" }).getByRole("listitem")).toHaveCount(2);
  await page.getByRole("searchbox", { name: "Search FAQs" }).fill("");

  // The preview widget answers both from the unsaved draft.
  await expect(page.locator("#preview-status")).toHaveText(/^Preview running your draft/);
  await page.getByRole("button", { name: "Open chat" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await expect(await ask(page, Q_EN)).toHaveText(A_EN);
  await expect(await ask(page, Q_ZH)).toHaveText(A_ZH);
  await page.getByRole("button", { name: "Close chat" }).click();

  // The test box: both answered by the new FAQs, with a confidence; an unknown question falls back.
  await page.getByRole("textbox", { name: "Questions to test (one per line)" }).fill(`${Q_EN}\n${Q_ZH}\nCan I pay with seashells and starlight?`);
  await page.getByRole("button", { name: "Run test" }).click();
  const results = page.getByRole("table", { name: "Test results" });
  const rowOf = (q: string) => results.getByRole("row").filter({ has: page.getByRole("rowheader", { name: q, exact: true }) });
  await expect(rowOf(Q_EN).getByRole("cell").nth(0)).toHaveText("Answered by FAQ ski-rental");
  await expect(rowOf(Q_EN).getByRole("cell").nth(1)).toHaveText(/^(0\.\d\d|1\.00)$/);
  await expect(rowOf(Q_ZH).getByRole("cell").nth(0)).toHaveText("Answered by FAQ ski-rental-zh");
  await expect(rowOf(Q_ZH).getByRole("cell").nth(1)).toHaveText(/^(0\.\d\d|1\.00)$/);
  await expect(rowOf("Can I pay with seashells and starlight?").getByRole("cell").nth(0)).toHaveText(/Falls back|Answered by FAQ/);
  await expect(page.locator("#try-status")).toContainText("3 tested");

  expect(await axe(page)).toEqual([]);

  // Publish; the versions list shows it as live.
  const v = await publish(page, "Ski rental");
  expect(v).toBe(2);
  expect(await axe(page)).toEqual([]);

  // The snippet: the exact tag with an integrity hash of the current widget.js, and the CSP directives.
  const snippet = await page.getByRole("textbox", { name: "Script tag" }).inputValue();
  const js = await (await page.request.get(`${shop.url}/widget.js`)).body();
  const sri = `sha384-${(await import("node:crypto")).createHash("sha384").update(js).digest("base64")}`;
  expect(snippet).toBe(`<script src="${shop.url}/widget.js" data-parley async integrity="${sri}" crossorigin="anonymous"></script>`);
  await page.getByRole("checkbox", { name: "Pin this version with Subresource Integrity" }).uncheck();
  await expect(page.getByRole("textbox", { name: "Script tag" })).toHaveValue(`<script src="${shop.url}/widget.js" data-parley async></script>`);
  const csp = await page.getByRole("textbox", { name: "Content Security Policy directives" }).inputValue();
  expect(csp).toContain(`script-src  ${shop.url} 'wasm-unsafe-eval';`);
  expect(csp).toContain(`connect-src ${shop.url} ${shop.url.replace(/^http/, "ws")};`);

  // The demo shop (a new page, nothing stored) answers both, also after a reload.
  const shopTab = await shopPage(browser, shop.url);
  await expect(await ask(shopTab, Q_EN)).toHaveText(A_EN);
  await shopTab.reload();
  await shopTab.getByRole("button", { name: "Open chat" }).click();
  await expect(shopTab.getByRole("log", { name: "Conversation" }).locator('[data-author="bot"]').filter({ hasText: A_EN })).toHaveCount(1);
  await expect(await ask(shopTab, Q_ZH)).toHaveText(A_ZH);
  await shopTab.context().close();

  expect(sockets, "the admin page opened no socket").toEqual([]);
  expect(configLoads, "the preview never loaded the published config").toEqual([]);
});

test("an invalid config is refused with the message at the field; nothing is published", async ({ page, shop }) => {
  await signIn(page, shop.url);
  const before = await versionCount(page, shop.url);

  // An FAQ without questions.
  await addFaq(page, { id: "no-questions", questions: [], en: "An answer to nothing." });
  await page.getByRole("tab", { name: "Publish" }).click();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page.locator("#publish-status")).toContainText("Not published");
  // The editor of that FAQ opens on the FAQs tab with the server's message at "Questions".
  await expect(page.getByRole("tab", { name: "FAQs" })).toHaveAttribute("aria-selected", "true");
  const questions = page.getByRole("textbox", { name: "Questions (one per line)" });
  await expect(questions).toBeFocused();
  await expect(questions).toHaveAttribute("aria-invalid", "true");
  await expect(questions).toHaveAccessibleDescription(/non-empty array of strings/i);
  await expect(page.getByRole("alert").filter({ hasText: "no-questions" })).toContainText(/faqs\[\d+\]\.questions/);
  expect(await axe(page)).toEqual([]);
  await page.getByRole("button", { name: "Delete FAQ", exact: true }).click();

  // A colour that is not one.
  await page.getByRole("tab", { name: "Appearance" }).click();
  await page.getByRole("textbox", { name: "Colour", exact: true }).fill("blue");
  await page.getByRole("tab", { name: "Publish" }).click();
  await page.getByRole("button", { name: "Publish", exact: true }).click();
  await expect(page.getByRole("tab", { name: "Appearance" })).toHaveAttribute("aria-selected", "true");
  const colour = page.getByRole("textbox", { name: "Colour", exact: true });
  await expect(colour).toBeFocused();
  await expect(colour).toHaveAttribute("aria-invalid", "true");
  await expect(colour).toHaveAccessibleDescription(/colour like "#1f6feb"/);
  expect(await versionCount(page, shop.url)).toBe(before);

  // Fixed, it goes through.
  await colour.fill("#0a7d5a");
  await expect(colour).not.toHaveAttribute("aria-invalid", "true");
  await publish(page, "Green");
  expect(await versionCount(page, shop.url)).toBe(before + 1);
  const live = (await (await page.request.get(`${shop.url}/api/shop-config`)).json()) as { widget: { color: string } };
  expect(live.widget.color).toBe("#0a7d5a");
});

test("rollback restores the previous answers", async ({ page, shop, browser }) => {
  await signIn(page, shop.url);
  await addFaq(page, { id: "ski-rental", questions: [Q_EN], en: A_EN });
  const v = await publish(page, "Ski rental");
  const shopTab = await shopPage(browser, shop.url);
  await expect(await ask(shopTab, Q_EN)).toHaveText(A_EN);
  await shopTab.context().close();

  // Roll back to the version before.
  const table = page.getByRole("table", { name: "Published versions" });
  await table.getByRole("button", { name: `Roll back to version ${v - 1}` }).click();
  await expect(page.locator("#versions-status")).toHaveText(`Rolled back: version ${v + 1} is a copy of version ${v - 1} and is live.`);
  const row = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: String(v + 1), exact: true }) });
  await expect(row).toContainText(`rollback to version ${v - 1}`);
  await expect(row).toContainText("Live");
  // The draft follows: the FAQ is gone from the editor too.
  await page.getByRole("tab", { name: "FAQs" }).click();
  await expect(page.getByRole("list", { name: "FAQs" }).getByRole("listitem").filter({ hasText: "ski-rental" })).toHaveCount(0);

  // The demo shop's widget no longer knows the answer: it falls back.
  const again = await shopPage(browser, shop.url);
  const reply = await ask(again, Q_EN);
  await expect(reply).not.toHaveText(A_EN);
  await expect(reply).toContainText("not sure I understood");
  await again.context().close();
});

test("analytics show the stored conversations; unanswered questions become FAQs; CSV export", async ({ page, shop }) => {
  // Scripted conversations: one answered by the bot, one handed off to an online agent and rated 5, one fallback.
  const agent = await AgentSocket.connect(shop.url);
  const shoppers: Shopper[] = [];
  const start = async (): Promise<[Shopper, Frame]> => {
    const s = await Shopper.connect(shop.url);
    shoppers.push(s);
    s.send({ type: "hello", token: null, last_id: 0, locale: "en" });
    return [s, await s.waitFor((f) => f["type"] === "welcome", "welcome")];
  };
  const botReplyTo = (s: Shopper, id: number) => s.waitFor((f) => f["type"] === "message" && f["author"] === "bot" && Number(f["id"]) > id, "the bot's reply");
  try {
    const [resolved] = await start();
    await botReplyTo(resolved, await resolved.say("How long does shipping take?"));

    const [handed, welcome] = await start();
    await handed.say("I want to talk to a human");
    await handed.waitFor((f) => f["type"] === "status" && f["status"] === "queued", "queued");
    await agent.handle(String(welcome["conversation_id"]), "Hi, this is Alex from the team. Sorted!");
    await handed.waitFor((f) => f["type"] === "csat_request", "csat_request");
    handed.send({ type: "csat", score: 5 });
    await handed.waitFor((f) => f["type"] === "csat_ack", "csat_ack");

    const [lost] = await start();
    const reply = await botReplyTo(lost, await lost.say(Q_EN));
    expect((reply["reply"] as Frame)["kind"]).toBe("fallback");
  } finally {
    for (const s of shoppers) s.close();
    agent.close();
  }

  await signIn(page, shop.url);
  await page.getByRole("tab", { name: "Analytics" }).click();
  const kpis = page.getByRole("list", { name: "Key figures" });
  const figure = (label: string) => kpis.getByRole("listitem").filter({ has: page.getByText(label, { exact: true }) });
  await expect(figure("Conversations")).toContainText("3");
  await expect(figure("Handoff rate")).toContainText("33.3%");
  await expect(figure("Handoff rate")).toContainText("1 handed off");
  await expect(figure("Deflection rate")).toContainText("66.7%");
  await expect(figure("Deflection rate")).toContainText("2 resolved by the bot");
  await expect(figure("CSAT average")).toContainText("5.0");
  await expect(figure("CSAT average")).toContainText("1 rating");
  for (const id of ["chart-days", "chart-reasons", "chart-csat", "chart-intents"]) {
    await expect(page.locator(`#${id} canvas`).first()).toBeAttached();
  }
  await page.locator("figure").filter({ hasText: "Satisfaction ratings (CSAT)" }).getByText("Data", { exact: true }).click();
  const csat = page.getByRole("table", { name: "Satisfaction ratings" });
  await expect(csat.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "5 of 5" }) })).toContainText("1");

  const unanswered = page.getByRole("table", { name: "Top unanswered questions" });
  const lostRow = unanswered.getByRole("row").filter({ hasText: /rent out skis/i });
  await expect(lostRow).toHaveCount(1);
  await expect(lostRow.getByRole("cell").first()).toHaveText("1");
  expect(await axe(page)).toEqual([]);

  // CSV export: one row per day.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  const csv = fs.readFileSync((await download.path())!, "utf8");
  const csvLines = csv.trim().split(/\r?\n/);
  expect(csvLines.length).toBeGreaterThanOrEqual(2);
  expect(csvLines[0]).toMatch(/day/i);
  expect(csvLines.slice(1).join("\n")).toMatch(/\d{4}-\d{2}-\d{2}/);

  // "Add as FAQ": the FAQs tab with a new FAQ holding the question.
  await lostRow.getByRole("button", { name: "Add as FAQ" }).click();
  await expect(page.getByRole("tab", { name: "FAQs" })).toHaveAttribute("aria-selected", "true");
  const editor = page.getByRole("form", { name: "New FAQ" });
  await expect(editor.getByRole("textbox", { name: "Questions (one per line)" })).toHaveValue(/rent out skis/i);
  await expect(editor.getByRole("textbox", { name: "Answer (English)" })).toBeFocused();
  await editor.getByRole("textbox", { name: "Answer (English)" }).fill(A_EN);
  await editor.getByRole("button", { name: "Save FAQ" }).click();
  await expect(page.getByRole("status", { name: "Draft status" })).toContainText("Unsaved changes");
});

test("bulk import and export of FAQs, flow questions, settings tabs (keyboard and axe)", async ({ page, shop }) => {
  await signIn(page, shop.url);
  const list = page.getByRole("list", { name: "FAQs" });
  const total = await list.getByRole("listitem").count();

  // CSV: one new FAQ (two questions, both languages) and one replacing a demo FAQ; a row without questions is skipped.
  await page.getByText("Import and export").click();
  const csv = [
    "id,questions,answer_en,answer_zh",
    `ski-rental,"${Q_EN} | Can I rent skis?","${A_EN}","${A_ZH}"`,
    'gift_cards,Do you sell gift cards?,"Gift cards: see https://example.com/gift, ""from €25"".",',
    "broken,,An answer,",
  ].join("\r\n");
  await page.getByLabel("Import FAQs (CSV or JSON)").setInputFiles({ name: "faqs.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.locator("#faq-import-status")).toContainText("Imported 2 FAQs from faqs.csv: 1 added, 1 replaced.");
  await expect(page.locator("#faq-import-status")).toContainText("line 4: no question");
  await expect(list.getByRole("listitem")).toHaveCount(total + 1);
  const gift = list.getByRole("listitem").filter({ hasText: "gift_cards" });
  await expect(gift).toContainText('Gift cards: see https://example.com/gift, "from €25".');
  await expect(gift.getByRole("link")).toHaveCount(0); // answers are previewed as text

  // JSON: an array of FAQs.
  const json = JSON.stringify([{ id: "bike-rental", questions: ["Do you rent bikes?"], answer: "No, sorry." }]);
  await page.getByLabel("Import FAQs (CSV or JSON)").setInputFiles({ name: "more.json", mimeType: "application/json", buffer: Buffer.from(json) });
  await expect(page.locator("#faq-import-status")).toContainText("Imported 1 FAQ from more.json: 1 added, 0 replaced.");

  // Editing an imported FAQ shows both answers.
  await list.getByRole("button", { name: "Edit FAQ ski-rental" }).click();
  const editor = page.getByRole("form", { name: "Edit FAQ ski-rental" });
  await expect(editor.getByRole("textbox", { name: "Questions (one per line)" })).toHaveValue(`${Q_EN}\nCan I rent skis?`);
  await expect(editor.getByRole("textbox", { name: "Answer (English)" })).toHaveValue(A_EN);
  await expect(editor.getByRole("textbox", { name: "Answer (Chinese)" })).toHaveValue(A_ZH);
  await page.keyboard.press("Escape");
  await expect(editor).toBeHidden();

  // Export: CSV and JSON downloads hold the draft, imported FAQs included.
  const [csvDownload] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  const exported = fs.readFileSync((await csvDownload.path())!, "utf8").replace(/^\ufeff/, "");
  expect(exported.split("\r\n")[0]).toBe("id,questions,answer_en,answer_zh");
  expect(exported).toContain(`ski-rental,${Q_EN} | Can I rent skis?,"${A_EN}",${A_ZH}`);
  const [jsonDownload] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON" }).click()]);
  const faqs = JSON.parse(fs.readFileSync((await jsonDownload.path())!, "utf8")) as { id: string; answers?: Record<string, string> }[];
  expect(faqs).toHaveLength(total + 2);
  expect(faqs.find((f) => f.id === "ski-rental")?.answers).toEqual({ en: A_EN, zh: A_ZH });

  // Deleting can be undone.
  await list.getByRole("button", { name: "Delete FAQ bike-rental" }).click();
  await expect(list.getByRole("listitem").filter({ hasText: "bike-rental" })).toHaveCount(0);
  await page.getByRole("button", { name: "Undo delete" }).click();
  await expect(list.getByRole("listitem").filter({ hasText: "bike-rental" })).toHaveCount(1);

  // Flows: a new trigger question for the order-status flow; the test box sees the flow start.
  await page.getByRole("tab", { name: "Flows & intents" }).click();
  const orderQs = page.getByRole("textbox", { name: "Questions that start order_status (one per line)" });
  await orderQs.press("End");
  await orderQs.press("Control+End");
  await orderQs.pressSequentially("\nhas my parcel left your warehouse yet");
  await page.getByRole("textbox", { name: "Questions to test (one per line)" }).fill("has my parcel left your warehouse yet");
  await page.getByRole("button", { name: "Run test" }).click();
  await expect(page.getByRole("table", { name: "Test results" }).getByRole("row").nth(1).getByRole("cell").first()).toHaveText("Starts flow order_status");
  expect(await axe(page)).toEqual([]);

  // Settings tabs, reached with the keyboard; each passes axe.
  await page.getByRole("tab", { name: "Flows & intents" }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Appearance" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("textbox", { name: "Shop name" })).toHaveValue("Northwind Outfitters");
  expect(await axe(page)).toEqual([]);
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Hours & handoff" })).toHaveAttribute("aria-selected", "true");
  await page.getByRole("spinbutton", { name: "Fallbacks before handoff" }).fill("3");
  expect(await axe(page)).toEqual([]);
  await page.getByRole("tab", { name: "Hours & handoff" }).focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Privacy & security" })).toHaveAttribute("aria-selected", "true");
  const secret = page.getByRole("textbox", { name: "Identity secret" });
  const before = await secret.inputValue();
  await page.getByRole("button", { name: "Rotate" }).click();
  await expect(secret).toHaveValue(/^[0-9a-f]{64}$/);
  expect(await secret.inputValue()).not.toBe(before);
  expect(await axe(page)).toEqual([]);

  // Discarding the draft brings the live config back.
  await page.getByRole("tab", { name: "Publish" }).click();
  await page.getByRole("button", { name: "Discard draft" }).click();
  await expect(page.getByRole("status", { name: "Draft status" })).toContainText("no unsaved changes");
  await page.getByRole("tab", { name: "FAQs" }).click();
  await expect(list.getByRole("listitem")).toHaveCount(total);
});
