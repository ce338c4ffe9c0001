// In-browser timings of the widget on the demo shop page (Debian's Chromium,
// headless, through playwright-core):
//  1. loader execution → launcher in the DOM / first animation frame with it
//     (N fresh page loads; performance.now() in the page);
//  2. click on "Send" → bot reply element in the DOM (MutationObserver) and →
//     the next animation frame, p50/p99 over 100 messages in one conversation,
//     measured in the page with performance.now(), three times: from opening,
//     while the model loads in the widget's other workers, and with it loaded;
//  3. the bytes the browser actually fetched from page load to the first answer.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { ROOT, emit, launchChromium, median, quantile, round, startServer } from "./lib.mjs";

/** Body bytes `parley serve` sends for url to a browser (no decoding). */
function servedSize(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { "Accept-Encoding": "gzip, deflate, br" } }, (res) => {
        let n = 0;
        res.on("data", (c) => (n += c.length));
        res.on("end", () => resolve({ bytes: n, encoding: res.headers["content-encoding"] ?? "identity" }));
      })
      .on("error", reject);
  });
}

const LOADS = Number(process.env.LOADS ?? 15);
const MESSAGES = Number(process.env.MESSAGES ?? 100);

const config = JSON.parse(fs.readFileSync(path.join(ROOT, "demo", "shop.json"), "utf8"));
const allQuestions = config.faqs.flatMap((f) => f.questions);
const stride = Math.max(1, Math.floor(allQuestions.length / MESSAGES));
const questions = Array.from({ length: MESSAGES }, (_, i) => allQuestions[(i * stride) % allQuestions.length]);

// Records, in the page: when the loader starts (its first read of
// document.currentScript while the data-parley script runs), when the widget's
// host element enters the DOM, and the next animation frame after that.
const initScript = () => {
  const marks = (window.__pb = {});
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, "currentScript");
  Object.defineProperty(Document.prototype, "currentScript", {
    configurable: true,
    get() {
      const s = desc.get.call(this);
      if (s && s.hasAttribute && s.hasAttribute("data-parley") && marks.loaderStart === undefined) marks.loaderStart = performance.now();
      return s;
    },
  });
  const seen = (n) => {
    marks.hostInserted = performance.now();
    const btn = n.shadowRoot && n.shadowRoot.querySelector("button");
    marks.launcherInShadow = !!btn;
    requestAnimationFrame(() => {
      marks.frame = performance.now();
      marks.launcherVisible = !!btn && btn.checkVisibility();
    });
  };
  new MutationObserver((muts, obs) => {
    for (const m of muts)
      for (const n of m.addedNodes)
        if (n.nodeType === 1 && n.shadowRoot && n.shadowRoot.querySelector("button")) {
          obs.disconnect();
          seen(n);
          return;
        }
  }).observe(document, { childList: true, subtree: true });
};

