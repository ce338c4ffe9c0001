// The student sentence encoder in the widget's worker (issue 5). The worker
// starts it lazily (first shopper message or an idle page): it fetches
// models/student.onnx + .vocab through Cache Storage (a reload downloads
// nothing), loads the encoder module (tokenizer + the core's own int8
// kernels, compiled to wasm) and, when the device has a WebGPU adapter, runs
// the same ONNX file with ONNX Runtime Web's WebGPU execution provider.
// It only turns normalized text into embeddings: deciding stays in the core
// (Engine.setDocumentEmbeddings / Engine.respondWith).
import type { ModelUrls } from "./shared";

export interface Embedded {
  /** Unit length, `dimension` values. */
  embedding: Float32Array;
  /** The model's frustration probability. */
  frustration: number;
}

export type BackendName = "webgpu" | "wasm";

interface WasmEncoder {
  ok(): boolean;
  error(): string;
  maxPositions(): number;
  outputDim(): number;
  calibration(): string;
  tokenize(normalized: string): Int32Array | { error: string };
  embed(normalized: string): Embedded | { error: string };
  delete(): void;
}
interface EncoderModule {
  Encoder: new (modelBytes: Uint8Array, vocabText: string) => WasmEncoder;
}

// The little of ONNX Runtime Web used here (ort.webgpu.min.mjs, imported from our origin).
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  env: {
    logLevel?: string;
    wasm: { numThreads?: number; proxy?: boolean; wasmPaths?: unknown; wasmBinary?: ArrayBufferLike | Uint8Array };
    webgpu: { adapter?: unknown };
  };
  Tensor: new (type: "int64", data: BigInt64Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: object): Promise<OrtSession> };
}
interface Gpu {
  requestAdapter(): Promise<{
    isFallbackAdapter?: boolean;
    info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
  } | null>;
}

/** Cache Storage name: bump the version to drop everything stored by older widgets. */
export const CACHE_NAME = "parley-model-v1";

/**
 * ORT's native log reaches console.error through a reference its glue takes
 * when it loads: this wrapper, installed before, lets placement() read it.
 */
let logTap: ((args: unknown[]) => boolean) | null = null;
function tapConsole(): void {
  const original = console.error;
  if ((original as { parley?: boolean }).parley) return;
  const wrapped = (...args: unknown[]) => {
    if (logTap && logTap(args)) return; // taken (and kept quiet) by placement()
    original.apply(console, args);
  };
  (wrapped as { parley?: boolean }).parley = true;
  console.error = wrapped;
}

/** Thrown for "WebGPU is not there" (not an error worth more than a note). */
class NoWebGpu extends Error {}

const now = () => performance.now();
const errText = (e: unknown) => String((e as Error)?.message || e);

async function openCache(): Promise<Cache | null> {
  try {
    if (typeof caches === "undefined") return null; // insecure context, or an old browser
    for (const name of await caches.keys()) {
      if (name.startsWith("parley-model-") && name !== CACHE_NAME) await caches.delete(name);
    }
    return await caches.open(CACHE_NAME);
  } catch {
    return null; // storage blocked (private mode, policy): download every time
  }
}

/**
 * The bytes of a content-hashed file, from Cache Storage when stored there
 * (`cached`), else downloaded and stored. A `.gz` file is inflated here: the
 * server sends big binaries gzipped as they are on disk.
 */
async function fileBytes(cache: Cache | null, url: string): Promise<{ bytes: Uint8Array; cached: boolean }> {
  let res = cache ? await cache.match(url).catch(() => undefined) : undefined;
  const cached = !!res;
  if (!res) {
    res = await fetch(url, { credentials: "omit" });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    if (cache) {
      const copy = res.clone();
      await cache.put(url, copy).catch(() => {}); // quota: fine, next time it downloads again
    }
  }
  let body: Response = res;
  if (/\.gz$/.test(new URL(url).pathname)) {
    if (typeof DecompressionStream !== "function" || !res.body) throw new Error("no DecompressionStream for a .gz file");
    body = new Response(res.body.pipeThrough(new DecompressionStream("gzip")));
  }
  return { bytes: new Uint8Array(await body.arrayBuffer()), cached };
}

