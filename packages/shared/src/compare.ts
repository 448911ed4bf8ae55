// The comparison view of 2 to 10 runs (a ComparisonJSON), shared by the notebook widget and the
// JupyterLab tab: runs, parameters (differing ones highlighted), scalar metrics (best marked,
// direction switched by a click), ROC curves overlaid, confusion matrices, Markdown and HTML side
// by side, an experiment's trend, and export (CSV, Markdown, a standalone HTML file).
import { confusionMatrix } from "./charts";
import { rocOverlay, trendChart, type RocCurveOf } from "./compare-charts";
import {
  bestUnder,
  directionOf,
  runColour,
  runLabels,
  toCsv,
  toMarkdown,
  type Directions,
} from "./compare-model";
import { h } from "./dom";
import { formatDuration, formatTime } from "./format";
import type { ComparedArtifact, ComparisonJSON, PreviewJSON, TrendJSON } from "./model.generated";
import { markdownElement, renderPreview, sandboxedHtml } from "./previews";

export interface ComparisonHost {
  /** Puts text on the clipboard (default: navigator.clipboard). */
  copy?(text: string): Promise<void> | void;
  /** Offers a file to save (default: a download link clicked). */
  save?(name: string, text: string, mime: string): void;
  /** Shown after an export: "Copied CSV" (default: a line in the toolbar). */
  notify?(message: string): void;
  /** When given, the trend section offers every metric and asks for the picked one. */
  pickTrend?(metricKey: string): void;
}

export interface RenderOptions {
  /** Static: no buttons, HTML artifacts in an iframe without scripts (the saved file). */
  static?: boolean;
}

const note = (text: string) => h("div", { class: "kfpc-note" }, text);

function section(title: string, ...body: Node[]): HTMLElement {
  return h("section", { class: "kfpc-section" }, h("h3", {}, title), ...body);
}

function runHead(data: ComparisonJSON): HTMLTableRowElement {
  const labels = runLabels(data);
  const row = h("tr", {}, h("th", {}, ""));
  data.runs.forEach((run, i) => {
    const swatch = h("span", { class: "kfpc-swatch" });
    swatch.style.background = runColour(i);
    row.append(h("th", { title: run.run_id }, swatch, labels[i]));
  });
  return row;
}

function runsTable(data: ComparisonJSON): HTMLTableElement {
  const rows: [string, (r: ComparisonJSON["runs"][number]) => string][] = [
    ["run", (r) => r.run_id],
    ["pipeline", (r) => r.pipeline_name],
    ["experiment", (r) => r.experiment],
    ["status", (r) => r.status],
    ["started", (r) => formatTime(r.created)],
    ["duration", (r) => formatDuration(r.duration) || "-"],
  ];
  const body = h("tbody");
  for (const [label, get] of rows) {
    body.append(h("tr", {}, h("th", {}, label), ...data.runs.map((r) => h("td", {}, get(r)))));
  }
  return h("table", { class: "kfpc-table kfpc-runs" }, h("thead", {}, runHead(data)), body);
}

function parametersTable(data: ComparisonJSON): HTMLTableElement {
  const body = h("tbody");
  for (const p of data.parameters) {
    const row = h("tr", { class: p.differs ? "kfpc-differs" : "", "data-param": p.name });
    row.append(h("th", {}, p.name));
    const first = JSON.stringify(p.values[0] ?? null);
    p.values.forEach((v, i) => {
      const odd = p.differs && JSON.stringify(v ?? null) !== first;
      row.append(h("td", { class: odd ? "kfpc-differs-cell" : "" }, p.text[i] ?? "-"));
    });
    body.append(row);
  }
  return h("table", { class: "kfpc-table kfpc-params" }, h("thead", {}, runHead(data)), body);
}

