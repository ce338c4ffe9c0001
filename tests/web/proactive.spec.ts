// Proactive messages (issue 7, item 5): the shop's triggers (config.proactive)
// show a teaser next to the launcher after some seconds on a matching page or
// on exit intent (the pointer leaving through the top edge); its limits are
// kept in localStorage. A real `parley serve` per test with a test config (short
// `seconds`); the demo's product and cart pages (demo/site/). Waits are on
// conditions; the "does not appear" checks wait until the page has been open
// well past the trigger's seconds (performance.now()), with the UI loaded.
import fs from "node:fs";
import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./fixtures";

const PRODUCT = "/products/fjord-rain-shell.html";
const CART = "/cart.html";
const PRODUCT_EN = "Questions about the Fjord shell? Ask me about sizes & <b>fit</b>.";
const PRODUCT_ZH = "对这件冲锋衣有疑问吗？";
const CART_EN = "Before you go: returns are free for 30 days.";
const HOME_EN = "Welcome back! Anything I can help with?";

type Trigger = Record<string, unknown>;
const productHelp: Trigger = {
  id: "product-help",
  on: "time_on_page",
  url: "/products/*",
  seconds: 1,
  text: { en: PRODUCT_EN, zh: PRODUCT_ZH },
};
const cartExit: Trigger = { id: "cart-exit", on: "exit_intent", url: "/cart*", text: CART_EN }; // a plain string
const homeExit: Trigger = { id: "home-exit", on: "exit_intent", url: "/", text: { en: HOME_EN } };

function proactive(minInterval: number, maxPerDay: number, triggers: Trigger[]) {
  return { proactive: { min_interval_minutes: minInterval, max_per_day: maxPerDay, triggers } };
}

interface ParleyWindow {
  Parley?: { on(event: string, cb: () => void): void; open(): void };
  axe?: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[]; passes: { id: string }[] }> };
}
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { html: string; failureSummary?: string }[];
}

// ---------------------------------------------------------------------------
// Helpers

function teaser(page: Page): Locator {
  return page.getByRole("group", { name: "Assistant", exact: true });
}

/** Loads `path` and waits until the widget's UI and the shop config are there (the triggers are armed). */
async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await uiReady(page);
}

async function uiReady(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof (window as ParleyWindow).Parley?.on === "function");
  await page.evaluate(() => new Promise<void>((res) => (window as ParleyWindow).Parley!.on("ready", () => res())));
}

/** Waits until the page has been open for `ms` (past a 1 s trigger, with margin). */
async function pageAge(page: Page, ms = 2_500): Promise<void> {
  await page.waitForFunction((t) => performance.now() > t, ms);
}

/** The pointer leaves the page through the top edge: a real mouse move, else the event a browser sends then. */
async function exitIntent(page: Page): Promise<void> {
  await page.mouse.move(300, 300);
  await page.mouse.move(300, 150, { steps: 3 }); // moves inside the page are no exit
  await page.mouse.move(300, -20, { steps: 2 });
  if (await teaser(page).isVisible()) return;
  await page.evaluate(() =>
    document.documentElement.dispatchEvent(new MouseEvent("mouseout", { bubbles: true, clientX: 300, clientY: -2, relatedTarget: null })),
  );
}

/** The widget's stored limits (localStorage "parley:v1:<server>:proactive"). */
async function limits(page: Page): Promise<{ shown: Record<string, number>; dismissed: string[] }> {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("parley:v1:") && k.endsWith(":proactive"));
    return key ? JSON.parse(localStorage.getItem(key)!) : { shown: {}, dismissed: [] };
  });
}

/** Moves every recorded showing `ms` into the past (as if that much time had gone by). */
async function age(page: Page, ms: number): Promise<void> {
  await page.evaluate((dt) => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("parley:v1:") && k.endsWith(":proactive"))!;
    const s = JSON.parse(localStorage.getItem(key)!) as { shown: Record<string, number> };
    for (const id of Object.keys(s.shown)) s.shown[id]! -= dt;
    localStorage.setItem(key, JSON.stringify(s));
  }, ms);
}

