// The graph of a pipeline before it runs: the run widget's task graph (graph.ts: ELK layout,
// groups for loops, conditions, exit handlers and nested pipelines, pan and zoom) drawn once
// from tasks that have not run, with no kernel, server or run behind it. Each leaf shows its
// component where a run shows its state and time; a group's note (a loop's items, a condition)
// is its tooltip. Used by `kfp-notebook graph -o page.html` (static-page.ts) and by the
// notebook's graph widget (`renderGraphWidget`, exported by the widget bundle).
import type { TaskJSON } from "@kfp-notebook/shared";

import { TaskGraph } from "./graph";

/** What the kernel or the page gives: the pipeline's name and its tasks, all PENDING. */
export interface StaticGraphData {
  name: string;
  tasks: TaskJSON[];
}

function component(t: TaskJSON): string {
  return t.component.replace(/^comp-/, "");
}

/** Writes each drawn leaf's component under its name, now and whenever the graph repaints. */
function labelComponents(el: HTMLElement, tasks: TaskJSON[]): MutationObserver {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const label = () => {
    for (const node of el.querySelectorAll<SVGGElement>(".kfpnb-node")) {
      const t = byId.get(node.getAttribute("data-id") ?? "");
      const line = node.querySelector(".kfpnb-time");
      const text = t ? component(t) : "";
      if (line && line.textContent !== text) {
        line.textContent = text;
      }
    }
  };
  const observer = new MutationObserver(label);
  observer.observe(el, { childList: true, subtree: true, characterData: true });
  label();
  return observer;
}

/** Draws the tasks' graph into `el`; returns what removes its listeners. */
export function renderStaticGraph(el: HTMLElement, data: StaticGraphData): () => void {
  const graph = new TaskGraph(() => undefined);
  graph.el.classList.add("kfpnb-static-graph");
  graph.el.setAttribute("aria-label", `graph of ${data.name}`);
  el.append(graph.el);
  const observer = labelComponents(graph.el, data.tasks);
  requestAnimationFrame(() => graph.update(data.tasks, "", 0));
  return () => {
    observer.disconnect();
    graph.dispose();
  };
}

interface GraphModel {
  get(name: "name"): string;
  get(name: "tasks"): TaskJSON[];
}

/** The notebook's graph widget (an anywidget view over the `name` and `tasks` traits). */
export function renderGraphWidget({ model, el }: { model: GraphModel; el: HTMLElement }) {
  const root = document.createElement("div");
  root.className = "kfpnb-root kfpnb-static-root";
  const title = document.createElement("div");
  title.className = "kfpnb-title";
  const tasks = model.get("tasks") ?? [];
  const name = model.get("name") ?? "";
  const leaves = tasks.filter((t) => t.kind === "container" || t.kind === "importer").length;
  title.textContent = `${name} · ${leaves} task(s) · before it runs`;
  root.append(title);
  el.append(root);
  return renderStaticGraph(root, { name, tasks });
}