/**
 * Document vectors as stored in Cache Storage: a little-endian u32 byte length
 * of a JSON array of the texts, the JSON (padded with spaces to 4 bytes), then
 * their float32 vectors in that order.
 */
function writeVectors(vectors: Map<string, Float32Array>, dim: number): ArrayBuffer {
  const json = new TextEncoder().encode(JSON.stringify([...vectors.keys()]));
  const head = json.length + ((4 - (json.length % 4)) % 4);
  const out = new Uint8Array(4 + head + vectors.size * dim * 4);
  new DataView(out.buffer).setUint32(0, head, true);
  out.fill(32, 4, 4 + head);
  out.set(json, 4);
  const floats = new Float32Array(out.buffer, 4 + head);
  let i = 0;
  for (const v of vectors.values()) floats.set(v, dim * i++);
  return out.buffer;
}

/** Reads writeVectors' format into `into`; anything malformed reads as nothing. */
function readVectors(buf: ArrayBuffer, dim: number, into: Map<string, Float32Array>): void {
  try {
    const head = new DataView(buf).getUint32(0, true);
    const texts = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, head))) as unknown;
    if (!Array.isArray(texts) || buf.byteLength !== 4 + head + texts.length * dim * 4) return;
    const floats = new Float32Array(buf, 4 + head);
    texts.forEach((t, i) => typeof t === "string" && into.set(t, floats.subarray(i * dim, (i + 1) * dim)));
  } catch {
    /* not ours, or truncated */
  }
}

/** Lets the worker's other messages (the shopper's, answered with BM25 meanwhile) run. */
function yieldToEvents(): Promise<void> {
  return new Promise((res) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      res();
    };
    ch.port2.postMessage(0);
  });
}

function unwrap<T>(r: T | { error: string }): T {
  if (r && typeof r === "object" && "error" in r && typeof (r as { error: unknown }).error === "string") {
    throw new Error((r as { error: string }).error);
  }
  return r as T;
}

export interface LoadReport {
  backend: BackendName;
  /** Why not WebGPU ("" when it is used). */
  webgpu: string;
  /** The WebGPU adapter's vendor and architecture ("google swiftshader"), when there is one. */
  adapter: string;
  cached: { onnx: boolean; vocab: boolean; ortWasm?: boolean };
  fetchMs: number;
  initMs: number;
}

/** One WebGPU batch: padded rows of ids. */
const GPU_BATCH = 16;
/**
 * Padded sequence lengths on WebGPU: few distinct shapes, so few pipeline
 * compilations (each new shape costs ~2 s on SwiftShader). Messages: 16, 32, ….
 */
function bucket(n: number, max: number, least = 8): number {
  let b = least;
  while (b < n) b *= 2;
  return Math.min(b, max);
}

export class StudentModel {
  backend: BackendName;
  /** ORT runs one at a time (a message whose embedding came too late may still be running). */
  private gpuQueue: Promise<unknown> = Promise.resolve();
  readonly dimension: number;
  readonly maxPositions: number;
  /** The model's retrieval calibration (JSON of its `parley.calibration` metadata), "" if it has none. */
  readonly calibration: string;
  private constructor(
    private readonly urls: ModelUrls,
    private readonly encoder: WasmEncoder,
    private readonly ort: Ort | null,
    private readonly session: OrtSession | null,
    readonly report: LoadReport,
  ) {
    this.backend = session ? "webgpu" : "wasm";
    this.dimension = encoder.outputDim();
    this.maxPositions = encoder.maxPositions();
    this.calibration = encoder.calibration();
  }