function metricsTable(
  data: ComparisonJSON,
  directions: Directions,
  onSwitch: ((key: string) => void) | null,
): HTMLTableElement {
  const body = h("tbody");
  for (const m of data.metrics) {
    const higher = directionOf(m, directions);
    const best = bestUnder(m, higher);
    const arrow = higher ? "↑" : "↓";
    const sense = higher ? "higher is better" : "lower is better";
    const head = h("th", {}, m.key, " ");
    if (onSwitch) {
      const button = h(
        "button",
        { type: "button", class: "kfpc-direction", title: `${sense}: click to switch` },
        arrow,
      );
      button.addEventListener("click", () => onSwitch(m.key));
      head.append(button);
    } else {
      head.append(h("span", { class: "kfpc-direction", title: sense }, arrow));
    }
    const row = h("tr", { "data-metric": m.key, "data-higher": String(higher) }, head);
    m.values.forEach((v, i) => {
      const cls = v === null ? "kfpc-missing" : best.includes(i) ? "kfpc-best" : "";
      row.append(h("td", { class: cls }, m.text[i] ?? "-"));
    });
    body.append(row);
  }
  return h("table", { class: "kfpc-table kfpc-metrics" }, h("thead", {}, runHead(data)), body);
}

const MAX_TASK_ROWS = 50;

/** Tasks whose status, caching or code differ between the runs (at most 50 rows). */
function tasksSection(data: ComparisonJSON): HTMLElement | null {
  const differing = data.tasks.filter((t) => t.differs);
  if (!differing.length) {
    return null;
  }
  const body = h("tbody");
  for (const t of differing.slice(0, MAX_TASK_ROWS)) {
    const head = h("th", { title: t.component }, t.task_id);
    if (t.code_changed) {
      head.append(
        " ",
        h("span", { class: "kfpc-changed", title: "code or packages changed" }, "Δ"),
      );
    }
    const row = h("tr", { "data-task": t.task_id }, head);
    t.statuses.forEach((status, i) => {
      const parts = [status ?? "-", formatDuration(t.durations[i])].filter(Boolean);
      const cell = h("td", { class: status ? `kfpc-task-${status}` : "kfpc-missing" });
      cell.textContent = parts.join(" · ");
      if (t.digests[i]) {
        cell.title = `component digest ${t.digests[i]}`;
      }
      row.append(cell);
    });
    body.append(row);
  }
  const more = differing.length - MAX_TASK_ROWS;
  const caption = note(
    "status and duration of the tasks that differ (Δ: code or packages changed)" +
      (more > 0 ? `; ${more} more not shown` : ""),
  );
  const table = h("table", { class: "kfpc-table kfpc-tasks" }, h("thead", {}, runHead(data)), body);
  return section("tasks that differ", caption, table);
}

function sideBySide(
  data: ComparisonJSON,
  item: ComparedArtifact,
  cell: (p: PreviewJSON) => Node[],
): HTMLElement {
  const labels = runLabels(data);
  const row = h("div", { class: "kfpc-side" });
  item.previews.forEach((p, i) => {
    const box = h("div", { class: "kfpc-cell", "data-run": String(i) });
    box.append(h("div", { class: "kfpc-cell-head", title: data.runs[i].run_id }, labels[i]));
    box.append(...(p ? cell(p) : [note("not in this run")]));
    row.append(box);
  });
  return row;
}

function classification(data: ComparisonJSON, item: ComparedArtifact): HTMLElement {
  const labels = runLabels(data);
  const curves: RocCurveOf[] = [];
  item.previews.forEach((p, i) => {
    if (p?.kind === "classification" && p.roc.length) {
      curves.push({ label: `${labels[i]} ${data.runs[i].run_id}`, index: i, points: p.roc });
    }
  });
  const matrices = sideBySide(data, item, (p) => {
    if (p.kind !== "classification") {
      return [renderPreview(p)];
    }
    const cm = p.confusion_matrix;
    return cm && cm.labels.length ? [confusionMatrix(cm)] : [note("no confusion matrix")];
  });
  const body: Node[] = [];
  if (curves.length) {
    body.push(h("div", { class: "kfpc-chart" }, rocOverlay(curves)));
  }
  if (item.previews.some((p) => p?.kind === "classification" && p.confusion_matrix)) {
    body.push(matrices);
  }
  return section(`${item.task_id} / ${item.name}: classification`, ...body);
}

function documentCell(p: PreviewJSON, isStatic: boolean, title: string): Node[] {
  if (p.kind === "markdown") {
    return [markdownElement(p.text)];
  }
  if (p.kind === "html") {
    if (isStatic) {
      const frame = sandboxedHtml(p.html, title);
      frame.setAttribute("sandbox", ""); // the saved file runs no script at all
      return [frame];
    }
    return [sandboxedHtml(p.html, title)];
  }
  return [renderPreview(p)];
}

