// Shared Playwright fixtures for the browser tests: a real `parley serve` on
// a free port with a fresh data directory, a scripted shopper speaking the
// shopper WebSocket protocol, and a recording proxy (NetTap) that sees every
// HTTP request and WebSocket frame between the browser and the server and can
// hold the server's frames back. Every wait is on a condition; nothing sleeps.
import { test as base, expect } from "@playwright/test";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import WebSocket, { WebSocketServer } from "ws";

export { expect };

export type Frame = Record<string, unknown>;

export const ROOT = path.resolve(__dirname, "..", "..");
export const PARLEY = process.env["PARLEY_BIN"] ?? path.join(ROOT, "build", "server", "parley");
export const AGENT = { email: "agent@demo.shop", password: "demo-agent" };
export const ADMIN = { email: "admin@demo.shop", password: "demo-admin" };

// ---------------------------------------------------------------------------
// The server

export interface Server {
  url: string;
  output: () => string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`parley serve exited (${proc.exitCode ?? proc.signalCode}) before it was healthy:\n${output()}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`parley serve not healthy after 30 s:\n${output()}`);
    await new Promise<void>((resolve) => {
      // Poll again on the next server output or after a short interval,
      // whichever comes first (and drop the other, or listeners pile up).
      const done = () => {
        clearTimeout(t);
        proc.stdout?.off("data", done);
        resolve();
      };
      const t = setTimeout(done, 100);
      proc.stdout?.once("data", done);
    });
  }
}

/** The demo shop's config as published in demo/shop.json. */
export function demoConfig(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(ROOT, "demo", "shop.json"), "utf8")) as Record<string, unknown>;
}

/**
 * The test shop: the demo config without business hours (open around the
 * clock, so a handoff reaches the queue whatever the time), with the agent and
 * admin accounts added the way an operator adds them (`parley agents add`,
 * password on stdin).
 */
function prepareShop(data: string, patch: ConfigPatch = {}): string {
  const config = demoConfig();
  delete config["business_hours"];
  Object.assign(config, patch);
  const file = path.join(data, "shop.json");
  fs.writeFileSync(file, JSON.stringify(config));
  const accounts: [typeof AGENT, string, string][] = [
    [AGENT, "Alex (agent)", "agent"],
    [ADMIN, "Sam (admin)", "admin"],
  ];
  for (const [account, name, role] of accounts) {
    execFileSync(PARLEY, ["agents", "add", "--data", data, "--email", account.email, "--name", name, "--role", role], {
      input: account.password + "\n",
      stdio: ["pipe", "ignore", "inherit"],
    });
  }
  return file;
}

interface Running {
  proc: ChildProcess;
  log: () => string;
}

/** The built pages (scripts/build-web.sh), or $PARLEY_WWW. */
export const WWW = process.env["PARLEY_WWW"] ?? path.join(ROOT, "build", "www");

async function start(port: number, data: string, config: string | null, www: string | null, extra: string[] = []): Promise<Running> {
  const args = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data", data, ...extra];
  if (config) args.push("--config", config);
  if (www) args.push("--www", www);
  else if (process.env["PARLEY_WWW"]) args.push("--www", process.env["PARLEY_WWW"]);
  const proc = spawn(PARLEY, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const collect = (b: Buffer) => {
    log += b.toString();
    if (log.length > 100_000) log = log.slice(-50_000);
  };
  proc.stdout?.on("data", collect);
  proc.stderr?.on("data", collect);
  try {
    await waitHealthy(`http://127.0.0.1:${port}`, proc, () => log);
  } catch (e) {
    await stop(proc);
    throw e;
  }
  return { proc, log: () => log };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Variants of the demo page to serve next to it: file name → [needle, replacement]
 * applied to the built index.html (the needle must occur). They are written into
 * a copy of the built pages that this test's server serves (`--www`), so they come
 * from the server itself, with its headers (CSP included).
 */
export type PageVariants = Record<string, [string, string][]>;

/** Top-level keys of the test shop's config to replace (e.g. `proactive`), set with `test.use({ configPatch })`. */
export type ConfigPatch = Record<string, unknown>;

/**
 * Starts a test shop on a free port with a fresh data directory; `use` it; stops and cleans up.
 * `serveArgs` are added to `parley serve`'s command line.
 */
