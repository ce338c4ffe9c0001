// Flow actions in local mode (issue 7): when the in-page core's reply carries
// an action (order lookup…), the widget reports it in `local_reply.action`,
// shows "typing" and keeps its socket until the server's result arrives as a
// bot message (`reply.kind: "action_result"`), which it renders with a safe
// "Track parcel" link and quick replies. Server-pushed notices
// (`reply.kind: "proactive"`) raise the unread badge.
//
// The page, the widget and the shop config come from a real `parley serve`;
// the shopper WebSocket is answered by a scripted server in the test
// (page.routeWebSocket), which records what the widget sends and pushes the
// results — so these tests do not depend on the server's action support.
import type { Locator, Page, WebSocketRoute } from "@playwright/test";
import { demoConfig, expect, test, type Frame } from "./fixtures";

const GREETING_EN = (demoConfig() as { greeting: Record<string, string> }).greeting["en"]!;

/** A minimal shopper-socket server (PROTOCOL.md): hello/welcome with replay, ack + echo, local replies stored. */
class FakeServer {
  /** Frames the widget sent, in order. */
  readonly up: Frame[] = [];
  readonly stored: Frame[] = [];
  readonly sockets = new Set<WebSocketRoute>();
  hellos = 0;

  constructor(page: Page) {
    void page.routeWebSocket(/\/ws\/shopper$/, (ws) => {
      this.sockets.add(ws);
      ws.onClose(() => this.sockets.delete(ws));
      ws.onMessage((data) => this.receive(ws, JSON.parse(String(data)) as Frame));
    });
  }

  private store(f: Frame): Frame {
    const m = { type: "message", id: this.stored.length + 1, ts: Date.now(), ...f };
    this.stored.push(m);
    return m;
  }

  private receive(ws: WebSocketRoute, f: Frame): void {
    this.up.push(f);
    if (f["type"] === "hello") {
      this.hellos++;
      const fresh = this.stored.length === 0;
      if (fresh) this.store({ author: "bot", text: GREETING_EN, reply: { kind: "smalltalk" } });
      ws.send(
        JSON.stringify({
          type: "welcome",
          token: "tok-1",
          conversation_id: "conv-1",
          status: "bot",
          last_id: this.stored.length,
          agent: null,
          business_open: true,
          agents_online: 0,
          new: fresh,
        }),
      );
      for (const m of this.stored) if ((m["id"] as number) > Number(f["last_id"] || 0)) ws.send(JSON.stringify(m));
      return;
    }
    if (f["type"] !== "message") return;
    const shopper = this.store({ author: "shopper", text: f["text"], client_id: f["client_id"] });
    ws.send(JSON.stringify({ type: "ack", client_id: f["client_id"], id: shopper["id"] }));
    const out = [shopper];
    const lr = f["local_reply"] as Frame | undefined;
    if (lr && lr["text"]) {
      out.push(this.store({ author: "bot", text: lr["text"], reply: { kind: lr["kind"], quick_replies: lr["quick_replies"] } }));
    }
    for (const m of out) this.broadcast(m);
  }

  private broadcast(m: Frame): void {
    for (const s of this.sockets) s.send(JSON.stringify(m));
  }

  /** Stores a bot message and sends it to every open socket (as the server does with an action's result). */
  push(text: string, reply: Frame): void {
    this.broadcast(this.store({ author: "bot", text, reply }));
  }

  /** The `local_reply.action`s the widget reported. */
  actions(): Frame[] {
    return this.up.flatMap((f) => {
      const lr = f["local_reply"] as Frame | undefined;
      return f["type"] === "message" && lr && lr["action"] ? [lr["action"] as Frame] : [];
    });
  }

  /** Drops every socket, as a restarting server would. */
  async dropAll(): Promise<void> {
    for (const s of [...this.sockets]) await s.close({ code: 1012, reason: "restart" });
  }
}

interface Widget {
  dialog: Locator;
  log: Locator;
  bot: Locator;
  input: Locator;
  send: Locator;
  typing: Locator;
}

async function openWidget(page: Page, url: string): Promise<Widget> {
  await page.goto(url);
  await page.getByRole("button", { name: "Open chat", exact: true }).click();
  const dialog = page.getByRole("dialog");
  const log = dialog.getByRole("log");
  const w: Widget = {
    dialog,
    log,
    bot: log.locator('[data-author="bot"]'),
    input: dialog.getByRole("textbox", { name: "Message", exact: true }),
    send: dialog.getByRole("button", { name: "Send", exact: true }),
    typing: dialog.getByText("Typing…", { exact: true }),
  };
  await expect(w.bot.first()).toBeVisible();
  return w;
}

async function ask(w: Widget, text: string, expected: RegExp): Promise<void> {
  const reply = w.bot.filter({ hasText: expected });
  const before = await reply.count();
  await w.input.fill(text);
  await w.send.click();
  await expect(reply).toHaveCount(before + 1);
}

/** Runs the demo's order-status flow up to the lookup. */
async function orderFlow(w: Widget): Promise<void> {
  await ask(w, "where is my order", /order number/i);
  await ask(w, "1001", /email address/i);
  await ask(w, "a@b.com", /order 1001/);
}

