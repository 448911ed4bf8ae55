// The kfp-notebook run widget (anywidget entry point): header with status, progress, elapsed
// time and cancel; the task graph, or the timeline (a switch in the header); logs and outputs
// of the selected task. No JupyterLab import: it runs in JupyterLab, Notebook 7 and VS Code alike.
import "@kfp-notebook/shared/style/previews.css";
import "./widget.css";

import {
  KfpApi,
  elapsed,
  failureHeadline,
  formatDuration,
  h,
  pageServerOptions,
  statusColour,
} from "@kfp-notebook/shared";

import { RunData } from "./data";
import { TaskGraph } from "./graph";
import { onKernelMessage, shownTask, type Model } from "./model";
import { LogPanel, renderOutputs } from "./panels";
import { progress } from "./progress";
import { spinBox, spinnable, Spins } from "./spin";
import { RunTasks } from "./tasks";
import { Timeline } from "./timeline";

// once per state update however many traits it changes (a whole list: packed_tasks, batch)
const EVENTS = ["change"];
const ALL_TAILS = 50;

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const root = h("div", { class: "kfpnb-root" });
  const title = h("span", { class: "kfpnb-title" });
  const badge = h("span", { class: "kfpnb-badge" });
  const count = h("span", { class: "kfpnb-progress" });
  const clock = h("span", { class: "kfpnb-elapsed" });
  const cancel = h("button", { class: "kfpnb-cancel", type: "button" }, "Cancel");
  const allLogs = h("button", { class: "kfpnb-all", type: "button" }, "All logs");
  const message = h("div", { class: "kfpnb-run-message" });
  const select = (taskId: string) => {
    model.set("selected", taskId);
    model.save_changes();
  };
  const graph = new TaskGraph(select);
  // the graph or the timeline: only the one shown is drawn; the timeline is made when first shown
  let timeline: Timeline | null = null;
  let view: "graph" | "timeline" = "graph";
  const toggle = (name: string, text: string) =>
    h("button", { class: "kfpnb-view", type: "button", "data-view": name }, text);
  const toggles = { graph: toggle("graph", "Graph"), timeline: toggle("timeline", "Timeline") };
  const show = (next: "graph" | "timeline") => {
    view = next;
    for (const [name, button] of Object.entries(toggles)) {
      button.setAttribute("aria-pressed", String(name === next));
    }
    graph.el.hidden = next !== "graph";
    if (next === "timeline" && !timeline) {
      timeline = new Timeline(select);
      graph.el.after(timeline.el);
    }
    if (timeline) {
      timeline.el.hidden = next !== "timeline";
    }
  };
  show("graph");
  const data = new RunData(model, () => refresh());
  const runTasks = new RunTasks(model, () => refresh());
  const spins = new Spins(model);
  const stopSpins = onKernelMessage(model, (msg) => {
    if (spins.receive(msg)) {
      refresh();
    }
  });
  const logs = new LogPanel(() => refresh());
  const outputs = h("div", { class: "kfpnb-outputs-box" });
  root.append(
    h(
      "div",
      { class: "kfpnb-header" },
      ...[title, badge, count, clock],
      h("span", { class: "kfpnb-views", role: "group" }, toggles.graph, toggles.timeline),
      ...[allLogs, cancel],
    ),
    message,
    graph.el,
    h("div", { class: "kfpnb-panels" }, logs.el, outputs),
  );
  el.append(root);

  cancel.addEventListener("click", () => {
    model.send({ action: "cancel" }); // handled at once when the kernel is idle
    cancel.textContent = "Cancelling…";
    cancel.setAttribute("disabled", "");
    const run = model.get("run");
    void new KfpApi(pageServerOptions()).requestCancel(run.root, run.run_id).then((sent) => {
      window.setTimeout(() => {
        if (model.get("run").status === "RUNNING") {
          message.textContent = sent
            ? "Cancel requested; waiting for the engine to stop the tasks…"
            : "The kernel is busy waiting for this run: interrupt the kernel (■) to cancel it now.";
        }
      }, 2000);
    });
  });
  allLogs.addEventListener("click", () => select(""));
  for (const name of ["graph", "timeline"] as const) {
    toggles[name].addEventListener("click", () => {
      show(name);
      refresh();
    });
  }

  // The header (title, status, progress, clock) needs no layout: it is filled at once on
  // render, the graph and panels on the next frame, once the view is in the page.
  function paintHeader(): number {
    const run = model.get("run");
    const now = run.status === "RUNNING" ? Date.now() / 1000 : (run.finished ?? Date.now() / 1000);
    title.textContent = `${run.pipeline_name || "run"} · ${run.run_id}`;
    badge.textContent = run.status;
    badge.setAttribute("data-status", run.status);
    badge.style.background = statusColour(run.status).stroke;
    root.setAttribute("data-status", run.status);
    const { done, total } = progress(runTasks.tasks());
    count.textContent = `${done} of ${total} tasks`;
    clock.textContent = run.created ? formatDuration(elapsed(run.created, now, now)) : "";
    if (run.status !== "RUNNING") {
      cancel.setAttribute("disabled", "");
      cancel.textContent = "Cancel";
      const failed = run.status === "FAILED" || run.status === "CANCELLED";
      message.textContent = failed ? failureHeadline(run.message) : ""; // the log pane has the rest
    }
    return now;
  }

  function refresh(): void {
    const now = paintHeader();
    const tasks = runTasks.tasks();
    const selected = model.get("selected") ?? "";
    const shown = shownTask(tasks, selected);
    if (view === "graph") {
      graph.update(tasks, shown, now);
    } else if (timeline) {
      const origin =
        model.get("run").created || Math.min(now, ...tasks.map((t) => t.started ?? now));
      timeline.update(tasks, shown, origin, now);
    }
    const counts = runTasks.logCounts();
    const task = tasks.find((t) => t.task_id === shown);
    // all logs: the tasks that logged last (a 1,000-task run does not ask for 1,000 tails)
    data.wantLogs(task ? [task.task_id] : Object.keys(counts).slice(-ALL_TAILS), counts);
    const logLines: Record<string, string[]> = {};
    for (const [taskId, tail] of data.tails) {
      logLines[taskId] = tail.lines;
    }
    logs.update(tasks, logLines, counts, shown, data.progress);
    if (task) {
      data.wantOutputs(task.task_id, task.status);
    }
    const out = task ? data.outputsOf(task.task_id, task.status) : undefined;
    outputs.replaceChildren(renderOutputs(out, task));
    const run = model.get("run");
    if (task && spinnable(task, run.status)) {
      outputs.append(spinBox(task, run.run_id, spins, refresh));
    }
  }

  for (const e of EVENTS) {
    model.on(e, refresh);
  }
  const timer = window.setInterval(() => {
    const spinning = spinsGoing();
    if (model.get("run").status === "RUNNING" || spinning) {
      refresh();
    }
  }, 500);
  function spinsGoing(): boolean {
    const shown = shownTask(runTasks.tasks(), model.get("selected") ?? "");
    return shown !== "" && spins.going(shown);
  }
  paintHeader();
  requestAnimationFrame(refresh);
  return () => {
    window.clearInterval(timer);
    graph.dispose();
    data.dispose();
    runTasks.dispose();
    stopSpins();
    for (const e of EVENTS) {
      model.off(e, refresh);
    }
  };
}

export default { render };

// The notebook's graph of a pipeline before it runs (static.ts), from the same bundle.
export { renderGraphWidget } from "./static";
