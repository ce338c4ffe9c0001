// Shared helpers of the widget benchmarks: start `parley serve` on a free port
// with a fresh data directory, launch Debian's Chromium through playwright-core,
// small statistics.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PARLEY = process.env.PARLEY_BIN ?? path.join(ROOT, "build", "server", "parley");
export const WWW = process.env.PARLEY_WWW ?? path.join(ROOT, "build", "www");
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `parley serve` with demo/shop.json (or `config`), a fresh data dir and
 * `www` (default build/www), plus `args`. Rate limits are off (`--no-rate-limits`): the
 * latency bench sends 100 messages in a few seconds on one socket.
 */
export async function startServer({ www = WWW, config = path.join(ROOT, "demo", "shop.json"), noRateLimits = true, args: extra = [] } = {}) {
  if (!fs.existsSync(PARLEY)) throw new Error(`${PARLEY} is missing: build it first (scripts/build.sh)`);
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "parley-bench-web-"));
  const args = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data", data, "--www", www, "--quiet"];
  if (config) args.push("--config", config);
  if (noRateLimits) args.push("--no-rate-limits");
  args.push(...extra);
  const proc = spawn(PARLEY, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout.on("data", (b) => (log += b));
  proc.stderr.on("data", (b) => (log += b));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`parley serve exited: ${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`parley serve not healthy: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(data, { recursive: true, force: true });
    },
  };
}

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Prints one JSON line prefixed so that it is easy to grep. */
export function emit(obj) {
  console.log(JSON.stringify(obj));
}