const ORDER_OK = {
  kind: "action_result",
  action: "order_lookup",
  ok: true,
  order: {
    number: "1001",
    status: "shipped",
    carrier: "DHL",
    tracking_number: "JJD0001",
    tracking_url: "https://tracking.example/dhl?n=JJD0001",
    estimated_delivery: "2026-11-25",
    items: [{ name: "Fjord 3L Rain Shell", quantity: 1 }],
  },
  quick_replies: ["Anything else?", "Talk to a person"],
};
const OK_TEXT = "Order 1001 has shipped with DHL and should arrive on 25 November.";

test("local_reply carries the flow's action; its result comes back after a reconnect with a tracking link", async ({ page, shop }) => {
  const srv = new FakeServer(page);
  const w = await openWidget(page, shop.url);
  await orderFlow(w);

  // The server is asked to run the action, with the slot values.
  await expect.poll(() => srv.actions().length).toBe(1);
  const action = srv.actions()[0]!;
  expect(action).toMatchObject({ name: "order_lookup", flow_id: "order_status" });
  expect(Object.values(action["params"] as Record<string, unknown>)).toEqual(expect.arrayContaining(["1001", "a@b.com"]));
  // The rest of local_reply is as before.
  const sent = srv.up.find((f) => (f["local_reply"] as Frame | undefined)?.["action"])!;
  expect(sent["local_reply"]).toMatchObject({ kind: "action", handoff: "none" });
  expect(typeof (sent["local_reply"] as Frame)["dialog_state"]).toBe("string");

  // While the lookup runs: "typing". The socket drops meanwhile; the widget reconnects.
  await expect(w.typing).toBeVisible();
  const hellos = srv.hellos;
  await srv.dropAll();
  // Wait for the new hello, not for the socket count: the dropped socket's
  // onClose can arrive after close() resolves, so a count of 1 may still be
  // the old socket (seen once in CI).
  await expect.poll(() => srv.hellos, { message: "the widget reconnects" }).toBe(hellos + 1);
  await expect.poll(() => srv.sockets.size, { message: "one socket after the reconnect" }).toBe(1);
  await expect(w.typing).toBeVisible(); // still waiting for the result

  srv.push(OK_TEXT, ORDER_OK);
  const result = w.bot.filter({ hasText: OK_TEXT });
  await expect(result).toHaveCount(1);
  await expect(w.typing).toBeHidden();
  const link = w.log.getByRole("link", { name: "Track parcel", exact: true });
  await expect(link).toHaveCount(1);
  await expect(link).toHaveAttribute("href", ORDER_OK.order.tracking_url);
  await expect(link).toHaveAttribute("target", "_blank");
  await expect(link).toHaveAttribute("rel", "noopener noreferrer");
  const quick = w.dialog.getByRole("group", { name: "Suggested replies" });
  await expect(quick.getByRole("button", { name: "Anything else?", exact: true })).toBeVisible();
  await expect(quick.getByRole("button", { name: "Talk to a person", exact: true })).toBeVisible();

  // Drawn again from storage after a reload.
  await page.reload();
  await page.getByRole("button", { name: "Open chat", exact: true }).click();
  await expect(w.bot.filter({ hasText: OK_TEXT })).toHaveCount(1);
  await expect(w.log.getByRole("link", { name: "Track parcel", exact: true })).toHaveAttribute("href", ORDER_OK.order.tracking_url);
});

test("a failed lookup offers a person; unsafe tracking URLs never become links", async ({ page, shop }) => {
  const srv = new FakeServer(page);
  const w = await openWidget(page, shop.url);
  await orderFlow(w);
  await expect.poll(() => srv.actions().length).toBe(1);

  const failed = "I couldn't find an order 1001 with that email address.";
  srv.push(failed, { kind: "action_result", action: "order_lookup", ok: false, error: "not_found", quick_replies: ["Talk to a person"] });
  await expect(w.bot.filter({ hasText: failed })).toHaveCount(1);
  await expect(w.typing).toBeHidden();
  await expect(w.dialog.getByRole("group", { name: "Suggested replies" }).getByRole("button", { name: "Talk to a person" })).toBeVisible();
  await expect(w.log.getByRole("link")).toHaveCount(0);

  for (const url of ["javascript:window.__xss=1", "data:text/html,<script>window.__xss=2</script>", "/relative/track", " javascript:alert(1)"]) {
    const text = `Shipped (${url.slice(0, 12)})`;
    srv.push(text, { ...ORDER_OK, order: { ...ORDER_OK.order, tracking_url: url } });
    await expect(w.bot.filter({ hasText: text })).toHaveCount(1);
  }
  await expect(w.log.getByRole("link")).toHaveCount(0);
  await expect(w.log.locator("a")).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
});

test("a proactive notice from the server raises the unread badge while the chat is closed", async ({ page, shop }) => {
  const srv = new FakeServer(page);
  const w = await openWidget(page, shop.url);
  await ask(w, "How long does shipping take?", /.+/);
  await expect.poll(() => srv.stored.length).toBeGreaterThanOrEqual(3);
  await page.keyboard.press("Escape");
  await expect(w.dialog).toBeHidden();

  const badge = page.locator("parley-widget .badge");
  await expect(badge).toBeHidden();
  const notice = "Good news: your order 1001 is out for delivery today.";
  srv.push(notice, { kind: "proactive" });
  await expect(badge).toBeVisible();
  await expect(badge).toHaveText("1");

  await page.getByRole("button", { name: "Open chat", exact: true }).click();
  await expect(w.bot.filter({ hasText: notice })).toHaveCount(1);
  await expect(badge).toBeHidden();
});
