// Charts of classification metrics: a confusion matrix heat map and an ROC curve (SVG).
import { h, svg } from "./dom";
import { cellText } from "./format";
import type { ConfusionMatrix, RocPoint } from "./model.generated";

/** Rows are actual classes, columns predicted; a cell's blue grows with its count. */
export function confusionMatrix(cm: ConfusionMatrix): HTMLTableElement {
  const values = cm.matrix.flat().filter((v): v is number => typeof v === "number");
  const max = Math.max(1, ...values);
  const head = h("tr", {}, h("th", {}, "actual \\ predicted"));
  head.append(...cm.labels.map((label) => h("th", {}, label)));
  const body = h("tbody");
  cm.matrix.forEach((row, i) => {
    const tr = h("tr", {}, h("th", {}, cm.labels[i] ?? String(i)));
    for (const value of row) {
      const td = h("td", {}, cellText(value));
      if (typeof value === "number") {
        const share = Math.max(0, value) / max;
        td.style.background = `rgba(59, 130, 246, ${(0.08 + 0.85 * share).toFixed(3)})`;
        td.style.color = share > 0.55 ? "white" : "inherit";
        td.dataset.share = share.toFixed(3);
      }
      tr.append(td);
    }
    body.append(tr);
  });
  return h("table", { class: "kfpnb-confusion" }, h("thead", {}, head), body);
}

const SIZE = 200;
const TICKS = [0, 0.5, 1];

/** The points with both rates, in order of false positive rate. */
export function rocPoints(points: RocPoint[]): { fpr: number; tpr: number }[] {
  return points
    .filter((p): p is RocPoint & { fpr: number; tpr: number } => p.fpr !== null && p.tpr !== null)
    .map(({ fpr, tpr }) => ({ fpr, tpr }))
    .sort((a, b) => a.fpr - b.fpr || a.tpr - b.tpr);
}

/** The ROC curve in a unit square, with both axes labelled and ticked, and the chance line. */
export function rocCurve(points: RocPoint[]): SVGSVGElement {
  const chart = svg("svg", {
    class: "kfpnb-roc",
    viewBox: `-44 -10 ${SIZE + 58} ${SIZE + 52}`,
    width: SIZE + 58,
    role: "img",
    "aria-label": "ROC curve",
  });
  const x = (rate: number) => (rate * SIZE).toFixed(1);
  const y = (rate: number) => (SIZE - rate * SIZE).toFixed(1);
  chart.append(svg("path", { d: `M0,0 L0,${SIZE} L${SIZE},${SIZE}`, class: "kfpnb-axis" }));
  chart.append(svg("path", { d: `M0,${SIZE} L${SIZE},0`, class: "kfpnb-diagonal" }));
  for (const t of TICKS) {
    chart.append(svg("text", { x: x(t), y: SIZE + 13, "text-anchor": "middle" }, String(t)));
    chart.append(svg("text", { x: -5, y: Number(y(t)) + 3, "text-anchor": "end" }, String(t)));
  }
  const xLabel = { x: SIZE / 2, y: SIZE + 30, "text-anchor": "middle", class: "kfpnb-axis-label" };
  chart.append(svg("text", xLabel, "false positive rate"));
  const yLabel = {
    x: -SIZE / 2,
    y: -30,
    "text-anchor": "middle",
    transform: "rotate(-90)",
    class: "kfpnb-axis-label",
  };
  chart.append(svg("text", yLabel, "true positive rate"));
  const pts = rocPoints(points);
  if (pts.length) {
    const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.fpr)},${y(p.tpr)}`).join(" ");
    chart.append(svg("path", { d, class: "kfpnb-curve" }));
  }
  return chart;
}
