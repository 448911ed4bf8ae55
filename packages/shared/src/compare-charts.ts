// The comparison's charts as SVG with presentation attributes (no stylesheet needed, so the
// saved HTML shows them as they are): ROC curves of up to 10 runs overlaid with a legend, and
// one metric's trend over an experiment's runs in time order.
import { rocPoints } from "./charts";
import { bestUnder, runColour } from "./compare-model";
import { svg } from "./dom";
import type { RocPoint, TrendJSON } from "./model.generated";

const SIZE = 220;
const AXIS = "#6b7280";
const LABEL = { "font-size": 10, fill: "#374151", "text-anchor": "middle" };
const TICK = { "font-size": 9, fill: AXIS };

export interface RocCurveOf {
  /** The run's label in the legend, e.g. `#2 train-ab12`. */
  label: string;
  /** The run's position in the comparison: it picks the colour. */
  index: number;
  points: RocPoint[];
}

function frame(width: number, height: number, xLabel: string, yLabel: string, cls: string) {
  const chart = svg("svg", {
    xmlns: "http://www.w3.org/2000/svg",
    class: cls,
    viewBox: `-48 -12 ${width} ${height}`,
    width,
    height,
    role: "img",
    "font-family": "sans-serif",
  });
  chart.append(
    svg("path", { d: `M0,0 L0,${SIZE} L${SIZE},${SIZE}`, stroke: AXIS, fill: "none" }),
    svg("text", { ...LABEL, x: SIZE / 2, y: SIZE + 30, class: "kfpc-x-label" }, xLabel),
    svg(
      "text",
      { ...LABEL, x: -SIZE / 2, y: -34, transform: "rotate(-90)", class: "kfpc-y-label" },
      yLabel,
    ),
  );
  return chart;
}

/** ROC curves (false positive rate -> true positive rate), one colour per run, and a legend. */
export function rocOverlay(curves: RocCurveOf[]): SVGSVGElement {
  const shown = curves.slice(0, 10);
  const chart = frame(
    SIZE + 300,
    SIZE + 52,
    "false positive rate",
    "true positive rate",
    "kfpc-roc",
  );
  chart.setAttribute("aria-label", `ROC curves of ${shown.length} runs`);
  const x = (rate: number) => (Math.min(Math.max(rate, 0), 1) * SIZE).toFixed(1);
  const y = (rate: number) => (SIZE - Math.min(Math.max(rate, 0), 1) * SIZE).toFixed(1);
  chart.append(
    svg("path", {
      d: `M0,${SIZE} L${SIZE},0`,
      stroke: "#d1d5db",
      "stroke-dasharray": "4 3",
      fill: "none",
    }),
  );
  for (const t of [0, 0.5, 1]) {
    chart.append(svg("text", { ...TICK, x: x(t), y: SIZE + 13, "text-anchor": "middle" }, `${t}`));
    chart.append(
      svg("text", { ...TICK, x: -5, y: Number(y(t)) + 3, "text-anchor": "end" }, `${t}`),
    );
  }
  shown.forEach((curve, n) => {
    const colour = runColour(curve.index);
    const pts = rocPoints(curve.points);
    if (pts.length) {
      const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.fpr)},${y(p.tpr)}`).join(" ");
      const path = svg("path", {
        d,
        stroke: colour,
        "stroke-width": 2,
        fill: "none",
        class: "kfpc-curve",
        "data-run": curve.index,
      });
      path.append(svg("title", {}, curve.label));
      chart.append(path);
    }
    const ly = 8 + n * 16;
    chart.append(
      svg("rect", { x: SIZE + 16, y: ly - 5, width: 14, height: 4, fill: colour }),
      svg(
        "text",
        { x: SIZE + 36, y: ly, "font-size": 10, fill: "#111827", class: "kfpc-legend" },
        curve.label,
      ),
    );
  });
  return chart;
}

/** The metric over the experiment's runs, oldest first and evenly spaced; the best circled. */
export function trendChart(trend: TrendJSON, higherIsBetter = trend.higher_is_better) {
  const n = trend.points.length;
  const width = Math.max(SIZE, 26 * n);
  const chart = frame(width + 70, SIZE + 52, "runs, oldest first", trend.metric, "kfpc-trend");
  chart.querySelector("path")?.setAttribute("d", `M0,0 L0,${SIZE} L${width},${SIZE}`);
  chart.querySelector(".kfpc-x-label")?.setAttribute("x", String(width / 2));
  chart.setAttribute("aria-label", `${trend.metric} over ${n} runs of ${trend.experiment}`);
  const values = trend.points.flatMap((p) => (p.value === null ? [] : [p.value]));
  if (!values.length) {
    return chart;
  }
  const low = Math.min(...values);
  const high = Math.max(...values);
  const best = new Set(bestUnder(trend, higherIsBetter));
  const textOf = (v: number) => trend.points.find((p) => p.value === v)?.text ?? String(v);
  const px = (i: number) => (n > 1 ? (i / (n - 1)) * width : width / 2);
  const py = (v: number) => (high === low ? SIZE / 2 : SIZE - ((v - low) / (high - low)) * SIZE);
  chart.append(
    svg("text", { ...TICK, x: -5, y: 3, "text-anchor": "end" }, textOf(high)),
    svg("text", { ...TICK, x: -5, y: SIZE + 3, "text-anchor": "end" }, textOf(low)),
  );
  // A run without the metric breaks the line: one path segment per run of present values.
  const segments: string[] = [];
  let current: string[] = [];
  trend.points.forEach((p, i) => {
    if (p.value === null) {
      if (current.length) segments.push(current.join(" "));
      current = [];
    } else {
      current.push(`${current.length ? "L" : "M"}${px(i).toFixed(1)},${py(p.value).toFixed(1)}`);
    }
  });
  if (current.length) segments.push(current.join(" "));
  chart.append(
    svg("path", { d: segments.join(" "), stroke: runColour(0), "stroke-width": 1.5, fill: "none" }),
  );
  trend.points.forEach((p, i) => {
    if (p.value === null) {
      return;
    }
    const isBest = best.has(i);
    const dot = svg("circle", {
      cx: px(i).toFixed(1),
      cy: py(p.value).toFixed(1),
      r: isBest ? 5 : 3,
      fill: isBest ? "#16a34a" : runColour(0),
      class: isBest ? "kfpc-point kfpc-best-point" : "kfpc-point",
      "data-run": p.run_id,
    });
    const when = new Date(p.created * 1000).toLocaleString();
    dot.append(svg("title", {}, `${p.run_id} (${when}, ${p.status}): ${p.text}`));
    chart.append(dot);
  });
  return chart;
}