/**
 * A slot that becomes `make()` once scrolled near the viewport: 10 runs' Markdown and HTML
 * reports (each iframe a document) would hold the first paint for hundreds of milliseconds.
 * Without IntersectionObserver (jsdom) the element is made at once.
 */
function whenVisible(make: () => HTMLElement): HTMLElement {
  if (typeof IntersectionObserver === "undefined") {
    return make();
  }
  const slot = h("div", { class: "kfpc-slot" });
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        slot.replaceWith(make());
      }
    },
    { rootMargin: "200px" },
  );
  observer.observe(slot);
  return slot;
}

/** The static part of the view: everything but the trend and the toolbar. */
export function renderComparison(
  data: ComparisonJSON,
  directions: Directions = new Map(),
  onSwitch: ((key: string) => void) | null = null,
  options: RenderOptions = {},
): HTMLElement[] {
  const out: HTMLElement[] = [];
  const pipelines = new Set(data.runs.map((r) => r.pipeline_name));
  const what = data.same_pipeline
    ? `${data.runs.length} runs of ${[...pipelines][0]}`
    : `${data.runs.length} runs of ${pipelines.size} pipelines (tasks aligned by task id)`;
  out.push(section(what, runsTable(data)));
  if (data.parameters.length) {
    const differing = data.parameters.filter((p) => p.differs).length;
    const caption = note(`${differing} of ${data.parameters.length} differ (highlighted)`);
    out.push(section("parameters", caption, parametersTable(data)));
  }
  if (data.metrics.length) {
    const hint = onSwitch ? "best marked; click an arrow to switch higher/lower is better" : "";
    out.push(section("metrics", note(hint), metricsTable(data, directions, onSwitch)));
  } else {
    out.push(section("metrics", note("No run logged scalar metrics (a Metrics artifact).")));
  }
  out[out.length - 1].dataset.section = "metrics";
  for (const item of data.classification) {
    out.push(classification(data, item));
  }
  for (const item of data.documents) {
    const body = sideBySide(data, item, (p) =>
      options.static
        ? documentCell(p, true, item.name)
        : [whenVisible(() => h("div", {}, ...documentCell(p, false, item.name)))],
    );
    out.push(section(`${item.task_id} / ${item.name}`, body));
  }
  const tasks = tasksSection(data);
  if (tasks) {
    out.push(tasks);
  }
  if (data.changed_components.length) {
    out.push(section("components whose code changed", note(data.changed_components.join(", "))));
  }
  return out;
}

/** The interactive view: keeps the metric directions the user picked and the trend shown. */
export class ComparisonView {
  readonly el = h("div", { class: "kfpc-root" });
  private readonly directions: Directions = new Map();
  private readonly body = h("div", { class: "kfpc-body" });
  private readonly status = h("span", { class: "kfpc-status", role: "status" });
  private trendBox = h("div", { class: "kfpc-trend-box" });

  constructor(
    private data: ComparisonJSON,
    private trend: TrendJSON | null = null,
    private readonly host: ComparisonHost = {},
  ) {
    this.el.append(this.toolbar(), this.body);
    this.render();
  }

  update(data: ComparisonJSON, trend: TrendJSON | null = this.trend): void {
    this.data = data;
    this.trend = trend;
    this.render();
  }

  setTrend(trend: TrendJSON | null): void {
    this.trend = trend;
    this.renderTrend();
  }

  /** The tables as CSV (one row per run) or Markdown, and the whole view as a standalone page. */
  csv(): string {
    return toCsv(this.data);
  }

  markdown(): string {
    return toMarkdown(this.data, this.directions);
  }

  html(): string {
    return standaloneHtml(this.data, this.trend, this.directions);
  }

  private toolbar(): HTMLElement {
    const button = (label: string, title: string, act: () => Promise<void> | void) => {
      const b = h("button", { type: "button", class: "kfpc-button", title }, label);
      b.addEventListener("click", () => {
        Promise.resolve(act()).catch((e: unknown) => this.say(`Failed: ${String(e)}`));
      });
      return b;
    };
    const copy = async (text: string, what: string) => {
      await (this.host.copy ?? ((t: string) => navigator.clipboard.writeText(t)))(text);
      this.say(`Copied the tables as ${what}`);
    };
    return h(
      "div",
      { class: "kfpc-toolbar" },
      button("Copy CSV", "One row per run: parameters and metrics", () => copy(this.csv(), "CSV")),
      button("Copy Markdown", "The tables as Markdown", () => copy(this.markdown(), "Markdown")),
      button("Save HTML", "One self-contained file: inline CSS and SVG, no script", () => {
        const name = `comparison-${this.data.runs.map((r) => r.run_id).join("-")}.html`;
        (this.host.save ?? download)(name.slice(0, 180), this.html(), "text/html");
        this.say(`Saved ${name}`);
      }),
      this.status,
    );
  }