  /**
   * Fetches the files (Cache Storage first), loads the encoder module and, with a WebGPU adapter, an ORT session.
   * `webgpuFallback`: use WebGPU on a fallback (CPU) adapter too (Settings.webgpu).
   */
  static async load(urls: ModelUrls, webgpuFallback = false): Promise<StudentModel> {
    const t0 = now();
    const cache = await openCache();
    const gpu = (navigator as unknown as { gpu?: Gpu }).gpu;
    // Everything is requested at once (the adapter is asked meanwhile).
    const onnxP = fileBytes(cache, urls.onnx);
    const vocabP = fileBytes(cache, urls.vocab);
    const encMjsP = import(/* @vite-ignore */ urls.encoderMjs) as Promise<{ default: (o: object) => Promise<EncoderModule> }>;
    const encWasmP = fetch(urls.encoderWasm, { credentials: "omit" }).then((r) => {
      if (!r.ok) throw new Error(`${urls.encoderWasm}: HTTP ${r.status}`);
      return r.arrayBuffer();
    });
    const adapterP: Promise<string> = (async () => {
      if (!gpu || typeof gpu.requestAdapter !== "function") throw new NoWebGpu("no navigator.gpu");
      if (!urls.ort) throw new NoWebGpu("ONNX Runtime Web is not in this build");
      const adapter = await gpu.requestAdapter();
      if (!adapter) throw new NoWebGpu("no WebGPU adapter");
      // A fallback adapter runs WebGPU on the CPU (SwiftShader: 426 ms a message
      // against 2.8 ms on the encoder module's kernels): not worth it.
      if ((adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter) && !webgpuFallback)
        throw new NoWebGpu("fallback (CPU) WebGPU adapter: the encoder module is faster");
      return [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(" ");
    })();
    adapterP.catch(() => {});
    const ortP = adapterP.then(() => {
      tapConsole();
      return Promise.all([
        import(/* @vite-ignore */ urls.ort) as Promise<Ort>,
        fileBytes(cache, urls.ortWasm),
      ]);
    });
    ortP.catch(() => {});
    for (const p of [onnxP, vocabP, encMjsP, encWasmP]) p.catch(() => {});

    const [onnx, vocab, encMjs, encWasm] = await Promise.all([onnxP, vocabP, encMjsP, encWasmP]);
    const fetchMs = now() - t0;
    const t1 = now();
    const mod = await encMjs.default({ wasmBinary: encWasm });
    const vocabText = new TextDecoder().decode(vocab.bytes);
    const encoder = new mod.Encoder(onnx.bytes, vocabText);
    if (!encoder.ok()) {
      const err = encoder.error();
      encoder.delete();
      throw new Error(err);
    }
    const cached: LoadReport["cached"] = { onnx: onnx.cached, vocab: vocab.cached };
    let webgpu = "";
    let adapter = "";
    let ort: Ort | null = null;
    let session: OrtSession | null = null;
    try {
      adapter = (await adapterP) || "unknown";
      const [o, wasm] = await ortP;
      cached.ortWasm = wasm.cached;
      // One thread: shop pages do not send COOP/COEP, so no SharedArrayBuffer.
      o.env.wasm.numThreads = 1;
      o.env.wasm.proxy = false;
      o.env.wasm.wasmPaths = { mjs: urls.ortGlue };
      o.env.wasm.wasmBinary = wasm.bytes;
      session = await o.InferenceSession.create(onnx.bytes, {
        executionProviders: ["webgpu"], // nothing else: a failure here means the encoder module's kernels
        graphOptimizationLevel: "all",
        logSeverityLevel: 3, // ORT warns about shape ops it keeps on the CPU on every load
      });
      o.env.wasm.wasmBinary = undefined; // compiled once: let the 27 MB go
      ort = o;
    } catch (e) {
      webgpu = e instanceof NoWebGpu ? e.message : `WebGPU failed: ${errText(e)}`;
    }
    const initMs = now() - t1;
    return new StudentModel(urls, encoder, ort, session, {
      backend: session ? "webgpu" : "wasm",
      webgpu,
      adapter,
      cached,
      fetchMs,
      initMs,
    });
  }

  /** `<s>` pieces `</s>` of a normalized text, at most maxPositions ids. */
  tokenize(normalized: string): Int32Array {
    return unwrap(this.encoder.tokenize(normalized));
  }

  /**
   * Embeddings of normalized texts with `backend` (default: the one in use).
   * A WebGPU failure switches this model to the wasm kernels for good.
   */
  async embed(texts: string[], backend: BackendName = this.backend): Promise<Embedded[]> {
    if (backend === "webgpu" && this.session && this.ort) {
      try {
        return await this.runGpu(texts.map((t) => this.tokenize(t)), texts.length, 16);
      } catch (e) {
        if (backend !== this.backend) throw e;
        this.backend = "wasm";
        this.report.webgpu = `WebGPU failed at run time: ${errText(e)}`;
      }
    } else if (backend === "webgpu") {
      throw new Error(`no WebGPU session (${this.report.webgpu})`);
    }
    return texts.map((t) => {
      const r = unwrap(this.encoder.embed(t));
      return { embedding: r.embedding, frustration: r.frustration };
    });
  }

  /**
   * Embeddings of the documents' texts (flat, texts × dimension). Vectors are
   * kept per text in Cache Storage (one entry per model, backend and width), so
   * any set reuses what an earlier one embedded: the page language's FAQs
   * first, every language's after widening (only the new texts), and either
   * again after a reload. `cached`: nothing had to be embedded. Yields between
   * pieces of work, so the shopper's messages are answered (with BM25) meanwhile.
   */
  async documents(texts: string[]): Promise<{ flat: Float32Array; cached: boolean }> {
    const dim = this.dimension;
    const cache = await openCache();
    const keyOf = (b: BackendName) => `${this.urls.onnx}?documents&backend=${b}&dim=${dim}`;
    const known = new Map<string, Float32Array>();
    if (cache) {
      const hit = await cache.match(keyOf(this.backend)).catch(() => undefined);
      if (hit) readVectors(await hit.arrayBuffer().catch(() => new ArrayBuffer(0)), dim, known);
    }
    const flat = new Float32Array(texts.length * dim);
    const missing: number[] = [];
    texts.forEach((t, i) => {
      const v = known.get(t);
      if (v) flat.set(v, i * dim);
      else missing.push(i);
    });
    if (!missing.length) return { flat, cached: true };
    if (this.backend === "webgpu") {
      // Similar lengths together (less padding), a few fixed shapes.
      const ids = new Map(missing.map((i) => [i, this.tokenize(texts[i]!)]));
      const order = [...missing].sort((a, b) => ids.get(a)!.length - ids.get(b)!.length);
      try {
        for (let i = 0; i < order.length; i += GPU_BATCH) {
          const rows = order.slice(i, i + GPU_BATCH);
          const out = await this.runGpu(rows.map((r) => ids.get(r)!), GPU_BATCH);
          rows.forEach((r, k) => flat.set(out[k]!.embedding, r * dim));
        }
      } catch (e) {
        this.backend = "wasm";
        this.report.webgpu = `WebGPU failed at run time: ${errText(e)}`;
        // Vectors from another backend differ slightly: redo them all here.
        known.clear();
        missing.splice(0, missing.length, ...texts.keys());
      }
    }
    if (this.backend === "wasm") {
      let slice = now();
      for (const i of missing) {
        flat.set(unwrap(this.encoder.embed(texts[i]!)).embedding, i * dim);
        if (now() - slice > 8) {
          await yieldToEvents();
          slice = now();
        }
      }
    }
    if (cache) {
      // This set's texts, then earlier ones up to a bound (a shop's other languages, a previous config).
      const keep = new Map<string, Float32Array>();
      texts.forEach((t, i) => keep.set(t, flat.subarray(i * dim, (i + 1) * dim)));
      for (const [t, v] of known) if (keep.size < Math.max(4 * texts.length, 4096) && !keep.has(t)) keep.set(t, v);
      const key = keyOf(this.backend);
      // Files of older models go, and so do this model's entries in older formats.
      const files = new Set([this.urls.onnx, this.urls.vocab, this.urls.ortWasm, key]);
      for (const req of await cache.keys().catch(() => [] as readonly Request[])) {
        if (!files.has(req.url)) await cache.delete(req).catch(() => false);
      }
      await cache.put(key, new Response(writeVectors(keep, dim))).catch(() => {});
    }
    return { flat, cached: false };
  }

  /**
   * Compiles the WebGPU pipelines of the shapes most messages have, so the
   * first shopper message does not pay for it (on the WebGPU path; else nothing).
   */
  async warmUp(): Promise<void> {
    if (this.backend !== "webgpu") return;
    try {
      for (const n of [16, 32]) await this.runGpu([new Int32Array(Math.min(n, this.maxPositions)).fill(0)], 1, n);
    } catch (e) {
      this.backend = "wasm";
      this.report.webgpu = `WebGPU failed at run time: ${errText(e)}`;
    }
  }

  /** Rows of ids through the WebGPU session, padded to one length (at least `least`) and to `padRows` rows. */
  private runGpu(rows: Int32Array[], padRows = rows.length, least = 8): Promise<Embedded[]> {
    const run = this.gpuQueue.then(() => this.runGpuNow(rows, padRows, least));
    this.gpuQueue = run.catch(() => {});
    return run;
  }

  private async runGpuNow(rows: Int32Array[], padRows: number, least: number): Promise<Embedded[]> {
    const ort = this.ort!;
    const longest = rows.reduce((n, r) => Math.max(n, r.length), 1);
    const seq = bucket(longest, Math.max(this.maxPositions, longest), least);
    const n = Math.max(rows.length, padRows);
    const ids = new BigInt64Array(n * seq);
    const mask = new BigInt64Array(n * seq);
    for (let b = 0; b < n; b++) {
      const r = rows[Math.min(b, rows.length - 1)]!; // padding rows repeat the last one
      for (let t = 0; t < r.length; t++) {
        ids[b * seq + t] = BigInt(r[t]!);
        mask[b * seq + t] = 1n;
      }
    }
    const out = await this.session!.run({
      input_ids: new ort.Tensor("int64", ids, [n, seq]),
      attention_mask: new ort.Tensor("int64", mask, [n, seq]),
    });
    const emb = out["embedding"]!.data as Float32Array;
    const fr = out["frustration"]!.data as Float32Array;
    const d = this.dimension;
    return rows.map((_, b) => ({ embedding: emb.slice(b * d, (b + 1) * d), frustration: fr[b]! }));
  }

  /**
   * Diagnostics (tests): where ORT places the graph's nodes on WebGPU, from a
   * throwaway session with verbose logging: nodes per execution provider.
   */
  async placement(): Promise<Record<string, number>> {
    if (!this.ort) throw new Error(`no WebGPU session (${this.report.webgpu})`);
    const onnx = (await fileBytes(await openCache(), this.urls.onnx)).bytes;
    const counts: Record<string, number> = {};
    logTap = (args) => {
      const line = args.map(String).join(" ");
      const m = /placed on \[(\w+?)(?:ExecutionProvider)?\]\. Number of nodes: (\d+)/.exec(line);
      if (m) counts[m[1]!] = (counts[m[1]!] || 0) + Number(m[2]);
      return /\[[VI]:onnxruntime/.test(line); // verbose and info lines stay out of the console
    };
    try {
      const s = await this.ort.InferenceSession.create(onnx, {
        executionProviders: ["webgpu"],
        graphOptimizationLevel: "all",
        logSeverityLevel: 0,
      });
      await s.release();
    } finally {
      logTap = null;
    }
    return counts;
  }
}

// ---- the model in a worker of its own -----------------------------------------------
/*
 * The encoder module's init (~40-120 ms) and the documents' embedding are long
 * tasks; in the worker whose core answers, a message arriving meanwhile would
 * wait for them. So the worker that loads the model starts a third one for it
 * (the same script, which serves these messages) and talks to it through
 * RemoteModel: the same methods, a message away (~0.5 ms).
 */

/** What RemoteModel mirrors of the model after each reply (WebGPU may fail at run time). */
interface ModelState {
  backend: BackendName;
  report: LoadReport;
  dimension: number;
  maxPositions: number;
  calibration: string;
}
type ModelOp = "embed" | "documents" | "warmUp" | "tokenize" | "placement";
/** The protocol of the model worker (to it). */
export type ToModel =
  | { type: "model-load"; urls: ModelUrls; webgpuFallback: boolean }
  | { type: "model-call"; id: number; op: ModelOp; args: unknown[] };
/** The protocol of the model worker (from it). */
type FromModel =
  | { type: "model-loaded"; state: ModelState }
  | { type: "model-failed"; error: string }
  | { type: "model-reply"; id: number; value?: unknown; error?: string; state: ModelState };

const stateOf = (m: StudentModel): ModelState => ({
  backend: m.backend,
  report: m.report,
  dimension: m.dimension,
  maxPositions: m.maxPositions,
  calibration: m.calibration,
});

/** The model worker's side: loads the model on `model-load`, then answers `model-call`s in order. */
export function serveModel(post: (m: FromModel, transfer?: Transferable[]) => void): (m: ToModel) => void {
  let model: Promise<StudentModel> | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  return (m) => {
    if (m.type === "model-load") {
      model ||= StudentModel.load(m.urls, m.webgpuFallback);
      model.then(
        (s) => post({ type: "model-loaded", state: stateOf(s) }),
        (e) => post({ type: "model-failed", error: errText(e) }),
      );
      return;
    }
    chain = chain.then(async () => {
      let s: StudentModel | null = null;
      try {
        if (!model) throw new Error("model-call before model-load");
        s = await model;
        const [a, b] = m.args as [never, never];
        const value =
          m.op === "embed" ? await s.embed(a, b)
          : m.op === "documents" ? await s.documents(a)
          : m.op === "warmUp" ? await s.warmUp()
          : m.op === "tokenize" ? s.tokenize(a)
          : await s.placement();
        // The documents' vectors (a few MB) move rather than being copied.
        const flat = m.op === "documents" ? (value as { flat: Float32Array }).flat : null;
        post({ type: "model-reply", id: m.id, value, state: stateOf(s) }, flat ? [flat.buffer] : []);
      } catch (e) {
        const state = s ? stateOf(s) : ({} as ModelState);
        post({ type: "model-reply", id: m.id, error: errText(e), state });
      }
    });
  };
}

/** Thrown when no model worker could start (the caller loads the model in its own thread). */
export class NoModelWorker extends Error {}

/** The model in the worker `spawn()` starts: StudentModel's methods, each a message away. */
export class RemoteModel {
  backend!: BackendName;
  report!: LoadReport;
  dimension!: number;
  maxPositions!: number;
  calibration!: string;
  private ids = 0;
  private readonly calls = new Map<number, { res: (v: unknown) => void; rej: (e: Error) => void }>();
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker, state: ModelState) {
    this.sync(state);
  }

  private sync(s: ModelState): void {
    if (!s.report) return;
    Object.assign(this, s);
  }

  /** Starts the model worker and loads the model there; NoModelWorker if the worker did not start. */
  static start(spawn: () => Worker, urls: ModelUrls, webgpuFallback = false): Promise<RemoteModel> {
    return new Promise((resolve, reject) => {
      let w: Worker;
      try {
        w = spawn();
      } catch (e) {
        reject(new NoModelWorker(errText(e)));
        return;
      }
      let remote: RemoteModel | null = null;
      w.onmessage = (e: MessageEvent<FromModel>) => {
        const m = e.data;
        if (m.type === "model-loaded") resolve((remote = new RemoteModel(w, m.state)));
        else if (m.type === "model-failed") {
          w.terminate();
          reject(new Error(m.error));
        } else if (m.type === "model-reply" && remote) remote.reply(m);
      };
      w.onerror = (e) => {
        e.preventDefault();
        w.terminate();
        if (remote) remote.die(new Error("the model worker stopped"));
        else reject(new NoModelWorker("the model worker failed to start"));
      };
      w.postMessage({ type: "model-load", urls, webgpuFallback } satisfies ToModel);
    });
  }

  private reply(m: Extract<FromModel, { type: "model-reply" }>): void {
    this.sync(m.state);
    const c = this.calls.get(m.id);
    this.calls.delete(m.id);
    if (!c) return;
    if (m.error !== undefined) c.rej(new Error(m.error));
    else c.res(m.value);
  }

  private die(e: Error): void {
    this.dead = e;
    for (const c of this.calls.values()) c.rej(e);
    this.calls.clear();
  }

  private call<T>(op: ModelOp, ...args: unknown[]): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.ids;
    return new Promise<T>((res, rej) => {
      this.calls.set(id, { res: res as (v: unknown) => void, rej });
      this.worker.postMessage({ type: "model-call", id, op, args } satisfies ToModel);
    });
  }

  embed(texts: string[], backend?: BackendName): Promise<Embedded[]> {
    return this.call("embed", texts, backend);
  }
  documents(texts: string[]): Promise<{ flat: Float32Array; cached: boolean }> {
    return this.call("documents", texts);
  }
  warmUp(): Promise<void> {
    return this.call("warmUp");
  }
  tokenize(normalized: string): Promise<Int32Array> {
    return this.call("tokenize", normalized);
  }
  placement(): Promise<Record<string, number>> {
    return this.call("placement");
  }
}
