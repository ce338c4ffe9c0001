#!/usr/bin/env bash
# Builds the web front-ends served by `parley serve` into build/www/ (or $1):
#   build/www/console/index.html + console-<hash>.js + console-<hash>.css  (agent console)
#   build/www/admin/index.html + admin-<hash>.js + admin-<hash>.css        (merchant admin)
#   build/www/index.html + site-<hash>.css + other demo/site/ files         (demo shop page)
#   build/www/widget.js (the loader shops paste; not hashed) + widget-ui-<hash>.js +
#   widget-worker-<hash>.js + parley-core-<hash>.{mjs,wasm} (from build-wasm/wasm/, when built)
#   and, when models/student.onnx and the encoder module are there, the student model:
#   student-<hash>.onnx.gz + student-<hash>.vocab, parley-encoder-<hash>.{mjs,wasm}, and ONNX
#   Runtime Web's WebGPU bundle: ort-webgpu-<hash>.mjs + ort-asyncify-<hash>.mjs + ort-asyncify-<hash>.wasm.gz
#   (the big binaries are stored gzipped: `parley serve` sends a .gz file as it is, where it
#   would spend tens of seconds at start-up brotli-compressing them; the worker inflates them)
# Installs the npm devDependencies first when node_modules is missing or older
# than package-lock.json. Idempotent; exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build/www"}
cd "$root"

command -v node >/dev/null || { echo "build-web: node is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "build-web: npm is not installed" >&2; exit 1; }

if [ -f package-lock.json ]; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "build-web: npm ci" >&2
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  fi
elif [ ! -d node_modules ]; then
  echo "build-web: npm install" >&2
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
fi

mkdir -p "$out"
PARLEY_WWW_OUT="$out" node --input-type=module <<'JS'
import { build, transformSync } from "esbuild";
import { minify } from "terser";
import fs from "node:fs";
import path from "node:path";

const root = process.cwd();
const out = path.resolve(process.env.PARLEY_WWW_OUT);

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: "es2020",
  legalComments: "none",
  entryNames: "[name]-[hash]",
  metafile: true,
  write: true,
  logLevel: "warning",
};

/** Maps each entry point (relative path) to its output file's basename. */
function outputs(meta) {
  const map = new Map();
  for (const [file, info] of Object.entries(meta.outputs)) {
    if (info.entryPoint) map.set(info.entryPoint, path.basename(file));
  }
  return map;
}

/** Replaces each `needle` in `html` (must occur) and returns the result. */
function substitute(html, pairs, what) {
  for (const [needle, replacement] of pairs) {
    if (!html.includes(needle)) throw new Error(`${what}: ${needle} not found`);
    html = html.split(needle).join(replacement);
  }
  return html;
}

function writeFileAtomic(file, data) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

// --- the server's own pages: /console (agents) and /admin (merchants) --------
// server/<name>/{<name>.ts,<name>.css,index.html} → build/www/<name>/ with hashed names.
async function buildPage(name) {
  const dir = path.join(out, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const src = `server/${name}/${name}`;
  const result = await build({ ...common, entryPoints: [`${src}.ts`, `${src}.css`], outdir: dir, format: "iife" });
  const o = outputs(result.metafile);
  const js = o.get(`${src}.ts`);
  const css = o.get(`${src}.css`);
  const html = substitute(
    fs.readFileSync(`server/${name}/index.html`, "utf8"),
    [
      [`src="/${name}/${name}.js"`, `src="/${name}/${js}"`],
      [`href="/${name}/${name}.css"`, `href="/${name}/${css}"`],
    ],
    `server/${name}/index.html`,
  );
  writeFileAtomic(path.join(dir, "index.html"), html);
  return { dir, js, css };
}
const consolePage = await buildPage("console");
const adminPage = await buildPage("admin");

// --- demo shop page ----------------------------------------------------------
const siteDir = "demo/site";
for (const f of fs.readdirSync(out)) {
  if (/^site-[A-Za-z0-9]+\.css$/.test(f)) fs.rmSync(path.join(out, f));
}
const siteCss = fs.readdirSync(siteDir).filter((f) => f.endsWith(".css")).map((f) => `${siteDir}/${f}`);
const siteBuild = await build({ ...common, entryPoints: siteCss, outdir: out });
const so = outputs(siteBuild.metafile);
const sitePairs = siteCss.map((f) => [`href="/${path.basename(f)}"`, `href="/${so.get(f)}"`]);
// HTML pages get the hashed style names; every other file (images, fonts)
// is copied as it is.
function copyTree(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) {
      fs.mkdirSync(dst, { recursive: true });
      copyTree(src, dst);
    } else if (entry.isFile() && entry.name.endsWith(".html")) {
      const html = fs.readFileSync(src, "utf8");
      writeFileAtomic(dst, substitute(html, sitePairs.filter(([needle]) => html.includes(needle)), src));
    } else if (entry.isFile() && !(from === siteDir && entry.name.endsWith(".css"))) {
      fs.copyFileSync(src, dst);
    }
  }
}
substitute(fs.readFileSync(`${siteDir}/index.html`, "utf8"), sitePairs, `${siteDir}/index.html`);
copyTree(siteDir, out);

