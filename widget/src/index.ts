// The kfp-notebook run widget (anywidget entry point): header with status, progress, elapsed
// time and cancel; the task graph; logs and outputs of the selected task.
import { TaskGraph } from "./graph";
import { LogPanel, renderOutputs } from "./panels";
import { requestCancel } from "./server";
import { Model, duration, h } from "./types";

function render({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const root = h("div", { class: "kfpnb-root" });
  const title = h("span", { class: "kfpnb-title" });
  const badge = h("span", { class: "kfpnb-badge" });
  const progress = h("span", { class: "kfpnb-progress" });
  const elapsed = h("span", { class: "kfpnb-elapsed" });
  const cancel = h("button", { class: "kfpnb-cancel", type: "button" }, "Cancel");
  const allLogs = h("button", { class: "kfpnb-all", type: "button" }, "All logs");
  const message = h("div", { class: "kfpnb-run-message" });
  const graph = new TaskGraph((id) => {
    model.set("selected", id);
    model.save_changes();
  });
  const logs = new LogPanel(() => refresh());
  const outputs = h("div", { class: "kfpnb-outputs-box" });
  root.append(
    h("div", { class: "kfpnb-header" }, title, badge, progress, elapsed, allLogs, cancel),
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
    void requestCancel(run.root ?? "", run.id).then((sent) => {
      window.setTimeout(() => {
        if (model.get("run").status === "RUNNING") {
          message.textContent = sent
            ? "Cancel requested; waiting for the engine to stop the tasks…"
            : "The kernel is busy waiting for this run: interrupt the kernel (■) to cancel it now.";
        }
      }, 2000);
    });
  });
  allLogs.addEventListener("click", () => {
    model.set("selected", "");
    model.save_changes();
  });

  function refresh(): void {
    const run = model.get("run");
    const tasks = model.get("tasks") ?? [];
    const selected = model.get("selected");
    const now = run.status === "RUNNING" ? Date.now() / 1000 : run.finished ?? Date.now() / 1000;
    title.textContent = `${run.pipeline || "run"} · ${run.id}`;
    badge.textContent = run.status;
    badge.setAttribute("data-status", run.status);
    root.setAttribute("data-status", run.status);
    progress.textContent = `${run.done ?? 0} of ${run.total ?? 0} tasks`;
    elapsed.textContent = run.created ? duration({ started: run.created, finished: now }, now) : "";
    if (run.status !== "RUNNING") cancel.setAttribute("disabled", "");
    if (run.status !== "RUNNING") {
      message.textContent = run.status === "FAILED" || run.status === "CANCELLED" ? run.message ?? "" : "";
    }
    graph.update(tasks, selected, now);
    logs.update(tasks, model.get("logs") ?? {}, model.get("log_counts") ?? {}, selected);
    outputs.replaceChildren(renderOutputs(model.get("selected_outputs") ?? {}, tasks.find((t) => t.id === selected)));
  }

  const events = ["change:run", "change:tasks", "change:logs", "change:selected", "change:selected_outputs"];
  for (const e of events) model.on(e, refresh);
  const timer = window.setInterval(() => {
    if (model.get("run").status === "RUNNING") refresh();
  }, 500);
  requestAnimationFrame(refresh);
  return () => {
    window.clearInterval(timer);
    for (const e of events) model.off(e, refresh);
  };
}

export default { render };
