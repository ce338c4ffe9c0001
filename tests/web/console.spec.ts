// End-to-end test of the agent console against a real `parley serve`
// (bundled demo shop, fresh SQLite data directory), driven through Debian's
// Chromium, with a scripted shopper speaking the shopper WebSocket protocol.
// Every wait is on a condition; nothing sleeps.
import type { Page } from "@playwright/test";
import http from "node:http";
import WebSocket from "ws";
import { ADMIN, AGENT, demoConfig, expect, Shopper, test } from "./fixtures";

// ---------------------------------------------------------------------------
// Console helpers

async function signIn(page: Page, url: string, account: { email: string; password: string } = AGENT): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByRole("textbox", { name: "Email" }).fill(account.email);
  await page.getByRole("textbox", { name: "Password" }).fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("status", { name: "Connection status" })).toHaveText(/^Connected/);
}

// ---------------------------------------------------------------------------
// Tests

test.afterEach(async ({ server }, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach("parley-serve.log", { body: server.output(), contentType: "text/plain" });
  }
});

test("unauthenticated REST and WebSocket access is refused", async ({ server, request }) => {
  const res = await request.get(`${server.url}/api/conversations`);
  expect(res.status()).toBe(401);
  const me = await request.get(`${server.url}/api/me`);
  expect(me.status()).toBe(401);
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/ws/agent`, { headers: { Origin: server.url } });
    ws.once("unexpected-response", (req, r) => {
      req.destroy();
      resolve(r.statusCode ?? 0);
    });
    ws.once("open", () => {
      ws.close();
      reject(new Error("agent socket opened without a session"));
    });
    ws.once("error", () => undefined);
  });
  expect(status).toBe(401);
});

test("a wrong password shows an error and keeps the form (keyboard only)", async ({ page, server }) => {
  await page.goto(`${server.url}/console`);
  const email = page.getByRole("textbox", { name: "Email" });
  await expect(email).toBeFocused();
  await page.keyboard.type(AGENT.email);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("textbox", { name: "Password" })).toBeFocused();
  await page.keyboard.type("not-the-password");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("alert")).toContainText("Sign-in failed");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Waiting conversations" })).toBeHidden();
});

test("agent takes over a handed-off conversation end to end", async ({ page, server, shopper }) => {
  await signIn(page, server.url);

  // The session survives a reload (GET /api/me).
  await page.reload();
  await expect(page.getByRole("status", { name: "Connection status" })).toHaveText(/^Connected/);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

  // A shopper arrives, gets the greeting and asks for a human.
  const s = await shopper();
  s.send({ type: "hello", token: null, last_id: 0, locale: "en" });
  const welcome = await s.waitFor((f) => f["type"] === "welcome", "welcome");
  expect(typeof welcome["token"]).toBe("string");
  await s.waitFor((f) => f["type"] === "message" && f["author"] === "bot", "the bot's greeting");
  const handoffText = "I want to talk to a human";
  await s.say(handoffText);
  const handoff = await s.waitFor(
    (f) => (f["type"] === "status" && f["status"] === "queued") || f["type"] === "offline",
    "status queued",
  );
  expect(handoff, "the handoff should queue the conversation while an agent is online").toMatchObject({
    type: "status",
    status: "queued",
  });

  // It shows up in the live queue with the shopper's last message.
  const waiting = page.getByRole("list", { name: "Waiting conversations" });
  const item = waiting.getByRole("listitem").filter({ hasText: handoffText });
  await expect(item).toBeVisible();
  await item.getByRole("button", { name: "Claim" }).click();

  // Claimed: it moves to "My conversations"; the transcript and composer are ready.
  await expect(page.getByRole("list", { name: "My conversations" }).getByRole("listitem").filter({ hasText: handoffText })).toBeVisible();
  await expect(waiting.getByRole("listitem").filter({ hasText: handoffText })).toHaveCount(0);
  const log = page.getByRole("log");
  await expect(log.locator('[data-author="shopper"]').filter({ hasText: handoffText })).toBeVisible();
  await expect(log.locator('[data-author="bot"]').first()).toBeVisible();
  await s.waitFor((f) => f["type"] === "status" && f["status"] === "agent", "status agent");

  // The agent replies; the shopper receives it; the console marks it sent.
  const replyText = "Hi, I'm with the Northwind team. How can I help?";
  const reply = page.getByRole("textbox", { name: "Reply" });
  await expect(reply).toBeEnabled();
  await reply.fill(replyText);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const agentMsg = await s.waitFor((f) => f["type"] === "message" && f["author"] === "agent" && f["text"] === replyText, "the agent's reply");
  const sent = log.locator('[data-author="agent"]').filter({ hasText: replyText });
  await expect(sent).toHaveCount(1);
  await expect(sent).toHaveAttribute("data-state", "sent");
  await expect(sent).toHaveAttribute("data-id", String(agentMsg["id"]));

  // Typing and read receipts from the shopper show up.
  s.send({ type: "typing", on: true });
  await expect(page.getByText("Shopper is typing…")).toBeVisible();
  s.send({ type: "read", id: Number(agentMsg["id"]) });
  await expect(sent).toHaveAttribute("data-read", "true");
  await expect(sent.locator(".msg-state")).toHaveText("Read");

  // The shopper answers; it appears in the console's log (once).
  const shopperText = "The zip of my jacket broke after one week";
  await s.say(shopperText);
  await expect(log.locator('[data-author="shopper"]').filter({ hasText: shopperText })).toHaveCount(1);
  await expect(page.getByText("Shopper is typing…")).toBeHidden();

  // An internal note is shown to agents only.
  const noteText = "Internal: offer a free repair, loyal customer";
  await page.getByRole("textbox", { name: "Note" }).fill(noteText);
  await page.getByRole("button", { name: "Add note" }).click();
  const note = log.locator('[data-author="note"]').filter({ hasText: noteText });
  await expect(note).toHaveCount(1);
  await expect(note).toHaveAttribute("data-state", "sent");

  // Closing asks the shopper for a rating; the rating reaches the console.
  await page.getByRole("button", { name: "Close conversation" }).click();
  await s.waitFor((f) => f["type"] === "csat_request", "csat_request");
  s.send({ type: "csat", score: 5, comment: "Quick and friendly" });
  await expect(page.getByText("5 / 5").first()).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Reply" })).toBeDisabled();

  // The note never reached the shopper.
  expect(s.frames.filter((f) => JSON.stringify(f).includes(noteText))).toEqual([]);
  expect(s.frames.filter((f) => f["type"] === "message" && f["author"] === "note")).toEqual([]);

  // Sign out returns to the form.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("an offline ticket is answered from the Tickets tab", async ({ page, server, shopper }) => {
  await signIn(page, server.url);
  const s = await shopper();
  s.send({ type: "hello", token: null, last_id: 0, locale: "en" });
  await s.waitFor((f) => f["type"] === "welcome", "welcome");
  const question = "Can you ship the Tundra parka to Iceland?";
  s.send({ type: "ticket", email: "ann@example.com", message: question });
  const ticket = await s.waitFor((f) => f["type"] === "ticket", "ticket confirmation");
  expect(ticket["status"]).toBe("open");

  await page.getByRole("tab", { name: /Tickets/ }).click();
  const item = page.getByRole("list", { name: "Tickets" }).getByRole("listitem").filter({ hasText: question });
  await expect(item).toBeVisible();
  await expect(item).toContainText("Due in");
  await item.getByRole("button", { name: "Answer" }).click();
  const answer = "Yes: Iceland takes 5–10 working days, duties paid on arrival.";
  await page.getByRole("textbox", { name: "Ticket answer" }).fill(answer);
  await page.getByRole("button", { name: "Send answer" }).click();
  await expect(item).toContainText("answered");

  // The shopper is told: a ticket update or the answer as an agent message.
  await s.waitFor(
    (f) => (f["type"] === "ticket" && f["status"] === "answered") || (f["type"] === "message" && f["author"] === "agent" && f["text"] === answer),
    "the ticket's answer",
  );
});

// ---------------------------------------------------------------------------
// Webhooks tab (admins only)

/** A webhook receiver: /hook answers 200, /fail answers 500; it records each event it got. */
interface Receiver {
  url: string;
  events: { path: string; event: string }[];
  close: () => Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const events: Receiver["events"] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      events.push({ path: req.url ?? "", event: String(req.headers["x-parley-event"] ?? "") });
      res.writeHead(req.url === "/fail" ? 500 : 200, { "Content-Type": "text/plain" });
      res.end(req.url === "/fail" ? "nope" : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// A fresh shop per test whose config sends every webhook event to two receivers.
const hookTest = test.extend<{ receiver: Receiver }>({
  // eslint-disable-next-line no-empty-pattern
  receiver: async ({}, use) => {
    const r = await startReceiver();
    await use(r);
    await r.close();
  },
  configPatch: async ({ receiver }, use) => {
    const integrations = demoConfig()["integrations"] as Record<string, unknown>;
    await use({
      integrations: {
        ...integrations,
        webhooks: [
          { url: `${receiver.url}/hook`, secret: "s" },
          { url: `${receiver.url}/fail`, secret: "s" },
        ],
      },
    });
  },
});

hookTest("an admin sees the webhook delivery log; an agent has no Webhooks tab", async ({ page, shop, receiver }) => {
  // A plain agent: no Webhooks tab, before or after a reload.
  await signIn(page, shop.url);
  await expect(page.getByRole("tab", { name: /Tickets/ })).toBeVisible();
  await expect(page.getByRole("tab", { name: "Webhooks" })).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("status", { name: "Connection status" })).toHaveText(/^Connected/);
  await expect(page.getByRole("tab", { name: "Webhooks" })).toHaveCount(0);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();

  // The admin: nothing happened yet, so the empty state shows.
  await signIn(page, shop.url, ADMIN);
  const tab = page.getByRole("tab", { name: "Webhooks" });
  await tab.click();
  await expect(tab).toHaveAttribute("aria-selected", "true");
  await expect(page.getByText("No webhook events yet")).toBeVisible();
  const table = page.getByRole("table", { name: "Webhook deliveries" });
  await expect(table).toBeHidden();

  // A shopper arrives: conversation.started goes to both receivers.
  const s = await Shopper.connect(shop.url);
  try {
    s.send({ type: "hello", token: null, last_id: 0, locale: "en" });
    await s.waitFor((f) => f["type"] === "welcome", "welcome");
  } finally {
    s.close();
  }

  const refresh = page.getByRole("button", { name: "Refresh" });
  const rows = table.getByRole("row").filter({ hasText: "conversation.started" });
  const delivered = rows.filter({ hasText: `${receiver.url}/hook` });
  const failing = rows.filter({ hasText: `${receiver.url}/fail` });
  await expect(async () => {
    await refresh.click();
    await expect(delivered).toHaveCount(1, { timeout: 1_000 });
    await expect(delivered.getByRole("cell").nth(1)).toHaveText("delivered", { timeout: 1_000 });
    await expect(failing.getByRole("cell").nth(3)).toHaveText("HTTP 500", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  // The columns, in order: Event, Receiver, State, Attempts, Last result, Time.
  await expect(table.getByRole("columnheader")).toHaveText(["Event", "Receiver", "State", "Attempts", "Last result", "Time"]);
  await expect(delivered.getByRole("rowheader")).toContainText("conversation.started");
  const ok = delivered.getByRole("cell");
  await expect(ok.nth(0)).toHaveText(`${receiver.url}/hook`);
  await expect(ok.nth(2)).toHaveText("1");
  await expect(ok.nth(3)).toHaveText("HTTP 200");
  await expect(ok.nth(4)).toContainText("Created");
  await expect(ok.nth(4)).not.toContainText("Next attempt");
  // The failing receiver is retried: still pending, with its next attempt shown.
  await expect(failing.getByRole("cell").nth(1)).toHaveText("pending");
  await expect(failing.getByRole("cell").nth(4)).toContainText("Next attempt");
  await expect(page.getByText("No webhook events yet")).toBeHidden();
  expect(receiver.events).toContainEqual({ path: "/hook", event: "conversation.started" });

  // Arrow keys move between the three tabs.
  await tab.focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: "Conversations" })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowLeft");
  await expect(tab).toHaveAttribute("aria-selected", "true");
  await expect(tab).toBeFocused();

  // Signing out and back in as a plain agent drops the tab and its panel.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, shop.url);
  await expect(page.getByRole("tab", { name: "Webhooks" })).toHaveCount(0);
  await expect(page.getByRole("tab", { name: "Conversations" })).toHaveAttribute("aria-selected", "true");
  await expect(table).toBeHidden();
  const res = await page.request.get(`${shop.url}/api/webhooks/deliveries?limit=200`);
  expect(res.status()).toBe(403);
});