export async function withShop(
  use: (s: Server) => Promise<void>,
  variants: PageVariants = {},
  patch: ConfigPatch = {},
  serveArgs: string[] = [],
): Promise<void> {
  if (!fs.existsSync(PARLEY)) throw new Error(`${PARLEY} is missing: build it first (scripts/build.sh)`);
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "parley-web-"));
  const url = `http://127.0.0.1:${port}`;
  let running: Running | null = null;
  try {
    let www: string | null = null;
    if (Object.keys(variants).length > 0) {
      www = path.join(data, "www");
      fs.cpSync(WWW, www, { recursive: true });
      const index = fs.readFileSync(path.join(WWW, "index.html"), "utf8");
      for (const [name, edits] of Object.entries(variants)) {
        let html = index;
        for (const [needle, replacement] of edits) {
          if (!html.includes(needle)) throw new Error(`${WWW}/index.html: ${needle} not found`);
          html = html.split(needle).join(replacement);
        }
        fs.writeFileSync(path.join(www, name), html);
      }
    }
    running = await start(port, data, prepareShop(data, patch), www, serveArgs);
    await use({ url, output: running.log });
  } finally {
    if (running) await stop(running.proc);
    fs.rmSync(data, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// NetTap: a recording reverse proxy between the browser and `parley serve`

export interface HttpRecord {
  seq: number;
  method: string;
  path: string;
}

export interface WsRecord {
  seq: number;
  /** "up": browser → server; "down": server → browser. */
  dir: "up" | "down";
  path: string;
  text: string;
  /** A "down" frame that arrived while the tap was holding. */
  held: boolean;
}

/**
 * Everything the browser (page and workers alike) sends to or receives from
 * the server passes through this proxy: it logs each HTTP request and each
 * WebSocket frame in order, and while `hold()` is in force it keeps the
 * server's WebSocket frames from the browser until `release()`. The Host
 * header is passed through, so the server's same-origin check sees the
 * proxy's origin on both sides.
 */
export class NetTap {
  readonly http: HttpRecord[] = [];
  readonly ws: WsRecord[] = [];
  private seq = 0;
  private holding = false;
  private queue: (() => void)[] = [];
  private readonly sockets = new Set<WebSocket>();

  private constructor(
    readonly url: string,
    private readonly server: http.Server,
    private readonly wss: WebSocketServer,
  ) {}

  /** Headers added to (or replacing those of) responses whose path matches. */
  readonly extraHeaders: [RegExp, Record<string, string>][] = [];

  /** From now on, responses to paths matching `re` carry `headers` too. */
  addHeaders(re: RegExp, headers: Record<string, string>): void {
    this.extraHeaders.push([re, headers]);
  }

  /** A cursor: records made after this call have a larger `seq`. */
  mark(): number {
    return this.seq;
  }

  httpSince(mark: number): HttpRecord[] {
    return this.http.filter((r) => r.seq > mark);
  }

  wsSince(mark: number, dir?: "up" | "down"): WsRecord[] {
    return this.ws.filter((r) => r.seq > mark && (!dir || r.dir === dir));
  }

  /** From now on, server → browser WebSocket frames are queued, not delivered. */
  hold(): void {
    this.holding = true;
  }

  /** Delivers the queued frames in order and stops holding. */
  release(): void {
    this.holding = false;
    const q = this.queue;
    this.queue = [];
    for (const deliver of q) deliver();
  }

  get heldCount(): number {
    return this.queue.length;
  }

  static async start(upstream: string): Promise<NetTap> {
    const up = new URL(upstream);
    const agent = new http.Agent({ keepAlive: true });
    const wss = new WebSocketServer({ noServer: true });
    let tap: NetTap | null = null;
    const server = http.createServer((req, res) => {
      tap!.http.push({ seq: ++tap!.seq, method: req.method ?? "GET", path: req.url ?? "/" });
      const fwd = http.request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent },
        (ures) => {
          const extra = tap!.extraHeaders.filter(([re]) => re.test(req.url ?? "/")).map(([, h]) => h);
          res.writeHead(ures.statusCode ?? 502, Object.assign({}, ures.headers, ...extra));
          ures.pipe(res);
        },
      );
      fwd.on("error", (e) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(e));
      });
      req.pipe(fwd);
    });
    server.on("upgrade", (req, socket, head) => {
      const t = tap!;
      const reqPath = req.url ?? "/";
      t.http.push({ seq: ++t.seq, method: "UPGRADE", path: reqPath });
      const headers: Record<string, string> = {};
      for (const h of ["origin", "host", "cookie", "user-agent"]) {
        const v = req.headers[h];
        if (typeof v === "string") headers[h === "host" ? "Host" : h] = v;
      }
      const upstreamWs = new WebSocket(`ws://${up.host}${reqPath}`, { headers });
      let refused = false;
      upstreamWs.once("unexpected-response", (ureq, ures) => {
        // Pass the refusal (403, 401, 429…) on to the browser as it is.
        refused = true;
        socket.end(`HTTP/1.1 ${ures.statusCode} ${ures.statusMessage}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        ureq.destroy();
      });
      upstreamWs.once("error", () => {
        if (!refused) socket.destroy();
      });
      upstreamWs.once("open", () => {
        wss.handleUpgrade(req, socket, head, (client) => {
          t.sockets.add(client);
          t.sockets.add(upstreamWs);
          client.on("message", (data, isBinary) => {
            const text = data.toString();
            t.ws.push({ seq: ++t.seq, dir: "up", path: reqPath, text, held: false });
            if (upstreamWs.readyState === WebSocket.OPEN) upstreamWs.send(data, { binary: isBinary });
          });
          upstreamWs.on("message", (data, isBinary) => {
            const rec: WsRecord = { seq: ++t.seq, dir: "down", path: reqPath, text: data.toString(), held: t.holding };
            t.ws.push(rec);
            const deliver = () => {
              if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
            };
            if (t.holding) t.queue.push(deliver);
            else deliver();
          });
          const closeCode = (c: number) => (c === 1005 || c === 1006 || c === 1015 ? 1000 : c);
          client.on("close", (code) => {
            t.sockets.delete(client);
            if (upstreamWs.readyState === WebSocket.OPEN) upstreamWs.close(closeCode(code));
          });
          upstreamWs.on("close", (code) => {
            t.sockets.delete(upstreamWs);
            const closeIt = () => {
              if (client.readyState === WebSocket.OPEN) client.close(closeCode(code));
            };
            if (t.holding) t.queue.push(closeIt);
            else closeIt();
          });
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    tap = new NetTap(`http://127.0.0.1:${port}`, server, wss);
    return tap;
  }

  async close(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------
// A scripted shopper on /ws/shopper

export type ShopperFactory = () => Promise<Shopper>;

interface Waiter {
  pred: (f: Frame) => boolean;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
}

/** A test's end of a Parley WebSocket: every frame kept, waits that time out with the frames so far. */
class FrameSocket {
  readonly frames: Frame[] = [];
  private waiters: Waiter[] = [];
  protected closed: Error | null = null;
  protected seq = 0;

  protected constructor(
    protected readonly ws: WebSocket,
    private readonly who: string,
  ) {
    ws.on("message", (data) => {
      let f: Frame;
      try {
        f = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      this.frames.push(f);
      for (const w of [...this.waiters]) {
        if (w.pred(f)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(f);
        }
      }
    });
    ws.on("close", (code, reason) => {
      this.closed = new Error(`${who} socket closed (${code} ${reason.toString()})`);
      for (const w of this.waiters) w.reject(this.closed);
      this.waiters = [];
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Resolves with the first frame (already received or future) matching `pred`. */
  waitFor(pred: (f: Frame) => boolean, what: string, timeoutMs = 10_000): Promise<Frame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(this.closed);
    return new Promise<Frame>((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`${this.who}: timed out waiting for ${what}; frames so far:\n${this.frames.map((f) => JSON.stringify(f)).join("\n")}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  close(): void {
    this.ws.close();
  }
}

export class Shopper extends FrameSocket {
  private constructor(ws: WebSocket) {
    super(ws, "shopper");
  }

  static connect(url: string): Promise<Shopper> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws/shopper`, { headers: { Origin: url } });
      const s = new Shopper(ws);
      ws.once("open", () => resolve(s));
      ws.once("error", reject);
      ws.once("unexpected-response", (req, res) => {
        req.destroy();
        reject(new Error(`shopper upgrade refused: ${res.statusCode}`));
      });
    });
  }

  /** Sends a chat message and waits for its ack; returns the stored id. */
  async say(text: string): Promise<number> {
    const clientId = `c-test-${++this.seq}-${Date.now()}`;
    this.send({ type: "message", client_id: clientId, text });
    const ack = await this.waitFor((f) => f["type"] === "ack" && f["client_id"] === clientId, `ack of "${text}"`);
    return Number(ack["id"]);
  }
}

// ---------------------------------------------------------------------------
// Fixtures
//
// server: one `parley serve` per worker (the console tests share it).
// shop:   one fresh `parley serve` per test (the widget tests: no state, rate-limit
//         budget or signed-in agent carries over from one test to the next);
//         with `test.use({ pageVariants })` it also serves edited copies of the demo page,
//         with `test.use({ configPatch })` its config has those top-level keys replaced.
// tap:    a NetTap in front of `shop`.
// shopper: scripted shoppers on `server`.

export const test = base.extend<
  { shopper: ShopperFactory; shop: Server; tap: NetTap; pageVariants: PageVariants; configPatch: ConfigPatch },
  { server: Server }
>({
  pageVariants: [{}, { option: true }],
  configPatch: [{}, { option: true }],
  server: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      await withShop(use);
    },
    { scope: "worker" },
  ],
  shop: async ({ pageVariants, configPatch }, use, testInfo) => {
    await withShop(async (s) => {
      try {
        await use(s);
      } finally {
        if (testInfo.status !== testInfo.expectedStatus) {
          await testInfo.attach("parley-serve.log", { body: s.output(), contentType: "text/plain" });
        }
      }
    }, pageVariants, configPatch);
  },
  tap: async ({ shop }, use, testInfo) => {
    const tap = await NetTap.start(shop.url);
    try {
      await use(tap);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        const lines = [
          ...tap.http.map((r) => `${r.seq} HTTP ${r.method} ${r.path}`),
          ...tap.ws.map((r) => `${r.seq} WS ${r.dir}${r.held ? " (held)" : ""} ${r.path} ${r.text}`),
        ].sort((a, b) => parseInt(a) - parseInt(b));
        await testInfo.attach("net-tap.log", { body: lines.join("\n"), contentType: "text/plain" });
      }
      await tap.close();
    }
  },
  shopper: async ({ server }, use) => {
    const open: Shopper[] = [];
    await use(async () => {
      const s = await Shopper.connect(server.url);
      open.push(s);
      return s;
    });
    for (const s of open) s.close();
  },
});

// ---------------------------------------------------------------------------
// A scripted agent on /ws/agent (signed in over REST, like the console)

export class AgentSocket extends FrameSocket {
  private constructor(ws: WebSocket) {
    super(ws, "agent");
  }

  /** Signs in with POST /api/login and opens the agent socket with that session; resolves after its hello. */
  static async connect(url: string, account: { email: string; password: string } = AGENT): Promise<AgentSocket> {
    const res = await fetch(`${url}/api/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(account),
    });
    if (res.status !== 200) throw new Error(`agent sign-in failed: ${res.status}`);
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws/agent`, { headers: { Origin: url, Cookie: cookie } });
    const a = new AgentSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
      ws.once("unexpected-response", (req, r) => {
        req.destroy();
        reject(new Error(`agent upgrade refused: ${r.statusCode}`));
      });
    });
    await a.waitFor((f) => f["type"] === "hello", "the agent hello");
    return a;
  }

  /** Claims, answers and closes a queued conversation (the shopper then gets csat_request). */
  async handle(conversationId: string, text: string): Promise<void> {
    this.send({ type: "claim", conversation_id: conversationId });
    await this.waitFor((f) => f["type"] === "claimed" && f["conversation_id"] === conversationId, "claimed");
    const clientId = `a-test-${++this.seq}`;
    this.send({ type: "reply", conversation_id: conversationId, client_id: clientId, text });
    await this.waitFor((f) => f["type"] === "ack" && f["client_id"] === clientId, "the reply's ack");
    this.send({ type: "close", conversation_id: conversationId });
    await this.waitFor((f) => f["type"] === "closed" && f["conversation_id"] === conversationId, "closed");
  }
}
