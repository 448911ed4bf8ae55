// The task graph: ELK lays out tasks and their groups (see layout.ts), SVG draws them, the mouse
// pans and zooms, a click selects a task. Layout runs only when the set of tasks changes. Until
// the first layout (its engine loads on demand) a note stands in for the graph.
import {
  formatDuration,
  elapsed,
  isLeafKind,
  statusColour,
  svg,
  type TaskJSON,
} from "@kfp-notebook/shared";

import { layoutTasks, type GraphLayout } from "./layout";

const MAX_HEIGHT = 420;
const MIN_HEIGHT = 120;
const PAD = 12;

function label(name: string): string {
  return name.length > 22 ? `${name.slice(0, 21)}…` : name;
}

export class TaskGraph {
  readonly el: HTMLDivElement;
  private readonly svg = svg("svg", { class: "kfpnb-graph-svg" });
  private readonly viewport = svg("g");
  private readonly note = document.createElement("div");
  private layoutKey = "";
  private laying = false;
  private relayout = false;
  private nodes = new Map<string, SVGGElement>();
  private last: { tasks: TaskJSON[]; selected: string; now: number } | null = null;
  private scale = 1;
  private tx = PAD;
  private ty = PAD;
  private layout: GraphLayout | null = null;
  /** The user panned or zoomed: a resize no longer refits. */
  private moved = false;
  private fittedWidth = 0;
  private readonly resize = new ResizeObserver(() => {
    if (!this.moved && this.el.clientWidth && this.el.clientWidth !== this.fittedWidth) {
      this.fit();
    }
  });

  constructor(private readonly onSelect: (taskId: string) => void) {
    this.el = document.createElement("div");
    this.el.className = "kfpnb-graph";
    this.note.className = "kfpnb-graph-note";
    this.note.textContent = "Laying out the task graph…";
    this.svg.append(this.viewport);
    this.el.append(this.note, this.svg);
    this.enablePanZoom();
    this.resize.observe(this.el);
  }

