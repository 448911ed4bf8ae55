// The comparison as data, for the view and its exports. Everything it shows is computed once in
// Python (kfp_notebook/_views/compare/rows.py) and comes in the ComparisonJSON: values as text,
// the best runs under either direction, the per-run table and the sections. Here only the
// user's direction switches are kept, and the CSV and Markdown are written. Pure: no DOM.
import {
  RUN_COLOURS,
  type ComparedMetric,
  type ComparisonJSON,
  type SectionRow,
} from "./model.generated";

export const runColour = (index: number): string => RUN_COLOURS[index % RUN_COLOURS.length];

/** Per metric key: true when higher is better. Starts from the model, switched by the user. */
export type Directions = Map<string, boolean>;

export function directionOf(
  metric: Pick<ComparedMetric, "key" | "higher_is_better">,
  directions?: Directions,
): boolean {
  return directions?.get(metric.key) ?? metric.higher_is_better;
}

type Ranked = Pick<ComparedMetric, "higher_is_better" | "best" | "best_reversed">;

/** The indexes of the best runs (or trend points) under `higher`, as the model computed them:
 * empty when nothing stands out. */
export function bestUnder(ranked: Ranked, higher: boolean): number[] {
  return higher === ranked.higher_is_better ? ranked.best : ranked.best_reversed;
}

export function runLabels(data: ComparisonJSON): string[] {
  return data.runs.map((_, i) => `#${i + 1}`);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) {
    return "";
  }
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The model's per-run table as CSV (RFC 4180 quoting), as `Comparison.to_csv()` writes it. */
export function toCsv(data: ComparisonJSON): string {
  const { columns, rows } = data.table;
  return [columns, ...rows].map((row) => row.map(csvCell).join(",")).join("\n") + "\n";
}

function mdCell(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/[\r\n]+/g, " ");
}

/** A row's label and best cells; a metric the user switched says its direction. */
function shownRow(
  data: ComparisonJSON,
  row: SectionRow,
  directions?: Directions,
): { label: string; best: number[] } {
  const metric = row.metric === null ? undefined : data.metrics.find((m) => m.key === row.metric);
  if (!metric) {
    return { label: row.label, best: [] };
  }
  const higher = directionOf(metric, directions);
  const switched = higher !== metric.higher_is_better;
  const label = switched ? `${row.label} (${higher ? "higher" : "lower"} is better)` : row.label;
  return { label, best: bestUnder(metric, higher) };
}

/**
 * The model's sections as Markdown tables, one column per run, the best metric values in bold
 * under `directions`: with no switch, what `Comparison.to_markdown()` writes.
 */
export function toMarkdown(data: ComparisonJSON, directions?: Directions): string {
  const labels = runLabels(data);
  const out: string[] = [];
  for (const section of data.sections) {
    out.push(`### ${section.title}\n`);
    if (section.rows.length) {
      out.push(`| | ${labels.join(" | ")} |`, `${"|---".repeat(labels.length + 1)}|`);
      for (const row of section.rows) {
        const { label, best } = shownRow(data, row, directions);
        const cells = row.cells.map((c, i) => (best.includes(i) ? `**${mdCell(c)}**` : mdCell(c)));
        out.push(`| ${mdCell(label)} | ${cells.join(" | ")} |`);
      }
    }
    if (section.note) {
      out.push(`\n_${section.note}_`);
    }
    out.push("");
  }
  return out.join("\n");
}
