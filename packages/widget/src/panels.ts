// The logs of the selected task (or all, prefixed) with search, the error tail marked and KFP's
// executor boilerplate folded; and the selected task's outputs.
import {
  boilerplateMask,
  failureHeadline,
  h,
  renderPreview,
  table,
  type TaskJSON,
  type TaskOutputsJSON,
} from "@kfp-notebook/shared";

const ALL_LIMIT = 2000;
const ERROR_TAIL = 20;

export interface Line {
  text: string;
  error: boolean;
  /** KFP's executor boilerplate (folded unless searching). */
  kfp: boolean;
  /** The latest state of a line being rewritten (a progress bar), shown after the log. */
  bar?: boolean;
}

export class LogPanel {
  readonly el = h("div", { class: "kfpnb-logs" });
  private readonly search = h("input", {
    type: "search",
    placeholder: "search logs",
    class: "kfpnb-search",
  });
  private readonly info = h("span", { class: "kfpnb-meta" });
  private readonly pre = h("pre", { class: "kfpnb-log-lines" });
  private last = "";

  constructor(private readonly rerender: () => void) {
    this.el.append(h("div", { class: "kfpnb-toolbar" }, this.search, this.info), this.pre);
    this.search.addEventListener("input", () => this.rerender());
  }

  update(
    tasks: TaskJSON[],
    logs: Record<string, string[]>,
    counts: Record<string, number>,
    selected: string,
    progress: ReadonlyMap<string, string> = new Map(),
  ): void {
    const query = this.search.value.toLowerCase();
    const task = tasks.find((t) => t.task_id === selected);
    let lines: Line[] = [];
    let total = 0;
    if (task) {
      const own = logs[task.task_id] ?? [];
      const failed = task.status === "FAILED";
      const kfp = boilerplateMask(own);
      lines = own.map((text, i) => ({
        text,
        error: failed && i >= own.length - ERROR_TAIL,
        kfp: kfp[i] ?? false,
      }));
      total = counts[task.task_id] ?? own.length;
      const bar = progress.get(task.task_id);
      if (bar !== undefined) {
        lines.push({ text: bar, error: false, kfp: false, bar: true });
      }
    } else {
      for (const t of tasks) {
        const own = logs[t.task_id] ?? [];
        const kfp = boilerplateMask(own);
        own.forEach((text, i) => {
          lines.push({
            text: `${t.name.padEnd(12)} | ${text}`,
            error: false,
            kfp: kfp[i] ?? false,
          });
        });
        total += counts[t.task_id] ?? 0;
      }
      lines = lines.slice(-ALL_LIMIT);
      for (const t of tasks) {
        const bar = progress.get(t.task_id);
        if (bar !== undefined) {
          lines.push({
            text: `${t.name.padEnd(12)} | ${bar}`,
            error: false,
            kfp: false,
            bar: true,
          });
        }
      }
    }
    if (query) {
      lines = lines.filter((l) => l.text.toLowerCase().includes(query));
    }
    const bars = lines.filter((l) => l.bar).map((l) => l.text);
    const key = `${selected}|${query}|${total}|${lines.length}|${task?.status ?? ""}|${bars.join("\n")}`;
    if (key === this.last) {
      return;
    }
    this.last = key;
    const stick = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 20;
    this.info.textContent = `${task ? task.name : "all tasks"} · ${shownOf(lines.length, total)}`;
    const render = (l: Line): HTMLElement => {
      const kind = l.error ? " kfpnb-error" : l.bar ? " kfpnb-bar" : "";
      const div = h("div", { class: `kfpnb-line${kind}` });
      if (query) {
        const i = l.text.toLowerCase().indexOf(query);
        const hit = l.text.slice(i, i + query.length);
        div.append(l.text.slice(0, i), h("mark", {}, hit), l.text.slice(i + query.length));
      } else {
        div.textContent = l.text;
      }
      return div;
    };
    this.pre.replaceChildren(...(query ? lines.map(render) : foldBoilerplate(lines, render)));
    if (stick) {
      this.pre.scrollTop = this.pre.scrollHeight;
    }
  }
}

/** Runs of KFP's executor lines folded into one closed <details> each. */
export function foldBoilerplate(lines: Line[], render: (l: Line) => HTMLElement): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (let i = 0; i < lines.length;) {
    const line = lines[i] as Line;
    if (!line.kfp) {
      out.push(render(line));
      i++;
      continue;
    }
    let end = i;
    while (end < lines.length && lines[end]?.kfp) {
      end++;
    }
    const details = h("details", { class: "kfpnb-fold" });
    const count = end - i;
    // one element for the fold's lines: the page's size stays bounded by what is shown
    const folded = h("div", { class: "kfpnb-line kfpnb-folded" });
    folded.textContent = lines
      .slice(i, end)
      .map((l) => l.text)
      .join("\n");
    details.append(
      h("summary", {}, `KFP executor · ${count} line${count === 1 ? "" : "s"}`),
      folded,
    );
    out.push(details);
    i = end;
  }
  return out;
}

export function renderOutputs(
  out: TaskOutputsJSON | undefined,
  task: TaskJSON | undefined,
): HTMLElement {
  const box = h("div", { class: "kfpnb-outputs" });
  if (!task) {
    box.append(h("div", { class: "kfpnb-meta" }, "Select a task in the graph to see its outputs."));
    return box;
  }
  const attempts = task.attempts > 1 ? ` · ${task.attempts} attempts` : "";
  box.append(h("div", { class: "kfpnb-meta" }, `${task.task_id} · ${task.status}${attempts}`));
  if (task.message) {
    const cls = task.status === "FAILED" ? "kfpnb-message kfpnb-error" : "kfpnb-message";
    box.append(h("pre", { class: cls }, failureHeadline(task.message))); // its log is beside
  }
  if (!out) {
    box.append(h("div", { class: "kfpnb-meta kfpnb-loading" }, "Loading outputs…"));
    return box;
  }
  const params = Object.entries(out.outputs ?? {});
  if (params.length) {
    box.append(table(["output", "value"], params));
  }
  for (const art of out.artifacts ?? []) {
    const kind = art.type.replace(/^system\./, "");
    box.append(
      h("div", { class: "kfpnb-artifact-title" }, `${art.name} (${kind})`),
      h("div", { class: "kfpnb-uri" }, art.uri),
      renderPreview(art.preview),
    );
  }
  return box;
}

/** "32 lines", "1 line", or "3 of 32 lines shown" (a search, or a tail of a longer log). */
export function shownOf(shown: number, total: number): string {
  const count = (n: number) => n.toLocaleString("en-US");
  if (shown === total) {
    return `${count(total)} ${total === 1 ? "line" : "lines"}`;
  }
  return `${count(shown)} of ${count(total)} ${total === 1 ? "line" : "lines"} shown`;
}
