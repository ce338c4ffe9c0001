// Parity of the WebAssembly core with the native one: the same messages go
// through build-wasm/wasm/parley-core.mjs (in node) and through the native
// reference `parley replay`, and every reply and session must agree.
//   node parity.mjs ROOT DATA_DIR PARLEY_BINARY
// Replies are compared field by field: non-integer numbers (confidence,
// sentiment) within 1e-4 because musl's and glibc's libm may differ in the
// last bit, everything else exactly; session strings exactly, or else field
// by field under the same rule. Lines that differ only in float digits are
// counted and named in the summary. It also prints respond()
// latency of the wasm build and of the native `parley eval` on the same cases.
// PARLEY_WASM_MODULE=path/to/parley-core.mjs tests another build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, dataDir, parleyBin] = process.argv.slice(2);
if (!root || !dataDir || !parleyBin) {
  console.error('usage: node parity.mjs ROOT DATA_DIR PARLEY_BINARY');
  process.exit(2);
}
const modulePath = process.env.PARLEY_WASM_MODULE || path.join(root, 'build-wasm/wasm/parley-core.mjs');
const { default: createParleyCore } = await import(pathToFileURL(modulePath).href);
// wasmBinary from fs: works on any node (Emscripten 3.1.6 + node's fetch cannot read files).
const core = await createParleyCore({
  wasmBinary: fs.readFileSync(modulePath.replace(/\.mjs$/, '.wasm')),
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-parity-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const readLines = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
// Every k-th case, so that a few hundred lines cover every label of a set.
const sample = (lines, n) => {
  const step = Math.max(1, Math.floor(lines.length / n));
  return lines.filter((_, i) => i % step === 0).slice(0, n);
};
const casesTexts = (file, n) => sample(readLines(file), n).map((l) => JSON.parse(l).text);

const TOLERANCE = 1e-4;
let compared = 0;
let mismatches = 0;
let byteIdentical = 0;
let maxConfidenceDelta = 0;
let maxOtherFloatDelta = 0;
const floatOnly = new Set(); // fields that differed within the tolerance
let floatOnlyLines = 0;
const shown = [];

function diff(a, b, where) {
  if (typeof a === 'number' && typeof b === 'number' && !Object.is(a, b) &&
      !(Number.isInteger(a) && Number.isInteger(b))) {
    // Float math: wasm's libm (musl) and glibc may differ in the last bit.
    const d = Math.abs(a - b);
    if (where.endsWith('.confidence')) maxConfidenceDelta = Math.max(maxConfidenceDelta, d);
    else maxOtherFloatDelta = Math.max(maxOtherFloatDelta, d);
    if (d > TOLERANCE) return `${where}: ${a} vs ${b}`;
    floatOnly.add(where);
    return null;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${where}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${where}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!(k in a) || !(k in b)) return `${where}.${k}: present in only one`;
      const d = diff(a[k], b[k], `${where}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

function nativeReplay(configFile, texts, conversation) {
  const args = ['replay', '--config', configFile];
  if (conversation) args.push('--conversation');
  const input = texts.map((text) => JSON.stringify({ text })).join('\n') + '\n';
  const r = spawnSync(parleyBin, args, { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parley replay failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== texts.length)
    throw new Error(`parley replay: ${lines.length} lines for ${texts.length} messages: ${r.stderr}`);
  return lines;
}

function wasmReplay(engine, texts, conversation) {
  let session = JSON.parse(engine.greet('')).session;
  return texts.map((text) => {
    if (!conversation) session = JSON.parse(engine.greet('')).session;
    const out = engine.respond(session, text);
    const parsed = JSON.parse(out);
    if (parsed.error) throw new Error(`wasm respond: ${parsed.error}`);
    session = parsed.session;
    return out;
  });
}

function compare(label, configFile, texts, conversation = false) {
  const engine = new core.Engine(fs.readFileSync(configFile, 'utf8'));
  try {
    if (!engine.ok()) throw new Error(`${label}: wasm engine: ${engine.error()}`);
    const native = nativeReplay(configFile, texts, conversation);
    const wasm = wasmReplay(engine, texts, conversation);
    let bad = 0;
    texts.forEach((text, i) => {
      compared++;
      const n = JSON.parse(native[i]);
      const w = JSON.parse(wasm[i]);
      const d = diff(n.reply, w.reply, 'reply') ??
        (n.session === w.session ? null : diff(JSON.parse(n.session), JSON.parse(w.session), 'session')) ??
        ('session_reset' in w ? 'session_reset in wasm' : null);
      if (native[i] === wasm[i]) byteIdentical++;
      else if (!d) floatOnlyLines++;
      if (d) {
        bad++;
        mismatches++;
        if (shown.length < 20) shown.push(`${label} #${i} ${JSON.stringify(text).slice(0, 80)}: ${d}`);
      }
    });
    console.log(`${label}: ${texts.length} replies, ${bad} mismatches`);
  } finally {
    engine.delete();
  }
}

const shop = path.join(root, 'demo/shop.json');
const clincConfig = path.join(dataDir, 'clinc150/config_val.json');
const clincCases = path.join(dataDir, 'clinc150/cases_val.jsonl');
const zhConfig = path.join(dataDir, 'zh_atec_ccks/config_dev.json');
const zhCases = path.join(dataDir, 'zh_atec_ccks/cases_dev.jsonl');