  private say(message: string): void {
    this.status.textContent = message;
    this.host.notify?.(message);
  }

  private switchDirection(key: string): void {
    const metric = this.data.metrics.find((m) => m.key === key);
    if (metric) {
      this.directions.set(key, !directionOf(metric, this.directions));
      this.render();
    }
  }

  private render(): void {
    const parts = renderComparison(this.data, this.directions, (k) => this.switchDirection(k));
    this.trendBox = h("div", { class: "kfpc-trend-box" });
    // the trend of a metric right under the metrics table
    const at = parts.findIndex((p) => p.dataset.section === "metrics") + 1;
    this.body.replaceChildren(...parts.slice(0, at), this.trendBox, ...parts.slice(at));
    this.renderTrend();
  }

  private renderTrend(): void {
    const children: Node[] = [];
    if (this.host.pickTrend && this.data.metrics.length) {
      const select = h("select", { class: "kfpc-trend-pick", "aria-label": "Trend of metric" });
      select.append(h("option", { value: "" }, "trend of a metric…"));
      for (const m of this.data.metrics) {
        const option = h("option", { value: m.key }, m.key);
        option.selected = this.trend?.metric === m.key;
        select.append(option);
      }
      select.addEventListener("change", () => select.value && this.host.pickTrend?.(select.value));
      children.push(select);
    }
    if (this.trend) {
      children.push(...trendSection(this.trend, this.directions));
    }
    this.trendBox.replaceChildren(...children);
  }
}

function trendSection(trend: TrendJSON, directions?: Directions): HTMLElement[] {
  const key = trend.metric;
  const higher = directions?.get(key) ?? trend.higher_is_better;
  const title = `${trend.metric} over ${trend.points.length} runs of ${trend.experiment}`;
  return [section(title, h("div", { class: "kfpc-chart" }, trendChart(trend, higher)))];
}

function download(name: string, text: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const PAGE_CSS = `
body{font:13px system-ui,sans-serif;color:#111827;margin:16px}
.kfpc-table{border-collapse:collapse;margin:4px 0 12px}
.kfpc-table th,.kfpc-table td,.kfpnb-confusion th,.kfpnb-confusion td{border:1px solid #e5e7eb;padding:3px 8px;text-align:right}
.kfpc-table th:first-child{text-align:left}
.kfpnb-confusion{border-collapse:collapse}
.kfpc-differs th{background:#fef3c7}.kfpc-differs-cell{background:#fef3c7;font-weight:600}
.kfpc-best{background:#dcfce7;font-weight:700}.kfpc-missing{color:#9ca3af}
.kfpc-swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.kfpc-note{color:#6b7280;font-size:11px}
.kfpc-side{display:flex;gap:12px;flex-wrap:wrap}
.kfpc-cell{flex:1 1 260px;min-width:0;border:1px solid #e5e7eb;padding:6px;overflow:auto}
.kfpc-cell-head{font-weight:600;margin-bottom:4px}
.kfpnb-html{width:100%;height:260px;border:0}
h3{font-size:14px;margin:14px 0 4px}
`;

/** A whole HTML document of the comparison: inline CSS and SVG, no script, no remote resource. */
export function standaloneHtml(
  data: ComparisonJSON,
  trend: TrendJSON | null = null,
  directions: Directions = new Map(),
): string {
  const root = h("div", { class: "kfpc-root" });
  root.append(...renderComparison(data, directions, null, { static: true }));
  if (trend) {
    root.append(...trendSection(trend, directions));
  }
  const title = h("title", {}, `kfp-notebook: ${data.runs.map((r) => r.run_id).join(", ")}`);
  return (
    "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>" +
    `<meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'">` +
    `${title.outerHTML}<style>${PAGE_CSS}</style></head><body>${root.outerHTML}</body></html>\n`
  );
}
