/**
 * The main-area Compare tab: the shared comparison view (@kfp-notebook/shared compare.ts) of
 * runs picked in the sidebar (`GET roots/ID/compare?runs=A,B,C`) or of an experiment's latest
 * runs with one metric's trend (`?experiment=E`, `GET roots/ID/trend`).
 */
import { Clipboard, Notification } from "@jupyterlab/apputils";
import { Widget } from "@lumino/widgets";
import { ComparisonView, type ComparisonJSON, type TrendJSON } from "@kfp-notebook/shared";

import { api } from "./api";
import { el } from "./format";

export type CompareTarget =
  { root: string; runs: string[] } | { root: string; experiment: string; metric?: string };

export class CompareView extends Widget {
  private view: ComparisonView | null = null;

  constructor(private target: CompareTarget) {
    super();
    this.addClass("kfpsb-compare");
    const what = "runs" in target ? target.runs.join("-") : `exp-${target.experiment}`;
    this.id = `kfpsb-compare-${target.root}-${what}`.replace(/[^A-Za-z0-9_-]/g, "-");
    this.title.label =
      "runs" in target ? `Compare ${target.runs.length} runs` : `Trend: ${target.experiment}`;
    this.title.caption = "runs" in target ? target.runs.join(", ") : target.experiment;
    this.title.closable = true;
    this.node.append(el("div", "kfpc-note", "Loading…"));
    void this.load();
  }

  private async load(): Promise<void> {
    const t = this.target;
    try {
      const data: ComparisonJSON =
        "runs" in t
          ? await api.compare(t.root, t.runs)
          : await api.compare(t.root, [], { name: t.experiment });
      let trend: TrendJSON | null = null;
      const experiment = "experiment" in t ? t.experiment : null;
      const metric = "experiment" in t ? (t.metric ?? data.metrics[0]?.key) : undefined;
      if (experiment !== null && metric) {
        trend = await api.trend(t.root, experiment, metric);
      }
      this.view = new ComparisonView(data, trend, {
        copy: (text) => Clipboard.copyToSystem(text),
        notify: (message) => void Notification.info(message, { autoClose: 2000 }),
        pickTrend: experiment === null ? undefined : (key) => void this.pickTrend(experiment, key),
      });
      this.node.replaceChildren(this.view.el);
    } catch (error) {
      this.node.replaceChildren(el("div", "kfpsb-error", `Cannot compare: ${error}`));
    }
  }

  private async pickTrend(experiment: string, metric: string): Promise<void> {
    try {
      this.view?.setTrend(await api.trend(this.target.root, experiment, metric));
    } catch (error) {
      Notification.error(`No trend: ${error}`);
    }
  }
}