const server = await startServer();
const browser = await launchChromium();
const out = { machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), headless Chromium ${browser.version()}, no GPU (SwiftShader)` };
try {
  // --- 1. launcher ----------------------------------------------------------
  const launch = [];
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.addInitScript(initScript);
    await page.goto(server.url, { waitUntil: "load" });
    await page.waitForFunction(() => window.__pb && window.__pb.frame !== undefined);
    const m = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const res = performance.getEntriesByType("resource").find((r) => new URL(r.name).pathname === "/widget.js");
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return { ...window.__pb, widgetResponseEnd: res ? res.responseEnd : null, domContentLoaded: nav.domContentLoadedEventStart, fcp: fcp ? fcp.startTime : null };
    });
    launch.push(m);
    await ctx.close();
  }
  const okStart = launch.filter((m) => m.loaderStart !== undefined);
  const l = {
    loads: LOADS,
    loader_start_observed: okStart.length,
    launcher_visible: launch.filter((m) => m.launcherVisible).length,
    exec_to_dom_ms_median: round(median(okStart.map((m) => m.hostInserted - m.loaderStart)), 3),
    exec_to_frame_ms_median: round(median(okStart.map((m) => m.frame - m.loaderStart)), 2),
    nav_to_loader_downloaded_ms_median: round(median(launch.map((m) => m.widgetResponseEnd))),
    nav_to_launcher_dom_ms_median: round(median(launch.map((m) => m.hostInserted))),
    nav_to_launcher_frame_ms_median: round(median(launch.map((m) => m.frame))),
    nav_to_fcp_ms_median: round(median(launch.filter((m) => m.fcp !== null).map((m) => m.fcp))),
  };
  console.log(
    `launcher: loader execution → launcher in DOM ${l.exec_to_dom_ms_median} ms, → first frame ${l.exec_to_frame_ms_median} ms (median of ${LOADS} loads; ` +
      `from navigation: widget.js downloaded ${l.nav_to_loader_downloaded_ms_median} ms, launcher in DOM ${l.nav_to_launcher_dom_ms_median} ms, FCP ${l.nav_to_fcp_ms_median} ms)`,
  );
  emit({ bench: "web_launcher", ...l, machine: out.machine });

  // --- 2. send → reply, 3. bytes to the first answer ------------------------
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const pending = [];
  page.on("requestfinished", (req) => {
    pending.push(
      req
        .sizes()
        .catch(() => null)
        .then((sizes) => ({ path: new URL(req.url()).pathname + new URL(req.url()).search, body: sizes ? sizes.responseBodySize : 0 })),
    );
  });
  // Every `model` event of window.Parley (the worker's model state), in window.__model.
  await page.addInitScript(() => {
    window.__model = [];
    const hook = () => (window.Parley ? window.Parley.on("model", (m) => window.__model.push(m)) : setTimeout(hook, 10));
    hook();
  });
  await page.goto(server.url, { waitUntil: "load" });
  const launcher = page.getByRole("button", { name: "Open chat", exact: true });
  await launcher.click();
  const dialog = page.getByRole("dialog");
  const log = dialog.getByRole("log");
  const input = dialog.getByRole("textbox", { name: "Message", exact: true });
  const send = dialog.getByRole("button", { name: "Send", exact: true });
  await log.locator('[data-author="bot"]').first().waitFor();
  const handles = { input: await input.elementHandle(), send: await send.elementHandle(), log: await log.elementHandle() };

  const oneMessage = (args) =>
    new Promise((resolve) => {
      const { input, send, log, text } = args;
      const bots = () => log.querySelectorAll('[data-author="bot"]');
      const n0 = bots().length;
      let t0 = 0;
      const check = () => {
        const list = bots();
        if (list.length > n0 && (list[list.length - 1].textContent || "").trim()) {
          const t1 = performance.now();
          mo.disconnect();
          requestAnimationFrame(() => resolve({ dom: t1 - t0, frame: performance.now() - t0, text: list[list.length - 1].textContent }));
          return true;
        }
        return false;
      };
      const mo = new MutationObserver(check);
      mo.observe(log, { childList: true, subtree: true, characterData: true });
      input.focus();
      input.value = text;
      input.dispatchEvent(new InputEvent("input", { bubbles: true, composed: true, inputType: "insertText", data: text }));
      t0 = performance.now();
      send.click();
    });

  // The first answer, then what was fetched for it.
  const first = await page.evaluate(oneMessage, { ...handles, text: questions[0] });
  // What the browser fetched (paths from the page and its worker), sized as
  // `parley serve` sends them to a browser (Accept-Encoding: gzip, deflate, br).
  const fetched = await Promise.all(pending);
  const pageOwn = (p) => p === "/" || /^\/site-[A-Za-z0-9]+\.css$/.test(p) || p === "/favicon.ico";
  const widgetFetched = [];
  for (const f of fetched.filter((x) => !pageOwn(x.path))) {
    widgetFetched.push({ path: f.path, ...(await servedSize(`${server.url}${f.path}`)) });
  }
  const firstAnswerBytes = widgetFetched.reduce((a, f) => a + f.bytes, 0);
  console.log(
    `fetched by the widget until the first answer (as served): ${(firstAnswerBytes / 1024).toFixed(1)} KiB in ${widgetFetched.length} responses: ` +
      widgetFetched.map((f) => `${f.path} ${f.bytes} (${f.encoding})`).join(", "),
  );
  emit({ bench: "web_first_answer_fetched", bytes: firstAnswerBytes, responses: widgetFetched });

  const modelNow = () => page.evaluate(() => (window.__model.length ? window.__model[window.__model.length - 1] : null));
  /** The questions back to back in the open conversation (the first already answered: `firstDone`), and their report. */
  async function conversation(name, what, firstDone) {
    const dom = firstDone ? [firstDone.dom] : [];
    const frame = firstDone ? [firstDone.frame] : [];
    const before = await modelNow();
    for (let i = dom.length; i < questions.length; i++) {
      const r = await page.evaluate(oneMessage, { ...handles, text: questions[i] });
      dom.push(r.dom);
      frame.push(r.frame);
    }
    const after = await modelNow();
    if (process.env.SLOWEST) {
      // Which messages were slow (when debugging: what collided with them).
      const slow = dom.map((ms, i) => ({ i, ms: round(ms) })).sort((a, b) => b.ms - a.ms).slice(0, Number(process.env.SLOWEST));
      console.log(`slowest: ${slow.map((s) => `#${s.i} ${s.ms} ms`).join(", ")}`);
    }
    const sd = [...dom].sort((a, b) => a - b);
    const sf = [...frame].sort((a, b) => a - b);
    const rep = {
      messages: dom.length,
      // Messages the in-page model embedded (the rest: BM25 alone), and the model's state at the end.
      embedded: (after?.embedded ?? 0) - (before?.embedded ?? 0),
      model_status: after?.status ?? "none",
      first_dom_ms: round(dom[0]),
      dom_p50_ms: round(quantile(sd, 0.5)),
      dom_p99_ms: round(quantile(sd, 0.99)),
      dom_max_ms: round(sd[sd.length - 1]),
      frame_p50_ms: round(quantile(sf, 0.5)),
      frame_p99_ms: round(quantile(sf, 0.99)),
      target_p50_ms: 15,
      target_p99_ms: 40,
    };
    console.log(
      `send → bot reply in DOM, ${what}: p50 ${rep.dom_p50_ms} ms, p99 ${rep.dom_p99_ms} ms, max ${rep.dom_max_ms} ms (first ${rep.first_dom_ms} ms); ` +
        `→ next frame: p50 ${rep.frame_p50_ms} ms, p99 ${rep.frame_p99_ms} ms; over ${rep.messages} messages, ${rep.embedded} embedded (targets p50 ≤ 15, p99 ≤ 40 ms)`,
    );
    emit({ bench: name, ...rep, machine: out.machine });
  }
  // 1. From the moment the chat opens, back to back: BM25 in the page language's FAQs (the
  //    model and every language's FAQs wait for the shopper to pause for 1 s).
  await conversation("web_reply_latency", "from opening", first);
  // 2. The same messages as soon as that load has started (1 s after the last answer): in the
  //    page while two more workers fetch, compile and embed (the documents too: a fresh profile).
  await page.waitForFunction(() => window.__model.some((m) => m.status === "loading"), null, { timeout: 30_000 });
  await conversation("web_reply_latency_loading", "while the model loads", null);
  // 3. The same messages again once the model is loaded: each one embedded in the page.
  await page.waitForFunction(() => window.__model.some((m) => m.status !== "idle" && m.status !== "loading"), null, { timeout: 120_000 });
  await conversation("web_reply_latency_model", "with the model loaded", null);
  await ctx.close();
} finally {
  await browser.close();
  await server.stop();
}
