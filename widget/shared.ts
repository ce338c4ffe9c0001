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

/** Worker protocol (page → worker). */
export type ToWorker =
  | { type: "init"; configUrl: string; coreUrl: string; wasmUrl: string; config?: string }
  | { type: "respond"; id: number; session: string; locale: string; text: string }
  | { type: "greet"; id: number; session: string; locale: string };

/** Worker protocol (worker → page). */
export type FromWorker =
  | { type: "config"; config: string | null; error?: string }
  | { type: "ready" }
  | { type: "failed"; error: string }
  | { type: "result"; id: number; out: string };
