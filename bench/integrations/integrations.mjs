// Issue 6/7 numbers: order lookups through the demo shop's backend (vs a plain
// FAQ reply on the same socket), webhook delivery throughput from the outbox,
// config publishing and the "test your bot" box. Prints JSON lines.
//
//   node bench/integrations/integrations.mjs   (after scripts/build.sh)
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { PARLEY, ROOT, freePort, quantile, round, emit } from "../web/lib.mjs";

const LOOKUPS = Number(process.env.LOOKUPS ?? 200);
// The demo orders' owners, in catalogue order (server/src/demo_orders.cpp).
const EMAILS = ["alex@example.com", "mei.chen@example.com", "sam.rivera@example.com",
  "priya@example.com", "li.wei@example.com", "jordan@example.com"];
const EVENTS = Number(process.env.EVENTS ?? 500);

async function serve(config) {
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "parley-bench-int-"));
  const cfgFile = path.join(data, "shop.json");
  fs.writeFileSync(cfgFile, JSON.stringify(config));
  execFileSync(PARLEY, ["agents", "add", "--data", path.join(data, "db"), "--email", "boss@bench.test",
    "--name", "Boss", "--role", "admin"], { input: "boss-password\n" });
  const proc = spawn(PARLEY, ["serve", "--port", String(port), "--data", path.join(data, "db"),
    "--config", cfgFile, "--quiet", "--no-rate-limits"], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, stop: () => { proc.kill("SIGTERM"); fs.rmSync(data, { recursive: true, force: true }); } };
}

function shopper(url) {
  const ws = new WebSocket(url.replace("http", "ws") + "/ws/shopper", { origin: url });
  const waiters = [];
  ws.on("message", (d) => {
    const f = JSON.parse(String(d));
    for (let i = 0; i < waiters.length; i++) if (waiters[i].pred(f)) { waiters.splice(i, 1)[0].resolve(f); break; }
  });
  const next = (pred) => new Promise((resolve) => waiters.push({ pred, resolve }));
  const open = new Promise((r) => ws.once("open", r));
  return { ws, next, open };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: round(quantile(s, 0.5)), p99: round(quantile(s, 0.99)), max: round(s[s.length - 1]) };
};

const demo = JSON.parse(fs.readFileSync(path.join(ROOT, "demo", "shop.json"), "utf8"));
delete demo.business_hours;

// 1. Order lookups vs FAQ replies, one shopper socket, sequential.
{
  const srv = await serve(demo);
  const s = shopper(srv.url);
  await s.open;
  s.ws.send(JSON.stringify({ type: "hello" }));
  await s.next((f) => f.type === "message" && f.author === "bot");
  let n = 0;
  const say = async (text, pred) => {
    const t0 = performance.now();
    s.ws.send(JSON.stringify({ type: "message", client_id: `c${++n}`, text }));
    await s.next(pred);
    return performance.now() - t0;
  };
  const isBot = (f) => f.type === "message" && f.author === "bot";
  const faq = [], lookup = [];
  for (let i = 0; i < LOOKUPS; i++) {
    faq.push(await say("How long does shipping take?", isBot));
    await say("where is my order", isBot);
    await say(String(1001 + (i % 36)), isBot);
    // From the last slot to the shop's answer in the conversation.
    const t0 = performance.now();
    s.ws.send(JSON.stringify({ type: "message", client_id: `c${++n}`, text: EMAILS[i % 6] }));
    const r = await s.next((f) => isBot(f) && f.reply && f.reply.kind === "action_result");
    if (!r.reply.ok) throw new Error(`lookup ${1001 + (i % 36)} failed: ${r.text}`);
    lookup.push(performance.now() - t0);
  }
  emit({ bench: "order_lookup_ms", input: `${LOOKUPS} lookups of orders 1001-1036 via the demo backend (HTTP, signed), one socket`, lookup: stats(lookup), faq_reply_baseline: stats(faq) });
  s.ws.close();
  srv.stop();
}

// 2. Webhooks: EVENTS conversations started → every event delivered to a local receiver.
{
  const seen = new Set();
  let done;
  const all = new Promise((r) => (done = r));
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.add(JSON.parse(body).id);
      res.writeHead(200).end("{}");
      if (seen.size >= EVENTS) done();
    });
  });
  const rport = await freePort();
  await new Promise((r) => receiver.listen(rport, "127.0.0.1", r));
  const cfg = { ...demo, integrations: { ...demo.integrations, webhooks: [{ url: `http://127.0.0.1:${rport}/hook`, secret: "s" }] } };
  const srv = await serve(cfg);
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, EVENTS - i) }, async () => {
      const s = shopper(srv.url);
      await s.open;
      s.ws.send(JSON.stringify({ type: "hello" }));
      await s.next((f) => f.type === "welcome");
      s.ws.close();
    }));
  }
  const created = performance.now() - t0;
  await all;
  const total = performance.now() - t0;
  emit({ bench: "webhook_delivery", input: `${EVENTS} conversation.started events, 1 receiver (Node http, 200)`, delivered: seen.size, total_ms: round(total), events_per_s: round((EVENTS / total) * 1000, 1), enqueue_ms: round(created) });
  srv.stop();
  receiver.close();
}

// 3. Publishing config versions and the "test your bot" box.
{
  const srv = await serve(demo);
  const login = await fetch(`${srv.url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "boss@bench.test", password: "boss-password" }) });
  const cookie = login.headers.get("set-cookie").split(";")[0];
  const { csrf } = await login.json();
  const headers = { cookie, "x-csrf-token": csrf, "content-type": "application/json" };
  const publish = [];
  for (let i = 0; i < 20; i++) {
    const cfg = { ...demo, greeting: `Hello #${i}` };
    const t0 = performance.now();
    const r = await fetch(`${srv.url}/api/config/publish`, { method: "POST", headers, body: JSON.stringify({ config: cfg }) });
    if (!r.ok) throw new Error(await r.text());
    publish.push(performance.now() - t0);
  }
  const questions = [];
  for (const f of demo.faqs) questions.push(...f.questions);
  const qs = questions.slice(0, 500);
  const t0 = performance.now();
  const r = await fetch(`${srv.url}/api/config/try`, { method: "POST", headers, body: JSON.stringify({ config: demo, questions: qs }) });
  const tried = await r.json();
  const tryMs = performance.now() - t0;
  const right = tried.results.filter((x, i) => demo.faqs.find((f) => f.questions.includes(qs[i]))?.id === x.item_id).length;
  emit({ bench: "config_publish_ms", input: `demo config (${JSON.stringify(demo).length} bytes, ${demo.faqs.length} FAQs), 20 publishes`, publish: stats(publish) });
  emit({ bench: "try_your_bot", input: `${qs.length} FAQ questions of the demo config, one request with the draft`, total_ms: round(tryMs), per_question_ms: round(tryMs / qs.length, 3), answered_by_own_faq: right });
  srv.stop();
}
