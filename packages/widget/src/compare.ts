// The comparison widget (a second anywidget entry, bundled apart from the run widget so it
// carries no elkjs): the shared comparison view over the synced `comparison` and `trend` traits.
import "@kfp-notebook/shared/style/previews.css";
import "@kfp-notebook/shared/style/compare.css";

import { ComparisonView, type ComparisonJSON, type TrendJSON } from "@kfp-notebook/shared";

interface CompareState {
  comparison: ComparisonJSON;
  /** The trend of one metric over the experiment, or {} when none was asked for. */
  trend: TrendJSON | Record<string, never>;
}

interface CompareModel {
  get<K extends keyof CompareState>(name: K): CompareState[K];
  on(event: string, callback: () => void): void;
  off(event: string, callback: () => void): void;
}

function trendOf(value: CompareState["trend"] | null | undefined): TrendJSON | null {
  return value && "points" in value ? (value as TrendJSON) : null;
}

function render({ model, el }: { model: CompareModel; el: HTMLElement }): () => void {
  const view = new ComparisonView(model.get("comparison"), trendOf(model.get("trend")));
  view.el.classList.add("kfpc-widget");
  el.append(view.el);
  const refresh = () => view.update(model.get("comparison"), trendOf(model.get("trend")));
  model.on("change:comparison", refresh);
  model.on("change:trend", refresh);
  return () => {
    model.off("change:comparison", refresh);
    model.off("change:trend", refresh);
  };
}

export default { render };
