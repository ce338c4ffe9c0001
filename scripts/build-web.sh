#!/usr/bin/env bash
# Builds the web front-ends served by `parley serve` into build/www/ (or $1):
#   build/www/console/index.html + console-<hash>.js + console-<hash>.css  (agent console)
#   build/www/index.html + site-<hash>.css + other demo/site/ files         (demo shop page)
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
import { build } from "esbuild";
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

// --- agent console ---------------------------------------------------------
const consoleOut = path.join(out, "console");
fs.rmSync(consoleOut, { recursive: true, force: true });
fs.mkdirSync(consoleOut, { recursive: true });
const consoleBuild = await build({
  ...common,
  entryPoints: ["server/console/console.ts", "server/console/console.css"],
  outdir: consoleOut,
  format: "iife",
});
const co = outputs(consoleBuild.metafile);
const consoleHtml = substitute(
  fs.readFileSync("server/console/index.html", "utf8"),
  [
    ['src="/console/console.js"', `src="/console/${co.get("server/console/console.ts")}"`],
    ['href="/console/console.css"', `href="/console/${co.get("server/console/console.css")}"`],
  ],
  "server/console/index.html",
);
writeFileAtomic(path.join(consoleOut, "index.html"), consoleHtml);

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

const rel = (p) => path.relative(root, p) || ".";
console.log(`build-web: wrote ${rel(consoleOut)}/{index.html,${co.get("server/console/console.ts")},${co.get("server/console/console.css")}}`);
console.log(`build-web: wrote ${rel(out)}/index.html, ${[...so.values()].join(", ")}`);
JS
