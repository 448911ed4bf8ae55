import { describe, expect, it } from "vitest";

import type { ClassificationPreview, PreviewJSON } from "./model.generated";
import { renderPreview } from "./previews";

const base = { name: "out", size: 10, truncated: false };

function texts(el: Element, selector: string): string[] {
  return [...el.querySelectorAll(selector)].map((n) => n.textContent ?? "");
}

describe("table preview", () => {
  it("draws the columns and rows with their shape", () => {
    const el = renderPreview({
      ...base,
      kind: "table",
      format: "csv",
      columns: ["city", "visitors"],
      rows: [
        ["Lyon", 1200],
        ["Oslo", null],
      ],
      shape: [null, 2],
      truncated: true,
    });
    expect(el.dataset.kind).toBe("table");
    expect(texts(el, "th")).toEqual(["city", "visitors"]);
    expect(texts(el, "tbody tr:first-child td")).toEqual(["Lyon", "1200"]);
    expect(texts(el, "tbody tr:nth-child(2) td")).toEqual(["Oslo", ""]);
    expect(el.querySelector(".kfpnb-meta")?.textContent).toBe(
      "csv · ? rows × 2 columns · first 2 rows",
    );
  });
});

describe("markdown preview", () => {
  it("renders Markdown and drops raw HTML with handlers", () => {
    const text = '# Notes\n\nAll **good**.\n\n<img src=x onerror="window.pwned=1">\n';
    const el = renderPreview({ ...base, kind: "markdown", text });
    expect(el.querySelector(".kfpnb-markdown h1")?.textContent).toBe("Notes");
    expect(el.querySelector("strong")?.textContent).toBe("good");
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("[onerror]")).toBeNull();
    const attributes = [...el.querySelectorAll("*")].flatMap((n) =>
      [...n.attributes].map((a) => a.name),
    );
    expect(attributes.filter((a) => a.startsWith("on"))).toEqual([]);
    expect(el.textContent).toContain("<img src=x onerror="); // shown as text, inert
  });

  it("sanitizes javascript: links", () => {
    const el = renderPreview({ ...base, kind: "markdown", text: "[x](javascript:alert(1))" });
    const link = el.querySelector("a");
    expect(link?.getAttribute("href") ?? "").not.toContain("javascript:");
  });
});

describe("html preview", () => {
  it("goes into an iframe that may run scripts but not share the origin", () => {
    const html = "<script>document.title='escaped'</script><p id='verdict'>hi</p>";
    const el = renderPreview({ ...base, kind: "html", html });
    const frame = el.querySelector("iframe");
    expect(frame).not.toBeNull();
    expect(frame?.getAttribute("sandbox")).toBe("allow-scripts");
    expect(frame?.getAttribute("sandbox")).not.toContain("allow-same-origin");
    expect(frame?.getAttribute("srcdoc")).toBe(html);
    expect(el.querySelector("script")).toBeNull();
  });
});

describe("metrics preview", () => {
  it("lists each metric", () => {
    const el = renderPreview({
      ...base,
      kind: "metrics",
      items: [
        { name: "accuracy", value: 0.93 },
        { name: "loss", value: 0.2 },
      ],
    });
    expect(texts(el, "tbody td")).toEqual(["accuracy", "0.93", "loss", "0.2"]);
  });
});

const classification = (over: Partial<ClassificationPreview>): PreviewJSON => ({
  ...base,
  kind: "classification",
  confusion_matrix: null,
  roc: [],
  ...over,
});

describe("classification preview", () => {
  it("draws the confusion matrix as a heat map", () => {
    const el = renderPreview(
      classification({
        confusion_matrix: {
          labels: ["negative", "positive"],
          matrix: [
            [8, 2],
            [0, null],
          ],
        },
      }),
    );
    const table = el.querySelector(".kfpnb-confusion");
    expect(texts(table as Element, "thead th")).toEqual([
      "actual \\ predicted",
      "negative",
      "positive",
    ]);
    expect(texts(table as Element, "tbody th")).toEqual(["negative", "positive"]);
    const cells = [...(table as Element).querySelectorAll<HTMLElement>("tbody td")];
    expect(cells.map((c) => c.textContent)).toEqual(["8", "2", "0", ""]);
    expect(cells.map((c) => c.dataset.share)).toEqual(["1.000", "0.250", "0.000", undefined]);
    expect(el.querySelector(".kfpnb-roc")).toBeNull();
  });

  it("draws the ROC curve with labelled axes", () => {
    const el = renderPreview(
      classification({
        roc: [
          { fpr: 1, tpr: 1, threshold: 0 },
          { fpr: 0, tpr: 0, threshold: 1 },
          { fpr: 0.5, tpr: 0.75, threshold: 0.5 },
          { fpr: null, tpr: 0.2, threshold: 0.7 },
        ],
      }),
    );
    const curve = el.querySelector(".kfpnb-roc .kfpnb-curve");
    expect(curve?.getAttribute("d")).toBe("M0.0,200.0 L100.0,50.0 L200.0,0.0");
    expect(texts(el, ".kfpnb-roc .kfpnb-axis-label")).toEqual([
      "false positive rate",
      "true positive rate",
    ]);
  });

  it("draws an ROC curve alone when no confusion matrix was logged", () => {
    const el = renderPreview(
      classification({
        confusion_matrix: null,
        roc: [
          { fpr: 0, tpr: 0, threshold: 1 },
          { fpr: 1, tpr: 1, threshold: 0 },
        ],
      }),
    );
    expect(el.querySelector(".kfpnb-confusion")).toBeNull();
    expect(el.querySelectorAll(".kfpnb-roc .kfpnb-curve")).toHaveLength(1);
  });

  it("says so when neither was logged", () => {
    const el = renderPreview(classification({}));
    expect(el.textContent).toContain("No confusion matrix or ROC curve");
  });
});

describe("other previews", () => {
  it("lists files with sizes in KiB", () => {
    const el = renderPreview({
      ...base,
      kind: "files",
      entries: [{ path: "a/b.txt", size: 2048 }],
      total_size: 2048,
    });
    expect(texts(el, "tbody td")).toEqual(["a/b.txt", "2.0 KiB"]);
    expect(el.querySelector(".kfpnb-meta")?.textContent).toBe("1 file(s), 2.0 KiB");
  });

  it("shows text as text, not HTML", () => {
    const el = renderPreview({ ...base, kind: "text", text: "<b>bold</b>" });
    expect(el.querySelector("b")).toBeNull();
    expect(el.querySelector("pre")?.textContent).toBe("<b>bold</b>");
  });

  it("notes a preview that is too large, and the hint", () => {
    const el = renderPreview({
      ...base,
      kind: "too_large",
      summary: "3 GiB",
      hint: "Use Download.",
    });
    expect(texts(el, ".kfpnb-meta")).toEqual(["Too large to preview: 3 GiB.", "Use Download."]);
  });
});