// --- chat widget -------------------------------------------------------------
// Order: the core (copied with content hashes) -> worker -> UI (knows the worker's
// and the core's names) -> loader (knows the UI's name; itself unhashed).
import crypto from "node:crypto";
import zlib from "node:zlib";
// Model files (big) are kept when their content-hashed name is already there.
const modelFile = /^(student-[A-Za-z0-9]+\.(onnx\.gz|vocab)|parley-encoder-[A-Za-z0-9]+\.(mjs|wasm)|ort-(webgpu|asyncify)-[A-Za-z0-9]+\.(mjs|wasm\.gz))$/;
const stale = new Set(fs.readdirSync(out).filter((f) => modelFile.test(f)));
for (const f of fs.readdirSync(out)) {
  if (/^(widget-(ui|worker|chunk)-[A-Za-z0-9]+\.js|parley-core-[A-Za-z0-9]+\.(mjs|wasm)|widget\.js)$/.test(f)) fs.rmSync(path.join(out, f));
}
/** Copies `src` into `out` as `<stem>-<16 hex of its sha256>.<ext>` (gzipped when `gz`); returns the name. */
function hashed(src, stem, ext, gz = false) {
  return hashedData(fs.readFileSync(src), stem, ext, gz);
}
/**
 * Emscripten's ES-module glue, minified by esbuild (names and whitespace: -3 kB gzip on the core's),
 * then by terser (-1.0 kB gzip more on the core's).
 */
async function hashedGlue(src, stem) {
  const { code } = transformSync(fs.readFileSync(src, "utf8"), { minify: true, format: "esm", target: "es2020" });
  return hashedData(Buffer.from(await squeeze(code, true)), stem, "mjs");
}
/**
 * terser after esbuild: esbuild's minifier is quick but leaves ~3-10 % that terser's
 * compressor and top-level mangling take (measured: core glue -1.0 kB gzip, UI -0.25 kB).
 * Only its safe transforms: no `unsafe*`, no pure_getters.
 */
async function squeeze(code, isModule) {
  const r = await minify(code, { ecma: 2020, module: isModule, compress: { passes: 2 }, mangle: true, format: { comments: false } });
  if (typeof r.code !== "string") throw new Error("terser returned no code");
  return r.code;
}
async function squeezeFile(file, isModule) {
  writeFileAtomic(file, await squeeze(fs.readFileSync(file, "utf8"), isModule));
}
function hashedData(data, stem, ext, gz = false) {
  // 16 hex digits (with at least one digit: the server's "content-hashed" test).
  let h = crypto.createHash("sha256").update(data).digest("hex").slice(0, 16);
  if (!/[0-9]/.test(h)) h = h.slice(0, 15) + "0";
  const name = `${stem}-${h}.${ext}${gz ? ".gz" : ""}`;
  stale.delete(name);
  if (!(gz && fs.existsSync(path.join(out, name)))) writeFileAtomic(path.join(out, name), gz ? zlib.gzipSync(data, { level: 9 }) : data);
  return name;
}
const wasmDir = process.env.PARLEY_WASM_DIR || path.join(root, "build-wasm/wasm");
let coreMjs = "", coreWasm = "";
if (fs.existsSync(path.join(wasmDir, "parley-core.mjs")) && fs.existsSync(path.join(wasmDir, "parley-core.wasm"))) {
  coreWasm = hashed(path.join(wasmDir, "parley-core.wasm"), "parley-core", "wasm");
  // The worker-only glue (wasm/CMakeLists.txt) when built, over the same wasm: the
  // tests run parley-core.mjs + .wasm in node, so the two binaries must be the same.
  let glue = path.join(wasmDir, "parley-core-worker.mjs");
  const workerWasm = path.join(wasmDir, "parley-core-worker.wasm");
  if (fs.existsSync(glue) && fs.existsSync(workerWasm)) {
    if (!fs.readFileSync(workerWasm).equals(fs.readFileSync(path.join(wasmDir, "parley-core.wasm"))))
      throw new Error(`${workerWasm} differs from parley-core.wasm: rebuild with scripts/build-wasm.sh`);
  } else {
    glue = path.join(wasmDir, "parley-core.mjs");
  }
  coreMjs = await hashedGlue(glue, "parley-core");
} else {
  console.warn(`build-web: no wasm core in ${rel0(wasmDir)} (run scripts/build-wasm.sh); the widget will use server mode`);
}
function rel0(p) { return path.relative(root, p) || "."; }