async function axe(page: Page, widgetPart: Locator): Promise<string[]> {
  await widgetPart.evaluate((el) => {
    const root = el.getRootNode();
    (root instanceof ShadowRoot ? root.host : el).setAttribute("data-axe-widget", "");
  });
  // Injected through the DevTools protocol (not a <script>), so the page's CSP stays as it is.
  if (!(await page.evaluate(() => !!(window as ParleyWindow).axe))) {
    await page.evaluate(fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
  }
  const { violations, passed } = await page.evaluate(async () => {
    const r = await (window as ParleyWindow).axe!.run({ include: [["[data-axe-widget]"]] }, {});
    return { violations: r.violations, passed: r.passes.map((p) => p.id) };
  });
  expect(passed).toEqual(expect.arrayContaining(["button-name"]));
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.html}\n  ${n.failureSummary ?? ""}`).join("\n")}`);
}

// ---------------------------------------------------------------------------
// Tests

test.describe("time on page", () => {
  test.use({ configPatch: proactive(0, 5, [productHelp]) });

  test("shows once on a matching page, never on others, and a dismissed teaser never comes back", async ({ page, context, shop }) => {
    // Not on the home page (the trigger is for /products/*).
    await visit(page, shop.url);
    await pageAge(page);
    await expect(teaser(page)).toHaveCount(0);

    // On a product page: after its seconds, once, with the text as text.
    await visit(page, shop.url + PRODUCT);
    const t = teaser(page);
    await expect(t).toBeVisible();
    await expect(t).toHaveCount(1);
    const text = t.getByRole("button", { name: PRODUCT_EN, exact: true });
    await expect(text).toHaveText(PRODUCT_EN);
    await expect(t.locator("b")).toHaveCount(0);
    await expect(t.getByRole("button", { name: "Dismiss", exact: true })).toBeVisible();
    // Announced politely.
    await expect(page.locator("parley-widget").locator('[aria-live="polite"]').filter({ hasText: PRODUCT_EN })).toHaveCount(1);
    // Next to the launcher (bottom right), inside the viewport.
    const launcher = page.getByRole("button", { name: "Open chat", exact: true });
    const tb = (await t.boundingBox())!;
    const lb = (await launcher.boundingBox())!;
    expect(tb.y + tb.height).toBeLessThanOrEqual(lb.y);
    expect(Math.abs(tb.x + tb.width - (lb.x + lb.width))).toBeLessThanOrEqual(1);
    expect(tb.x).toBeGreaterThanOrEqual(0);

    // Right to left: it follows the launcher to the other side.
    await page.evaluate(() => (document.documentElement.dir = "rtl"));
    await expect.poll(async () => Math.round((await launcher.boundingBox())!.x)).toBeLessThan(100);
    const rb = (await t.boundingBox())!;
    expect(Math.abs(rb.x - (await launcher.boundingBox())!.x)).toBeLessThanOrEqual(1);
    await page.evaluate(() => (document.documentElement.dir = ""));

    // Shown once: not again on a later page load, nor in another tab.
    await visit(page, shop.url + PRODUCT);
    await pageAge(page);
    await expect(teaser(page)).toHaveCount(0);
    const other = await context.newPage();
    await visit(other, shop.url + PRODUCT);
    await pageAge(other);
    await expect(teaser(other)).toHaveCount(0);
    await other.close();

    // Dismissed: never again, even were its showing forgotten.
    await page.evaluate(() => {
      for (const k of Object.keys(localStorage)) if (k.endsWith(":proactive")) localStorage.removeItem(k);
    });
    await visit(page, shop.url + PRODUCT);
    await expect(teaser(page)).toBeVisible();
    await teaser(page).getByRole("button", { name: "Dismiss", exact: true }).click();
    await expect(teaser(page)).toHaveCount(0);
    expect((await limits(page)).dismissed).toEqual(["product-help"]);
    await page.evaluate(() => {
      for (const k of Object.keys(localStorage)) {
        if (!k.endsWith(":proactive")) continue;
        const s = JSON.parse(localStorage.getItem(k)!) as { shown: Record<string, number> };
        s.shown = {};
        localStorage.setItem(k, JSON.stringify(s));
      }
    });
    await visit(page, shop.url + PRODUCT);
    await pageAge(page);
    await expect(teaser(page)).toHaveCount(0);
  });

  test("clicking the teaser opens the chat with the message as the bot's line", async ({ page, shop }) => {
    await visit(page, shop.url + PRODUCT);
    await teaser(page).getByRole("button", { name: PRODUCT_EN, exact: true }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toBeVisible();
    await expect(teaser(page)).toHaveCount(0);
    const bots = dialog.getByRole("log").locator('[data-author="bot"]');
    await expect(bots.filter({ hasText: PRODUCT_EN })).toHaveCount(1);
    await expect(bots.last()).toHaveText(PRODUCT_EN); // after the greeting
    await expect(dialog.getByRole("log").locator("b")).toHaveCount(0);
  });

  test("never shows while the chat is open", async ({ page, shop }) => {
    await page.goto(shop.url + PRODUCT);
    await page.getByRole("button", { name: "Open chat", exact: true }).click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await uiReady(page);
    await pageAge(page);
    await expect(teaser(page)).toHaveCount(0);
    expect((await limits(page)).shown).toEqual({});
  });
});

test.describe("Chinese page", () => {
  test.use({ configPatch: proactive(0, 5, [productHelp]) });

  test("the teaser speaks the page's language", async ({ page, shop }) => {
    await page.addInitScript(() => {
      (window as unknown as { ParleySettings: object }).ParleySettings = { locale: "zh" };
    });
    await visit(page, shop.url + PRODUCT);
    const t = page.getByRole("group", { name: "智能客服", exact: true });
    await expect(t.getByRole("button", { name: PRODUCT_ZH, exact: true })).toBeVisible();
    await expect(t.getByRole("button", { name: "关闭提示", exact: true })).toBeVisible();
  });
});

test.describe("exit intent and daily limit", () => {
  test.use({ configPatch: proactive(0, 2, [productHelp, cartExit, homeExit]) });

  test("exit intent on the cart page shows its message; Escape dismisses; a third one in a day is not shown", async ({ page, shop }) => {
    // Exit intent only counts on its pages: not on a product page…
    await visit(page, shop.url + PRODUCT);
    await expect(teaser(page).getByRole("button", { name: PRODUCT_EN })).toBeVisible(); // 1 of 2 today
    await teaser(page).getByRole("button", { name: PRODUCT_EN }).focus();
    await page.keyboard.press("Escape");
    await expect(teaser(page)).toHaveCount(0);
    expect((await limits(page)).dismissed).toEqual(["product-help"]);

    // …on the cart page it shows (2 of 2).
    await visit(page, shop.url + CART);
    await pageAge(page);
    await expect(teaser(page)).toHaveCount(0); // nothing before the pointer leaves
    await exitIntent(page);
    const t = teaser(page);
    await expect(t.getByRole("button", { name: CART_EN, exact: true })).toBeVisible();
    // The teaser passes axe with no serious or critical violations, light and dark.
    expect(await axe(page, t)).toEqual([]);
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await axe(page, t)).toEqual([]);
    await page.emulateMedia({ colorScheme: "light" });
    // Escape (focus on the teaser) dismisses it; the focus goes back to the launcher.
    await t.getByRole("button", { name: "Dismiss", exact: true }).focus();
    await page.keyboard.press("Escape");
    await expect(t).toHaveCount(0);
    await expect
      .poll(() =>
        page.evaluate(() => {
          const host = document.querySelector("parley-widget");
          return host?.shadowRoot?.activeElement?.getAttribute("aria-label") ?? null;
        }),
      )
      .toBe("Open chat");

    // A third trigger the same day: over max_per_day.
    await visit(page, shop.url);
    await exitIntent(page);
    await pageAge(page, 1_000);
    await expect(teaser(page)).toHaveCount(0);
    expect(Object.keys((await limits(page)).shown).sort()).toEqual(["cart-exit", "product-help"]);

    // A day later it may show.
    await age(page, 24 * 60 * 60 * 1000 + 60_000);
    await visit(page, shop.url);
    await exitIntent(page);
    await expect(teaser(page).getByRole("button", { name: HOME_EN, exact: true })).toBeVisible();
  });
});

test.describe("interval", () => {
  test.use({ configPatch: proactive(60, 5, [productHelp, cartExit]) });

  test("at most one proactive message per min_interval_minutes", async ({ page, shop }) => {
    await visit(page, shop.url + PRODUCT);
    await expect(teaser(page).getByRole("button", { name: PRODUCT_EN })).toBeVisible();

    // 60 minutes have not passed: the cart's exit intent stays silent.
    await visit(page, shop.url + CART);
    await exitIntent(page);
    await pageAge(page, 1_000);
    await expect(teaser(page)).toHaveCount(0);
    expect(Object.keys((await limits(page)).shown)).toEqual(["product-help"]);

    // 61 minutes later it shows.
    await age(page, 61 * 60 * 1000);
    await visit(page, shop.url + CART);
    await exitIntent(page);
    await expect(teaser(page).getByRole("button", { name: CART_EN, exact: true })).toBeVisible();
  });
});