// 1. The demo shop: shop questions, PII, frustration, small talk, EN and ZH,
//    and the big list of naughty strings (each a fresh greeted session).
const shopTexts = [
  'hi', 'hello there', 'thanks!', 'bye', 'how long does shipping take?', 'do you ship to Canada',
  'can I return shoes I wore once?', 'what is your refund policy', 'where is my order', 'order 1001 please',
  'my email is jane.doe@example.com and phone +1 415 555 0100', 'card 4111 1111 1111 1111',
  'THIS IS RIDICULOUS!!! nothing works, worst shop ever', 'I want to talk to a human', 'agent',
  'what sizes do you have', 'how do I change my address', 'cancel my order', 'asdfghjkl', '🙂🙂🙂',
  '你好', '谢谢', '运费多少', '我的订单在哪里', '怎么退货', '我要退款', '转人工', '太差了！！！气死我了',
  '我的手机号是13800138000', '可以改地址吗', 'Ｆｕｌｌ ｗｉｄｔｈ ｓｈｉｐｐｉｎｇ',
  'x'.repeat(5000), '退货'.repeat(3000),
];
const naughty = JSON.parse(fs.readFileSync(path.join(dataDir, 'hostile/blns.json'), 'utf8'))
  .filter((s) => typeof s === 'string' && s.isWellFormed()); // lone surrogates: not valid JSON text natively
compare('demo shop', shop, [...shopTexts, ...naughty]);

// 2. Retrieval sets: a few hundred labelled cases each (EN intents, ZH FAQ retrieval).
const clincTexts = casesTexts(clincCases, 400);
compare('clinc150 val', clincConfig, clincTexts);
if (fs.existsSync(zhConfig)) compare('zh atec_ccks dev', zhConfig, casesTexts(zhCases, 200));

// 3. Multi-turn conversations (one session throughout): flows, slots, topic
//    switches, cancel, handoff.
compare('conversation en', shop, [
  'hi', 'where is my order', '1001', 'a@b.com', 'thanks', 'how do I return something', 'cancel',
  'what is your refund policy', 'where is my order', 'not sure', 'no idea', 'still no idea',
  'this is useless!!! I am so angry', 'hello?',
], true);
compare('conversation zh', shop, [
  '你好', '我的订单在哪里', '1001', 'a@b.com', '谢谢', '怎么退货', '算了', '运费多少',
  '我要改地址', '1002', '不知道', '转人工', '还在吗',
], true);
compare('conversation mixed', shop, [
  'where is my order', '我的订单号是1001', 'a@b.com', 'return', 'asdf', 'qwer', 'zxcv', 'help',
], true);

console.log(`${compared} replies compared, ${mismatches} mismatches ` +
  `(${byteIdentical} byte-identical lines, ${floatOnlyLines} differing only in float digits within ` +
  `${TOLERANCE}${floatOnly.size ? ' [' + [...floatOnly].join(', ') + ']' : ''}; ` +
  `max |confidence difference| ${maxConfidenceDelta.toExponential(2)}, ` +
  `max other float difference ${maxOtherFloatDelta.toExponential(2)})`);
for (const s of shown) console.log('  ' + s);

// 4. Latency of respond() for 1000 messages of the CLINC set (fresh session in
//    the shop's locale per message, as `parley eval` does): wasm through the
//    whole JS API (session JSON in, reply + session JSON out), native in process.
if (!process.env.PARLEY_PARITY_NO_BENCH) {
  const lines = sample(readLines(clincCases), 1000);
  const texts = lines.map((l) => JSON.parse(l).text);
  const engine = new core.Engine(fs.readFileSync(clincConfig, 'utf8'));
  const fresh = engine.newSession('');
  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))];
  };
  const run = () => texts.map((t) => {
    const t0 = performance.now();
    engine.respond(fresh, t);
    return performance.now() - t0;
  });
  const cold = run();  // first pass: includes V8's tier-up from baseline to optimized code
  const warm = run();
  engine.delete();
  const casesFile = path.join(tmp, 'cases.jsonl');
  fs.writeFileSync(casesFile, lines.join('\n') + '\n');
  const ev = spawnSync(parleyBin, ['eval', '--config', clincConfig, '--cases', casesFile, '--json'],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  const last = ev.stdout.trim().split('\n').pop();
  let native = {};
  try { native = JSON.parse(last); } catch { /* reported below */ }
  const f = (x) => (typeof x === 'number' ? x.toFixed(3) : String(x));
  console.log(`latency over ${texts.length} CLINC messages (ms): ` +
    `wasm cold p50 ${f(pct(cold, 0.5))} p99 ${f(pct(cold, 0.99))} max ${f(Math.max(...cold))}; ` +
    `wasm warm p50 ${f(pct(warm, 0.5))} p99 ${f(pct(warm, 0.99))}; ` +
    `native p50 ${f(native.p50_ms)} p99 ${f(native.p99_ms)}`);
}

process.exitCode = mismatches === 0 ? 0 : 1;