// The student sentence encoder (issue 5): without models/student.onnx (or without
// the encoder module) the widget simply stays on BM25.
let model = null;
const onnxSrc = process.env.PARLEY_MODEL || path.join(root, "models/student.onnx");
const vocabSrc = process.env.PARLEY_VOCAB || path.join(root, "models/student.vocab");
const encMjsSrc = path.join(wasmDir, "parley-encoder.mjs");
const encWasmSrc = path.join(wasmDir, "parley-encoder.wasm");
const ortDir = path.join(root, "node_modules/onnxruntime-web/dist");
const ortSrc = {
  bundle: path.join(ortDir, "ort.webgpu.min.mjs"),
  glue: path.join(ortDir, "ort-wasm-simd-threaded.asyncify.mjs"),
  wasm: path.join(ortDir, "ort-wasm-simd-threaded.asyncify.wasm"),
};
if (!coreMjs) {
  /* no core, no widget worker: nothing to embed for */
} else if (![onnxSrc, vocabSrc].every((f) => fs.existsSync(f))) {
  console.warn(`build-web: no ${rel0(onnxSrc)} (or its .vocab): the widget answers with BM25 only`);
} else if (![encMjsSrc, encWasmSrc].every((f) => fs.existsSync(f))) {
  console.warn(`build-web: no encoder module in ${rel0(wasmDir)} (run scripts/build-wasm.sh): the widget answers with BM25 only`);
} else {
  model = {
    onnx: hashed(onnxSrc, "student", "onnx", true),
    vocab: hashed(vocabSrc, "student", "vocab"),
    encoderMjs: await hashedGlue(encMjsSrc, "parley-encoder"),
    encoderWasm: hashed(encWasmSrc, "parley-encoder", "wasm"),
    ort: "",
    ortGlue: "",
    ortWasm: "",
  };
  // ONNX Runtime Web, for devices with WebGPU: only the WebGPU bundle (the others gave
  // wrong int8 DequantizeLinear results on WebGPU), imported by the worker on that path only.
  if (Object.values(ortSrc).every((f) => fs.existsSync(f))) {
    model.ort = hashed(ortSrc.bundle, "ort-webgpu", "mjs");
    model.ortGlue = hashed(ortSrc.glue, "ort-asyncify", "mjs");
    model.ortWasm = hashed(ortSrc.wasm, "ort-asyncify", "wasm", true);
  } else {
    console.warn("build-web: no onnxruntime-web in node_modules: the model runs on the encoder module's kernels only");
  }
}
for (const f of stale) fs.rmSync(path.join(out, f));
const widgetCommon = { ...common, target: "es2020", outdir: out };
// The model's code (widget/model.ts) is a chunk the worker imports only when it loads the model.
const workerBuild = await build({
  ...widgetCommon,
  entryPoints: { "widget-worker": "widget/worker.ts" },
  format: "esm",
  splitting: true,
  chunkNames: "widget-chunk-[hash]",
});
const workerFile = outputs(workerBuild.metafile).get("widget/worker.ts");
const uiBuild = await build({
  ...widgetCommon,
  entryPoints: { "widget-ui": "widget/ui.ts" },
  format: "iife",
  define: {
    __PARLEY_WORKER__: JSON.stringify(workerFile),
    __PARLEY_CORE__: JSON.stringify(coreMjs),
    __PARLEY_WASM__: JSON.stringify(coreWasm),
    __PARLEY_MODEL__: JSON.stringify(model),
  },
});
const uiFile = outputs(uiBuild.metafile).get("widget/ui.ts");
await build({
  ...widgetCommon,
  entryPoints: { widget: "widget/loader.ts" },
  entryNames: "[name]",
  format: "iife",
  define: { __PARLEY_UI__: JSON.stringify(uiFile) },
});
// terser after esbuild (squeeze above): the loader and the UI are classic scripts, the
// worker and its chunk ES modules.
await squeezeFile(path.join(out, "widget.js"), false);
await squeezeFile(path.join(out, uiFile), false);
for (const f of Object.keys(workerBuild.metafile.outputs)) await squeezeFile(f, true);
const modelSizes = model
  ? [[model.onnx, "model"], [model.vocab, "vocab"], [model.encoderMjs, "encoder js"], [model.encoderWasm, "encoder wasm"],
     [model.ort, "ort js"], [model.ortGlue, "ort glue"], [model.ortWasm, "ort wasm"]]
  : [];
