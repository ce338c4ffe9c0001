// Types shared by the loader (widget.js), the UI bundle and the worker.
// The loader hands a `Boot` object to the UI bundle through a well-known
// Symbol on window (no module import across bundles: the UI is loaded by a
// plain <script> element, which needs no CORS when the shop page and Parley
// live on different origins).

export type Locale = "en" | "zh";
export type Listener = (data?: unknown) => void;

export interface Settings {
  server?: string;
  locale?: string;
  color?: string;
  position?: string;
  /**
   * Preview mode (the admin page): the worker builds its engine from this
   * config object instead of fetching /api/shop-config; no socket is ever
   * opened and nothing is stored. `Parley.preview(config)` does the same later.
   */
  preview?: { config: unknown };
  /**
   * "fallback": run the model on WebGPU even when the adapter is a fallback
   * (CPU) one such as SwiftShader, which is ~150x slower than the encoder
   * module; for diagnostics and the WebGPU tests. Default: such an adapter is
   * skipped.
   */
  webgpu?: string;
}

export interface Api {
  open(): void;
  close(): void;
  toggle(): void;
  identify(user: { id: string; email?: string; name?: string; hash: string }): void;
  reset(): void;
  setLocale(locale: string): void;
  /** Runs the widget on this (unpublished) config, in the page only; restarts the conversation. */
  preview(config: unknown): void;
  on(event: string, cb: Listener): () => void;
  version: string;
}

export type Impl = Omit<Api, "on" | "version">;

export interface Boot {
  /** Parley origin, no trailing slash. */
  server: string;
  settings: Settings;
  /** Explicit locale (data-locale, ParleySettings.locale or the page's lang), or null. */
  locale: Locale | null;
  root: ShadowRoot;
  host: HTMLElement;
  launcher: HTMLButtonElement;
  badge: HTMLElement;
  /** Calls made on window.Parley before the UI arrived, in order. */
  queue: [keyof Impl, unknown[]][];
  emit(event: string, data?: unknown): void;
  /** Called once by the UI bundle: routes window.Parley to it and drains the queue. */
  attach(impl: Impl): void;
  /** Launcher label for a locale (the loader owns it). */
  label(locale: Locale): void;
}

export const BOOT_KEY = "parley.boot";

/**
 * Where the student sentence encoder's files are (absolute, content-hashed
 * URLs; scripts/build-web.sh). A file ending in `.gz` is stored gzipped and
 * inflated in the worker (the server sends it as it is).
 */
export interface ModelUrls {
  /** models/student.onnx */
  onnx: string;
  /** models/student.vocab */
  vocab: string;
  /** The encoder module (parley-encoder.mjs + .wasm): tokenizer, and the non-GPU kernels. */
  encoderMjs: string;
  encoderWasm: string;
  /** ONNX Runtime Web's WebGPU bundle (ort.webgpu.min.mjs), its wasm glue (.mjs) and wasm; "" when not built. */
  ort: string;
  ortGlue: string;
  ortWasm: string;
}

/** Why the model is not loaded: a build without it, Save-Data, a small device, or preview. */
export type ModelOff = "no-model" | "save-data" | "device-memory";

/**
 * The worker's model state, sent to the page (`model` event of window.Parley)
 * whenever it changes, and readable in the worker as `self.parleyModel.info`.
 */
export interface ModelInfo {
  /** off: never loaded (see `off`); idle: waiting for the first message or an idle page; loading; ready; failed (BM25 only). */
  status: "off" | "idle" | "loading" | "ready" | "failed";
  off?: ModelOff;
  /** What started loading: the first shopper message or the idle page. */
  trigger?: "message" | "idle";
  /** Which kernels embed: ONNX Runtime Web on WebGPU, or the encoder module's own (wasm). */
  backend?: "webgpu" | "wasm";
  /** Why WebGPU was not used ("no navigator.gpu", "no WebGPU adapter", or ORT's error). */
  webgpu?: string;
  /** The WebGPU adapter (vendor and architecture, e.g. "google swiftshader": a CPU), when there is one. */
  adapter?: string;
  /** ORT's node placement when the WebGPU session was created: nodes per execution provider. */
  placement?: Record<string, number>;
  error?: string;
  /** Which files came from Cache Storage (no download). */
  cached?: { onnx: boolean; vocab: boolean; ortWasm?: boolean; documents: boolean };
  /** Milliseconds: model files fetched, kernels ready (on WebGPU with ORT's download and session), documents embedded, total from the trigger. */
  ms?: { fetch: number; init: number; documents: number; total: number };
  /** Documents of the shop's index, how many of them were embedded (the core's plan: answers borrow a question's vector), the width. */
  documents?: number;
  embeddedDocuments?: number;
  dimension?: number;
  /** Whether the model file carries its own retrieval calibration (else the core's default for vectors). */
  calibrated?: boolean;
  /** Shopper messages answered with their embedding fused into retrieval, and the last one's embedding time. */
  embedded: number;
  lastEmbedMs?: number;
  /** Messages answered with BM25 alone because their embedding took too long (> 2.5 s). */
  late?: number;
}

/** Worker protocol (page → worker). */
export type ToWorker =
  | {
      type: "init";
      /** The config with every language's FAQs. */
      configUrl: string;
      /** The page's language: fetch only its FAQs first (`configUrl?lang=`), all of them once a shopper writes in another. */
      configLang?: string;
      coreUrl: string;
      wasmUrl: string;
      config?: string;
      /** The model's files; absent: stay on BM25 (`modelOff` says why). */
      model?: ModelUrls;
      modelOff?: ModelOff;
      /** Settings.webgpu === "fallback". */
      webgpuFallback?: true;
      /**
       * Set by a widget worker for the second worker it starts (worker.ts, "the
       * upgrade"): load the model at once, for this trigger, and start no worker.
       */
      upgrade?: "message" | "idle";
    }
  | { type: "respond"; id: number; session: string; locale: string; text: string }
  | { type: "greet"; id: number; session: string; locale: string }
  /** The page is idle after load: the worker may load the model now. */
  | { type: "idle" }
  /** Diagnostics (self.parleyModel): sent by a widget worker to its upgrade worker once that one answers. */
  | { type: "diag"; id: number; op: "embed" | "placement"; texts?: string[]; backend?: "webgpu" | "wasm" };

/** Worker protocol (worker → page). */
export type FromWorker =
  | { type: "config"; config: string | null; error?: string }
  | { type: "ready" }
  | { type: "failed"; error: string }
  /** `embedded`: the reply used the student's embedding of the message (else BM25 alone answered). */
  | { type: "result"; id: number; out: string; embedded?: boolean }
  | { type: "model"; info: ModelInfo }
  | { type: "diag"; id: number; value?: unknown; error?: string };
