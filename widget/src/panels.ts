// The logs of the selected task (or all, prefixed) with search and the error tail marked, and
// the selected task's outputs.
import { renderPreview, table } from "./previews";
import { SelectedOutputs, Task, h } from "./types";

const ALL_LIMIT = 2000;
const ERROR_TAIL = 20;

export class LogPanel {
  readonly el = h("div", { class: "kfpnb-logs" });
  private search = h("input", { type: "search", placeholder: "search logs", class: "kfpnb-search" });
  private info = h("span", { class: "kfpnb-meta" });
  private pre = h("pre", { class: "kfpnb-log-lines" });
  private last = "";

  constructor(private rerender: () => void) {
    this.el.append(h("div", { class: "kfpnb-toolbar" }, this.search, this.info), this.pre);
    this.search.addEventListener("input", () => this.rerender());
  }

  update(tasks: Task[], logs: Record<string, string[]>, counts: Record<string, number>, selected: string): void {
    const query = this.search.value.toLowerCase();
    const task = tasks.find((t) => t.id === selected);
    let lines: { text: string; error: boolean }[] = [];
    let total = 0;
    if (task) {
      const own = logs[task.id] ?? [];
      const failed = task.status === "FAILED";
      lines = own.map((text, i) => ({ text, error: failed && i >= own.length - ERROR_TAIL }));
      total = counts[task.id] ?? own.length;
    } else {
      for (const t of tasks) {
        for (const text of logs[t.id] ?? []) lines.push({ text: `${t.name.padEnd(12)} | ${text}`, error: false });
        total += counts[t.id] ?? 0;
      }
      lines = lines.slice(-ALL_LIMIT);
    }
    if (query) lines = lines.filter((l) => l.text.toLowerCase().includes(query));
    const key = `${selected}|${query}|${total}|${lines.length}|${task?.status}`;
    if (key === this.last) return;
    this.last = key;
    const stick = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 20;
    this.info.textContent = `${task ? task.name : "all tasks"} · ${lines.length} line(s) shown of ${total}`;
    const render = (l: { text: string; error: boolean }) => {
      const div = h("div", { class: l.error ? "kfpnb-line kfpnb-error" : "kfpnb-line" });
      if (query) {
        const i = l.text.toLowerCase().indexOf(query);
        div.append(l.text.slice(0, i), h("mark", {}, l.text.slice(i, i + query.length)), l.text.slice(i + query.length));
      } else div.textContent = l.text;
      return div;
    };
    this.pre.replaceChildren(...(query ? lines.map(render) : foldExecutorInput(lines, render)));
    if (stick) this.pre.scrollTop = this.pre.scrollHeight;
  }
}

// KFP's executor logs its whole input as indented JSON at the start of every task: fold it.
function foldExecutorInput(
  lines: { text: string; error: boolean }[],
  render: (l: { text: string; error: boolean }) => HTMLElement,
): HTMLElement[] {
  const out: HTMLElement[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].text.endsWith("Got executor_input:")) {
      out.push(render(lines[i]));
      continue;
    }
    const prefix = lines[i].text.slice(0, lines[i].text.indexOf("[KFP Executor"));
    let end = i + 1;
    while (end < lines.length && lines[end].text !== `${prefix}}`) end++;
    if (end >= lines.length) {
      out.push(render(lines[i]));
      continue;
    }
    const details = h("details", { class: "kfpnb-fold" });
    details.append(h("summary", {}, `${lines[i].text} (${end - i} lines)`), ...lines.slice(i + 1, end + 1).map(render));
    out.push(details);
    i = end;
  }
  return out;
}

export function renderOutputs(out: SelectedOutputs, task: Task | undefined): HTMLElement {
  const box = h("div", { class: "kfpnb-outputs" });
  if (!task) {
    box.append(h("div", { class: "kfpnb-meta" }, "Select a task in the graph to see its outputs."));
    return box;
  }
  box.append(h("div", { class: "kfpnb-meta" }, `${task.id} · ${task.status}${task.attempts > 1 ? ` · ${task.attempts} attempts` : ""}`));
  if (task.message) box.append(h("pre", { class: task.status === "FAILED" ? "kfpnb-message kfpnb-error" : "kfpnb-message" }, task.message));
  const params = Object.entries(task.params ?? {});
  if (params.length) box.append(table(["output", "value"], params.map(([k, v]) => [k, v])));
  if (out.task === task.id) {
    for (const art of out.artifacts ?? []) {
      box.append(h("div", { class: "kfpnb-artifact-title" }, `${art.name} (${art.type.replace("system.", "")})`), h("div", { class: "kfpnb-uri" }, art.uri));
      box.append(renderPreview(art.preview));
    }
  }
  return box;
}