  update(tasks: TaskJSON[], selected: string, now: number): void {
    this.last = { tasks, selected, now };
    const key = tasks
      .map((t) => `${t.task_id}<${t.parent_id ?? ""}<${t.dependencies.join(",")}`)
      .join("|");
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.requestLayout();
    }
    this.paint();
  }

  /**
   * Lays out the current tasks; one layout at a time (ELK takes a while on hundreds of tasks,
   * and loops add tasks as they expand), then once more if the tasks changed meanwhile.
   */
  private requestLayout(): void {
    if (this.laying) {
      this.relayout = true;
      return;
    }
    const key = this.layoutKey;
    const tasks = this.last?.tasks ?? [];
    this.laying = true;
    layoutTasks(tasks)
      .then((layout) => {
        if (this.layoutKey === key) {
          this.draw(tasks, layout);
          this.paint();
        }
      })
      .catch((error: unknown) => {
        console.error("kfp-notebook: graph layout failed", error);
        if (!this.layout) {
          this.note.textContent = `The task graph could not be laid out: ${error}`;
        }
      })
      .finally(() => {
        this.laying = false;
        if (this.relayout) {
          this.relayout = false;
          if (this.layoutKey !== key) {
            this.requestLayout();
          }
        }
      });
  }

  /** Statuses, durations and the selection onto the drawn nodes. */
  private paint(): void {
    if (!this.last) {
      return;
    }
    const { tasks, selected, now } = this.last;
    for (const t of tasks) {
      const g = this.nodes.get(t.task_id);
      if (!g) {
        continue;
      }
      g.setAttribute("data-status", t.status);
      g.classList.toggle("selected", t.task_id === selected);
      const rect = g.querySelector("rect");
      if (rect && isLeafKind(t.kind)) {
        const colour = statusColour(t.status);
        rect.style.fill = colour.fill;
        rect.style.stroke = colour.stroke;
      }
      const time = g.querySelector(".kfpnb-time");
      if (time) {
        time.textContent = `${t.status.toLowerCase()} ${formatDuration(elapsed(t.started, t.finished, now))}`;
      }
      const title = g.querySelector("title");
      if (title) {
        title.textContent = `${t.task_id}\n${t.status}${t.message ? `\n${t.message}` : ""}`;
      }
    }
  }

  private draw(tasks: TaskJSON[], layout: GraphLayout): void {
    this.viewport.replaceChildren();
    this.nodes.clear();
    const groups = svg("g");
    const edges = svg("g", { class: "kfpnb-edges" });
    const leaves = svg("g");
    const byId = new Map(tasks.map((t) => [t.task_id, t]));
    const depth = (t: TaskJSON): number => {
      const parent = t.parent_id !== null ? byId.get(t.parent_id) : undefined;
      return parent ? 1 + depth(parent) : 0;
    };
    for (const t of [...tasks].sort((a, b) => depth(a) - depth(b))) {
      const box = layout.boxes.get(t.task_id);
      if (!box) {
        continue;
      }
      const leaf = isLeafKind(t.kind);
      const node = svg("g", {
        class: leaf ? "kfpnb-node" : "kfpnb-group",
        "data-id": t.task_id,
        "data-kind": t.kind,
      });
      node.append(svg("title"));
      node.append(svg("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }));
      const name = leaf ? label(t.name) : `${label(t.name)} · ${t.kind}`;
      node.append(svg("text", { x: box.x + 8, y: box.y + 15, class: "kfpnb-label" }, name));
      if (leaf) {
        node.append(svg("text", { x: box.x + 8, y: box.y + 30, class: "kfpnb-time" }));
      }
      node.addEventListener("click", (ev) => {
        ev.stopPropagation();
        this.onSelect(t.task_id);
      });
      (leaf ? leaves : groups).append(node);
      this.nodes.set(t.task_id, node);
    }
    for (const e of layout.edges) {
      const d = e.points.map((p, i) => `${i ? "L" : "M"}${p.x},${p.y}`).join(" ");
      edges.append(svg("path", { d, class: "kfpnb-edge", "marker-end": "url(#kfpnb-arrow)" }));
    }
    const marker = svg("marker", {
      id: "kfpnb-arrow",
      viewBox: "0 0 10 10",
      refX: 9,
      refY: 5,
      markerWidth: 6,
      markerHeight: 6,
      orient: "auto",
    });
    marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", class: "kfpnb-arrowhead" }));
    const defs = svg("defs");
    defs.append(marker);
    this.viewport.append(defs, groups, edges, leaves);
    this.note.remove();
    this.layout = layout;
    this.moved = false;
    this.fit();
  }

  /** Scales the graph to fit the pane's width and the height limit, with a margin. */
  private fit(): void {
    const layout = this.layout;
    if (!layout) {
      return;
    }
    const width = this.el.clientWidth || 600;
    this.fittedWidth = width;
    const across = (width - 2 * PAD) / Math.max(1, layout.width);
    const down = (MAX_HEIGHT - 2 * PAD) / Math.max(1, layout.height);
    this.scale = Math.max(0.1, Math.min(1, across, down));
    this.tx = PAD;
    this.ty = PAD;
    const height = layout.height * this.scale + 2 * PAD;
    this.svg.setAttribute("height", String(Math.max(MIN_HEIGHT, Math.ceil(height))));
    this.applyTransform();
  }

  private applyTransform(): void {
    this.viewport.setAttribute(
      "transform",
      `translate(${this.tx},${this.ty}) scale(${this.scale})`,
    );
  }

  private enablePanZoom(): void {
    let drag: { x: number; y: number } | null = null;
    this.svg.addEventListener(
      "wheel",
      (ev) => {
        ev.preventDefault();
        const rect = this.svg.getBoundingClientRect();
        const mx = ev.clientX - rect.left;
        const my = ev.clientY - rect.top;
        const factor = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
        const next = Math.min(4, Math.max(0.1, this.scale * factor));
        this.tx = mx - ((mx - this.tx) * next) / this.scale;
        this.ty = my - ((my - this.ty) * next) / this.scale;
        this.scale = next;
        this.moved = true;
        this.applyTransform();
      },
      { passive: false },
    );
    this.svg.addEventListener("pointerdown", (ev) => {
      drag = { x: ev.clientX - this.tx, y: ev.clientY - this.ty };
    });
    const move = (ev: PointerEvent) => {
      if (!drag) {
        return;
      }
      this.tx = ev.clientX - drag.x;
      this.ty = ev.clientY - drag.y;
      this.moved = true;
      this.applyTransform();
    };
    const up = () => {
      drag = null;
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    this.dispose = () => {
      this.resize.disconnect();
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
  }

  /** Removes the listeners on the window (the widget's view is gone). */
  dispose: () => void = () => undefined;
}
