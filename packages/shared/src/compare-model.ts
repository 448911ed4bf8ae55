// What the comparison view computes from a ComparisonJSON (kfp_notebook/_views/compare.py):
// run labels, best values under a chosen direction per metric, and the tables as CSV and
// Markdown. Pure: no DOM, so the view, its export and the tests share it.
import type { ComparedMetric, ComparisonJSON } from "./model.generated";

/** Up to 10 runs, one colour each (the same palette as the Python HTML export). */
export const RUN_COLOURS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#d97706",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#4b5563",
  "#65a30d",
  "#9333ea",
] as const;

export const runColour = (index: number): string => RUN_COLOURS[index % RUN_COLOURS.length];

const LOWER_IS_BETTER = /loss|error|mse|mae|rmse|time|latency/i;

/** Guessed from the metric's name as the Python model does: loss, error, time... are lower. */
export function higherIsBetter(name: string): boolean {
  return !LOWER_IS_BETTER.test(name);
}

/** Per metric key: true when higher is better. Starts from the model, switched by the user. */
export type Directions = Map<string, boolean>;

export function directionOf(metric: ComparedMetric, directions?: Directions): boolean {
  return directions?.get(metric.key) ?? metric.higher_is_better;
}

/**
 * The indices of the runs holding the best value. Empty when fewer than two runs have the
 * metric or when every run that has it has the same value (nothing to single out).
 */
export function bestRuns(values: (number | null)[], higher: boolean): number[] {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (present.length === 0) {
    return [];
  }
  const best = higher ? Math.max(...present) : Math.min(...present);
  const indices = values.flatMap((v, i) => (v === best ? [i] : []));
  return indices.length < values.length ? indices : [];
}

export function runLabels(data: ComparisonJSON): string[] {
  return data.runs.map((_, i) => `#${i + 1}`);
}

/** A value as the Python tables write it: numbers to 6 significant digits, null as `-`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return "-";
  }
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  }
  if (typeof value === "string") {
    return value;
  }
  return JSON.stringify(value);
}

/** Columns and one row per run, as `Comparison.to_csv()` writes them. */
export function perRunRows(data: ComparisonJSON): { columns: string[]; rows: unknown[][] } {
  const columns = ["run_id", "pipeline", "experiment", "status", "created", "duration"];
  const rows: unknown[][] = data.runs.map((r) => [
    r.run_id,
    r.pipeline_name,
    r.experiment,
    r.status,
    r.created,
    r.duration,
  ]);
  for (const p of data.parameters) {
    columns.push(`param:${p.name}`);
    rows.forEach((row, i) => row.push(p.values[i]));
  }
  for (const m of data.metrics) {
    columns.push(`metric:${m.key}`);
    rows.forEach((row, i) => row.push(m.values[i]));
  }
  return { columns, rows };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) {
    return "";
  }
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per run: run_id ... then `param:NAME` and `metric:KEY` columns (RFC 4180 quoting). */
export function toCsv(data: ComparisonJSON): string {
  const { columns, rows } = perRunRows(data);
  return [columns, ...rows].map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}

function mdCell(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[\r\n]+/g, " ");
}

function mdTable(labels: string[], rows: [string, string[]][]): string[] {
  const out = [`| | ${labels.join(" | ")} |`, `${"|---".repeat(labels.length + 1)}|`];
  for (const [label, cells] of rows) {
    out.push(`| ${mdCell(label)} | ${cells.join(" | ")} |`);
  }
  return out;
}

/** The runs, the differing parameters and the metrics (best in bold, under `directions`). */
export function toMarkdown(data: ComparisonJSON, directions?: Directions): string {
  const labels = runLabels(data);
  const out = ["### runs", ""];
  out.push(
    ...mdTable(labels, [
      ["run", data.runs.map((r) => mdCell(r.run_id))],
      ["pipeline", data.runs.map((r) => mdCell(r.pipeline_name))],
      ["status", data.runs.map((r) => r.status)],
    ]),
  );
  const differing = data.parameters.filter((p) => p.differs);
  if (differing.length) {
    out.push("", "### parameters that differ", "");
    const rows = differing.map((p): [string, string[]] => [
      p.name,
      p.values.map((v) => mdCell(formatValue(v))),
    ]);
    out.push(...mdTable(labels, rows));
  }
  if (data.metrics.length) {
    out.push("", "### metrics (best in bold)", "");
    const rows = data.metrics.map((m): [string, string[]] => {
      const higher = directionOf(m, directions);
      const best = bestRuns(m.values, higher);
      const cells = m.values.map((v, i) => {
        const text = mdCell(formatValue(v));
        return best.includes(i) ? `**${text}**` : text;
      });
      return [`${m.key} (${higher ? "higher" : "lower"} is better)`, cells];
    });
    out.push(...mdTable(labels, rows));
  }
  return out.join("\n") + "\n";
}
