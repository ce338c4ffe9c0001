// Bytes of the widget as built in build/www (or $PARLEY_WWW): raw, gzip -9,
// brotli -q 11, and as `parley serve` sends them (its own gzip); the total of
// what the first answer needs (loader + UI + worker + core glue + core wasm +
// the published shop config) against the targets.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { WWW, emit, startServer } from "./lib.mjs";

const KB = 1024;
// What Chromium sends (checked: Lighthouse's byte weight matches these sizes).
const BROWSER_AE = "gzip, deflate, br, zstd";
const gzip = (b) => zlib.gzipSync(b, { level: 9 }).length;
const brotli = (b) =>
  zlib.brotliCompressSync(b, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length },
  }).length;

/** Body bytes `parley serve` sends for GET url with this Accept-Encoding (no decoding). */
function served(url, acceptEncoding = "gzip") {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { "Accept-Encoding": acceptEncoding } }, (res) => {
        let n = 0;
        res.on("data", (c) => (n += c.length));
        res.on("end", () => resolve({ status: res.statusCode, bytes: n, encoding: res.headers["content-encoding"] ?? "identity" }));
      })
      .on("error", reject);
  });
}

const files = fs.readdirSync(WWW);
const pick = (re, what) => {
  const hits = files.filter((f) => re.test(f));
  if (hits.length !== 1) throw new Error(`${WWW}: expected one ${what} (${re}), found ${JSON.stringify(hits)}`);
  return hits[0];
};
const parts = [
  ["loader", pick(/^widget\.js$/, "loader")],
  ["ui", pick(/^widget-ui-[A-Za-z0-9]+\.js$/, "UI bundle")],
  ["worker", pick(/^widget-worker-[A-Za-z0-9]+\.js$/, "worker bundle")],
  ["core_glue", pick(/^parley-core-[A-Za-z0-9]+\.mjs$/, "core glue")],
  ["core_wasm", pick(/^parley-core-[A-Za-z0-9]+\.wasm$/, "core wasm")],
];
// Anything else the widget build wrote (chunks, styles) is listed too.
const others = files.filter((f) => /^(widget|parley-core)/.test(f) && !f.endsWith(".gz") && !parts.some(([, n]) => n === f));
for (const f of others) parts.push([`other:${f}`, f]);

const server = await startServer();
const rows = [];
try {
  for (const [name, file] of parts) {
    const body = fs.readFileSync(path.join(WWW, file));
    const wire = await served(`${server.url}/${file}`);
    const wireBr = await served(`${server.url}/${file}`, BROWSER_AE);
    rows.push({ name, file, raw: body.length, gzip: gzip(body), brotli: brotli(body), served: wire.bytes, served_encoding: wire.encoding, served_browser: wireBr.bytes, served_browser_encoding: wireBr.encoding });
  }
  // The demo page is English: its widget fetches the English FAQs for the
  // first answer, and every language's later, when the page is idle.
  for (const [name, file] of [["shop_config", "/api/shop-config?lang=en"], ["later:shop_config_all", "/api/shop-config"]]) {
    const cfgRes = await fetch(`${server.url}${file}`);
    const cfg = Buffer.from(await cfgRes.arrayBuffer());
    const cfgWire = await served(`${server.url}${file}`);
    const cfgWireBr = await served(`${server.url}${file}`, BROWSER_AE);
    rows.push({ name, file, raw: cfg.length, gzip: gzip(cfg), brotli: brotli(cfg), served: cfgWire.bytes, served_encoding: cfgWire.encoding, served_browser: cfgWireBr.bytes, served_browser_encoding: cfgWireBr.encoding });
  }
} finally {
  await server.stop();
}

const pad = (s, n) => String(s).padEnd(n);
const padl = (s, n) => String(s).padStart(n);
console.log(`${pad("part", 14)}${pad("file", 36)}${padl("raw", 9)}${padl("gzip-9", 9)}${padl("brotli-11", 11)}   served (AE: gzip | AE: gzip, deflate, br, zstd)`);
for (const r of rows) {
  console.log(
    `${pad(r.name, 14)}${pad(r.file, 36)}${padl(r.raw, 9)}${padl(r.gzip, 9)}${padl(r.brotli, 11)}   ${r.served} ${r.served_encoding} | ${r.served_browser} ${r.served_browser_encoding}`,
  );
  emit({ bench: "web_size", ...r });
}
const firstAnswer = rows.filter((r) => ["loader", "ui", "worker", "core_glue", "core_wasm", "shop_config"].includes(r.name));
const sum = (k) => firstAnswer.reduce((a, r) => a + r[k], 0);
const loader = rows.find((r) => r.name === "loader");
const total = { raw: sum("raw"), gzip: sum("gzip"), brotli: sum("brotli"), served: sum("served"), served_browser: sum("served_browser") };
console.log(
  `first answer (loader+ui+worker+core glue+wasm+shop config): raw ${total.raw} B, gzip ${(total.gzip / KB).toFixed(1)} KiB, brotli ${(total.brotli / KB).toFixed(1)} KiB, ` +
    `as served: ${(total.served / KB).toFixed(1)} KiB (gzip-only client), ${(total.served_browser / KB).toFixed(1)} KiB (Chromium)`,
);
// The targets count gzip bytes as `parley serve` sends them to a client that accepts gzip
// only (its precompressed zopfli files, else zlib -9); gzip -9 of the same files is printed
// beside them for comparison.
const gzipOnly = firstAnswer.every((r) => r.served_encoding === "gzip");
if (!gzipOnly) throw new Error(`a first-answer part was not sent gzipped: ${JSON.stringify(firstAnswer.map((r) => [r.name, r.served_encoding]))}`);
console.log(
  `targets: loader ≤ 3 KB gzip: ${loader.served} B ${loader.served <= 3 * 1000 ? "MET" : "NOT MET"}; ` +
    `first answer ≤ 120 KB gzip: ${(total.served / 1000).toFixed(1)} kB as served (gzip -9: ${(total.gzip / 1000).toFixed(1)} kB) ` +
    `${total.served <= 120 * 1000 ? "MET" : "NOT MET"} (Chatwoot ~170 KB, Crisp ~130 KB)`,
);
emit({
  bench: "web_first_answer_bytes",
  raw: total.raw,
  gzip: total.gzip,
  brotli: total.brotli,
  served: total.served,
  served_browser: total.served_browser,
  loader_gzip: loader.gzip,
  loader_target_gzip: 3000,
  first_answer_target_gzip: 120000,
  loader_served_gzip: loader.served,
  loader_met: loader.served <= 3000,
  first_answer_met: total.served <= 120000,
});
