// One message embedded by the student in Debian's Chromium (headless,
// through playwright-core), on the two CPU paths the widget could take:
//  1. the encoder module (the core's own int8 kernels compiled to wasm,
//     build/www/parley-encoder-*.{mjs,wasm}): what the widget uses unless a
//     real GPU adapter is there;
//  2. ONNX Runtime Web's wasm execution provider on the same student file,
//     from the ORT bundle the widget ships for WebGPU: the named baseline.
// Both run in a dedicated worker of a page of `parley serve`, as the widget's
// model does, on the demo shop's questions (normalized: lower case), one
// message at a time; warm-up discarded; p50/p99 over MESSAGES messages. Also
// prints the bytes each path downloads (gzip, as served).
import fs from "node:fs";
import path from "node:path";
import { WWW, emit, launchChromium, quantile, round, startServer } from "./lib.mjs";

const MESSAGES = Number(process.env.MESSAGES ?? 300);
const WARMUP = 30;

function asset(re) {
  const name = fs.readdirSync(WWW).find((f) => re.test(f));
  if (!name) throw new Error(`no ${re} in ${WWW}: run scripts/build.sh first`);
  return name;
}
const files = {
  encMjs: asset(/^parley-encoder-[0-9a-f]+\.mjs$/),
  encWasm: asset(/^parley-encoder-[0-9a-f]+\.wasm$/),
  onnx: asset(/^student-[0-9a-f]+\.onnx\.gz$/),
  vocab: asset(/^student-[0-9a-f]+\.vocab$/),
  ort: asset(/^ort-webgpu-[0-9a-f]+\.mjs$/),
  ortGlue: asset(/^ort-asyncify-[0-9a-f]+\.mjs$/),
  ortWasm: asset(/^ort-asyncify-[0-9a-f]+\.wasm\.gz$/),
};
const gzipBytes = (name) => {
  const gz = path.join(WWW, name.endsWith(".gz") ? name : `${name}.gz`);
  return fs.statSync(fs.existsSync(gz) ? gz : path.join(WWW, name)).size;
};

const config = JSON.parse(fs.readFileSync(path.join(WWW, "..", "..", "demo", "shop.json"), "utf8"));
const questions = config.faqs.flatMap((f) => f.questions).filter((q) => !/[\u3400-\u9fff]/.test(q));
const texts = Array.from({ length: MESSAGES + WARMUP }, (_, i) => questions[i % questions.length].toLowerCase());

// Runs in the worker: loads both paths, embeds every text with each, returns
// per-message milliseconds and the largest difference between the two.
const workerSource = `
onmessage = async ({ data: { urls, texts } }) => {
  try {
    const bytes = async (url) => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(url + ": HTTP " + res.status);
      const body = url.endsWith(".gz") ? new Response(res.body.pipeThrough(new DecompressionStream("gzip"))) : res;
      return new Uint8Array(await body.arrayBuffer());
    };
    const [onnx, vocab, encWasm, ortWasm] = await Promise.all([urls.onnx, urls.vocab, urls.encWasm, urls.ortWasm].map(bytes));
    let t = performance.now();
    const mod = await (await import(urls.encMjs)).default({ wasmBinary: encWasm });
    const encoder = new mod.Encoder(onnx, new TextDecoder().decode(vocab));
    if (!encoder.ok()) throw new Error(encoder.error());
    const encoderInit = performance.now() - t;
    const ort = await import(urls.ort);
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmPaths = { mjs: urls.ortGlue };
    ort.env.wasm.wasmBinary = ortWasm;
    t = performance.now();
    const session = await ort.InferenceSession.create(onnx, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
    const ortInit = performance.now() - t;
    const encoderMs = [], ortMs = [];
    let maxDiff = 0;
    for (const text of texts) {
      t = performance.now();
      const r = encoder.embed(text);
      encoderMs.push(performance.now() - t);
      if (r.error) throw new Error(r.error);
      t = performance.now(); // the ORT path tokenizes with the same core tokenizer
      const ids = encoder.tokenize(text);
      if (ids.error) throw new Error(ids.error);
      const n = ids.length;
      const out = await session.run({
        input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, (x) => BigInt(x)), [1, n]),
        attention_mask: new ort.Tensor("int64", new BigInt64Array(n).fill(1n), [1, n]),
      });
      ortMs.push(performance.now() - t);
      const e = out.embedding.data;
      for (let i = 0; i < e.length; i++) maxDiff = Math.max(maxDiff, Math.abs(e[i] - r.embedding[i]));
    }
    postMessage({ encoderMs, ortMs, encoderInit, ortInit, maxDiff });
  } catch (e) {
    postMessage({ error: String(e && e.stack || e) });
  }
};
`;

const server = await startServer();
const browser = await launchChromium();
try {
  // The shop page's CSP allows no blob: worker; this bench's worker is one.
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  await page.goto(`${server.url}/`);
  const urls = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, `${server.url}/${f}`]));
  const result = await page.evaluate(
    async ({ src, urls, texts }) => {
      const worker = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { type: "module" });
      return new Promise((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => resolve({ error: `worker: ${e.message || e.type} ${e.filename ?? ""}:${e.lineno ?? ""}` });
        worker.postMessage({ urls, texts });
      });
    },
    { src: workerSource, urls, texts },
  );
  if (!result || result.error) throw new Error(result?.error ?? "no result from the worker");
  const stats = (ms) => {
    const s = ms.slice(WARMUP).sort((a, b) => a - b);
    return { p50_ms: round(quantile(s, 0.5), 3), p99_ms: round(quantile(s, 0.99), 3), max_ms: round(s[s.length - 1], 3) };
  };
  const modelBytes = gzipBytes(files.onnx) + gzipBytes(files.vocab);
  emit({
    bench: "web_encoder",
    path: "encoder module (core kernels, wasm)",
    messages: MESSAGES,
    ...stats(result.encoderMs),
    init_ms: round(result.encoderInit, 1),
    download_bytes_gzip: modelBytes + gzipBytes(files.encMjs) + gzipBytes(files.encWasm),
  });
  emit({
    bench: "web_encoder",
    path: "ONNX Runtime Web, wasm EP",
    messages: MESSAGES,
    ...stats(result.ortMs),
    init_ms: round(result.ortInit, 1),
    download_bytes_gzip: modelBytes + gzipBytes(files.ort) + gzipBytes(files.ortGlue) + gzipBytes(files.ortWasm),
    max_abs_diff_vs_encoder_module: result.maxDiff,
  });
} finally {
  await browser.close();
  await server.stop();
}
