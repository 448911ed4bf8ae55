// Artifact previews from the server's PreviewJSON: tables, images, Markdown (raw HTML disabled,
// then sanitized), HTML only in a sandboxed iframe (scripts yes, same origin never), metrics,
// classification metrics, file listings, text and notes. The widget and the sidebar both use it.
import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";

import { confusionMatrix, rocCurve } from "./charts";
import { h } from "./dom";
import { cellText, formatBytes } from "./format";
import type {
  ClassificationPreview,
  FilesPreview,
  PreviewJSON,
  TablePreview,
} from "./model.generated";

const markdown = new MarkdownIt({ html: false, linkify: true });

export function table(columns: string[], rows: unknown[][], cls = "kfpnb-table"): HTMLTableElement {
  const head = h("tr", {}, ...columns.map((c) => h("th", {}, c)));
  const body = h(
    "tbody",
    {},
    ...rows.map((r) => h("tr", {}, ...r.map((v) => h("td", {}, cellText(v))))),
  );
  return h("table", { class: cls }, h("thead", {}, head), body);
}

/** Markdown as sanitized HTML: markdown-it without raw HTML, then DOMPurify. */
export function markdownElement(text: string): HTMLDivElement {
  const div = h("div", { class: "kfpnb-markdown" });
  div.innerHTML = DOMPurify.sanitize(markdown.render(text));
  return div;
}

/** An HTML document in an iframe that may run scripts but never reaches this page. */
export function sandboxedHtml(html: string, title: string): HTMLIFrameElement {
  const frame = h("iframe", {
    class: "kfpnb-html",
    sandbox: "allow-scripts",
    referrerpolicy: "no-referrer",
    title,
  });
  frame.srcdoc = html;
  return frame;
}

const note = (text: string) => h("div", { class: "kfpnb-meta" }, text);

function tablePreview(p: TablePreview): Node[] {
  const [rows, columns] = p.shape;
  const first = p.truncated ? ` · first ${p.rows.length} rows` : "";
  const meta = `${p.format} · ${rows ?? "?"} rows × ${columns ?? p.columns.length} columns${first}`;
  return [note(meta), table(p.columns, p.rows)];
}

function classification(p: ClassificationPreview): Node[] {
  const out: Node[] = [];
  const cm = p.confusion_matrix;
  if (cm && cm.labels.length) {
    out.push(note("confusion matrix (rows: actual, columns: predicted)"), confusionMatrix(cm));
  }
  if (p.roc.length) {
    out.push(note("ROC curve"), rocCurve(p.roc));
  }
  if (!out.length) {
    out.push(note("No confusion matrix or ROC curve was logged."));
  }
  return out;
}

function files(p: FilesPreview): Node[] {
  const capped = p.truncated ? " (listing capped)" : "";
  const meta = `${p.entries.length} file(s), ${formatBytes(p.total_size)}${capped}`;
  const rows = p.entries.map((e) => [e.path, formatBytes(e.size)]);
  return [note(meta), table(["file", "size"], rows)];
}

function body(p: PreviewJSON): Node[] {
  switch (p.kind) {
    case "table":
      return tablePreview(p);
    case "image":
      return [h("img", { src: `data:${p.mime};base64,${p.data}`, alt: p.name })];
    case "markdown":
      return [markdownElement(p.text)];
    case "text": {
      const out: Node[] = [h("pre", { class: "kfpnb-text" }, p.text)];
      if (p.truncated) {
        out.push(note(`first ${formatBytes(p.text.length)} of ${formatBytes(p.size)}`));
      }
      return out;
    }
    case "html":
      return [sandboxedHtml(p.html, p.name)];
    case "metrics":
      return [
        table(
          ["metric", "value"],
          p.items.map((i) => [i.name, i.value]),
        ),
      ];
    case "classification":
      return classification(p);
    case "files":
      return files(p);
    case "too_large":
      return [note(`Too large to preview${p.summary ? `: ${p.summary}` : ""}.`)];
    case "missing":
      return [note(p.summary || "Nothing to preview: the artifact is missing.")];
    default: {
      const unknown: { kind?: unknown } = p;
      return [note(`Nothing to preview (${String(unknown.kind)}).`)];
    }
  }
}

/** One preview in a `div.kfpnb-preview` whose `data-kind` is the preview's kind. */
export function renderPreview(p: PreviewJSON): HTMLDivElement {
  const box = h("div", { class: `kfpnb-preview kfpnb-preview-${p.kind}`, "data-kind": p.kind });
  box.append(...body(p));
  if (p.hint) {
    box.append(note(p.hint));
  }
  return box;
}
