// Artifact previews: tables, images, Markdown (raw HTML disabled, then sanitized), HTML only in
// a sandboxed iframe (scripts yes, same origin never), metrics, confusion matrix, ROC, files.
import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";
import { Preview, h } from "./types";

const markdown = new MarkdownIt({ html: false, linkify: true });

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

export function table(columns: string[], rows: unknown[][], cls = "kfpnb-table"): HTMLTableElement {
  const t = h("table", { class: cls });
  t.append(h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", {}, c)))));
  t.append(h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((v) => h("td", {}, cell(v)))))));
  return t;
}

function confusion(cm: { labels: string[]; matrix: number[][] }): HTMLElement {
  const max = Math.max(1, ...cm.matrix.flat());
  const t = h("table", { class: "kfpnb-confusion" });
  t.append(h("thead", {}, h("tr", {}, h("th", {}, "actual \\ predicted"), ...cm.labels.map((l) => h("th", {}, l)))));
  const body = h("tbody");
  cm.matrix.forEach((row, i) => {
    const tr = h("tr", {}, h("th", {}, cm.labels[i] ?? String(i)));
    for (const v of row) {
      const td = h("td", {}, cell(v));
      const a = v / max;
      td.style.background = `rgba(59, 130, 246, ${0.1 + 0.85 * a})`;
      td.style.color = a > 0.55 ? "white" : "inherit";
      tr.append(td);
    }
    body.append(tr);
  });
  t.append(body);
  return t;
}

function roc(points: { fpr: number | null; tpr: number | null }[]): SVGSVGElement {
  const NS = "http://www.w3.org/2000/svg";
  const size = 180;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("class", "kfpnb-roc");
  svg.setAttribute("viewBox", `-30 -10 ${size + 40} ${size + 40}`);
  svg.setAttribute("width", String(size + 40));
  const line = (d: string, cls: string) => {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    p.setAttribute("class", cls);
    svg.append(p);
  };
  line(`M0,0 L0,${size} L${size},${size}`, "kfpnb-axis");
  line(`M0,${size} L${size},0`, "kfpnb-diagonal");
  const pts = points.filter((p) => p.fpr != null && p.tpr != null);
  if (pts.length) line(pts.map((p, i) => `${i ? "L" : "M"}${p.fpr! * size},${size - p.tpr! * size}`).join(" "), "kfpnb-curve");
  const label = (x: number, y: number, text: string) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", String(x));
    t.setAttribute("y", String(y));
    t.textContent = text;
    svg.append(t);
  };
  label(size / 2 - 50, size + 25, "false positive rate");
  label(-25, -2, "TPR");
  return svg;
}

export function renderPreview(p: Preview): HTMLElement {
  const box = h("div", { class: `kfpnb-preview kfpnb-preview-${p.kind}` });
  switch (p.kind) {
    case "table": {
      const shape = p.shape as (number | null)[];
      box.append(h("div", { class: "kfpnb-meta" }, `${p.format} · ${shape[0] ?? "?"} rows × ${shape[1]} columns${p.truncated ? " · first rows" : ""}`));
      box.append(table(p.columns as string[], p.rows as unknown[][]));
      break;
    }
    case "image":
      box.append(h("img", { src: `data:${p.mime};base64,${p.data}`, alt: p.name }));
      break;
    case "markdown": {
      const div = h("div", { class: "kfpnb-markdown" });
      div.innerHTML = DOMPurify.sanitize(markdown.render(String(p.text ?? "")));
      box.append(div);
      break;
    }
    case "html": {
      const frame = h("iframe", { sandbox: "allow-scripts", class: "kfpnb-html", title: p.name });
      frame.srcdoc = String(p.html ?? "");
      box.append(frame);
      break;
    }
    case "metrics":
      box.append(table(["metric", "value"], (p.items as { name: string; value: unknown }[]).map((i) => [i.name, i.value])));
      break;
    case "classification": {
      const cm = p.confusion_matrix as { labels: string[]; matrix: number[][] } | null;
      if (cm) box.append(h("div", { class: "kfpnb-meta" }, "confusion matrix"), confusion(cm));
      const points = p.roc as { fpr: number | null; tpr: number | null }[];
      if (points.length) box.append(h("div", { class: "kfpnb-meta" }, "ROC curve"), roc(points));
      break;
    }
    case "files": {
      const entries = p.entries as { path: string; size: number }[];
      box.append(h("div", { class: "kfpnb-meta" }, `${entries.length} file(s), ${bytes(Number(p.total_size ?? 0))}${p.hint ? " · " + p.hint : ""}`));
      box.append(table(["file", "size"], entries.map((e) => [e.path, bytes(e.size)])));
      break;
    }
    case "text":
      box.append(h("pre", { class: "kfpnb-text" }, String(p.text ?? "")));
      break;
    default:
      box.append(h("div", { class: "kfpnb-meta" }, String(p.summary ?? p.hint ?? p.kind)));
  }
  return box;
}