const chunks = Object.keys(workerBuild.metafile.outputs).map((f) => path.basename(f)).filter((f) => f.startsWith("widget-chunk-"));
const sizes = [["widget.js", "loader"], [uiFile, "ui"], [workerFile, "worker"], ...chunks.map((f) => [f, "worker chunk"]),
  [coreMjs, "core js"], [coreWasm, "core wasm"], ...modelSizes]
  .filter(([f]) => f)
  .map(([f, what]) => {
    const data = fs.readFileSync(path.join(out, f));
    return `${f} (${what}) ${data.length} B, ${zlib.gzipSync(data, { level: 9 }).length} B gzip`;
  });
console.log(`build-web: widget: ${sizes.join("; ")}`);

const rel = (p) => path.relative(root, p) || ".";
console.log(`build-web: wrote ${rel(consolePage.dir)}/{index.html,${consolePage.js},${consolePage.css}}`);
const adminSizes = [adminPage.js, adminPage.css].map((f) => {
  const data = fs.readFileSync(path.join(adminPage.dir, f));
  return `${f} ${data.length} B, ${zlib.gzipSync(data, { level: 9 }).length} B gzip`;
});
console.log(`build-web: wrote ${rel(adminPage.dir)}/index.html; ${adminSizes.join("; ")}`);
console.log(`build-web: wrote ${rel(out)}/index.html, ${[...so.values()].join(", ")}`);

// --- precompressed gzip (zopfli) -----------------------------------------------
// `parley serve` sends `name.gz` for `name` when it inflates to exactly that file
// (server/src/static_files.cpp), else it deflates with zlib -9 at start-up.
// zopfli's output is ~5 % smaller (the first answer: -5.6 kB), and costs seconds
// here instead of at every start. Without the zopfli program: zlib it is.
import { spawnSync } from "node:child_process";
const compressible = /\.(html|js|mjs|css|json|svg|txt|wasm|vocab|xml|map)$/;
const standaloneGz = modelFile; // the model files are stored gzipped: no stem beside them
function allFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []);
}
const haveZopfli = spawnSync("zopfli", ["-h"]).error === undefined;
if (!haveZopfli) console.warn("build-web: no zopfli program (Debian: zopfli): the server gzips with zlib");
let zopfliCount = 0;
for (const f of allFiles(out)) {
  const name = path.basename(f);
  if (name.endsWith(".gz")) {
    // A sibling whose file is gone (an older content-hashed name): remove it.
    if (!standaloneGz.test(name) && !fs.existsSync(f.slice(0, -3))) fs.rmSync(f);
    continue;
  }
  if (!haveZopfli || !compressible.test(name)) continue;
  const data = fs.readFileSync(f);
  if (data.length < 64) continue;
  const gz = `${f}.gz`;
  if (fs.existsSync(gz)) {
    try {
      if (zlib.gunzipSync(fs.readFileSync(gz)).equals(data)) continue; // up to date
    } catch {}
  }
  // 15 iterations (zopfli's default); 5 above 200 KB, which gives nearly the same bytes in a third of the time.
  const r = spawnSync("zopfli", ["-c", data.length > 200_000 ? "--i5" : "--i15", f], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`zopfli ${f}: ${r.stderr}`);
  writeFileAtomic(gz, r.stdout);
  zopfliCount++;
}
if (haveZopfli) console.log(`build-web: zopfli: ${zopfliCount} file(s) precompressed`);
JS
