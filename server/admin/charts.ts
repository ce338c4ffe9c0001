// Bar charts for the analytics tab, drawn with uPlot (a small canvas chart
// library: no inline styles or scripts, so it runs under the page's CSP).
// Each chart also gets a data table (the canvas is an image to assistive
// technology; the table carries the numbers).
import uPlot from "uplot";
import { el } from "./util";

export interface BarSeries {
  label: string;
  values: number[];
  /** A CSS custom property of the page (light and dark themes differ). */
  colorVar: string;
}

const charts = new Map<string, { plot: uPlot; observer: ResizeObserver }>();

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Draws (or redraws) a bar chart of categories into `#hostId`. */
export function barChart(hostId: string, categories: string[], series: BarSeries[]): void {
  destroy(hostId);
  const host = document.getElementById(hostId);
  if (!host) return;
  host.textContent = "";
  if (categories.length === 0) {
    host.appendChild(el("p", { class: "empty chart-empty", text: "No data in this period." }));
    return;
  }
  const n = categories.length;
  const xs = categories.map((_, i) => i);
  const text = cssVar("--muted", "#5a6470");
  const grid = cssVar("--border", "#d5d9df");
  const width = Math.max(240, host.clientWidth || 320);
  const longest = Math.max(...categories.map((c) => c.length));
  const many = n * Math.min(longest, 14) * 7.5 > width - 60; // labels would collide: rotate them
  const max = n <= 3 ? 24 : 14;
  const bars = uPlot.paths.bars!({ size: [series.length > 1 ? 0.4 : 0.6, 56], align: 0 });
  const opts: uPlot.Options = {
    width,
    height: 220,
    legend: { show: series.length > 1, live: false },
    cursor: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    scales: {
      x: { time: false, range: () => [-0.6, n - 0.4] },
      y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] },
    },
    axes: [
      {
        stroke: text,
        grid: { show: false },
        ticks: { show: false },
        splits: () => xs,
        values: (_u, splits) => splits.map((i) => shorten(categories[i] ?? "", max)),
        rotate: many ? -35 : 0,
        size: many ? 84 : 40,
        gap: 4,
      },
      {
        stroke: text,
        grid: { stroke: grid, width: 1 },
        ticks: { show: false },
        values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")),
        size: 40,
      },
    ],
    series: [
      { label: "" },
      ...series.map((s, i) => {
        const color = cssVar(s.colorVar, "#1f6feb");
        return {
          label: s.label,
          stroke: color,
          fill: color,
          width: 0,
          paths: series.length > 1 ? uPlot.paths.bars!({ size: [0.4, 40], align: i === 0 ? -1 : 1 }) : bars,
          points: { show: false },
        } as uPlot.Series;
      }),
    ],
  };
  const data: uPlot.AlignedData = [xs, ...series.map((s) => s.values)];
  const plot = new uPlot(opts, data, host);
  const observer = new ResizeObserver(() => {
    const w = Math.max(240, host.clientWidth);
    if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: 220 });
  });
  observer.observe(host);
  charts.set(hostId, { plot, observer });
}

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function destroy(hostId: string): void {
  const c = charts.get(hostId);
  if (!c) return;
  c.observer.disconnect();
  c.plot.destroy();
  charts.delete(hostId);
}

/** A table with a caption, a header row and one row per category (the chart's numbers). */
export function dataTable(caption: string, head: string[], rows: (string | number)[][]): HTMLTableElement {
  const table = el("table", { class: "grid-table" });
  table.appendChild(el("caption", { text: caption }));
  table.appendChild(el("thead", {}, [el("tr", {}, head.map((h) => el("th", { text: h, attrs: { scope: "col" } })))]));
  const body = el("tbody");
  for (const r of rows) {
    body.appendChild(
      el(
        "tr",
        {},
        r.map((v, i) =>
          i === 0 ? el("th", { text: String(v), attrs: { scope: "row" } }) : el("td", { class: "num", text: String(v) }),
        ),
      ),
    );
  }
  if (rows.length === 0) body.appendChild(el("tr", {}, [el("td", { text: "No data", attrs: { colspan: String(head.length) } })]));
  table.appendChild(body);
  return table;
}
