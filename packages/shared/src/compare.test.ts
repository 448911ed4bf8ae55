import { describe, expect, it } from "vitest";

import { ComparisonView, standaloneHtml } from "./compare";
import fixtures from "./compare.fixtures.generated.json";
import { toCsv, toMarkdown } from "./compare-model";
import type { ComparedArtifact, ComparisonJSON, PreviewJSON, TrendJSON } from "./model.generated";

const base = { name: "metrics", size: 0, truncated: false };

// Completed by the Python model (tests/compare_fixtures.py): text, best runs, table, sections.
type Fixtures = Record<"base" | "tasks" | "quoting" | "ties", ComparisonJSON> & {
  trend: TrendJSON;
};
const FIXTURES = fixtures as unknown as Fixtures;
const fixture = <K extends keyof Fixtures>(name: K): Fixtures[K] => structuredClone(FIXTURES[name]);

function comparison(documents: ComparedArtifact[] = []): ComparisonJSON {
  return { ...fixture("base"), documents };
}

function find<T extends Element = Element>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) {
    throw new Error(`nothing matches ${selector}`);
  }
  return found;
}

const cells = (el: Element, metric: string) =>
  [...el.querySelectorAll(`tr[data-metric="${metric}"] td`)].map((td) => td.className);

describe("comparison view", () => {
  it("overlays the ROC curves of 3 runs with a legend and labelled axes", () => {
    const view = new ComparisonView(comparison());
    const chart = find(view.el, "svg.kfpc-roc");
    const curves = [...chart.querySelectorAll("path.kfpc-curve")];
    expect(curves.map((c) => c.getAttribute("data-run"))).toEqual(["0", "1", "2"]);
    expect(new Set(curves.map((c) => c.getAttribute("stroke"))).size).toBe(3);
    const legend = [...chart.querySelectorAll(".kfpc-legend")].map((t) => t.textContent);
    expect(legend).toEqual(["#1 train-a", "#2 train-b", "#3 train-c"]);
    expect(chart.querySelector(".kfpc-x-label")?.textContent).toBe("false positive rate");
    expect(chart.querySelector(".kfpc-y-label")?.textContent).toBe("true positive rate");
    // run #2's curve goes through (0.2, 0.7): x = 0.2 * 220, y = 220 - 0.7 * 220
    expect(curves[1].getAttribute("d")).toBe("M0.0,220.0 L44.0,66.0 L220.0,0.0");
  });

  it("marks the best value per metric and switches the direction on a click", () => {
    const view = new ComparisonView(comparison());
    expect(cells(view.el, "train/accuracy")).toEqual(["", "kfpc-best", "kfpc-missing"]);
    expect(cells(view.el, "train/loss")).toEqual(["", "kfpc-best", ""]);
    const button = find<HTMLButtonElement>(view.el, 'tr[data-metric="train/loss"] .kfpc-direction');
    expect(button.textContent).toBe("↓");
    button.click();
    expect(cells(view.el, "train/loss")).toEqual(["kfpc-best", "", ""]);
    expect(view.el.querySelector('tr[data-metric="train/loss"]')?.getAttribute("data-higher")).toBe(
      "true",
    );
    expect(view.markdown()).toContain("| train/loss (higher is better) | **0.3** | 0.2 | 0.25 |");
    expect(toMarkdown(comparison())).toContain("| train/loss | 0.3 | **0.2** | 0.25 |");
    // the other metric keeps its own direction
    expect(cells(view.el, "train/accuracy")).toEqual(["", "kfpc-best", "kfpc-missing"]);
  });

  it("shows a missing metric as `-` and marks nothing when the present values tie", () => {
    const view = new ComparisonView(comparison());
    const row = find(view.el, 'tr[data-metric="train/accuracy"]');
    expect(row.querySelectorAll("td")[2].textContent).toBe("-");
    const ties = new ComparisonView(fixture("ties"));
    expect(cells(ties.el, "train/accuracy")).toEqual(["kfpc-best", "kfpc-best", "kfpc-missing"]);
    expect(cells(ties.el, "train/f1")).toEqual(["", "", ""]);
  });

  it("highlights differing parameters only", () => {
    const view = new ComparisonView(comparison());
    const lr = find(view.el, 'tr[data-param="lr"]');
    const epochs = find(view.el, 'tr[data-param="epochs"]');
    expect(lr.className).toBe("kfpc-differs");
    expect([...lr.querySelectorAll("td")].map((td) => td.className)).toEqual([
      "",
      "kfpc-differs-cell",
      "kfpc-differs-cell",
    ]);
    expect(epochs.className).toBe("");
  });

  it("draws the confusion matrices side by side and says which run has none", () => {
    const view = new ComparisonView(comparison());
    const side = view.el.querySelectorAll(".kfpc-side .kfpc-cell");
    expect(side).toHaveLength(3);
    expect(side[0].querySelector("table.kfpnb-confusion")).not.toBeNull();
    expect(side[1].querySelector("table.kfpnb-confusion")).not.toBeNull();
    expect(side[2].querySelector("table.kfpnb-confusion")).toBeNull();
    expect(side[2].textContent).toContain("no confusion matrix");
  });

  it("draws only the ROC overlay when no run has a confusion matrix", () => {
    const data = comparison();
    data.classification[0].previews = data.classification[0].previews.map((p) =>
      p && p.kind === "classification" ? { ...p, confusion_matrix: null } : p,
    );
    const view = new ComparisonView(data);
    expect(view.el.querySelectorAll("path.kfpc-curve")).toHaveLength(3);
    expect(view.el.querySelector(".kfpnb-confusion")).toBeNull();
  });

  it("renders hostile Markdown sanitized and HTML only in a sandboxed iframe", () => {
    const md: PreviewJSON = {
      ...base,
      kind: "markdown",
      text: '# Report\n\n<script>window.pwned=1</script><img src=x onerror="window.pwned=1">\n\n[x](javascript:alert(1))',
    };
    const page: PreviewJSON = { ...base, kind: "html", html: "<script>parent.pwned=1</script>" };
    const data = comparison([
      { task_id: "report", name: "notes", type: "system.Markdown", previews: [md, md, null] },
      { task_id: "report", name: "page", type: "system.HTML", previews: [page, null, page] },
    ]);
    const view = new ComparisonView(data);
    const el = view.el;
    expect(el.querySelectorAll(".kfpnb-markdown h1")).toHaveLength(2);
    expect(el.querySelector("script")).toBeNull();
    expect(el.querySelector("img[onerror]")).toBeNull();
    expect(el.querySelector('a[href^="javascript"]')).toBeNull();
    const frames = [...el.querySelectorAll("iframe")];
    expect(frames).toHaveLength(2);
    for (const f of frames) {
      expect(f.getAttribute("sandbox")).toBe("allow-scripts");
      expect(f.srcdoc).toBe("<script>parent.pwned=1</script>");
    }
    expect(el.textContent).toContain("not in this run");

    // The saved page: parsed back, it has no script, no handler, and iframes run nothing.
    const saved = new DOMParser().parseFromString(view.html(), "text/html");
    expect(saved.querySelector("script")).toBeNull();
    const handlers = [...saved.querySelectorAll("*")].flatMap((n) =>
      [...n.attributes].filter((a) => a.name.startsWith("on")),
    );
    expect(handlers).toEqual([]);
    const savedFrames = [...saved.querySelectorAll("iframe")];
    expect(savedFrames.map((f) => f.getAttribute("sandbox"))).toEqual(["", ""]);
    expect(saved.querySelectorAll("svg.kfpc-roc path.kfpc-curve")).toHaveLength(3);
    expect(saved.querySelector("button")).toBeNull();
    expect(view.html()).not.toMatch(/<link|src="http/);
  });

  it("draws an experiment's trend with the best run circled and gaps for missing values", () => {
    const trend = fixture("trend");
    const view = new ComparisonView(comparison(), trend);
    const chart = find(view.el, "svg.kfpc-trend");
    const points = [...chart.querySelectorAll("circle.kfpc-point")];
    expect(points.map((p) => p.getAttribute("data-run"))).toEqual(["r1", "r3", "r4"]);
    expect(chart.querySelector(".kfpc-best-point")?.getAttribute("data-run")).toBe("r3");
    const line = chart.querySelectorAll("path")[1].getAttribute("d") ?? "";
    expect(line.match(/M/g)).toHaveLength(2); // broken at r2
    expect(chart.querySelector(".kfpc-y-label")?.textContent).toBe("train/loss");
    const saved = new DOMParser().parseFromString(standaloneHtml(comparison(), trend), "text/html");
    expect(saved.querySelectorAll("svg.kfpc-trend circle.kfpc-point")).toHaveLength(3);
    const sections = [...view.el.querySelectorAll(".kfpc-body > *")];
    const metricsAt = sections.findIndex((s) => s.getAttribute("data-section") === "metrics");
    expect(sections[metricsAt + 1].className).toBe("kfpc-trend-box");
    view.setTrend(null);
    expect(view.el.querySelector("svg.kfpc-trend")).toBeNull();
  });

  it("exports CSV with one row per run and copies through the host", async () => {
    const copied: string[] = [];
    const view = new ComparisonView(comparison(), null, { copy: (t) => void copied.push(t) });
    const csv = toCsv(comparison()).split("\n");
    expect(csv[0]).toBe(
      "run_id,pipeline,experiment,status,created,duration,param:lr,param:epochs," +
        "metric:train/accuracy,metric:train/loss",
    );
    expect(csv[3]).toBe("train-c,train,exp,SUCCEEDED,1790003000,12.5,3,3,,0.25");
    const [csvButton, mdButton] = view.el.querySelectorAll<HTMLButtonElement>(".kfpc-button");
    csvButton.click();
    mdButton.click();
    await Promise.resolve();
    await Promise.resolve();
    expect(copied[0]).toBe(view.csv());
    expect(copied[1]).toBe(toMarkdown(comparison()));
    expect(view.el.querySelector(".kfpc-status")?.textContent).toBe(
      "Copied the tables as Markdown",
    );
  });

  it("lists the tasks whose status, caching or code differ", () => {
    const data = fixture("tasks");
    const view = new ComparisonView(data);
    const rows = [...view.el.querySelectorAll(".kfpc-tasks tbody tr")];
    expect(rows.map((r) => r.getAttribute("data-task"))).toEqual(["broke", "edited"]);
    expect([...rows[0].querySelectorAll("td")].map((td) => td.textContent)).toEqual([
      "SUCCEEDED · 1.5 s",
      "FAILED · 2.0 s",
      "-",
    ]);
    expect(rows[1].querySelector(".kfpc-changed")).not.toBeNull();
    data.tasks = [data.tasks[0]];
    expect(new ComparisonView(data).el.querySelector(".kfpc-tasks")).toBeNull();
  });

  it("quotes CSV cells and escapes Markdown pipes", () => {
    const data = fixture("quoting");
    expect(toCsv(data).split("\n")[1]).toContain(',"a,""b""",');
    expect(toMarkdown(data)).toContain('| lr | a,"b" | x\\|y | - |');
  });
});
