// Lighthouse performance score of the demo shop page with and without the
// widget (npm `lighthouse`, Debian's Chromium through chrome-launcher),
// median of RUNS runs each (default 3), runs interleaved. The baseline page
// is the demo page without the widget's script tag, written next to a copy of
// build/www in a temp dir that `parley serve --www` serves.
// Presets: LH_PRESETS=mobile,desktop (default both; "mobile" is Lighthouse's
// default: Moto G Power emulation, simulated slow 4G and 4x CPU slowdown).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import { CHROMIUM, CHROMIUM_FLAGS, WWW, emit, median, round, startServer } from "./lib.mjs";

const RUNS = Number(process.env.RUNS ?? 3);
const PRESETS = (process.env.LH_PRESETS ?? "mobile,desktop").split(",").filter(Boolean);
const TAG = '<script src="/widget.js" defer data-parley></script>';

const www = fs.mkdtempSync(path.join(os.tmpdir(), "parley-lh-www-"));
fs.cpSync(WWW, www, { recursive: true });
const index = fs.readFileSync(path.join(www, "index.html"), "utf8");
if (!index.includes(TAG)) throw new Error(`${WWW}/index.html has no ${TAG}`);
fs.writeFileSync(path.join(www, "nowidget.html"), index.replace(TAG, ""));

const server = await startServer({ www });
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  chromeFlags: ["--headless=new", ...CHROMIUM_FLAGS],
});
const pages = { with_widget: `${server.url}/`, without_widget: `${server.url}/nowidget.html` };
const results = [];
try {
  for (const preset of PRESETS) {
    const runs = { with_widget: [], without_widget: [] };
    for (let i = 0; i < RUNS; i++) {
      for (const which of ["without_widget", "with_widget"]) {
        const r = await lighthouse(
          pages[which],
          { port: chrome.port, output: "json", logLevel: "error", onlyCategories: ["performance"] },
          preset === "desktop" ? desktopConfig : undefined,
        );
        const lhr = r.lhr;
        if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
        const a = lhr.audits;
        const run = {
          score: Math.round(lhr.categories.performance.score * 100),
          fcp_ms: round(a["first-contentful-paint"].numericValue, 0),
          lcp_ms: round(a["largest-contentful-paint"].numericValue, 0),
          tbt_ms: round(a["total-blocking-time"].numericValue, 0),
          cls: round(a["cumulative-layout-shift"].numericValue, 3),
          si_ms: round(a["speed-index"].numericValue, 0),
          bytes: a["total-byte-weight"].numericValue,
        };
        const lcpEl = JSON.stringify(a["largest-contentful-paint-element"]?.details ?? {}).match(/"snippet":"((?:[^"\\]|\\.)*)"/);
        run.lcp_element = lcpEl ? JSON.parse(`"${lcpEl[1]}"`).slice(0, 80) : null;
        runs[which].push(run);
        console.log(`lighthouse ${preset} ${which} run ${i + 1}: ${JSON.stringify(run)}`);
      }
    }
    const summary = {};
    for (const which of ["without_widget", "with_widget"]) {
      const rs = runs[which];
      summary[which] = Object.fromEntries(
        Object.keys(rs[0])
          .filter((k) => typeof rs[0][k] === "number")
          .map((k) => [k, median(rs.map((r) => r[k]))]),
      );
      summary[which].lcp_elements = [...new Set(rs.map((r) => r.lcp_element))];
    }
    const drop = summary.without_widget.score - summary.with_widget.score;
    console.log(
      `lighthouse ${preset} performance (median of ${RUNS}): without widget ${summary.without_widget.score}, with widget ${summary.with_widget.score}, drop ${drop} (target ≤ 1)`,
    );
    const line = { bench: "web_lighthouse", preset, runs: RUNS, lighthouse: "12", ...summary, drop, drop_met: drop <= 1 };
    emit(line);
    results.push(line);
  }
} finally {
  chrome.kill();
  await server.stop();
  fs.rmSync(www, { recursive: true, force: true });
}
